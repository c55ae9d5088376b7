// Rules' metrics as CloudWatch names them (AWS/Events, dimensions RuleName and optionally
// EventBusName): MatchedEvents, Invocations and FailedInvocations, counted per minute in memory as
// the dispatcher matches and delivers, written to the store once a minute (and before a read), so
// every node's counts add up. CloudWatch and Auto Scaling read them through runtime.cloudMetrics.
import { aggregate, type MetricQuery, parseArn, type Runtime } from '../../runtime/index.ts';
import type { SqlValue } from '../../store/index.ts';

const COLUMNS = {
  MatchedEvents: 'matched',
  Invocations: 'invocations',
  FailedInvocations: 'failed',
} as const;
export type RuleMetric = keyof typeof COLUMNS;
/** Kept as long as CloudWatch keeps one-minute data. */
export const RULE_METRICS_KEPT_MS = 15 * 86_400_000;

interface Pending {
  account: string;
  region: string;
  bus: string;
  rule: string;
  minute: number;
  matched: number;
  invocations: number;
  failed: number;
}

/** `rule/NAME` (default bus) or `rule/BUS/NAME`. */
function ruleOf(arn: string): { account: string; region: string; bus: string; rule: string } | undefined {
  const parsed = parseArn(arn);
  if (!parsed?.resource.startsWith('rule/')) return undefined;
  const parts = parsed.resource.slice('rule/'.length).split('/');
  const rule = parts.at(-1);
  if (!rule) return undefined;
  return {
    account: parsed.accountId,
    region: parsed.region,
    bus: parts.length > 1 ? parts.slice(0, -1).join('/') : 'default',
    rule,
  };
}

export class RuleMetrics {
  private pending = new Map<string, Pending>();

  constructor(private readonly runtime: Runtime) {
    runtime.cloudMetrics.register('AWS/Events', (query) => this.query(query));
  }

  count(ruleArn: string, metric: RuleMetric, by = 1): void {
    const rule = ruleOf(ruleArn);
    if (!rule) return;
    const minute = Math.floor(this.runtime.clock.now() / 60_000) * 60_000;
    const key = `${ruleArn} ${minute}`;
    let entry = this.pending.get(key);
    if (!entry) {
      entry = { ...rule, minute, matched: 0, invocations: 0, failed: 0 };
      this.pending.set(key, entry);
    }
    entry[COLUMNS[metric]] += by;
  }

  /** Writes the counts gathered since the last flush, and forgets rows past retention. */
  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const entries = [...this.pending.values()];
    this.pending = new Map();
    const before = this.runtime.clock.now() - RULE_METRICS_KEPT_MS;
    await this.runtime.store.write(async (tx) => {
      for (const e of entries)
        await tx.run(
          `INSERT INTO evb_rule_metrics (account, region, bus, rule, minute, matched, invocations, failed)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (account, region, bus, rule, minute) DO UPDATE SET
             matched = evb_rule_metrics.matched + excluded.matched,
             invocations = evb_rule_metrics.invocations + excluded.invocations,
             failed = evb_rule_metrics.failed + excluded.failed`,
          [e.account, e.region, e.bus, e.rule, e.minute, e.matched, e.invocations, e.failed],
        );
      await tx.run('DELETE FROM evb_rule_metrics WHERE minute < ?', [before]);
    });
  }

  private async query(query: MetricQuery) {
    const column = COLUMNS[query.metricName as RuleMetric];
    const rule = query.dimensions.RuleName;
    const extra = Object.keys(query.dimensions).filter(
      (name) => name !== 'RuleName' && name !== 'EventBusName',
    );
    if (!column || rule === undefined || extra.length > 0) return [];
    await this.flush();
    const where = ['rule = ?', 'minute >= ?', 'minute < ?'];
    const params: SqlValue[] = [rule, query.start, query.end];
    if (query.dimensions.EventBusName !== undefined) {
      where.push('bus = ?');
      params.push(query.dimensions.EventBusName);
    }
    const rows = await this.runtime.store.read((tx) =>
      tx.all<{ minute: number | string; value: number | string }>(
        `SELECT minute, SUM(${column}) AS value FROM evb_rule_metrics WHERE ${where.join(' AND ')}
         GROUP BY minute ORDER BY minute`,
        params,
      ),
    );
    return aggregate(
      rows.map((row) => ({ minute: Number(row.minute), value: Number(row.value) })),
      query,
    );
  }
}
