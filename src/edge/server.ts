// The one HTTP server: eddy's own endpoints under /_eddy/, everything else decoded by the
// service's protocol codec, handed to its handler, and encoded back.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttp2Server, type Http2Session } from 'node:http2';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import { pipeline } from 'node:stream/promises';
import {
  type Caller,
  type Protocol,
  type RequestContext,
  type ServiceDefinition,
  ServiceError,
} from '../contract/index.ts';
import {
  type AccessKey,
  type Clock,
  extend,
  type Logger,
  type MetricsRegistry,
  newRequestId,
  Sessions,
} from '../runtime/index.ts';
import {
  AuthError,
  authErrorFor,
  authenticate,
  readSignature,
  type SignatureParts,
  SigningKeyCache,
} from './auth/index.ts';
import { BodyDecoder, ClientGoneError, needsDecoding, readWhole, StreamedBody } from './body.ts';
import {
  type Codec,
  codecFor,
  codecs,
  type EdgeRequest,
  type EdgeResponse,
  InputProblemError,
} from './codecs/index.ts';
import { internalFailure, serviceUnavailable } from './errors.ts';
import { InternalRouter } from './internal.ts';
import { type RegisteredService, Router } from './router.ts';

/** Largest request body accepted (S3 uploads stream separately once that service lands). */
const MAX_BODY_BYTES = 32 * 1024 * 1024;

export interface EdgeOptions {
  services: ServiceDefinition[];
  accessKeys: readonly AccessKey[];
  defaultAccountId: string;
  defaultRegion: string;
  clock: Clock;
  log: Logger;
  metrics: MetricsRegistry;
  /** Body of GET /_eddy/health. */
  health: () => Record<string, unknown>;
  /** Key and certificate for a second, HTTPS server answering exactly like the HTTP one. */
  tls?: { privateKeyPem: string; certificatePem: string };
  /**
   * Whether a handler's error means something it depends on (the database) is down for now: such a
   * request is answered 503 ServiceUnavailable, which the SDKs retry, instead of 500.
   */
  isUnavailable?: (error: unknown) => boolean;
  /** What clients reach eddy at when it is not what they addressed (a load balancer's URL). */
  publicUrl?: string;
  /** Temporary credentials STS issued; made from the access keys when not given. */
  sessions?: Sessions;
  /** The regions a request may name; absent: any. */
  regions?: readonly string[];
  /** One `sqs.SendMessage 200 1.2ms` line per request at info; otherwise at debug. */
  requestLog?: boolean;
  /**
   * Domains under which a host names a resource (virtual-hosted S3: `bucket.localhost`); a host
   * that is one of them exactly names none. `localhost` when not given.
   */
  virtualHostDomains?: string[];
}

export interface Edge {
  server: Server;
  /** The HTTPS server, when `tls` was given; the caller makes it listen. */
  tlsServer?: Server;
  /**
   * Stops accepting, aborts waiting handlers (long polls), and resolves when in-flight requests are
   * answered, or after `graceMs` (default 2 s) with the rest cut off.
   */
  close(graceMs?: number): Promise<void>;
}

/** Statuses whose answers never have a body. */
const NO_BODY = new Set([204, 304]);
const EMPTY_BODY = Buffer.alloc(0);

function sendResponse(res: ServerResponse, response: EdgeResponse, method: string): void {
  const { body } = response;
  if (NO_BODY.has(response.status)) {
    res.writeHead(response.status, response.headers);
    res.end();
    return;
  }
  // A HEAD answer's Content-Length is that of what a GET would send (S3's HeadObject binds it).
  const length =
    method === 'HEAD' && response.headers['content-length'] !== undefined
      ? response.headers['content-length']
      : String(typeof body === 'string' ? Buffer.byteLength(body) : body.length);
  res.writeHead(response.status, extend(response.headers, { 'content-length': length }));
  // Node joins a string body to the head as it sends it; a Buffer would be copied for nothing.
  res.end(method === 'HEAD' ? undefined : body);
}

