// Buses, rules and targets, kept in memory beside the store, with one compiled pattern set per
// bus so an event is matched against every rule at once. resources.ts says what they are,
// rules.ts what a rule and its targets must be.
import { parseArn } from '../../runtime/index.ts';
import type { Store } from '../../store/index.ts';
import { eventsError, notFound, validation } from './errors.ts';
import {
  type Bus,
  type BusRow,
  type BusSettings,
  busKey,
  busNameOf,
  type Rule,
  type RuleRow,
  type Target,
  toBus,
  toRule,
} from './resources.ts';
import { checkRule, checkTargetArns, checkTargetCount, type RuleSettings, targetProblem } from './rules.ts';

/** Who manages the rules AWS makes for archives, as DescribeRule's ManagedBy shows it. */
const ARCHIVE_RULE_MANAGER = 'prod.vhs.events.aws.internal';

/**
 * Throws ManagedRuleException for a change to a rule a service manages. `force` is DeleteRule's and
 * RemoveTargets' Force (undefined where the operation has none).
 */
export function assertUnmanaged(rule: Rule, force?: boolean): void {
  if (!rule.managedBy || force === true) return;
  throw eventsError(
    'ManagedRuleException',
    force === false
      ? `Rule ${rule.name} is managed by ${rule.managedBy}; use Force to delete it.`
      : `Rule ${rule.name} is managed by ${rule.managedBy}; only that service can change it.`,
  );
}

/** EventBridge's quotas: buses per account and rules per bus are adjustable (configuration), targets per rule not. */
export interface EventQuotas {
  busesPerAccount: number;
  rulesPerBus: number;
}

export class EventRegistry {
  private readonly buses = new Map<string, Bus>();
  private readonly busesById = new Map<number, Bus>();

  constructor(
    private readonly store: Store,
    private readonly now: () => number,
    private readonly checkSchedule: (expression: string) => string | undefined,
    private readonly quotas: EventQuotas,
  ) {}

  async load(): Promise<void> {
    const [busRows, ruleRows, targetRows] = await this.store.read(async (tx) => [
      await tx.all<BusRow>('SELECT * FROM evb_buses'),
      await tx.all<RuleRow>('SELECT * FROM evb_rules'),
      await tx.all<{ rule_id: number; config: string }>(
        'SELECT rule_id, config FROM evb_targets ORDER BY target_id',
      ),
    ]);
    for (const row of busRows) this.remember(toBus(row));
    const rulesById = new Map<number, Rule>();
    for (const row of ruleRows) {
      const bus = this.busesById.get(row.bus_id);
      if (!bus) continue;
      const rule = toRule(row, bus);
      bus.rules.set(rule.name, rule);
      rulesById.set(rule.id, rule);
      this.index(rule);
    }
    for (const row of targetRows) {
      const target = JSON.parse(row.config) as Target;
      rulesById.get(row.rule_id)?.targets.set(target.Id, target);
    }
  }

  /** The default bus exists in every account and region as soon as it is asked for. */
  async bus(account: string, region: string, nameOrArn: string | undefined): Promise<Bus> {
    const name = busNameOf(nameOrArn);
    const found = this.buses.get(busKey(account, region, name));
    if (found) return found;
    if (name === 'default') return this.createBus(account, region, 'default', {}, {});
    throw notFound(`Event bus ${name} does not exist.`);
  }

  busById(id: number): Bus | undefined {
    return this.busesById.get(id);
  }

  async busByArn(arn: string): Promise<Bus | undefined> {
    const parsed = parseArn(arn);
    if (parsed?.service !== 'events' || !parsed.resource.startsWith('event-bus/')) return undefined;
    return this.bus(parsed.accountId, parsed.region, parsed.resource.slice('event-bus/'.length)).catch(
      () => undefined,
    );
  }

