// Queue metrics as CloudWatch names them (AWS/SQS): counters per minute, recorded as messages move,
// and depth gauges sampled once a minute. Auto Scaling reads them through runtime.cloudMetrics;
// /_eddy/metrics exports the latest sample.
import { aggregate, type MetricQuery, type Runtime } from '../../runtime/index.ts';
import type { MessageEngine } from './engine/index.ts';
import type { QueueRegistry } from './registry.ts';

const COLUMNS: Record<string, string> = {
  NumberOfMessagesSent: 'sent',
  NumberOfMessagesReceived: 'received',
  NumberOfMessagesDeleted: 'deleted',
  ApproximateNumberOfMessagesVisible: 'visible',
  ApproximateNumberOfMessagesNotVisible: 'not_visible',
  ApproximateNumberOfMessagesDelayed: 'delayed',
  ApproximateAgeOfOldestMessage: 'oldest_age',
};

interface Sample {
  visible: number;
  notVisible: number;
  delayed: number;
  oldestAgeSeconds: number;
}

export class QueueMetrics {
  private readonly latest = new Map<number, Sample>();

  constructor(
    private readonly runtime: Runtime,
    private readonly registry: QueueRegistry,
    private readonly engine: MessageEngine,
  ) {
    runtime.cloudMetrics.register('AWS/SQS', (query) => this.query(query));
    runtime.metrics.gauge(
      'eddy_sqs_messages',
      'Messages in each queue by state, sampled once a minute.',
      ['queue', 'state'],
      () =>
        [...this.latest].flatMap(([queueId, sample]) => {
          const queue = this.registry.getById(queueId);
          if (!queue) return [];
          return [
            { labels: { queue: queue.name, state: 'visible' }, value: sample.visible },
            { labels: { queue: queue.name, state: 'not_visible' }, value: sample.notVisible },
            { labels: { queue: queue.name, state: 'delayed' }, value: sample.delayed },
          ];
        }),
    );
  }

  /** Writes the sent/received/deleted counts gathered in memory since the last flush. */
  async flushCounts(): Promise<void> {
    const counts = this.engine.takeCounts().filter((count) => this.registry.getById(count.queueId));
    if (counts.length === 0) return;
    await this.runtime.store.write(async (tx) => {
      for (const count of counts) {
        await tx.run(
          `INSERT INTO sqs_queue_metrics (queue_id, minute, sent, received, deleted) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (queue_id, minute) DO UPDATE SET sent = sqs_queue_metrics.sent + excluded.sent,
             received = sqs_queue_metrics.received + excluded.received, deleted = sqs_queue_metrics.deleted + excluded.deleted`,
          [count.queueId, count.minute, count.sent, count.received, count.deleted],
        );
      }
    });
  }

  /** Records every queue's depth for the current minute. */
  async sample(): Promise<void> {
    await this.flushCounts();
    const now = this.runtime.clock.now();
    const minute = Math.floor(now / 60_000) * 60_000;
    for (const queue of this.registry.all()) {
      const counts = await this.engine.counts(queue);
      const sample: Sample = {
        visible: counts.visible,
        notVisible: counts.inFlight,
        delayed: counts.delayed,
        oldestAgeSeconds:
          counts.oldestSentAt === undefined ? 0 : Math.floor((now - counts.oldestSentAt) / 1000),
      };
      this.latest.set(queue.id, sample);
      await this.runtime.store.write((tx) =>
        tx.run(
          `INSERT INTO sqs_queue_metrics (queue_id, minute, visible, not_visible, delayed, oldest_age) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (queue_id, minute) DO UPDATE SET visible = excluded.visible, not_visible = excluded.not_visible,
             delayed = excluded.delayed, oldest_age = excluded.oldest_age`,
          [queue.id, minute, sample.visible, sample.notVisible, sample.delayed, sample.oldestAgeSeconds],
        ),
      );
    }
  }

  private async query(query: MetricQuery) {
    const column = COLUMNS[query.metricName];
    const name = query.dimensions.QueueName;
    const queue =
      name === undefined ? undefined : this.registry.all().find((candidate) => candidate.name === name);
    if (!column || !queue) return [];
    const rows = await this.runtime.store.read((tx) =>
      tx.all<{ minute: number; value: number | null }>(
        `SELECT minute, ${column} AS value FROM sqs_queue_metrics WHERE queue_id = ? AND minute >= ? AND minute < ? ORDER BY minute`,
        [queue.id, query.start, query.end],
      ),
    );
    const samples = rows
      .filter((row) => row.value !== null)
      .map((row) => ({ minute: Number(row.minute), value: Number(row.value) }));
    return aggregate(samples, query);
  }
}
