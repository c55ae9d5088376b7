// The in-process log writer behind the targets port: lines handed over one by one are grouped per
// stream and committed many to a transaction, on a short timer, when enough are waiting, and on stop.
import { type Clock, DeliveryError } from '../../runtime/index.ts';
import type { Store } from '../../store/index.ts';
import type { LogEvents, NewEvent } from './events.ts';
import { EVENT_OVERHEAD_BYTES, MAX_EVENT_BYTES } from './limits.ts';
import type { LogRegistry } from './registry.ts';

export interface LineTarget {
  account: string;
  region: string;
  group: string;
  stream: string;
  /** Create the group when it does not exist (ECS's `awslogs-create-group`); streams are always created. */
  createGroup: boolean;
}

export interface WriterOptions {
  /** How long a line may wait for others before it is committed. */
  flushDelayMs: number;
  /** Commit at once when this many lines or bytes are waiting. */
  maxPendingLines: number;
  maxPendingBytes: number;
}

export const DEFAULT_WRITER_OPTIONS: WriterOptions = {
  flushDelayMs: 100,
  maxPendingLines: 5_000,
  maxPendingBytes: 512 * 1024,
};

interface Waiter {
  resolve: () => void;
  reject: (error: Error) => void;
}

interface Bucket extends LineTarget {
  lines: NewEvent[];
  waiters: Waiter[];
}

/** The longest message one event holds; longer lines are split, as Docker's awslogs driver does. */
const MAX_MESSAGE_BYTES = MAX_EVENT_BYTES - EVENT_OVERHEAD_BYTES;

/** Splits a line into messages of at most `max` UTF-8 bytes, never inside a character. */
export function splitLine(line: string, max = MAX_MESSAGE_BYTES): string[] {
  if (Buffer.byteLength(line, 'utf8') <= max) return [line];
  const parts: string[] = [];
  let current = '';
  let currentBytes = 0;
  for (const char of line) {
    const size = Buffer.byteLength(char, 'utf8');
    if (currentBytes + size > max) {
      parts.push(current);
      current = '';
      currentBytes = 0;
    }
    current += char;
    currentBytes += size;
  }
  if (current !== '') parts.push(current);
  return parts;
}

export class LogWriter {
  private buckets = new Map<string, Bucket>();
  private pendingLines = 0;
  private pendingBytes = 0;
  private cancelTimer: (() => void) | undefined;
  /** Commits run one after another so a stream's lines land in the order they were handed over. */
  private committing: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly registry: LogRegistry,
    private readonly events: LogEvents,
    private readonly clock: Clock,
    private readonly options: WriterOptions = DEFAULT_WRITER_OPTIONS,
  ) {}

  /** Lines waiting for their commit. */
  get pending(): number {
    return this.pendingLines;
  }

  /** Takes a line; resolves once it is committed (an empty line is nothing to store and resolves at once). */
  append(target: LineTarget, line: string, timestamp: number = this.clock.now()): Promise<void> {
    if (this.stopped)
      return Promise.reject(
        new DeliveryError('ServiceUnavailableException', 'The log writer has stopped.', true),
      );
    if (line === '') return Promise.resolve();
    const key = [target.account, target.region, target.group, target.stream].join('\u0000');
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = { ...target, lines: [], waiters: [] };
      this.buckets.set(key, bucket);
    }
    bucket.createGroup ||= target.createGroup;
    for (const message of splitLine(line)) {
      const bytes = Buffer.byteLength(message, 'utf8');
      bucket.lines.push({ ts: timestamp, message, bytes });
      this.pendingLines++;
      this.pendingBytes += bytes;
    }
    const committed = new Promise<void>((resolve, reject) => bucket.waiters.push({ resolve, reject }));
    if (
      this.pendingLines >= this.options.maxPendingLines ||
      this.pendingBytes >= this.options.maxPendingBytes
    ) {
      void this.flush();
    } else if (!this.cancelTimer) {
      this.cancelTimer = this.clock.setAlarm(this.clock.now() + this.options.flushDelayMs, () => {
        this.cancelTimer = undefined;
        void this.flush();
      });
    }
    return committed;
  }

  /** Commits every waiting line; resolves when they (and every earlier commit) are done. */
  flush(): Promise<void> {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    const buckets = [...this.buckets.values()];
    this.buckets = new Map();
    this.pendingLines = 0;
    this.pendingBytes = 0;
    if (buckets.length > 0) this.committing = this.committing.then(() => this.commit(buckets));
    return this.committing;
  }

  /** Commits what is waiting and refuses further lines. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.flush();
  }

  /** One transaction for every stream's lines; a group that is missing fails only its own lines. */
  private async commit(buckets: Bucket[]): Promise<void> {
    const now = this.clock.now();
    const failures = new Map<Bucket, DeliveryError>();
    try {
      await this.store.write(async (tx) => {
        for (const bucket of buckets) {
          let group = await this.registry.group(tx, bucket.account, bucket.region, bucket.group);
          if (!group && !bucket.createGroup) {
            failures.set(
              bucket,
              new DeliveryError(
                'ResourceNotFoundException',
                `The log group ${bucket.group} does not exist.`,
                false,
              ),
            );
            continue;
          }
          group ??= await this.registry.insertGroup(
            tx,
            bucket.account,
            bucket.region,
            { name: bucket.group },
            now,
          );
          const stream =
            (await this.registry.stream(tx, group.id, bucket.stream)) ??
            (await this.registry.insertStream(tx, group.id, bucket.stream, now));
          await this.events.append(tx, group, stream.id, bucket.lines, now);
        }
      });
    } catch (error) {
      const failure = new DeliveryError(
        'ServiceUnavailableException',
        `The log lines could not be stored: ${(error as Error).message}`,
        true,
      );
      for (const bucket of buckets) for (const waiter of bucket.waiters) waiter.reject(failure);
      return;
    }
    for (const bucket of buckets) {
      const failure = failures.get(bucket);
      for (const waiter of bucket.waiters) {
        if (failure) waiter.reject(failure);
        else waiter.resolve();
      }
    }
  }
}
