// Messages one at a time: send, receive, delete, change visibility. The rules of a message to send
// are send-rules.ts; the work is the engine's (engine/send.ts, receive.ts, deletes.ts, visibility.ts).
import { ServiceError } from '../../../contract/index.ts';
import { ReceiptInvalid, receiptOf, type VisibilityChange } from '../engine/index.ts';
import { invalidParameter, sqsErrorOf } from '../errors.ts';
import type { Queue } from '../registry.ts';
import type { ReceiveMessageInput, SendMessageBatchEntryInput, SendMessageInput } from './as-sent.ts';
import { type Domain, inRange, type SqsHandlers } from './common.ts';
import type { SendEntry } from './send-rules.ts';

const MAX_VISIBILITY_SECONDS = 43_200;
const RECEIVE_ATTEMPT_ID = /^[\x21-\x7e]{1,128}$/;

type MessageOperations = Pick<
  SqsHandlers,
  'SendMessage' | 'ReceiveMessage' | 'DeleteMessage' | 'ChangeMessageVisibility'
>;

export function sendEntryOf(input: SendMessageInput | SendMessageBatchEntryInput): SendEntry {
  return {
    body: input.MessageBody,
    delaySeconds: input.DelaySeconds,
    attributes: input.MessageAttributes,
    systemAttributes: input.MessageSystemAttributes,
    groupId: input.MessageGroupId,
    dedupId: input.MessageDeduplicationId,
  };
}

/**
 * A visibility change as the engine takes it, or the error it gets: a receipt handle not of this
 * queue first, then a timeout beyond 12 hours.
 */
export function visibilityChangeOf(
  queue: Queue,
  receiptHandle: string,
  visibilityTimeout: number,
): VisibilityChange | ServiceError {
  const receipt = receiptOf(queue, receiptHandle);
  if (receipt instanceof ReceiptInvalid) return sqsErrorOf(receipt);
  if (visibilityTimeout < 0 || visibilityTimeout > MAX_VISIBILITY_SECONDS) {
    return invalidParameter(
      `Value ${visibilityTimeout} for parameter VisibilityTimeout is invalid. Reason: VisibilityTimeout must be an integer between 0 and ${MAX_VISIBILITY_SECONDS}.`,
    );
  }
  return { receipt, visibilityTimeout };
}

export function messageOperations({ registry, engine, preparer }: Domain): MessageOperations {
  return {
    async SendMessage(input: SendMessageInput, context) {
      const queue = registry.fromUrl(input.QueueUrl, context);
      const prepared = preparer.prepare(queue, sendEntryOf(input));
      const [result] = await engine.send(queue, [prepared], context.accessKeyId ?? context.accountId);
      return result!; // one result per message sent
    },

    async ReceiveMessage(input: ReceiveMessageInput, context) {
      const queue = registry.fromUrl(input.QueueUrl, context);
      const maxMessages =
        inRange(
          input.MaxNumberOfMessages,
          'MaxNumberOfMessages',
          1,
          10,
          'Must be between 1 and 10, if provided.',
        ) ?? 1;
      const waitTimeSeconds = inRange(
        input.WaitTimeSeconds,
        'WaitTimeSeconds',
        0,
        20,
        'Must be >= 0 and <= 20, if provided.',
      );
      const visibilityTimeoutSeconds = inRange(
        input.VisibilityTimeout,
        'VisibilityTimeout',
        0,
        MAX_VISIBILITY_SECONDS,
        `Must be >= 0 and <= ${MAX_VISIBILITY_SECONDS}, if provided.`,
      );
      const attemptId = input.ReceiveRequestAttemptId;
      if (attemptId !== undefined && !RECEIVE_ATTEMPT_ID.test(attemptId)) {
        throw invalidParameter(
          `Value ${attemptId} for parameter ReceiveRequestAttemptId is invalid. Reason: It can only include alphanumeric and punctuation characters. 1 to 128 in length.`,
        );
      }
      const messages = await engine.receive(queue, {
        maxMessages,
        waitTimeSeconds,
        visibilityTimeoutSeconds,
        // The legacy AttributeNames names system attributes too (and queue attributes, which select nothing).
        attributeNames: [...(input.AttributeNames ?? []), ...(input.MessageSystemAttributeNames ?? [])],
        messageAttributeNames: input.MessageAttributeNames ?? [],
        attemptId,
        signal: context.signal,
      });
      return { Messages: messages.length > 0 ? messages : undefined };
    },

    async DeleteMessage(input, context) {
      const queue = registry.fromUrl(input.QueueUrl, context);
      const receipt = receiptOf(queue, input.ReceiptHandle);
      if (receipt instanceof ReceiptInvalid) throw sqsErrorOf(receipt);
      await engine.delete(queue, [receipt]);
    },

    async ChangeMessageVisibility(input, context) {
      const queue = registry.fromUrl(input.QueueUrl, context);
      const change = visibilityChangeOf(queue, input.ReceiptHandle, input.VisibilityTimeout);
      if (change instanceof ServiceError) throw change;
      const [refused] = await engine.changeVisibility(queue, [change]);
      if (refused) throw sqsErrorOf(refused);
    },
  };
}
