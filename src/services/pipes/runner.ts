// The pollers: one per running pipe, on the node holding the `pipes/runner` lease (every node with
// SQLite's single one). A batch is taken from the source, filtered, delivered, and only then removed
// from it: SQS messages deleted, Kinesis checkpoints moved on, RabbitMQ messages acked. A failed
// batch stays: SQS messages come back after their visibility timeout (and the queue's redrive
// policy dead-letters them), Kinesis retries with back-off up to MaximumRetryAttempts or
// MaximumRecordAgeInSeconds and then sends the batch's description to the DeadLetterConfig queue,
// RabbitMQ messages are nacked back to the broker for its own redelivery.
import amqp from 'amqplib';
import { parseArn, type Runtime, type StreamStart } from '../../runtime/index.ts';
import { contextOf, deliverBatch } from './deliver.ts';
import { findPipeById, listPipes, type PipeRecord, pipeArn, type savePipe } from './records.ts';
import { Filter, viewOf } from './shaping.ts';

export const RUNNER_LEASE = 'pipes/runner';
const IDLE_MS = 200;

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });

const backoff = (attempt: number) => Math.min(200 * 2 ** attempt, 10_000);

/** The AMQP URL of a broker ARN: EDDY_MQ_BROKERS by ARN, broker id or broker name, with the pipe's vhost. */
export function brokerUrl(
  brokers: Record<string, string>,
  arn: string,
  virtualHost?: string,
): string | undefined {
  const parsed = parseArn(arn);
  const [, name, id] = (parsed?.resource ?? '').split(':');
  const url = brokers[arn] ?? (id ? brokers[id] : undefined) ?? (name ? brokers[name] : undefined);
  if (!url) return undefined;
  if (virtualHost === undefined) return url;
  const parsedUrl = new URL(url);
  parsedUrl.pathname = `/${encodeURIComponent(virtualHost)}`;
  return parsedUrl.toString();
}

interface Poller {
  modifiedAt: number;
  abort: AbortController;
  done: Promise<void>;
}

export class PipeRunner {
  private readonly pollers = new Map<number, Poller>();
  private stopping = false;

  constructor(private readonly runtime: Runtime) {}

  private reconciling: Promise<void> = Promise.resolve();

  /** Starts pollers for running pipes, stops those of pipes stopped, changed or gone (one pass at a time). */
  reconcile(): Promise<void> {
    this.reconciling = this.reconciling.catch(() => undefined).then(() => this.reconcileOnce());
    return this.reconciling;
  }

