// The one HTTP server: eddy's own endpoints under /_eddy/, everything else decoded by the
// service's protocol codec, handed to its handler, and encoded back.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttp2Server, type Http2Session } from 'node:http2';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
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

function sendResponse(res: ServerResponse, response: EdgeResponse, method: string): void {
  const { body } = response;
  const length = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
  res.writeHead(response.status, extend(response.headers, { 'content-length': String(length) }));
  // Node joins a string body to the head as it sends it; a Buffer would be copied for nothing.
  res.end(method === 'HEAD' ? undefined : body);
}

/** Writes an event-stream answer as its events come, until they end or the client goes away. */
async function streamResponse(
  res: ServerResponse,
  response: EdgeResponse,
  stream: AsyncIterable<Buffer>,
): Promise<void> {
  res.writeHead(response.status, response.headers);
  res.flushHeaders();
  for await (const chunk of stream) {
    if (res.destroyed) return;
    res.write(chunk);
  }
  res.end();
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

  async function answer(
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string,
    started: number,
  ): Promise<void> {
    const target = req.url ?? '/';
    const queryStart = target.indexOf('?');
    const rawPath = queryStart < 0 ? target : target.slice(0, queryStart);
    const rawQuery = queryStart < 0 ? '' : target.slice(queryStart + 1);
    const query = new URLSearchParams(rawQuery);
    let labels = { service: 'eddy', operation: 'unknown' };
    let codec: Codec = codecs.json;
    let service: RegisteredService | undefined;

    const finish = (response: EdgeResponse) => {
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

    let body: Buffer;
    try {
      body = await readBody(req);
    } catch (error) {
      if (!(error instanceof BodyTooLarge)) throw error;
      fail(
        new ServiceError(
          'RequestEntityTooLarge',
          `The request body is larger than ${MAX_BODY_BYTES} bytes.`,
          { status: 413 },
        ),
      );
      return;
    }
    if (rawPath.startsWith('/_eddy/')) {
      const answered = await internal.answer(req.method ?? 'GET', rawPath, query, body);
      labels = { service: 'eddy', operation: answered.label };
      finish(answered.response);
      return;
    }
    const request: EdgeRequest = {
      method: req.method ?? 'GET',
      rawPath,
      query,
      headers: req.headers,
      body,
    };

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
      });
    } catch (error) {
      if (!(error instanceof AuthError)) throw error;
      fail(authErrorFor(error, route.protocol));
      return;
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
    const operation = codec.operationOf(request, service);
    if (!operation) {
      fail(codec.unknownOperation(codec.requestedOperation(request), service));
      return;
    }
    labels = { service: service.definition.name, operation };
    const handler = service.definition.handlers[operation];
    if (!handler) {
      fail(
        new ServiceError(
          'NotImplemented',
          `eddy does not implement ${service.definition.model.metadata.serviceId} ${operation} yet.`,
          { status: 501 },
        ),
      );
      return;
    }

    let context: HandlerContext | undefined;
    try {
      const input = codec.decodeInput(request, service, operation);
      const violations = service.validator.violations(
        service.definition.model.operations[operation]?.input,
        input,
      );
      if (violations.length > 0) throw new InputProblemError({ kind: 'constraints', violations });
      context = new HandlerContext(
        {
          requestId,
          accountId: identity.accountId,
          region: identity.region,
          accessKeyId: identity.accessKeyId,
          caller: identity.caller,
          service: service.definition.name,
          operation,
          protocol: route.protocol,
          baseUrl:
            options.publicUrl ??
            `${'encrypted' in req.socket ? 'https' : 'http'}://${req.headers.host ?? req.headers[':authority'] ?? '127.0.0.1'}`,
        },
        res,
        inFlight,
      );
      // The input was decoded and checked against the operation's model: it is the handler's type.
      const output = (await handler(input as never, context)) ?? {};
      if (res.destroyed) return;
      const response = codec.encodeOutput(service, operation, output, { requestId, operation });
      if (response.stream) {
        // The handler watches its context's signal to end the stream; it is released only after.
        try {
          await streamResponse(res, response, response.stream);
        } catch (error) {
          options.log.error({ err: error, requestId, ...labels }, 'an event stream failed');
          res.destroy();
        }
        requests.inc({ ...labels, status: String(response.status) });
        return;
      }
      finish(response);
    } catch (error) {
      if (error instanceof InputProblemError) {
        fail(
          service.definition.inputError?.(error.problem, route.protocol) ?? codec.inputError(error.problem),
        );
      } else if (error instanceof ServiceError) {
        fail(error);
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
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    // Closing: a request already sent on a kept-alive connection is answered, and its connection
    // then closed, so a busy client cannot keep the server open.
    if (closing) res.setHeader('connection', 'close');
    const requestId = newRequestId();
    const started = performance.now();
    answer(req, res, requestId, started).catch((error: unknown) => {
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
