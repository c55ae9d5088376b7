// A received message as ReceiveMessage answers it: its receipt handle, the system attributes and
// message attributes the receive asked for, and the digest of those.
import type { Sqs } from '../../../contract/index.ts';
import {
  type MessageAttributes,
  md5OfAttributes,
  type StoredAttributes,
  selectAttributes,
} from '../messages.ts';
import { encodeReceipt } from './receipts.ts';
import type { MessageRow } from './rows.ts';

type SystemAttributeName = Exclude<Sqs.MessageSystemAttributeName, 'All'>;
export type SystemAttributes = Partial<Record<SystemAttributeName, string>>;

// A type (not an interface) so it is a handler's output as it stands.
export type ReceivedMessage = {
  MessageId: string;
  ReceiptHandle: string;
  MD5OfBody: string;
  Body: string;
  Attributes?: SystemAttributes;
  MD5OfMessageAttributes?: string;
  MessageAttributes?: MessageAttributes;
};

/** What a receive asked to see of each message. */
export interface Selection {
  /** System attribute names, or `All`; names SQS does not know select nothing. */
  attributeNames: readonly string[];
  /** Message attribute names, `All`, `.*` or `prefix.*`. */
  messageAttributeNames: readonly string[];
}

const SYSTEM_ATTRIBUTE_NAMES: readonly SystemAttributeName[] = [
  'SenderId',
  'SentTimestamp',
  'ApproximateReceiveCount',
  'ApproximateFirstReceiveTimestamp',
  'SequenceNumber',
  'MessageDeduplicationId',
  'MessageGroupId',
  'AWSTraceHeader',
  'DeadLetterQueueSourceArn',
];

export function toReceived(row: MessageRow, selection: Selection): ReceivedMessage {
  const message: ReceivedMessage = {
    MessageId: row.message_id,
    ReceiptHandle: encodeReceipt(row.queue_id, row.seq, row.receipt!),
    MD5OfBody: row.md5_body,
    Body: row.body,
  };
  const system = systemAttributes(row, selection.attributeNames);
  if (Object.keys(system).length > 0) message.Attributes = system;
  if (row.attributes && selection.messageAttributeNames.length > 0) {
    const selected = selectAttributes(
      JSON.parse(row.attributes) as StoredAttributes,
      selection.messageAttributeNames,
    );
    const md5 = md5OfAttributes(selected);
    if (md5) {
      message.MD5OfMessageAttributes = md5;
      message.MessageAttributes = Object.fromEntries(
        Object.entries(selected).map(([name, value]) => [
          name,
          value.BinaryValue !== undefined
            ? { DataType: value.DataType, BinaryValue: Buffer.from(value.BinaryValue, 'base64') }
            : { DataType: value.DataType, StringValue: value.StringValue ?? '' },
        ]),
      );
    }
  }
  return message;
}

function systemAttributes(row: MessageRow, requested: readonly string[]): SystemAttributes {
  if (requested.length === 0) return {};
  const all = requested.includes('All');
  const values: Record<SystemAttributeName, string | undefined> = {
    SenderId: row.sender_id,
    SentTimestamp: String(row.sent_at),
    ApproximateReceiveCount: String(row.receive_count),
    ApproximateFirstReceiveTimestamp:
      row.first_received_at == null ? undefined : String(row.first_received_at),
    SequenceNumber: row.sequence_number ?? undefined,
    MessageDeduplicationId: row.dedup_id ?? undefined,
    MessageGroupId: row.group_id ?? undefined,
    AWSTraceHeader: row.system_attributes
      ? (JSON.parse(row.system_attributes) as StoredAttributes).AWSTraceHeader?.StringValue
      : undefined,
    DeadLetterQueueSourceArn: row.dead_letter_source ?? undefined,
  };
  const result: SystemAttributes = {};
  for (const name of SYSTEM_ATTRIBUTE_NAMES) {
    const value = values[name];
    if (value !== undefined && (all || requested.includes(name))) result[name] = value;
  }
  return result;
}