/**
 * Writes a streamed answer (an object's bytes, an event stream) as it comes, with back-pressure,
 * until it ends or the client goes away (which ends the source: a file's stream closes).
 */
async function streamResponse(
  res: ServerResponse,
  response: EdgeResponse,
  stream: AsyncIterable<Uint8Array>,
  method: string,
): Promise<void> {
  res.writeHead(response.status, response.headers);
  if (method === 'HEAD' || NO_BODY.has(response.status)) {
    await stream[Symbol.asyncIterator]().return?.();
    res.end();
    return;
  }
  res.flushHeaders();
  await pipeline(stream, res);
}

function isPrematureClose(error: unknown): boolean {
  return (error as { code?: string } | undefined)?.code === 'ERR_STREAM_PREMATURE_CLOSE';
}

function isFormBody(headers: IncomingMessage['headers']): boolean {
  return headers['content-type']?.startsWith('application/x-www-form-urlencoded') === true;
}

/** The resource a virtual-hosted request's host names (`bucket` of `bucket.localhost:4566`), if any. */
function hostedLabel(host: string | undefined, domains: readonly string[]): string | undefined {
  if (!host || host.startsWith('[')) return undefined;
  const colon = host.lastIndexOf(':');
  const name = (colon < 0 ? host : host.slice(0, colon)).toLowerCase();
  if (domains.includes(name)) return undefined;
  for (const domain of domains) {
    if (name.length > domain.length + 1 && name.endsWith(`.${domain}`))
      return name.slice(0, -domain.length - 1);
  }
  return undefined;
}

/** How long a closing edge lets in-flight requests finish before it cuts their connections. */
const DEFAULT_CLOSE_GRACE_MS = 2000;

class BodyTooLarge extends Error {}

/**
 * What a handler is told about its request. Only long polls watch for the client going away, so the
 * AbortController is made when `signal` is first read. The getter sits on the prototype on purpose:
 * a getter written in an object literal is a new closure per request, and V8 gives each such object
 * its own hidden class. Scavenges keep those classes (and through them the whole request) alive, so
 * every request was promoted to the old generation, and scavenges grew 2-3 times longer.
 */
class HandlerContext implements RequestContext {
  readonly requestId: string;
  readonly accountId: string;
  readonly region: string;
  readonly accessKeyId: string | undefined;
  readonly caller: Caller;
  readonly service: string;
  readonly operation: string;
  readonly protocol: Protocol;
  readonly baseUrl: string;
  readonly sourceIp: string;
  /** Made when a handler first reads `signal`: the controller and the listener that fires it. */
  private watching: { abort: AbortController; onClose: () => void } | undefined;

  constructor(
    fields: Omit<RequestContext, 'signal'>,
    private readonly res: ServerResponse,
    private readonly inFlight: Set<AbortController>,
  ) {
    this.requestId = fields.requestId;
    this.accountId = fields.accountId;
    this.region = fields.region;
    this.accessKeyId = fields.accessKeyId;
    this.caller = fields.caller;
    this.service = fields.service;
    this.operation = fields.operation;
    this.protocol = fields.protocol;
    this.baseUrl = fields.baseUrl;
    this.sourceIp = fields.sourceIp;
  }

  get signal(): AbortSignal {
    if (!this.watching) {
      const abort = new AbortController();
      const onClose = () => {
        if (!this.res.writableFinished) abort.abort();
      };
      this.watching = { abort, onClose };
      this.inFlight.add(abort);
      this.res.on('close', onClose);
    }
    return this.watching.abort.signal;
  }

  /** The request is answered: stop watching its client. */
  release(): void {
    if (!this.watching) return;
    this.inFlight.delete(this.watching.abort);
    this.res.off('close', this.watching.onClose);
  }
}

const H2_PREFACE = Buffer.from('PRI * HTTP/2.0');

/**
 * HTTP/2 without TLS ("h2c" with prior knowledge) on the same port as HTTP/1.1: the v3 SDK's
 * Kinesis client sends every call over HTTP/2 (its NodeHttp2Handler), and SubscribeToShard needs
 * it. Each connection's first bytes are looked at: the HTTP/2 preface goes to an HTTP/2 server
 * (its compatibility API hands `handle` the same request and response shapes), anything else to
 * the HTTP/1.1 server as before. Returns the open HTTP/2 sessions, for closing.
 */
