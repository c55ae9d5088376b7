// SQS's errors: the JSON code, its Query code where it differs, and the HTTP status AWS gives.
import { ServiceError } from '../../contract/index.ts';
// The engine's refusals, from their own file: the engine's index.ts leads back here through registry.ts.
import { type EngineError, isEngineError } from './engine/errors.ts';

/** JSON code → Query code, for the codes AWS renames between the protocols. */
export const QUERY_ERROR_CODES: Record<string, string> = {
  QueueDoesNotExist: 'AWS.SimpleQueueService.NonExistentQueue',
  QueueNameExists: 'QueueAlreadyExists',
  QueueDeletedRecently: 'AWS.SimpleQueueService.QueueDeletedRecently',
  PurgeQueueInProgress: 'AWS.SimpleQueueService.PurgeQueueInProgress',
  MessageNotInflight: 'AWS.SimpleQueueService.MessageNotInflight',
  UnsupportedOperation: 'AWS.SimpleQueueService.UnsupportedOperation',
  TooManyEntriesInBatchRequest: 'AWS.SimpleQueueService.TooManyEntriesInBatchRequest',
  EmptyBatchRequest: 'AWS.SimpleQueueService.EmptyBatchRequest',
  BatchEntryIdsNotDistinct: 'AWS.SimpleQueueService.BatchEntryIdsNotDistinct',
  InvalidBatchEntryId: 'AWS.SimpleQueueService.InvalidBatchEntryId',
  BatchRequestTooLong: 'AWS.SimpleQueueService.BatchRequestTooLong',
};

/** The statuses the SQS model gives; every other code is 400. */
const STATUS: Record<string, number> = {
  PurgeQueueInProgress: 403,
  OverLimit: 403,
  RequestThrottled: 403,
  InvalidSecurity: 403,
  ReceiptHandleIsInvalid: 404,
  ResourceNotFoundException: 404,
  InvalidAddress: 404,
};

export function sqsError(code: string, message: string): ServiceError {
  return new ServiceError(code, message, { status: STATUS[code] ?? 400 });
}

export const invalidParameter = (message: string) => sqsError('InvalidParameterValue', message);

export const queueDoesNotExist = () => sqsError('QueueDoesNotExist', 'The specified queue does not exist.');

/** What the engine refused (engine/errors.ts), in AWS's words. */
export function sqsErrorOf(error: EngineError): ServiceError {
  switch (error.kind) {
    case 'receipt-invalid':
      return sqsError(
        'ReceiptHandleIsInvalid',
        `The input receipt handle "${error.handle}" is not a valid receipt handle.`,
      );
    case 'message-not-inflight':
      return sqsError(
        'MessageNotInflight',
        'Message does not exist or is not available for visibility timeout change.',
      );
    case 'purge-in-progress':
      return sqsError(
        'PurgeQueueInProgress',
        `Only one PurgeQueue operation on ${error.queueName} is allowed every 60 seconds.`,
      );
  }
}

/** Rethrows an engine's refusal as its AWS error, anything else as it is. */
export function rethrow(error: unknown): never {
  throw isEngineError(error) ? sqsErrorOf(error) : error;
}