  async listBuses(account: string, region: string): Promise<Bus[]> {
    await this.bus(account, region, 'default');
    return [...this.buses.values()]
      .filter((bus) => bus.account === account && bus.region === region)
      .sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  allBuses(): Bus[] {
    return [...this.buses.values()];
  }

  async createBus(
    account: string,
    region: string,
    name: string,
    settings: BusSettings,
    tags: Record<string, string>,
  ): Promise<Bus> {
    if (this.buses.has(busKey(account, region, name))) {
      throw eventsError('ResourceAlreadyExistsException', `Event bus ${name} already exists.`);
    }
    const count = [...this.buses.values()].filter(
      (bus) => bus.account === account && bus.region === region,
    ).length;
    if (count >= this.quotas.busesPerAccount) {
      throw eventsError(
        'LimitExceededException',
        `The requested resource exceeds the maximum number allowed (${this.quotas.busesPerAccount} event buses).`,
      );
    }
    const now = this.now();
    const row = await this.store.write(async (tx) => {
      const inserted = await tx.get<{ id: number }>(
        `INSERT INTO evb_buses (account, region, name, description, kms_key, dead_letter_arn, tags, created_at, modified_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (account, region, name) DO UPDATE SET name = excluded.name RETURNING id`,
        [
          account,
          region,
          name,
          settings.description ?? null,
          settings.kmsKey ?? null,
          settings.deadLetterArn ?? null,
          JSON.stringify(tags),
          now,
          now,
        ],
      );
      return tx.get<BusRow>('SELECT * FROM evb_buses WHERE id = ?', [inserted!.id]);
    });
    const existing = this.buses.get(busKey(account, region, name));
    if (existing) return existing;
    const bus = toBus(row!);
    this.remember(bus);
    return bus;
  }

  async updateBus(bus: Bus, settings: BusSettings): Promise<void> {
    const now = this.now();
    await this.store.write((tx) =>
      tx.run(
        'UPDATE evb_buses SET description = ?, kms_key = ?, dead_letter_arn = ?, modified_at = ? WHERE id = ?',
        [settings.description ?? null, settings.kmsKey ?? null, settings.deadLetterArn ?? null, now, bus.id],
      ),
    );
    bus.description = settings.description;
    bus.kmsKey = settings.kmsKey;
    bus.deadLetterArn = settings.deadLetterArn;
    bus.modifiedAt = now;
  }

  async deleteBus(bus: Bus): Promise<void> {
    if (bus.name === 'default') throw validation('Cannot delete event bus default.');
    if (bus.rules.size > 0) {
      throw validation(`Event bus ${bus.name} can't be deleted since it has rules.`);
    }
    await this.store.write(async (tx) => {
      await tx.run('DELETE FROM evb_buses WHERE id = ?', [bus.id]);
      await tx.run('DELETE FROM evb_events WHERE bus_id = ?', [bus.id]);
    });
    this.buses.delete(busKey(bus.account, bus.region, bus.name));
    this.busesById.delete(bus.id);
  }

  async setBusPolicy(bus: Bus, policy: Record<string, unknown> | undefined): Promise<void> {
    const now = this.now();
    await this.store.write((tx) =>
      tx.run('UPDATE evb_buses SET policy = ?, modified_at = ? WHERE id = ?', [
        policy ? JSON.stringify(policy) : null,
        now,
        bus.id,
      ]),
    );
    bus.policy = policy;
    bus.modifiedAt = now;
  }

  async setTags(resource: Bus | Rule, tags: Record<string, string>): Promise<void> {
    const table = 'rules' in resource ? 'evb_buses' : 'evb_rules';
    await this.store.write((tx) =>
      tx.run(`UPDATE ${table} SET tags = ? WHERE id = ?`, [JSON.stringify(tags), resource.id]),
    );
    resource.tags = tags;
  }

  rule(bus: Bus, name: string): Rule {
    const rule = bus.rules.get(name);
    if (!rule) throw notFound(`Rule ${name} does not exist on EventBus ${bus.name}.`);
    return rule;
  }

  /** Finds a bus or rule by ARN (tags). */
  async resourceByArn(arn: string): Promise<Bus | Rule | undefined> {
    const parsed = parseArn(arn);
    if (parsed?.service !== 'events') return undefined;
    if (parsed.resource.startsWith('event-bus/')) return this.busByArn(arn);
    if (!parsed.resource.startsWith('rule/')) return undefined;
    const parts = parsed.resource.split('/');
    const [busName, ruleName] = parts.length === 3 ? [parts[1]!, parts[2]!] : ['default', parts[1]!];
    const bus = await this.bus(parsed.accountId, parsed.region, busName).catch(() => undefined);
    return bus?.rules.get(ruleName);
  }

  /** PutRule: creates the rule or replaces its settings (targets stay). */
  async putRule(bus: Bus, name: string, settings: RuleSettings, createdBy: string): Promise<Rule> {
    checkRule(bus, settings, this.checkSchedule);
    const state = settings.state ?? 'ENABLED';
    const existing = bus.rules.get(name);
    if (!existing && bus.rules.size >= this.quotas.rulesPerBus) {
      throw eventsError(
        'LimitExceededException',
        `The requested resource exceeds the maximum number allowed (${this.quotas.rulesPerBus} rules per event bus).`,
      );
    }
    const now = this.now();
    const values = [
      settings.eventPattern ?? null,
      settings.schedule ?? null,
      state,
      settings.description ?? null,
      settings.roleArn ?? null,
    ];
    if (existing) {
      await this.store.write((tx) =>
        tx.run(
          'UPDATE evb_rules SET event_pattern = ?, schedule = ?, state = ?, description = ?, role_arn = ? WHERE id = ?',
          [...values, existing.id],
        ),
      );
      this.unindex(existing);
      Object.assign(existing, {
        eventPattern: settings.eventPattern,
        schedule: settings.schedule,
        state,
        description: settings.description,
        roleArn: settings.roleArn,
      });
      this.index(existing);
      return existing;
    }
    const row = await this.store.write((tx) =>
      tx.get<RuleRow>(
        `INSERT INTO evb_rules (bus_id, name, event_pattern, schedule, state, description, role_arn, created_by, tags, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
        [bus.id, name, ...values, createdBy, JSON.stringify(settings.tags ?? {}), now],
      ),
    );
    const rule = toRule(row!, bus);
    bus.rules.set(name, rule);
    this.index(rule);
    return rule;
  }

  /**
   * The rule AWS makes for an archive (`Events-Archive-NAME`, its pattern plus "not replayed",
   * managed by EventBridge): shown by DescribeRule and ListRules with its target. Events reach the
   * archive in the transaction that accepts them (Archives.capture), so the rule matches nothing here.
   */
  async putArchiveRule(
    bus: Bus,
    archive: { name: string; arn: string; eventPattern: string | undefined },
  ): Promise<void> {
    const name = `Events-Archive-${archive.name}`;
    const pattern = JSON.stringify({
      ...(archive.eventPattern === undefined ? {} : (JSON.parse(archive.eventPattern) as object)),
      'replay-name': [{ exists: false }],
    });
    const target: Target = {
      Id: name,
      Arn: `arn:aws:events:${bus.region}:::`,
      InputTransformer: {
        InputPathsMap: {},
        InputTemplate: JSON.stringify({
          'archive-arn': archive.arn,
          event: '<aws.events.event.json>',
          'ingestion-time': '<aws.events.event.ingestion-time>',
        }),
      },
    };
    const existing = bus.rules.get(name);
    const row = await this.store.write(async (tx) => {
      const stored = existing
        ? await tx.get<RuleRow>('UPDATE evb_rules SET event_pattern = ? WHERE id = ? RETURNING *', [
            pattern,
            existing.id,
          ])
        : await tx.get<RuleRow>(
            `INSERT INTO evb_rules (bus_id, name, event_pattern, schedule, state, description, role_arn, managed_by, created_by, tags, created_at)
             VALUES (?, ?, ?, NULL, 'ENABLED', NULL, NULL, ?, ?, '{}', ?) RETURNING *`,
            [bus.id, name, pattern, ARCHIVE_RULE_MANAGER, bus.account, this.now()],
          );
      await tx.run(
        `INSERT INTO evb_targets (rule_id, target_id, arn, config) VALUES (?, ?, ?, ?)
         ON CONFLICT (rule_id, target_id) DO UPDATE SET arn = excluded.arn, config = excluded.config`,
        [stored!.id, target.Id, target.Arn, JSON.stringify(target)],
      );
      return stored!;
    });
    const rule = existing ?? toRule(row, bus);
    rule.eventPattern = pattern;
    rule.targets.set(target.Id, target);
    bus.rules.set(name, rule);
  }

  /** Removes an archive's managed rule with its target. */
  async deleteArchiveRule(bus: Bus, archiveName: string): Promise<void> {
    const rule = bus.rules.get(`Events-Archive-${archiveName}`);
    if (!rule) return;
    await this.store.write(async (tx) => {
      await tx.run('DELETE FROM evb_targets WHERE rule_id = ?', [rule.id]);
      await tx.run('DELETE FROM evb_rules WHERE id = ?', [rule.id]);
    });
    bus.rules.delete(rule.name);
  }

  async setRuleState(rule: Rule, state: 'ENABLED' | 'DISABLED'): Promise<void> {
    await this.store.write((tx) => tx.run('UPDATE evb_rules SET state = ? WHERE id = ?', [state, rule.id]));
    this.unindex(rule);
    rule.state = state;
    this.index(rule);
  }

  async deleteRule(rule: Rule, force: boolean): Promise<void> {
    if (rule.targets.size > 0) throw validation("Rule can't be deleted since it has targets.");
    assertUnmanaged(rule, force);
    await this.store.write((tx) => tx.run('DELETE FROM evb_rules WHERE id = ?', [rule.id]));
    this.unindex(rule);
    rule.bus.rules.delete(rule.name);
  }

  /** PutTargets: per-target failures, as AWS reports them. */
  async putTargets(
    rule: Rule,
    targets: Target[],
  ): Promise<Array<{ TargetId: string; ErrorCode: string; ErrorMessage: string }>> {
    const failed: Array<{ TargetId: string; ErrorCode: string; ErrorMessage: string }> = [];
    const accepted: Target[] = [];
    checkTargetArns(targets);
    for (const target of targets) {
      const problem = targetProblem(target);
      if (problem)
        failed.push({ TargetId: target.Id, ErrorCode: 'ValidationException', ErrorMessage: problem });
      else accepted.push(target);
    }
    checkTargetCount(new Set([...rule.targets.keys(), ...accepted.map((target) => target.Id)]));
    await this.store.write(async (tx) => {
      for (const target of accepted) {
        await tx.run(
          `INSERT INTO evb_targets (rule_id, target_id, arn, config) VALUES (?, ?, ?, ?)
           ON CONFLICT (rule_id, target_id) DO UPDATE SET arn = excluded.arn, config = excluded.config`,
          [rule.id, target.Id, target.Arn, JSON.stringify(target)],
        );
      }
    });
    for (const target of accepted) rule.targets.set(target.Id, target);
    return failed;
  }

  async removeTargets(
    rule: Rule,
    ids: string[],
  ): Promise<Array<{ TargetId: string; ErrorCode: string; ErrorMessage: string }>> {
    const failed = ids
      .filter((id) => !rule.targets.has(id))
      .map((id) => ({
        TargetId: id,
        ErrorCode: 'ResourceNotFoundException',
        ErrorMessage: `Target ${id} does not exist on rule ${rule.name}.`,
      }));
    const present = ids.filter((id) => rule.targets.has(id));
    await this.store.write(async (tx) => {
      for (const id of present)
        await tx.run('DELETE FROM evb_targets WHERE rule_id = ? AND target_id = ?', [rule.id, id]);
    });
    for (const id of present) rule.targets.delete(id);
    return failed;
  }

  /** Enabled rules with a pattern join the bus's matcher; disabled and scheduled ones do not. */
  private index(rule: Rule): void {
    if (rule.managedBy === ARCHIVE_RULE_MANAGER) return;
    if (rule.eventPattern !== undefined && rule.state !== 'DISABLED') {
      rule.bus.matcher.add(String(rule.id), rule.eventPattern);
      rule.bus.matchable.set(String(rule.id), rule);
    }
  }

  private unindex(rule: Rule): void {
    rule.bus.matcher.remove(String(rule.id));
    rule.bus.matchable.delete(String(rule.id));
  }

  private remember(bus: Bus): void {
    this.buses.set(busKey(bus.account, bus.region, bus.name), bus);
    this.busesById.set(bus.id, bus);
  }
}
