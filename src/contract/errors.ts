// The one error type a handler throws; each protocol codec renders it the way that protocol's clients parse it.

export interface ServiceErrorOptions {
  /** HTTP status; 400 unless said otherwise. */
  status?: number;
  /** Whether the caller is at fault (Query `<Type>Sender</Type>`); true for 4xx by default. */
  senderFault?: boolean;
  /**
   * The Query-protocol code of this error where it differs from `code` (SQS: QueueDoesNotExist is
   * `AWS.SimpleQueueService.NonExistentQueue`). JSON answers of Query-compatible services carry it in
   * the `x-amzn-query-error` header.
   */
  queryCode?: string;
  /** Extra members of the error shape, serialized beside the message. */
  fields?: Record<string, unknown>;
  /** HTTP headers the answer carries (S3: a 304's ETag, a 416's Content-Range). */
  headers?: Record<string, string>;
}

export class ServiceError extends Error {
  readonly status: number;
  readonly senderFault: boolean;
  readonly queryCode: string | undefined;
  readonly fields: Record<string, unknown>;
  readonly headers: Record<string, string> | undefined;

  constructor(
    readonly code: string,
    message: string,
    options: ServiceErrorOptions = {},
  ) {
    super(message);
    this.name = 'ServiceError';
    this.status = options.status ?? 400;
    this.senderFault = options.senderFault ?? this.status < 500;
    this.queryCode = options.queryCode;
    this.fields = options.fields ?? {};
    this.headers = options.headers;
  }
}