function acceptH2c(
  server: Server,
  handle: (req: IncomingMessage, res: ServerResponse) => void,
): Set<Http2Session> {
  const h2 = createHttp2Server({}, handle as never);
  const sessions = new Set<Http2Session>();
  h2.on('session', (session: Http2Session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });
  const http1 = server.listeners('connection') as ((socket: Socket) => void)[];
  server.removeAllListeners('connection');
  server.on('connection', (socket: Socket) => {
    const route = (head: Buffer | null) => {
      if (head) socket.unshift(head);
      const prefix = head ? head.subarray(0, H2_PREFACE.length) : Buffer.alloc(0);
      if (prefix.length > 0 && H2_PREFACE.subarray(0, prefix.length).equals(prefix)) {
        // The session takes the socket's handle over, and the bytes read here from the socket.
        h2.emit('connection', socket);
      } else {
        for (const listener of http1) listener.call(server, socket);
        socket.resume();
      }
    };
    socket.once('readable', () => route(socket.read() as Buffer | null));
  });
  return sessions;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_BODY_BYTES) {
      reject(new BodyTooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        req.destroy();
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function createEdge(options: EdgeOptions): Edge {
  const router = new Router(options.services);
  const signingKeys = new SigningKeyCache();
  const sessions = options.sessions ?? new Sessions(options.accessKeys);
  const requests = options.metrics.counter(
    'eddy_requests_total',
    'Requests answered, by service, operation and status.',
    ['service', 'operation', 'status'],
  );
  const latency = options.metrics.histogram(
    'eddy_request_duration_seconds',
    'Time from a request arriving to its answer, by service and operation.',
    ['service', 'operation'],
  );
  /** Aborted when the edge closes: the long polls waiting. */
  const inFlight = new Set<AbortController>();
  const regions = options.regions ? new Set(options.regions) : undefined;
  const requestLevel = options.requestLog ? 'info' : 'debug';
  const logRequests = options.log.isLevelEnabled(requestLevel);
  const internal = new InternalRouter([
    { method: 'GET', path: 'health', handle: () => ({ body: options.health() }) },
    {
      method: 'GET',
      path: 'metrics',
      handle: async () => ({
        body: await options.metrics.render(),
        contentType: options.metrics.contentType,
      }),
    },
    ...options.services.flatMap((service) => service.internalRoutes ?? []),
  ]);

  /** Whether an operation's input payload is a streaming blob (S3's PutObject): its body is not read first. */
  const streamedPayloads = new Map<string, boolean>();
  const streamsPayload = (service: RegisteredService, operation: string): boolean => {
    const key = `${service.definition.name}\n${operation}`;
    let streams = streamedPayloads.get(key);
    if (streams === undefined) {
      const inputRef = service.definition.model.operations[operation]?.input;
      const input = inputRef ? service.resolver.resolve(inputRef) : undefined;
      const payloadRef = input?.payload ? input.members?.[input.payload] : undefined;
      const payload = payloadRef ? service.resolver.resolve(payloadRef) : undefined;
      streams = payload?.type === 'blob' && payload.streaming === true;
      streamedPayloads.set(key, streams);
    }
    return streams;
  };
  const hostDomains = [
    ...new Set((options.virtualHostDomains ?? ['localhost']).map((d) => d.toLowerCase())),
  ].sort((a, b) => b.length - a.length);

  async function answer(
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string,
    started: number,
    expectsContinue: boolean,
  ): Promise<void> {
    const target = req.url ?? '/';
    const queryStart = target.indexOf('?');
    const rawPath = queryStart < 0 ? target : target.slice(0, queryStart);
    const rawQuery = queryStart < 0 ? '' : target.slice(queryStart + 1);
    const query = new URLSearchParams(rawQuery);
    let labels = { service: 'eddy', operation: 'unknown' };
    let codec: Codec = codecs.json;
    let service: RegisteredService | undefined;
    let request: EdgeRequest | undefined;
    let corsHeaders: Record<string, string> | undefined;

    const finish = (response: EdgeResponse) => {
      // A body left unread (refused before its handler read it): the connection cannot carry another request.
      if (request?.stream && !request.stream.consumed) response.headers.connection = 'close';
      if (corsHeaders) Object.assign(response.headers, corsHeaders);
      sendResponse(res, response, req.method ?? 'GET');
      const seconds = (performance.now() - started) / 1000;
      requests.inc({ service: labels.service, operation: labels.operation, status: String(response.status) });
      latency.observe(labels, seconds);
      if (logRequests) {
        const ms = seconds * 1000;
        options.log[requestLevel](
          { requestId },
          `${labels.service}.${labels.operation} ${response.status}${errorCode ? ` ${errorCode}` : ''} ${ms < 10 ? ms.toFixed(1) : Math.round(ms)}ms`,
        );
      }
    };
    let errorCode: string | undefined;
    const fail = (error: ServiceError) => {
      errorCode = error.code;
      finish(codec.encodeError(service, error, { requestId, operation: labels.operation }));
    };
    /** Reads the whole body, decoded and checked when its headers ask; undefined when it was refused (answered). */
    const readBuffered = async (): Promise<Buffer | undefined> => {
      try {
        if (expectsContinue) res.writeContinue();
        if (!needsDecoding(req.headers)) return await readBody(req);
        return await readWhole(req, new BodyDecoder(req.headers), MAX_BODY_BYTES, () => new BodyTooLarge());
      } catch (error) {
        if (error instanceof BodyTooLarge) {
          fail(
            new ServiceError(
              'RequestEntityTooLarge',
              `The request body is larger than ${MAX_BODY_BYTES} bytes.`,
              { status: 413 },
            ),
          );
          return undefined;
        }
        if (error instanceof ServiceError) {
          fail(error);
          return undefined;
        }
        throw error;
      }
    };

    if (rawPath.startsWith('/_eddy/')) {
      const body = await readBuffered();
      if (body === undefined) return;
      const answered = await internal.answer(req.method ?? 'GET', rawPath, query, body);
      labels = { service: 'eddy', operation: answered.label };
      finish(answered.response);
      return;
    }
    request = { method: req.method ?? 'GET', rawPath, query, headers: req.headers, body: EMPTY_BODY };
    let bodyRead = false;
    // Query requests name their action in a form body: it is read before routing.
    if (isFormBody(req.headers)) {
      const body = await readBuffered();
      if (body === undefined) return;
      request.body = body;
      bodyRead = true;
    }

    let signature: SignatureParts | undefined;
    let authFailure: AuthError | undefined;
    try {
      signature = readSignature(request);
    } catch (error) {
      if (!(error instanceof AuthError)) throw error;
      authFailure = error;
    }

    const route = router.route(request, signature?.service);
    if (!('service' in route)) {
      codec = codecs[route.protocol];
      fail(
        new ServiceError(
          'UnknownServiceException',
          route.named
            ? `eddy does not serve '${route.named}'. Served: ${router.services.map((s) => s.definition.model.metadata.serviceId).join(', ') || 'none yet'}.`
            : 'The request names no service: send X-Amz-Target, a SigV4 Authorization header, or a Query Action.',
        ),
      );
      return;
    }
    service = route.service;
    codec = codecFor(route.protocol, request);
    labels = { service: service.definition.name, operation: 'unknown' };
    const definition = service.definition;

    // Virtual-hosted style: the host names the resource (`bucket.localhost`), the path what is in it.
    if (definition.hostLabel) {
      const label = hostedLabel(req.headers.host, hostDomains);
      if (label !== undefined) {
        request.signedPath = rawPath;
        request.rawPath = rawPath === '/' || rawPath === '' ? `/${label}` : `/${label}${rawPath}`;
      }
    }

    // A browser's CORS preflight, answered from the resource's rules.
    const origin = req.headers.origin;
    if (definition.cors && origin !== undefined) {
      const preflight = request.method === 'OPTIONS';
      const asked = preflight ? req.headers['access-control-request-method'] : request.method;
      const allowed = await definition.cors({
        rawPath: request.rawPath,
        origin,
        method: typeof asked === 'string' ? asked : request.method,
        headers: String(req.headers['access-control-request-headers'] ?? '')
          .split(',')
          .map((name) => name.trim().toLowerCase())
          .filter(Boolean),
        preflight,
        accountId: options.defaultAccountId,
      });
      if (preflight) {
        labels = { service: definition.name, operation: 'CorsPreflight' };
        if (!allowed) {
          fail(
            new ServiceError('AccessForbidden', 'CORSResponse: This CORS request is not allowed.', {
              status: 403,
            }),
          );
          return;
        }
        finish({ status: 200, headers: allowed, body: '' });
        return;
      }
      corsHeaders = allowed;
    }

    let operation: string | undefined;
    let streaming = false;
    try {
      operation = codec.operationOf(request, service);
      streaming = operation !== undefined && streamsPayload(service, operation);
      if (streaming) {
        request.stream = new StreamedBody(req, res, new BodyDecoder(req.headers), expectsContinue);
      }
    } catch (error) {
      if (!(error instanceof ServiceError)) throw error;
      fail(error);
      return;
    }
    if (!bodyRead && !streaming) {
      const body = await readBuffered();
      if (body === undefined) return;
      request.body = body;
    }

    if (authFailure) {
      fail(authErrorFor(authFailure, route.protocol));
      return;
    }
    let identity: ReturnType<typeof authenticate>;
    try {
      identity = authenticate(request, rawQuery, signature, {
        keys: options.accessKeys,
        defaultAccountId: options.defaultAccountId,
        defaultRegion: options.defaultRegion,
        now: options.clock.now(),
        signingKeys,
        sessions,
        noAuth: operation !== undefined && definition.model.operations[operation]?.authtype === 'none',
      });
    } catch (error) {
      if (!(error instanceof AuthError)) throw error;
      fail(authErrorFor(error, route.protocol));
      return;
    }
    if (request.stream instanceof StreamedBody && identity.verified) {
      request.stream.decoder.verifyChunksWith({
        signingKey: identity.verified.signingKey,
        amzDate: identity.verified.amzDate,
        scope: identity.verified.scope,
        seedSignature: identity.verified.signature,
      });
    }

    if (regions && !regions.has(identity.region)) {
      fail(
        new ServiceError(
          'InvalidRegion',
          `'${identity.region}' is not an AWS Region, so eddy serves nothing there. ` +
            `Use one of AWS's (${options.defaultRegion} is eddy's default), or add it with EDDY_REGIONS=${identity.region}.`,
        ),
      );
      return;
    }
    if (!operation) {
      fail(codec.unknownOperation(codec.requestedOperation(request), service));
      return;
    }
    labels = { service: definition.name, operation };
    const handler = definition.handlers[operation];
    if (!handler) {
      fail(
        new ServiceError(
          'NotImplemented',
          `eddy does not implement ${definition.model.metadata.serviceId} ${operation} yet.`,
          { status: 501 },
        ),
      );
      return;
    }

    let context: HandlerContext | undefined;
    try {
      const input = codec.decodeInput(request, service, operation);
      const violations = service.validator.violations(definition.model.operations[operation]?.input, input);
      if (violations.length > 0) throw new InputProblemError({ kind: 'constraints', violations });
      context = new HandlerContext(
        {
          requestId,
          accountId: identity.accountId,
          region: identity.region,
          accessKeyId: identity.accessKeyId,
          caller: identity.caller,
          service: definition.name,
          operation,
          protocol: route.protocol,
          baseUrl:
            options.publicUrl ??
            `${'encrypted' in req.socket ? 'https' : 'http'}://${req.headers.host ?? req.headers[':authority'] ?? '127.0.0.1'}`,
          sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        },
        res,
        inFlight,
      );
      // The input was decoded and checked against the operation's model: it is the handler's type.
      const output = (await handler(input as never, context)) ?? {};
      if (res.destroyed) return;
      const response = codec.encodeOutput(service, operation, output, { requestId, operation });
      if (response.stream) {
        if (corsHeaders) Object.assign(response.headers, corsHeaders);
        // The handler watches its context's signal to end an event stream; it is released only after.
        try {
          await streamResponse(res, response, response.stream, request.method);
        } catch (error) {
          if (!isPrematureClose(error))
            options.log.error({ err: error, requestId, ...labels }, 'a streamed answer failed');
          res.destroy();
        }
        requests.inc({ ...labels, status: String(response.status) });
        return;
      }
      finish(response);
    } catch (error) {
      if (res.destroyed) return;
      if (error instanceof InputProblemError) {
        fail(definition.inputError?.(error.problem, route.protocol) ?? codec.inputError(error.problem));
      } else if (error instanceof ServiceError) {
        fail(error);
      } else if (error instanceof ClientGoneError) {
        res.destroy();
      } else if (options.isUnavailable?.(error)) {
        options.log.warn({ err: error, requestId, ...labels }, 'answered 503: the store is unavailable');
        fail(serviceUnavailable());
      } else {
        options.log.error({ err: error, requestId, ...labels }, 'handler failed');
        fail(internalFailure(requestId));
      }
    } finally {
      context?.release();
    }
  }

  let closing = false;
  const handle = (req: IncomingMessage, res: ServerResponse, expectsContinue = false) => {
    // Closing: a request already sent on a kept-alive connection is answered, and its connection
    // then closed, so a busy client cannot keep the server open.
    if (closing) res.setHeader('connection', 'close');
    const requestId = newRequestId();
    const started = performance.now();
    answer(req, res, requestId, started, expectsContinue).catch((error: unknown) => {
      options.log.error({ err: error, requestId }, 'request failed');
      if (!res.headersSent) {
        sendResponse(
          res,
          codecs.json.encodeError(undefined, internalFailure(requestId), { requestId, operation: '' }),
          'POST',
        );
      } else res.destroy();
    });
  };
  const serverOptions = { keepAliveTimeout: 65_000, requestTimeout: 0 };
  const server = createServer(serverOptions, handle);
  const h2Sessions = acceptH2c(server, handle);
  const tlsServer = options.tls
    ? createHttpsServer(
        { ...serverOptions, key: options.tls.privateKeyPem, cert: options.tls.certificatePem },
        handle,
      )
    : undefined;
  // `Expect: 100-continue`: the client waits to send its body until it is asked for, so a request
  // refused first (no such bucket, a bad signature) never sends it. The body's first read asks.
  for (const one of [server, ...(tlsServer ? [tlsServer] : [])]) {
    one.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => handle(req, res, true));
  }
  const closeOne = (one: Server) =>
    new Promise<void>((resolve) => {
      if (!one.listening) return resolve();
      one.close(() => resolve());
      one.closeIdleConnections();
    });

  return {
    server,
    ...(tlsServer ? { tlsServer } : {}),
    async close(graceMs = DEFAULT_CLOSE_GRACE_MS) {
      closing = true;
      const closed = Promise.all([closeOne(server), ...(tlsServer ? [closeOne(tlsServer)] : [])]);
      for (const abort of inFlight) abort.abort();
      // What is still unanswered after the grace is cut off: its client was told nothing, so it
      // retries, and nothing it was told succeeded is lost.
      const cutOff = setTimeout(() => {
        server.closeAllConnections();
        tlsServer?.closeAllConnections();
      }, graceMs);
      // HTTP/2 sessions finish their open streams and take no new ones.
      const sessionsClosed = [...h2Sessions].map(
        (session) =>
          new Promise<void>((resolve) => {
            if (session.closed || session.destroyed) return resolve();
            session.once('close', () => resolve());
            session.close();
            // A client that keeps a stream open (SubscribeToShard) is cut off after the grace too.
            setTimeout(() => session.destroy(), graceMs).unref();
          }),
      );
      await Promise.all([closed, ...sessionsClosed]);
      clearTimeout(cutOff);
    },
  };
}
