// The event-sources port: how a poller in one service (EventBridge Pipes) reads from a resource
// another service owns, addressed by ARN alone, without importing that service. A service registers
// the kind of source it owns for its ARN service name: a queue (`sqs`) is received from and its
// messages deleted only once the poller's target took them; a stream (`kinesis`) is read shard by
// shard from a checkpoint the poller keeps.
import { parseArn } from './arn.ts';
import type { MessageAttribute } from './targets.ts';

/** A message received from a queue source; invisible to others until deleted or released. */
export interface SourceMessage {
  messageId: string;
  receiptHandle: string;
  body: string;
  md5OfBody: string;
  /** System attributes (SentTimestamp, ApproximateReceiveCount, MessageGroupId, …). */
  attributes: Record<string, string>;
  messageAttributes: Record<string, MessageAttribute>;
}

export interface QueueSource {
  /**
   * Receives up to `max` messages (at most 10), waiting up to `waitSeconds` for the first; each stays
   * invisible for `visibilityTimeoutSeconds` (the queue's own when absent). Throws when no such queue.
   */
  receive(
    arn: string,
    options: { max: number; waitSeconds: number; visibilityTimeoutSeconds?: number; signal: AbortSignal },
  ): Promise<SourceMessage[]>;
  /** Deletes messages the target took. */
  delete(arn: string, receiptHandles: string[]): Promise<void>;
  /** Makes messages visible again after `seconds` (0: now), for a batch whose target failed. */
  release(arn: string, receiptHandles: string[], seconds: number): Promise<void>;
  exists(arn: string): boolean;
}

/** A record read from a stream source's shard. */
export interface StreamSourceRecord {
  sequenceNumber: string;
  partitionKey: string;
  data: Uint8Array;
  approximateArrivalTimestamp: number;
}

export type StreamStart =
  | { type: 'TRIM_HORIZON' | 'LATEST' }
  | { type: 'AT_TIMESTAMP'; timestamp: number }
  /** Resumes after a checkpoint: the last sequence number handled. */
  | { type: 'AFTER_SEQUENCE_NUMBER'; sequenceNumber: string };

export interface StreamSourceShard {
  shardId: string;
  parentShardIds: string[];
  closed: boolean;
}

export interface StreamRead {
  records: StreamSourceRecord[];
  /** The checkpoint to read on from: the last record's sequence number, or where an empty read stood. */
  checkpoint: string;
  /** The shard is closed and everything in it was read: go on with its children. */
  ended: boolean;
  millisBehindLatest: number;
}

export interface StreamSource {
  /** The stream's shards (open and closed, oldest first); undefined when there is no such stream. */
  shards(arn: string): Promise<StreamSourceShard[] | undefined>;
  read(arn: string, shardId: string, from: StreamStart, max: number): Promise<StreamRead>;
}

export class Sources {
  private readonly queues = new Map<string, QueueSource>();
  private readonly streams = new Map<string, StreamSource>();

  registerQueue(arnService: string, source: QueueSource): void {
    if (this.queues.has(arnService))
      throw new Error(`a queue source for '${arnService}' is already registered`);
    this.queues.set(arnService, source);
  }

  registerStream(arnService: string, source: StreamSource): void {
    if (this.streams.has(arnService))
      throw new Error(`a stream source for '${arnService}' is already registered`);
    this.streams.set(arnService, source);
  }

  queue(arn: string): QueueSource | undefined {
    const service = parseArn(arn)?.service;
    return service === undefined ? undefined : this.queues.get(service);
  }

  stream(arn: string): StreamSource | undefined {
    const service = parseArn(arn)?.service;
    return service === undefined ? undefined : this.streams.get(service);
  }
}
