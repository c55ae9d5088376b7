// The API destination target kind: an HTTP request to the destination's endpoint with the
// connection's authorization, paced by InvocationRateLimitPerSecond (delayed, never dropped).
// 429, 5xx, timeouts and network errors are retried by the dispatcher; other 4xx are not.
import { type Delivery, DeliveryError, type DeliveryReceipt } from '../../runtime/index.ts';
import type { ApiDestination, Connection, Connections, HttpParameters } from './connections.ts';
import { RateLimiter } from './rate-limiter.ts';

const TIMEOUT_MS = 5000;

/** HttpParameters of a rule's target (EventBridge's shape: maps, not key/value lists). */
interface TargetHttpParameters {
  PathParameterValues?: string[];
  HeaderParameters?: Record<string, string>;
  QueryStringParameters?: Record<string, string>;
}

interface Token {
  value: string;
  expiresAt: number;
}

const pairs = (list: HttpParameters['HeaderParameters']): Record<string, string> =>
  Object.fromEntries((list ?? []).map((parameter) => [parameter.Key ?? '', parameter.Value ?? '']));

/** The endpoint with each `*` replaced by the next path parameter value. */
export function fillPath(endpoint: string, values: string[] = []): string {
  let index = 0;
  return endpoint.replace(/\*/g, () => {
    const value = values[index++];
    if (value === undefined) {
      throw new DeliveryError(
        'InvalidParameter',
        `The endpoint ${endpoint} needs more PathParameterValues.`,
        false,
      );
    }
    return encodeURIComponent(value);
  });
}

export class ApiInvoker {
  private readonly limiters = new Map<string, RateLimiter>();
  private readonly tokens = new Map<string, Token>();

  constructor(
    private readonly connections: Connections,
    private readonly now: () => number,
  ) {}

  async deliver(arn: string, delivery: Delivery): Promise<DeliveryReceipt> {
    const destination = this.connections.destinationByArn(arn);
    if (!destination)
      throw new DeliveryError('ResourceNotFoundException', `API destination ${arn} does not exist.`, false);
    const connection = this.connections.connectionByArn(destination.connectionArn);
    if (!connection) {
      throw new DeliveryError(
        'ResourceNotFoundException',
        `Connection ${destination.connectionArn} does not exist.`,
        false,
      );
    }
    if (connection.state === 'DEAUTHORIZED' || connection.state === 'DEAUTHORIZING') {
      throw new DeliveryError(
        'ConnectionDeauthorized',
        `Connection ${connection.name} is deauthorized.`,
        false,
      );
    }
    await this.pace(destination);
    const target = (delivery.parameters?.HttpParameters ?? {}) as TargetHttpParameters;
    let response = await this.send(destination, connection, target, delivery.body);
    if (
      (response.status === 401 || response.status === 407) &&
      connection.authorizationType === 'OAUTH_CLIENT_CREDENTIALS'
    ) {
      // The token may have been revoked early: fetch a new one and try once more.
      this.tokens.delete(connection.arn);
      response = await this.send(destination, connection, target, delivery.body);
    }
    if (response.status >= 200 && response.status < 300) return {};
    const retryable = response.status === 429 || response.status >= 500;
    throw new DeliveryError(
      retryable ? 'ApiDestinationThrottledOrFailed' : 'ApiDestinationClientError',
      `${destination.httpMethod} ${destination.endpoint} answered HTTP ${response.status}.`,
      retryable,
    );
  }

  /** Waits for the destination's rate limiter; deliveries beyond the rate are delayed, not dropped. */
  private async pace(destination: ApiDestination): Promise<void> {
    let limiter = this.limiters.get(destination.arn);
    if (!limiter) {
      limiter = new RateLimiter(destination.rateLimitPerSecond, this.now());
      this.limiters.set(destination.arn, limiter);
    }
    limiter.setRate(destination.rateLimitPerSecond);
    const wait = limiter.reserve(Date.now());
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }

