// The *Batch operations: up to ten entries, each answered on its own (Successful or Failed), under
// the batch rules they share.
import { ServiceError } from '../../../contract/index.ts';
import {
  type PreparedMessage,
  type Receipt,
  ReceiptInvalid,
  receiptOf,
  type VisibilityChange,
} from '../engine/index.ts';
import { sqsError, sqsErrorOf } from '../errors.ts';
import type { SendMessageBatchInput } from './as-sent.ts';
import type { Domain, SqsHandlers } from './common.ts';
import { sendEntryOf, visibilityChangeOf } from './messages.ts';

const MAX_BATCH_ENTRIES = 10;
const MAX_BATCH_BYTES = 1_048_576;
const BATCH_ENTRY_ID = /^[A-Za-z0-9_-]{1,80}$/;

type BatchOperations = Pick<
  SqsHandlers,
  'SendMessageBatch' | 'DeleteMessageBatch' | 'ChangeMessageVisibilityBatch'
>;

interface BatchEntry {
  Id: string;
}

/** The batch rules every *Batch operation shares. */
function checkBatch(entries: BatchEntry[], entryName: string): void {
  if (entries.length === 0) {
    throw sqsError('EmptyBatchRequest', `There should be at least one ${entryName} in the request.`);
  }
  if (entries.length > MAX_BATCH_ENTRIES) {
    throw sqsError(
      'TooManyEntriesInBatchRequest',
      `Maximum number of entries per request are ${MAX_BATCH_ENTRIES}. You have sent ${entries.length}.`,
    );
  }
  const seen = new Set<string>();
  for (const entry of entries) {
    if (!BATCH_ENTRY_ID.test(entry.Id)) {
      throw sqsError(
        'InvalidBatchEntryId',
        'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.',
      );
    }
    if (seen.has(entry.Id)) throw sqsError('BatchEntryIdsNotDistinct', `Id ${entry.Id} repeated.`);
    seen.add(entry.Id);
  }
}

const failure = (id: string, error: ServiceError) => ({
  Id: id,
  SenderFault: error.senderFault,
  Code: error.code,
  Message: error.message,
});

/** Successful and Failed, in the entries' order, from each entry's error (or none). */
function batchResult(entries: BatchEntry[], errors: Array<ServiceError | undefined>) {
  const successful: Array<{ Id: string }> = [];
  const failed: ReturnType<typeof failure>[] = [];
  entries.forEach((entry, index) => {
    const error = errors[index];
    if (error) failed.push(failure(entry.Id, error));
    else successful.push({ Id: entry.Id });
  });
  return { Successful: successful, Failed: failed };
}

export function batchOperations({ registry, engine, preparer }: Domain): BatchOperations {
  return {
    async SendMessageBatch(input: SendMessageBatchInput, context) {
      const queue = registry.fromUrl(input.QueueUrl, context);
      const entries = input.Entries;
      checkBatch(entries, 'SendMessageBatchRequestEntry');
      // The limit is the request's: every entry counts, also one that would fail on its own.
      const total = entries.reduce((sum, entry) => sum + preparer.sizeOf(sendEntryOf(entry)), 0);
      if (total > MAX_BATCH_BYTES) {
        throw sqsError(
          'BatchRequestTooLong',
          `Batch requests cannot be longer than ${MAX_BATCH_BYTES} bytes. You have sent ${total} bytes.`,
        );
      }
      const failed: ReturnType<typeof failure>[] = [];
      const accepted: Array<{ id: string; prepared: PreparedMessage }> = [];
      for (const entry of entries) {
        try {
          accepted.push({ id: entry.Id, prepared: preparer.prepare(queue, sendEntryOf(entry)) });
        } catch (error) {
          if (!(error instanceof ServiceError)) throw error;
          failed.push(failure(entry.Id, error));
        }
      }
      const results = accepted.length
        ? await engine.send(
            queue,
            accepted.map((entry) => entry.prepared),
            context.accessKeyId ?? context.accountId,
          )
        : [];
      return {
        Successful: results.map((result, index) => ({ Id: accepted[index]!.id, ...result })),
        Failed: failed,
      };
    },

    async DeleteMessageBatch(input, context) {
      const queue = registry.fromUrl(input.QueueUrl, context);
      const entries = input.Entries;
      checkBatch(entries, 'DeleteMessageBatchRequestEntry');
      const receipts: Receipt[] = [];
      const errors = entries.map((entry) => {
        const receipt = receiptOf(queue, entry.ReceiptHandle);
        if (receipt instanceof ReceiptInvalid) return sqsErrorOf(receipt);
        receipts.push(receipt);
        return undefined;
      });
      await engine.delete(queue, receipts);
      return batchResult(entries, errors);
    },

    async ChangeMessageVisibilityBatch(input, context) {
      const queue = registry.fromUrl(input.QueueUrl, context);
      const entries = input.Entries;
      checkBatch(entries, 'ChangeMessageVisibilityBatchRequestEntry');
      const changes: VisibilityChange[] = [];
      const errors: Array<ServiceError | undefined> = entries.map((entry) => {
        const change = visibilityChangeOf(queue, entry.ReceiptHandle, entry.VisibilityTimeout ?? 0);
        if (change instanceof ServiceError) return change;
        changes.push(change);
        return undefined;
      });
      // The engine answers the valid changes in order; they fill the entries that had no error yet.
      const refused = await engine.changeVisibility(queue, changes);
      let next = 0;
      for (let index = 0; index < errors.length; index++) {
        if (errors[index] !== undefined) continue;
        const outcome = refused[next++];
        if (outcome) errors[index] = sqsErrorOf(outcome);
      }
      return batchResult(entries, errors);
    },
  };
}
