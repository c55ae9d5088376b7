// Connections and API destinations through @aws-sdk/client-eventbridge against a real server and
// local HTTP endpoints: each authorization type, path wildcards, headers and query parameters, the
// OAuth token fetched once and refreshed, retries of 5xx, no retries of 4xx (DLQ), the rate limit.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import {
  CreateApiDestinationCommand,
  CreateConnectionCommand,
  DeauthorizeConnectionCommand,
  DescribeConnectionCommand,
  EventBridgeClient,
  ListApiDestinationsCommand,
  ListConnectionsCommand,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
  ResourceAlreadyExistsException,
  ResourceNotFoundException,
} from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import { ManualClock } from '../src/runtime/index.ts';
import { startTestEddy, type TestEddy } from './harness.ts';
import { eventually, queueWithArn, receiveAll, traceOf } from './helpers.ts';

interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  at: number;
}

/** An HTTP endpoint that records requests and answers with what `status` says for each. */
async function endpoint(status: (request: Received, count: number) => number, reply = '') {
  const received: Received[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      const entry = {
        method: request.method!,
        url: request.url!,
        headers: request.headers,
        body,
        at: Date.now(),
      };
      received.push(entry);
      response.statusCode = status(entry, received.length);
      response.end(typeof reply === 'string' ? reply : '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    received,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let eddy: TestEddy;
let events: EventBridgeClient;
let sqs: SQSClient;
let run = 0;

before(async () => {
  // Retries run on the clock: the first 1 s (±20 %) after a failed attempt.
  eddy = await startTestEddy({
    clock: new ManualClock(Date.UTC(2025, 0, 1)),
    config: { deliveryRetry: { firstMs: 1_000, capMs: 60_000 } },
  });
  events = eddy.client(EventBridgeClient);
  sqs = eddy.client(SQSClient);
});
after(async () => {
  events?.destroy();
  sqs?.destroy();
  await eddy?.stop();
});

/** A rule on `source` with one target: the API destination, with HttpParameters and an optional DLQ. */
async function route(destinationArn: string, extra: Record<string, unknown> = {}): Promise<string> {
  run += 1;
  const source = `test.${run}`;
  await events.send(
    new PutRuleCommand({ Name: `r${run}`, EventPattern: JSON.stringify({ source: [source] }) }),
  );
  await events.send(
    new PutTargetsCommand({
      Rule: `r${run}`,
      Targets: [{ Id: 'api', Arn: destinationArn, RoleArn: 'arn:aws:iam::000000000000:role/x', ...extra }],
    }),
  );
  return source;
}

const put = (source: string, detail: object = { n: 1 }) =>
  events.send(
    new PutEventsCommand({
      Entries: [{ Source: source, DetailType: 'Test', Detail: JSON.stringify(detail) }],
    }),
  );

describe('connections', () => {
  test('create, describe without secrets, list, deauthorize; errors name the problem', async () => {
    const { ConnectionArn, ConnectionState } = await events.send(
      new CreateConnectionCommand({
        Name: 'with-key',
        AuthorizationType: 'API_KEY',
        AuthParameters: {
          ApiKeyAuthParameters: { ApiKeyName: 'x-api-key', ApiKeyValue: 's3cret' },
          InvocationHttpParameters: {
            HeaderParameters: [{ Key: 'x-hidden', Value: 'v', IsValueSecret: true }],
          },
        },
      }),
    );
    assert.match(
      ConnectionArn!,
      /^arn:aws:events:us-east-1:000000000000:connection\/with-key\/[0-9a-f-]{36}$/,
    );
    assert.equal(ConnectionState, 'AUTHORIZED');
    const described = await events.send(new DescribeConnectionCommand({ Name: 'with-key' }));
    assert.deepEqual(described.AuthParameters?.ApiKeyAuthParameters, { ApiKeyName: 'x-api-key' });
    assert.deepEqual(described.AuthParameters?.InvocationHttpParameters?.HeaderParameters, [
      { Key: 'x-hidden', IsValueSecret: true },
    ]);
    assert.match(
      described.SecretArn!,
      /^arn:aws:secretsmanager:us-east-1:000000000000:secret:events!connection\/with-key\//,
    );
    const { Connections } = await events.send(new ListConnectionsCommand({ NamePrefix: 'with-' }));
    assert.deepEqual(
      Connections?.map((connection) => connection.Name),
      ['with-key'],
    );

    await assert.rejects(
      events.send(
        new CreateConnectionCommand({
          Name: 'with-key',
          AuthorizationType: 'BASIC',
          AuthParameters: { BasicAuthParameters: { Username: 'u', Password: 'p' } },
        }),
      ),
      (error: unknown) => error instanceof ResourceAlreadyExistsException,
    );
    await assert.rejects(
      events.send(
        new CreateConnectionCommand({
          Name: 'no-password',
          AuthorizationType: 'BASIC',
          AuthParameters: { BasicAuthParameters: { Username: 'u' } as never },
        }),
      ),
      (error: unknown) =>
        (error as Error).name === 'ValidationException' &&
        /BasicAuthParameters/.test((error as Error).message),
    );
    await assert.rejects(
      events.send(new DescribeConnectionCommand({ Name: 'nope' })),
      (error: unknown) => error instanceof ResourceNotFoundException,
    );
    const { ConnectionState: deauthorizing } = await events.send(
      new DeauthorizeConnectionCommand({ Name: 'with-key' }),
    );
    assert.equal(deauthorizing, 'DEAUTHORIZING');
    assert.equal(
      (await events.send(new DescribeConnectionCommand({ Name: 'with-key' }))).ConnectionState,
      'DEAUTHORIZED',
    );
  });
});

describe('API destinations', () => {
  test('API key: path wildcards, headers and query parameters from the connection and the target', async () => {
    const server = await endpoint(() => 200);
    try {
      const { ConnectionArn } = await events.send(
        new CreateConnectionCommand({
          Name: 'api-key',
          AuthorizationType: 'API_KEY',
          AuthParameters: {
            ApiKeyAuthParameters: { ApiKeyName: 'x-api-key', ApiKeyValue: 'k-123' },
            InvocationHttpParameters: { QueryStringParameters: [{ Key: 'from', Value: 'connection' }] },
          },
        }),
      );
      const { ApiDestinationArn } = await events.send(
        new CreateApiDestinationCommand({
          Name: 'channels',
          ConnectionArn,
          InvocationEndpoint: `${server.url}/regions/*/channels/*`,
          HttpMethod: 'PUT',
        }),
      );
      const { ApiDestinations } = await events.send(new ListApiDestinationsCommand({ ConnectionArn }));
      assert.equal(ApiDestinations?.[0]?.InvocationRateLimitPerSecond, 300);
      const source = await route(ApiDestinationArn!, {
        HttpParameters: {
          PathParameterValues: ['AU', 'flix one'],
          HeaderParameters: { 'x-team': 'platform' },
          QueryStringParameters: { mode: 'fast' },
        },
      });
      await put(source, { channel: 'flix one' });
      await eventually(() => server.received.length === 1);
      const [request] = server.received;
      assert.equal(request!.method, 'PUT');
      assert.equal(request!.url, '/regions/AU/channels/flix%20one?from=connection&mode=fast');
      assert.equal(request!.headers['x-api-key'], 'k-123');
      assert.equal(request!.headers['x-team'], 'platform');
      assert.equal(request!.headers['content-type'], 'application/json; charset=utf-8');
      const event = JSON.parse(request!.body) as { source: string; detail: unknown };
      assert.equal(event.source, source);
      assert.deepEqual(event.detail, { channel: 'flix one' });
    } finally {
      await server.close();
    }
  });

  test('Basic auth, and OAuth client credentials: the token is fetched once, and again after a 401', async () => {
    const tokens = await endpoint(() => 200);
    let issued = 0;
    const tokenServer = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => {
        body += chunk;
      });
      request.on('end', () => {
        issued += 1;
        tokens.received.push({
          method: request.method!,
          url: request.url!,
          headers: request.headers,
          body,
          at: Date.now(),
        });
        response.setHeader('content-type', 'application/json');
        response.end(JSON.stringify({ access_token: `token-${issued}`, expires_in: 3600 }));
      });
    });
    await new Promise<void>((resolve) => tokenServer.listen(0, '127.0.0.1', resolve));
    // The API refuses token-1 once (revoked), accepts token-2.
    const api = await endpoint((request) => (request.headers.authorization === 'Bearer token-1' ? 401 : 200));
    const basic = await endpoint(() => 200);
    try {
      const { ConnectionArn: basicArn } = await events.send(
        new CreateConnectionCommand({
          Name: 'basic',
          AuthorizationType: 'BASIC',
          AuthParameters: { BasicAuthParameters: { Username: 'flix', Password: 'pa55' } },
        }),
      );
      const { ApiDestinationArn: basicDestination } = await events.send(
        new CreateApiDestinationCommand({
          Name: 'basic',
          ConnectionArn: basicArn,
          InvocationEndpoint: `${basic.url}/in`,
          HttpMethod: 'POST',
        }),
      );
      await put(await route(basicDestination!));
      await eventually(() => basic.received.length === 1);
      assert.equal(
        basic.received[0]!.headers.authorization,
        `Basic ${Buffer.from('flix:pa55').toString('base64')}`,
      );

      const { ConnectionArn, ConnectionState } = await events.send(
        new CreateConnectionCommand({
          Name: 'oauth',
          AuthorizationType: 'OAUTH_CLIENT_CREDENTIALS',
          AuthParameters: {
            OAuthParameters: {
              AuthorizationEndpoint: `http://127.0.0.1:${(tokenServer.address() as AddressInfo).port}/oauth/token`,
              HttpMethod: 'POST',
              ClientParameters: { ClientID: 'client', ClientSecret: 'shh' },
              OAuthHttpParameters: { BodyParameters: [{ Key: 'scope', Value: 'channels' }] },
            },
          },
        }),
      );
      assert.equal(ConnectionState, 'AUTHORIZING');
      const { ApiDestinationArn } = await events.send(
        new CreateApiDestinationCommand({
          Name: 'oauth',
          ConnectionArn,
          InvocationEndpoint: `${api.url}/in`,
          HttpMethod: 'POST',
        }),
      );
      const source = await route(ApiDestinationArn!);
      await put(source);
      await eventually(() =>
        api.received.some((request) => request.headers.authorization === 'Bearer token-2'),
      );
      await put(source);
      await eventually(() => api.received.length === 3);
      assert.deepEqual(
        api.received.map((request) => request.headers.authorization),
        ['Bearer token-1', 'Bearer token-2', 'Bearer token-2'],
      );
      assert.equal(issued, 2, 'a token per 401, not per event');
      const first = tokens.received[0]!;
      assert.equal(first.headers.authorization, `Basic ${Buffer.from('client:shh').toString('base64')}`);
      assert.equal(new URLSearchParams(first.body).get('grant_type'), 'client_credentials');
      assert.equal(new URLSearchParams(first.body).get('scope'), 'channels');
      assert.equal(
        (await events.send(new DescribeConnectionCommand({ Name: 'oauth' }))).ConnectionState,
        'AUTHORIZED',
      );
    } finally {
      await Promise.all([
        api.close(),
        basic.close(),
        tokens.close(),
        new Promise((resolve) => tokenServer.close(resolve)),
      ]);
    }
  });

  test('a 5xx is retried until it succeeds; a 4xx is not retried and goes to the DLQ', async () => {
    const flaky = await endpoint((_, count) => (count === 1 ? 503 : 200));
    const refusing = await endpoint(() => 400);
    try {
      const { ConnectionArn } = await events.send(
        new CreateConnectionCommand({
          Name: 'retries',
          AuthorizationType: 'API_KEY',
          AuthParameters: { ApiKeyAuthParameters: { ApiKeyName: 'x-api-key', ApiKeyValue: 'k' } },
        }),
      );
      const { ApiDestinationArn: flakyArn } = await events.send(
        new CreateApiDestinationCommand({
          Name: 'flaky',
          ConnectionArn,
          InvocationEndpoint: flaky.url,
          HttpMethod: 'POST',
        }),
      );
      const { ApiDestinationArn: refusingArn } = await events.send(
        new CreateApiDestinationCommand({
          Name: 'refusing',
          ConnectionArn,
          InvocationEndpoint: refusing.url,
          HttpMethod: 'POST',
        }),
      );
      const dlq = await queueWithArn(sqs, 'api-dlq');
      const { Entries } = await put(await route(flakyArn!));
      await put(await route(refusingArn!, { DeadLetterConfig: { Arn: dlq.arn } }));
      // The 503's attempt is traced in the transaction that schedules its retry: once it shows, the
      // clock can move without the retry being scheduled from the moved time.
      await eventually(async () => (await traceOf(eddy.url, Entries![0]!.EventId!)).attempts.length === 1);
      const Messages = await receiveAll(sqs, dlq.url, 1);
      assert.equal(Messages.length, 1);
      assert.equal(Messages[0]!.MessageAttributes?.ERROR_CODE?.StringValue, 'ApiDestinationClientError');
      assert.match(Messages[0]!.MessageAttributes?.ERROR_MESSAGE?.StringValue ?? '', /answered HTTP 400/);
      await eddy.advance(1_200);
      await eventually(() => flaky.received.length === 2);
      // However long the clock runs on, the 200 is final and the 400 was never retried.
      await eddy.advance(10 * 60_000);
      assert.equal(flaky.received.length, 2, 'retried until it succeeded, then no more');
      assert.equal(refusing.received.length, 1, 'a 4xx is not retried');
    } finally {
      await Promise.all([flaky.close(), refusing.close()]);
    }
  });

  test('InvocationRateLimitPerSecond delays deliveries instead of dropping them', async () => {
    const server = await endpoint(() => 200);
    try {
      const { ConnectionArn } = await events.send(
        new CreateConnectionCommand({
          Name: 'paced',
          AuthorizationType: 'API_KEY',
          AuthParameters: { ApiKeyAuthParameters: { ApiKeyName: 'x-api-key', ApiKeyValue: 'k' } },
        }),
      );
      const { ApiDestinationArn } = await events.send(
        new CreateApiDestinationCommand({
          Name: 'paced',
          ConnectionArn,
          InvocationEndpoint: server.url,
          HttpMethod: 'POST',
          InvocationRateLimitPerSecond: 2,
        }),
      );
      const source = await route(ApiDestinationArn!);
      for (let n = 0; n < 6; n++) await put(source, { n });
      await eventually(() => server.received.length === 6);
      // Two at once (a second's burst), then one every 500 ms: the last comes at least ~2 s later.
      const spread = server.received.at(-1)!.at - server.received[0]!.at;
      assert.ok(spread >= 1500, `6 deliveries at 2/s took ${spread} ms`);
    } finally {
      await server.close();
    }
  });
});