  private async send(
    destination: ApiDestination,
    connection: Connection,
    target: TargetHttpParameters,
    body: string,
  ) {
    const invocation = connection.authParameters.InvocationHttpParameters;
    const url = new URL(fillPath(destination.endpoint, target.PathParameterValues));
    for (const [key, value] of Object.entries({
      ...pairs(invocation?.QueryStringParameters),
      ...target.QueryStringParameters,
    })) {
      url.searchParams.set(key, value);
    }
    const headers: Record<string, string> = {
      'content-type': 'application/json; charset=utf-8',
      'user-agent': 'Amazon/EventBridge/ApiDestinations',
      ...pairs(invocation?.HeaderParameters),
      ...target.HeaderParameters,
      ...(await this.authorization(connection)),
    };
    const method = destination.httpMethod;
    try {
      const response = await fetch(url, {
        method,
        headers,
        ...(method === 'GET' || method === 'HEAD' ? {} : { body }),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      await response.arrayBuffer();
      return response;
    } catch (error) {
      const reason =
        (error as Error).name === 'TimeoutError'
          ? `no answer within ${TIMEOUT_MS / 1000} s`
          : String((error as Error).message);
      throw new DeliveryError(
        'ApiDestinationUnreachable',
        `${method} ${destination.endpoint}: ${reason}.`,
        true,
      );
    }
  }

  private async authorization(connection: Connection): Promise<Record<string, string>> {
    const auth = connection.authParameters;
    if (connection.authorizationType === 'API_KEY') {
      return { [auth.ApiKeyAuthParameters!.ApiKeyName!]: auth.ApiKeyAuthParameters!.ApiKeyValue ?? '' };
    }
    if (connection.authorizationType === 'BASIC') {
      const { Username, Password } = auth.BasicAuthParameters!;
      return { authorization: `Basic ${Buffer.from(`${Username}:${Password ?? ''}`).toString('base64')}` };
    }
    return { authorization: `Bearer ${await this.token(connection)}` };
  }

  /** The OAuth access token: fetched with the client credentials, kept until it expires. */
  private async token(connection: Connection): Promise<string> {
    const cached = this.tokens.get(connection.arn);
    if (cached && cached.expiresAt > Date.now()) return cached.value;
    const oauth = connection.authParameters.OAuthParameters!;
    const client = oauth.ClientParameters!;
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      ...pairs(oauth.OAuthHttpParameters?.BodyParameters),
    });
    const url = new URL(oauth.AuthorizationEndpoint!);
    for (const [key, value] of Object.entries(pairs(oauth.OAuthHttpParameters?.QueryStringParameters))) {
      url.searchParams.set(key, value);
    }
    const withBody = oauth.HttpMethod !== 'GET';
    if (!withBody) for (const [key, value] of form) url.searchParams.set(key, value);
    let answer: { access_token?: string; expires_in?: number } | undefined;
    let failure: string | undefined;
    try {
      const response = await fetch(url, {
        method: oauth.HttpMethod,
        headers: {
          authorization: `Basic ${Buffer.from(`${client.ClientID}:${client.ClientSecret ?? ''}`).toString('base64')}`,
          ...(withBody ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
          ...pairs(oauth.OAuthHttpParameters?.HeaderParameters),
        },
        ...(withBody ? { body: form.toString() } : {}),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      const text = await response.text();
      if (!response.ok) failure = `the authorization endpoint answered HTTP ${response.status}`;
      else answer = JSON.parse(text) as typeof answer;
    } catch (error) {
      failure = `the authorization endpoint failed: ${(error as Error).message}`;
    }
    if (!answer?.access_token) {
      const reason = failure ?? 'the authorization endpoint answered without an access_token';
      await this.connections.setState(connection, 'DEAUTHORIZED', reason);
      throw new DeliveryError(
        'ConnectionAuthorizationFailed',
        `Connection ${connection.name}: ${reason}.`,
        true,
      );
    }
    // Refresh a little before the token runs out (an hour when the endpoint does not say).
    const lifetimeMs = (answer.expires_in ?? 3600) * 1000;
    this.tokens.set(connection.arn, {
      value: answer.access_token,
      expiresAt: Date.now() + Math.max(0, lifetimeMs - 10_000),
    });
    if (connection.state !== 'AUTHORIZED') await this.connections.setState(connection, 'AUTHORIZED');
    return answer.access_token;
  }

  /** DeauthorizeConnection: forget the token. */
  forget(connection: Connection): void {
    this.tokens.delete(connection.arn);
  }
}
