// Shared shapes and helpers of the queues benchmark's workloads.

export const BODY_BYTES = 1024;
const PADDING = 'x'.repeat(BODY_BYTES);

/** A 1 KiB body that carries its sequence number and send time (performance.now() of this process). */
export function makeBody(sequence: number, sentAt: number): string {
  const head = `${sequence}:${sentAt.toFixed(3)}:`;
  return head + PADDING.slice(head.length);
}

export function parseBody(body: string): { sequence: number; sentAt: number } {
  const first = body.indexOf(':');
  const second = body.indexOf(':', first + 1);
  return { sequence: Number(body.slice(0, first)), sentAt: Number(body.slice(first + 1, second)) };
}

/** Latencies in milliseconds, appended in any order. */
export class Samples {
  private values: number[] = [];
  add(value: number): void {
    this.values.push(value);
  }
  get count(): number {
    return this.values.length;
  }
  percentile(q: number): number {
    if (this.values.length === 0) return Number.NaN;
    const sorted = Float64Array.from(this.values).sort();
    return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  }
}

/** One end-to-end run: producers and consumers together until every message was received and deleted. */
export interface LoadResult {
  messages: number;
  seconds: number;
  rate: number;
  sendP50: number;
  sendP99: number;
  e2eP50: number;
  e2eP99: number;
  /** Receipts of a message already received (at-least-once redeliveries). */
  duplicates: number;
  /** Failed calls or batch entries (retried). */
  errors: number;
}

/** A paced run: a fixed send rate for a fixed time; latencies of every message. */
export interface PacedResult {
  rate: number;
  achievedRate: number;
  messages: number;
  sendP50: number;
  sendP99: number;
  e2eP50: number;
  e2eP99: number;
  e2eMax: number;
  errors: number;
}

export interface LoadOptions {
  messages: number;
  producers: number;
  consumers: number;
}

export interface PacedOptions {
  rate: number;
  seconds: number;
  consumers: number;
}

export function summarize(
  messages: number,
  startedAt: number,
  endedAt: number,
  send: Samples,
  e2e: Samples,
  duplicates: number,
  errors: number,
): LoadResult {
  const seconds = (endedAt - startedAt) / 1000;
  return {
    messages,
    seconds,
    rate: messages / seconds,
    sendP50: send.percentile(0.5),
    sendP99: send.percentile(0.99),
    e2eP50: e2e.percentile(0.5),
    e2eP99: e2e.percentile(0.99),
    duplicates,
    errors,
  };
}

export const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));
