// What a queue holds (GetQueueAttributes' approximate numbers, the metrics' depths) and what moved
// through it (sent, received, deleted per minute, for CloudWatch's AWS/SQS counters).
import type { Clock } from '../../../runtime/index.ts';
import type { Store } from '../../../store/index.ts';
import type { Queue } from '../registry.ts';

export interface MinuteCounts {
  queueId: number;
  minute: number;
  sent: number;
  received: number;
  deleted: number;
}

export interface QueueDepths {
  visible: number;
  inFlight: number;
  delayed: number;
  oldestSentAt: number | undefined;
}

/**
 * Counts sent, received and deleted messages per queue and minute. Counted in memory and written
 * once a minute (metrics.ts): a crash loses at most a minute of counts, never a message.
 */
export class MinuteCounters {
  private readonly counters = new Map<string, MinuteCounts>();

  count(queueId: number, now: number, what: 'sent' | 'received' | 'deleted', n: number): void {
    const minute = Math.floor(now / 60_000) * 60_000;
    const key = `${queueId}:${minute}`;
    let counts = this.counters.get(key);
    if (!counts) {
      counts = { queueId, minute, sent: 0, received: 0, deleted: 0 };
      this.counters.set(key, counts);
    }
    counts[what] += n;
  }

  /** Hands over the counts gathered since the last call. */
  take(): MinuteCounts[] {
    const counts = [...this.counters.values()];
    this.counters.clear();
    return counts;
  }
}

/** The approximate counts GetQueueAttributes reports. */
export async function depths(store: Store, clock: Clock, queue: Queue): Promise<QueueDepths> {
  const now = clock.now();
  const row = await store.read((tx) =>
    tx.get<{
      visible: number | null;
      in_flight: number | null;
      delayed: number | null;
      oldest: number | null;
    }>(
      `SELECT SUM(CASE WHEN visible_at <= ? THEN 1 ELSE 0 END) AS visible,
              SUM(CASE WHEN visible_at > ? AND receive_count > 0 THEN 1 ELSE 0 END) AS in_flight,
              SUM(CASE WHEN visible_at > ? AND receive_count = 0 THEN 1 ELSE 0 END) AS delayed,
              MIN(sent_at) AS oldest
       FROM sqs_messages WHERE queue_id = ? AND expires_at > ?`,
      [now, now, now, queue.id, now],
    ),
  );
  return {
    visible: Number(row?.visible ?? 0),
    inFlight: Number(row?.in_flight ?? 0),
    delayed: Number(row?.delayed ?? 0),
    oldestSentAt: row?.oldest == null ? undefined : Number(row.oldest),
  };
}
