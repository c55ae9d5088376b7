// What the engine refuses, in its own terms. The engine knows no AWS error code: the handlers'
// side says each of these in AWS's words (sqsErrorOf in ../errors.ts).

/** A receipt handle this engine did not hand out for this queue. */
export class ReceiptInvalid extends Error {
  readonly kind = 'receipt-invalid';
  constructor(readonly handle: string) {
    super(`receipt handle ${handle} is not one of this queue's`);
  }
}

/** A visibility change for a message that is not in flight under the receipt (deleted, or visible again). */
export class MessageNotInflight extends Error {
  readonly kind = 'message-not-inflight';
  constructor() {
    super('the message is not in flight under this receipt');
  }
}

/** A purge of a queue purged less than a minute ago. */
export class PurgeInProgress extends Error {
  readonly kind = 'purge-in-progress';
  constructor(readonly queueName: string) {
    super(`queue ${queueName} was purged less than a minute ago`);
  }
}

export type EngineError = ReceiptInvalid | MessageNotInflight | PurgeInProgress;

export function isEngineError(error: unknown): error is EngineError {
  return (
    error instanceof ReceiptInvalid || error instanceof MessageNotInflight || error instanceof PurgeInProgress
  );
}
