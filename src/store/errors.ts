// What a store reports when the database cannot be reached or undid a transaction on its own: the
// request may be tried again (the edge answers 503 ServiceUnavailable, which SDKs retry).

export class StoreUnavailableError extends Error {
  readonly code = 'StoreUnavailable';
  readonly retryable = true;
  constructor(readonly reason: unknown) {
    super(`the store is unavailable: ${(reason as Error | undefined)?.message ?? String(reason)}`);
    this.name = 'StoreUnavailableError';
  }
}
