// eddy's own endpoints under /_eddy/ that a service adds (explain, trace, fault injection): JSON in and out.

export interface InternalRequest {
  params: Record<string, string>;
  query: URLSearchParams;
  /** The parsed JSON body, or undefined when there is none. */
  body: unknown;
}

export interface InternalResponse {
  status?: number;
  /** Serialized as JSON, unless `contentType` is given and it is a string. */
  body: unknown;
  contentType?: string;
}

export interface InternalRoute {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path below `/_eddy/`, with `:name` parameters: `events/:eventId`. */
  path: string;
  handle(request: InternalRequest): Promise<InternalResponse> | InternalResponse;
}
