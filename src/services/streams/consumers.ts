// Enhanced fan-out consumers: registered on a stream, named by ARN
// (`…:stream/NAME/consumer/CONSUMER:EPOCH_SECONDS`). A consumer is ACTIVE at once; SubscribeToShard
// serves it over HTTP/2 (see handlers).
import type { Kinesis } from '../../contract/index.ts';
import { parseArn } from '../../runtime/index.ts';
import type { Tx } from '../../store/index.ts';
import { invalidArgument, notFound } from './errors.ts';
import { type StreamRecord, streamArn } from './streams.ts';

export interface ConsumerRecord {
  id: number;
  streamId: number;
  name: string;
  arn: string;
  status: Kinesis.ConsumerStatus;
  tags: Record<string, string>;
  createdAt: number;
}

interface ConsumerRow {
  id: number | string;
  stream_id: number | string;
  name: string;
  arn: string;
  status: string;
  tags: string;
  created_at: number | string;
}

const fromRow = (row: ConsumerRow): ConsumerRecord => ({
  id: Number(row.id),
  streamId: Number(row.stream_id),
  name: row.name,
  arn: row.arn,
  status: row.status as Kinesis.ConsumerStatus,
  tags: JSON.parse(row.tags) as Record<string, string>,
  createdAt: Number(row.created_at),
});

export const consumerArn = (stream: StreamRecord, name: string, createdAt: number) =>
  `${streamArn(stream)}/consumer/${name}:${Math.floor(createdAt / 1000)}`;

/** The stream ARN and consumer name a consumer ARN holds. */
export function parseConsumerArn(arn: string): { streamArn: string; name: string } {
  const parsed = parseArn(arn);
  const match = parsed ? /^(stream\/[^/]+)\/consumer\/([^/:]+):\d+$/.exec(parsed.resource) : null;
  if (!parsed || !match) throw invalidArgument(`ConsumerARN ${arn} is not a Kinesis consumer ARN.`);
  return {
    streamArn: `arn:${parsed.partition}:kinesis:${parsed.region}:${parsed.accountId}:${match[1]}`,
    name: match[2]!,
  };
}

export async function consumersOf(tx: Tx, streamId: number): Promise<ConsumerRecord[]> {
  const rows = await tx.all<ConsumerRow>('SELECT * FROM kin_consumers WHERE stream_id = ? ORDER BY name', [
    streamId,
  ]);
  return rows.map(fromRow);
}

export async function findConsumer(
  tx: Tx,
  streamId: number,
  name: string,
): Promise<ConsumerRecord | undefined> {
  const row = await tx.get<ConsumerRow>('SELECT * FROM kin_consumers WHERE stream_id = ? AND name = ?', [
    streamId,
    name,
  ]);
  return row ? fromRow(row) : undefined;
}

export async function findConsumerByArn(tx: Tx, arn: string): Promise<ConsumerRecord | undefined> {
  const row = await tx.get<ConsumerRow>('SELECT * FROM kin_consumers WHERE arn = ?', [arn]);
  return row ? fromRow(row) : undefined;
}

export const consumerNotFound = (name: string, stream: StreamRecord) =>
  notFound(`Consumer ${name} under stream ${stream.name} under account ${stream.account} not found.`);

export function describeConsumer(consumer: ConsumerRecord): Kinesis.Consumer {
  return {
    ConsumerName: consumer.name,
    ConsumerARN: consumer.arn,
    ConsumerStatus: consumer.status,
    ConsumerCreationTimestamp: new Date(consumer.createdAt),
  };
}
