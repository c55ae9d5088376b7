// What a service gives the edge: its model, one handler per operation, and how it names input errors.
import type { ServiceError } from './errors.ts';
import type { InternalRoute } from './internal-routes.ts';
import type { ServiceModel } from './model.ts';

export type Protocol = 'json' | 'query' | 'rest-json' | 'rest-xml' | 'rpc-v2-cbor';

/** Who is asking, and about which request: handed to every handler. */
export interface RequestContext {
  requestId: string;
  accountId: string;
  region: string;
  /** The access key the request was signed with, when it was signed. */
  accessKeyId: string | undefined;
  /** Who signed it, as STS's GetCallerIdentity names them. */
  caller: Caller;
  service: string;
  operation: string;
  protocol: Protocol;
  /**
   * Where clients reach eddy, for URLs handed out (queue URLs): the configured public URL (a load
   * balancer in front of several nodes), else the scheme and `host:port` this request addressed.
   */
  baseUrl: string;
  /** The address the request came from (S3's events carry it as source-ip-address). */
  sourceIp: string;
  /** Aborted when the client goes away (long polls stop waiting). */
  signal: AbortSignal;
}

/** An identity as IAM names it: the account's root, an assumed role's session, a federated user. */
export interface Caller {
  arn: string;
  userId: string;
}

export type Input = Record<string, unknown>;
// biome-ignore lint/suspicious/noConfusingVoidType: handlers of operations without output return nothing.
export type Output = Record<string, unknown> | undefined | void;

/** One operation's handler: its input decoded and checked against the model, its output as the model shapes it. */
export type OperationHandler<In, Out> = (input: In, context: RequestContext) => Promise<Out> | Out;

/** A model's operations, as generated into contract/operations/: name → { input, output }. */
export type OperationTypes = Record<string, { input: unknown; output: unknown }>;

/** A service's handler table, one handler for every operation of its model: tsc reports a missing or mistyped one. */
export type Handlers<Operations extends OperationTypes> = {
  [Name in keyof Operations]: OperationHandler<Operations[Name]['input'], Operations[Name]['output']>;
};

/** A handler that reads its input untyped; a service's table becomes `Handlers<…Operations>` instead. */
export type Handler = (input: Input, context: RequestContext) => Promise<Output> | Output;

/** Any operation's handler, as the edge holds it; the edge hands it input that the model checked. */
export type AnyHandler = (input: never, context: RequestContext) => Promise<Output> | Output;

/** A constraint of the model that a member's value breaks, in AWS's words. */
export interface Violation {
  /** The member's path as AWS names it: `entries.1.member.source`. */
  member: string;
  value: unknown;
  /** `Member must have length less than or equal to 64`. */
  rule: string;
}

/** An input problem found while decoding, before any handler runs. */
export type InputProblem =
  | { kind: 'missing'; member: string }
  | { kind: 'type'; member: string; expected: string; value: unknown }
  | { kind: 'constraints'; violations: Violation[] };

export interface ServiceDefinition {
  /** Short name used in logs and metrics (`sqs`). */
  name: string;
  model: ServiceModel;
  /** The protocols this service answers; the first is its primary one. Defaults to the model's. */
  protocols?: Protocol[];
  handlers: Partial<Record<string, AnyHandler>>;
  /** Maps an input problem to this service's error; the codec's generic error otherwise. */
  inputError?: (problem: InputProblem, protocol: Protocol) => ServiceError | undefined;
  /** Query-compatible services' JSON errors: the Query code for an error code, when it differs. */
  queryErrorCodes?: Record<string, string>;
  /** Query requests posted to a resource's own path name it by this member when they leave it out (SQS: QueueUrl). */
  queryPathMember?: string;
  /** eddy's own endpoints this service adds under /_eddy/ (explain, trace, fault injection). */
  internalRoutes?: InternalRoute[];
  /**
   * The URI label a virtual-hosted request names in its host instead of its path (S3's `Bucket`:
   * `bucket.localhost:4566/key` is `/bucket/key`), under the domains the edge is configured with.
   */
  hostLabel?: string;
  /**
   * Operations whose XML body the service writes itself, because the model's shapes cannot say it
   * (S3's GetBucketLocation: a root element with only text). Bound headers are still the codec's.
   */
  documents?: Partial<Record<string, (output: Record<string, unknown>) => string>>;
  /**
   * Cross-origin requests (S3's bucket CORS): the headers to answer a browser's request with, or
   * undefined when none of the resource's rules allows it. `preflight` is an OPTIONS request.
   */
  cors?: (request: CorsRequest) => Promise<Record<string, string> | undefined>;
}

/** A browser's cross-origin request as a service's CORS rules see it. */
export interface CorsRequest {
  /** The path, with a virtual host's label in front (`/bucket/key`). */
  rawPath: string;
  origin: string;
  /** The method asked for: Access-Control-Request-Method on a preflight, else the request's. */
  method: string;
  /** Access-Control-Request-Headers of a preflight, lower-case. */
  headers: string[];
  preflight: boolean;
  accountId: string;
}