  private async reconcileOnce(): Promise<void> {
    if (this.stopping) return;
    const pipes = await this.runtime.store.read((tx) => listPipes(tx));
    const running = new Map(
      pipes.filter((pipe) => pipe.currentState === 'RUNNING').map((pipe) => [pipe.id, pipe]),
    );
    for (const [id, poller] of this.pollers) {
      const pipe = running.get(id);
      if (!pipe || pipe.modifiedAt !== poller.modifiedAt) {
        poller.abort.abort();
        await poller.done;
        this.pollers.delete(id);
      }
    }
    for (const pipe of running.values()) {
      if (this.pollers.has(pipe.id)) continue;
      const abort = new AbortController();
      // A poller that failed (its stream deleted under it, the store away) is let go: the next pass
      // starts it again.
      const done = this.run(pipe, abort.signal)
        .catch((error: unknown) =>
          this.runtime.log.error({ err: error, pipe: pipe.name }, 'a pipe poller failed'),
        )
        .finally(() => {
          if (this.pollers.get(pipe.id)?.abort === abort) this.pollers.delete(pipe.id);
        });
      this.pollers.set(pipe.id, { modifiedAt: pipe.modifiedAt, abort, done });
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    for (const poller of this.pollers.values()) poller.abort.abort();
    await Promise.all([...this.pollers.values()].map((poller) => poller.done));
    this.pollers.clear();
  }

  private run(pipe: PipeRecord, signal: AbortSignal): Promise<void> {
    const service = parseArn(pipe.definition.Source)?.service;
    if (service === 'sqs') return this.pollQueue(pipe, signal);
    if (service === 'kinesis') return this.pollStream(pipe, signal);
    if (service === 'mq') return this.consumeBroker(pipe, signal);
    return Promise.resolve();
  }

  private filterOf(pipe: PipeRecord): Filter {
    return new Filter(
      (pipe.definition.SourceParameters?.FilterCriteria?.Filters ?? []).flatMap((filter) =>
        filter.Pattern ? [filter.Pattern] : [],
      ),
    );
  }

  private holds(): boolean {
    return !this.runtime.cluster.shared || this.runtime.cluster.holds(RUNNER_LEASE);
  }

  /** Says why a pipe is not moving (a broker down), or clears it; kept on the pipe's row. */
  private async report(pipe: PipeRecord, reason: string | undefined): Promise<void> {
    await this.runtime.store
      .write(async (tx) => {
        const current = await findPipeById(tx, pipe.id);
        if (current && current.stateReason !== reason) await savePipeReason(tx, current, reason);
      })
      .catch(() => undefined);
  }

  private async pollQueue(pipe: PipeRecord, signal: AbortSignal): Promise<void> {
    const source = this.runtime.sources.queue(pipe.definition.Source);
    if (!source) return;
    const parameters = pipe.definition.SourceParameters?.SqsQueueParameters ?? {};
    const batchSize = parameters.BatchSize ?? 10;
    const windowMs = (parameters.MaximumBatchingWindowInSeconds ?? 0) * 1000;
    const filter = this.filterOf(pipe);
    const arn = pipe.definition.Source;
    const region = parseArn(arn)?.region ?? pipe.region;
    let failures = 0;
    while (!signal.aborted) {
      if (!this.holds() || !source.exists(arn)) {
        await sleep(1000, signal);
        continue;
      }
      const batch = await source.receive(arn, { max: Math.min(10, batchSize), waitSeconds: 1, signal });
      if (batch.length === 0) continue;
      const windowEnds = Date.now() + windowMs;
      while (batch.length < batchSize && Date.now() < windowEnds && !signal.aborted) {
        const more = await source.receive(arn, {
          max: Math.min(10, batchSize - batch.length),
          waitSeconds: Math.min(1, Math.max(0, Math.floor((windowEnds - Date.now()) / 1000))),
          signal,
        });
        batch.push(...more);
        if (more.length === 0 && windowEnds - Date.now() < 1000) break;
      }
      const events = batch.map((message) => ({
        messageId: message.messageId,
        receiptHandle: message.receiptHandle,
        body: message.body,
        attributes: message.attributes,
        messageAttributes: message.messageAttributes,
        md5OfBody: message.md5OfBody,
        eventSource: 'aws:sqs',
        eventSourceARN: arn,
        awsRegion: region,
      }));
      try {
        await deliverBatch(
          this.runtime.targets,
          pipe,
          events.filter((event) => filter.matches(viewOf(event))),
          this.runtime.clock.now(),
        );
        // Filtered-out messages are removed too, as Pipes does.
        await source.delete(
          arn,
          batch.map((message) => message.receiptHandle),
        );
        failures = 0;
      } catch (error) {
        // The messages stay in flight and come back after their visibility timeout.
        this.runtime.log.warn({ err: error, pipe: pipe.name }, 'a pipe target refused a batch');
        await sleep(backoff(failures++), signal);
      }
    }
  }

  private async pollStream(pipe: PipeRecord, signal: AbortSignal): Promise<void> {
    const source = this.runtime.sources.stream(pipe.definition.Source);
    if (!source) return;
    const arn = pipe.definition.Source;
    const parameters = pipe.definition.SourceParameters?.KinesisStreamParameters ?? {
      StartingPosition: 'LATEST',
    };
    const batchSize = parameters.BatchSize ?? 100;
    const windowMs = (parameters.MaximumBatchingWindowInSeconds ?? 0) * 1000;
    const maxRetries = parameters.MaximumRetryAttempts ?? -1;
    const maxAgeMs = (parameters.MaximumRecordAgeInSeconds ?? -1) * 1000;
    const filter = this.filterOf(pipe);
    const region = parseArn(arn)?.region ?? pipe.region;
    const first: StreamStart =
      parameters.StartingPosition === 'AT_TIMESTAMP'
        ? {
            type: 'AT_TIMESTAMP',
            timestamp:
              parameters.StartingPositionTimestamp?.getTime?.() ??
              Number(parameters.StartingPositionTimestamp ?? 0),
          }
        : { type: parameters.StartingPosition };
    const attempts = new Map<string, number>();
    const waitingSince = new Map<string, number>();
    while (!signal.aborted) {
      if (!this.holds()) {
        await sleep(1000, signal);
        continue;
      }
      const shards = await source.shards(arn);
      if (!shards) {
        await sleep(1000, signal);
        continue;
      }
      const checkpoints = await this.runtime.store.read((tx) =>
        tx.all<{ shard_id: string; checkpoint: string; done: number }>(
          'SELECT shard_id, checkpoint, done FROM pipes_checkpoints WHERE pipe_id = ?',
          [pipe.id],
        ),
      );
      const byShard = new Map(checkpoints.map((row) => [row.shard_id, row]));
      const known = new Set(shards.map((shard) => shard.shardId));
      let moved = false;
      for (const shard of shards) {
        if (signal.aborted) break;
        const saved = byShard.get(shard.shardId);
        if (saved && Number(saved.done) === 1) continue;
        // A child waits for its parents (still in the stream) to be read to their end: order per key.
        if (
          shard.parentShardIds.some(
            (parent) => known.has(parent) && Number(byShard.get(parent)?.done ?? 0) !== 1,
          )
        )
          continue;
        const from: StreamStart = saved
          ? { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: saved.checkpoint }
          : shard.parentShardIds.some((parent) => known.has(parent))
            ? { type: 'TRIM_HORIZON' }
            : first;
        const read = await source.read(arn, shard.shardId, from, batchSize);
        if (read.records.length > 0 && read.records.length < batchSize && windowMs > 0 && !read.ended) {
          const since = waitingSince.get(shard.shardId) ?? Date.now();
          waitingSince.set(shard.shardId, since);
          if (Date.now() - since < windowMs) continue;
        }
        waitingSince.delete(shard.shardId);
        const events = read.records.map((record) => ({
          eventSource: 'aws:kinesis',
          eventVersion: '1.0',
          eventID: `${shard.shardId}:${record.sequenceNumber}`,
          eventName: 'aws:kinesis:record',
          invokeIdentityArn: pipe.definition.RoleArn,
          awsRegion: region,
          eventSourceARN: arn,
          kinesisSchemaVersion: '1.0',
          partitionKey: record.partitionKey,
          sequenceNumber: record.sequenceNumber,
          data: Buffer.from(record.data).toString('base64'),
          approximateArrivalTimestamp: record.approximateArrivalTimestamp / 1000,
        }));
        let advance = true;
        if (events.length > 0) {
          try {
            await deliverBatch(
              this.runtime.targets,
              pipe,
              events.filter((event) => filter.matches(viewOf(event))),
              this.runtime.clock.now(),
            );
            attempts.delete(shard.shardId);
          } catch (error) {
            const tried = (attempts.get(shard.shardId) ?? 0) + 1;
            attempts.set(shard.shardId, tried);
            const oldest = read.records[0]!.approximateArrivalTimestamp;
            const tooOld = maxAgeMs > 0 && this.runtime.clock.now() - oldest > maxAgeMs;
            if ((maxRetries >= 0 && tried > maxRetries) || tooOld) {
              advance = await this.deadLetter(pipe, shard.shardId, read.records, error);
              attempts.delete(shard.shardId);
            } else {
              advance = false;
              this.runtime.log.warn(
                { err: error, pipe: pipe.name, shard: shard.shardId },
                'a pipe target refused a batch',
              );
              await sleep(backoff(tried - 1), signal);
            }
          }
        }
        if (!advance) continue;
        if (events.length > 0 || read.ended || !saved) {
          moved = moved || events.length > 0;
          await this.runtime.store.write(async (tx) => {
            await tx.run('DELETE FROM pipes_checkpoints WHERE pipe_id = ? AND shard_id = ?', [
              pipe.id,
              shard.shardId,
            ]);
            await tx.run(
              'INSERT INTO pipes_checkpoints (pipe_id, shard_id, checkpoint, done) VALUES (?, ?, ?, ?)',
              [pipe.id, shard.shardId, read.checkpoint, read.ended ? 1 : 0],
            );
          });
        }
      }
      if (!moved) await sleep(IDLE_MS, signal);
    }
  }

  /** Sends a failed batch's description to the pipe's dead-letter queue; false when there is none to take it. */
  private async deadLetter(
    pipe: PipeRecord,
    shardId: string,
    records: Array<{ sequenceNumber: string; approximateArrivalTimestamp: number }>,
    error: unknown,
  ): Promise<boolean> {
    const dlq = pipe.definition.SourceParameters?.KinesisStreamParameters?.DeadLetterConfig?.Arn;
    const now = this.runtime.clock.now();
    if (!dlq) {
      this.runtime.log.warn(
        { err: error, pipe: pipe.name, shard: shardId },
        'a pipe dropped a batch after its retries (no DeadLetterConfig)',
      );
      return true;
    }
    const body = JSON.stringify({
      requestContext: {
        requestId: crypto.randomUUID(),
        functionArn: pipeArn(pipe),
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: 1,
      },
      responseContext: {
        statusCode: 0,
        executedVersion: '$LATEST',
        functionError: (error as Error)?.message ?? String(error),
      },
      version: '1.0',
      timestamp: new Date(now).toISOString(),
      KinesisBatchInfo: {
        shardId,
        startSequenceNumber: records[0]!.sequenceNumber,
        endSequenceNumber: records[records.length - 1]!.sequenceNumber,
        approximateArrivalOfFirstRecord: new Date(records[0]!.approximateArrivalTimestamp).toISOString(),
        approximateArrivalOfLastRecord: new Date(
          records[records.length - 1]!.approximateArrivalTimestamp,
        ).toISOString(),
        batchSize: records.length,
        streamArn: pipe.definition.Source,
      },
    });
    try {
      await this.runtime.targets.deliver(dlq, { body, sourceArn: pipeArn(pipe) });
      return true;
    } catch (dlqError) {
      this.runtime.log.error({ err: dlqError, pipe: pipe.name }, 'a pipe could not dead-letter a batch');
      return false;
    }
  }

  private async consumeBroker(pipe: PipeRecord, signal: AbortSignal): Promise<void> {
    const parameters = pipe.definition.SourceParameters?.RabbitMQBrokerParameters;
    if (!parameters) return;
    const arn = pipe.definition.Source;
    const url = brokerUrl(this.runtime.config.mqBrokers ?? {}, arn, parameters.VirtualHost);
    const batchSize = parameters.BatchSize ?? 100;
    const windowMs = (parameters.MaximumBatchingWindowInSeconds ?? 0) * 1000;
    const filter = this.filterOf(pipe);
    let failures = 0;
    while (!signal.aborted) {
      if (!this.holds()) {
        await sleep(1000, signal);
        continue;
      }
      if (!url) {
        await this.report(pipe, `eddy knows no RabbitMQ broker for ${arn}: name it in EDDY_MQ_BROKERS.`);
        await sleep(5000, signal);
        continue;
      }
      let connection: amqp.ChannelModel | undefined;
      try {
        connection = await amqp.connect(url);
        const lost = new Promise<void>((resolve) => {
          connection!.on('close', () => resolve());
          connection!.on('error', () => resolve());
        });
        const channel = await connection.createChannel();
        await channel.prefetch(batchSize);
        const buffered: amqp.ConsumeMessage[] = [];
        let firstAt = 0;
        let wake: (() => void) | undefined;
        await channel.consume(parameters.QueueName, (message) => {
          if (!message) return;
          if (buffered.length === 0) firstAt = Date.now();
          buffered.push(message);
          wake?.();
        });
        await this.report(pipe, undefined);
        failures = 0;
        let closed = false;
        void lost.then(() => {
          closed = true;
          wake?.();
        });
        while (!signal.aborted && !closed) {
          const due =
            buffered.length >= batchSize || (buffered.length > 0 && Date.now() - firstAt >= windowMs);
          if (!due) {
            await new Promise<void>((resolve) => {
              wake = resolve;
              const timer = setTimeout(
                resolve,
                buffered.length > 0 ? Math.max(1, windowMs - (Date.now() - firstAt)) : 500,
              );
              signal.addEventListener(
                'abort',
                () => {
                  clearTimeout(timer);
                  resolve();
                },
                { once: true },
              );
            });
            wake = undefined;
            continue;
          }
          const batch = buffered.splice(0, batchSize);
          const events = batch.map((message) => ({
            eventSource: 'aws:rmq',
            eventSourceArn: arn,
            basicProperties: {
              contentType: message.properties.contentType ?? null,
              contentEncoding: message.properties.contentEncoding ?? null,
              headers: message.properties.headers ?? {},
              deliveryMode: message.properties.deliveryMode ?? null,
              priority: message.properties.priority ?? null,
              correlationId: message.properties.correlationId ?? null,
              replyTo: message.properties.replyTo ?? null,
              expiration: message.properties.expiration ?? null,
              messageId: message.properties.messageId ?? null,
              timestamp: message.properties.timestamp ?? null,
              type: message.properties.type ?? null,
              userId: message.properties.userId ?? null,
              appId: message.properties.appId ?? null,
              clusterId: message.properties.clusterId ?? null,
              bodySize: message.content.length,
            },
            redelivered: message.fields.redelivered,
            data: message.content.toString('base64'),
          }));
          try {
            await deliverBatch(
              this.runtime.targets,
              pipe,
              events.filter((event) => filter.matches(viewOf(event))),
              this.runtime.clock.now(),
            );
            for (const message of batch) channel.ack(message);
          } catch (error) {
            this.runtime.log.warn({ err: error, pipe: pipe.name }, 'a pipe target refused a batch');
            await sleep(backoff(failures++), signal);
            for (const message of batch) channel.nack(message, false, true);
          }
        }
      } catch (error) {
        await this.report(pipe, `Connection to the RabbitMQ broker failed: ${(error as Error).message}`);
        await sleep(backoff(failures++), signal);
      } finally {
        await connection?.close().catch(() => undefined);
      }
    }
  }
}

async function savePipeReason(
  tx: Parameters<typeof savePipe>[0],
  pipe: PipeRecord,
  reason: string | undefined,
) {
  // The reason alone changes: modified_at stays, so the poller is not restarted for it.
  await tx.run('UPDATE pipes_pipes SET state_reason = ? WHERE id = ?', [reason ?? null, pipe.id]);
}

export { contextOf };
