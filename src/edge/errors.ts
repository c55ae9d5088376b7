// The edge's own answer to a handler that failed without a ServiceError.
import { ServiceError } from '../contract/index.ts';

/** A handler bug: the client sees only this, with the request id; the log holds the stack. */
export function internalFailure(requestId: string): ServiceError {
  return new ServiceError(
    'InternalFailure',
    `The request processing has failed because of an unknown error (request ${requestId}).`,
    {
      status: 500,
    },
  );
}

/** A dependency is down for now: the request may be retried (SDKs do, on a 503). */
export function serviceUnavailable(): ServiceError {
  return new ServiceError('ServiceUnavailable', 'The service is unavailable. Please try again shortly.', {
    status: 503,
  });
}
