// The seed's "public API with API destination" pattern: ChannelCreated events from com.flix are
// routed by content to two HTTP services. Asia-Pacific channels go to the APAC service (which
// fails once, and gets the event on the retry); channels named "test-*" go to a QA service that
// always refuses (400), so EventBridge puts them in a dead-letter queue with the error attached.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CreateApiDestinationCommand,
  CreateConnectionCommand,
  EventBridgeClient,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { clientConfig } from '../client-config.ts';

export const CHANNELS = [
  { region: 'AU', name: 'flix-sydney' },
  { region: 'EU', name: 'flix-berlin' },
  { region: 'NZ', name: 'test-auckland' },
];

export interface ApiDestinationResult {
  /** Channel names the APAC service accepted, and how many requests it saw in all. */
  apac: { accepted: string[]; requests: number };
  /** Channel names the QA service was sent (and refused). */
  qa: string[];
  /** The dead-letter queue: channel name and the error EventBridge attached. */
  deadLetters: Array<{ name: string; errorCode: string | undefined; errorMessage: string | undefined }>;
}

/** A local HTTP service; `answer` decides each status from the channel and how often it was seen. */
async function service(answer: (name: string, seen: number) => number) {
  const seen = new Map<string, number>();
  const accepted: string[] = [];
  let requests = 0;
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      requests += 1;
      const name = (JSON.parse(body) as { detail: { data: { name: string } } }).detail.data.name;
      seen.set(name, (seen.get(name) ?? 0) + 1);
      response.statusCode = answer(name, seen.get(name)!);
      if (response.statusCode < 300) accepted.push(name);
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    accepted,
    seen,
    requests: () => requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export async function runApiDestinations(
  endpoint: string,
  log: (line: string) => void = () => {},
): Promise<ApiDestinationResult> {
  const config = clientConfig(endpoint);
  const events = new EventBridgeClient(config);
  const sqs = new SQSClient(config);
  // APAC: a 503 the first time it sees a channel (EventBridge retries), then 200.
  const apac = await service((_, seen) => (seen === 1 ? 503 : 200));
  // QA: always 400, which EventBridge does not retry.
  const qa = await service(() => 400);
  const run = Date.now().toString(36);
  try {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `channel-dlq-${run}` }));
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
    );
    const { ConnectionArn } = await events.send(
      new CreateConnectionCommand({
        Name: `flix-partners-${run}`,
        AuthorizationType: 'API_KEY',
        AuthParameters: { ApiKeyAuthParameters: { ApiKeyName: 'x-api-key', ApiKeyValue: 'partner-key' } },
      }),
    );
    const destination = async (name: string, url: string) =>
      (
        await events.send(
          new CreateApiDestinationCommand({
            Name: `${name}-${run}`,
            ConnectionArn,
            InvocationEndpoint: `${url}/channels`,
            HttpMethod: 'POST',
            InvocationRateLimitPerSecond: 10,
          }),
        )
      ).ApiDestinationArn!;
    const rules = [
      {
        name: `apac-channels-${run}`,
        pattern: {
          source: ['com.flix'],
          'detail-type': ['ChannelCreated'],
          detail: { data: { region: ['AU', 'NZ'] } },
        },
        arn: await destination('apac', apac.url),
      },
      {
        name: `qa-channels-${run}`,
        pattern: {
          source: ['com.flix'],
          'detail-type': ['ChannelCreated'],
          detail: { data: { name: [{ prefix: 'test-' }] } },
        },
        arn: await destination('qa', qa.url),
      },
    ];
    for (const rule of rules) {
      await events.send(new PutRuleCommand({ Name: rule.name, EventPattern: JSON.stringify(rule.pattern) }));
      await events.send(
        new PutTargetsCommand({
          Rule: rule.name,
          Targets: [
            {
              Id: 'api',
              Arn: rule.arn,
              RoleArn: 'arn:aws:iam::000000000000:role/flix-api-destinations',
              RetryPolicy: { MaximumRetryAttempts: 5, MaximumEventAgeInSeconds: 300 },
              DeadLetterConfig: { Arn: Attributes!.QueueArn },
            },
          ],
        }),
      );
      log(`rule ${rule.name}: ${JSON.stringify(rule.pattern.detail)}`);
    }

    await events.send(
      new PutEventsCommand({
        Entries: CHANNELS.map((channel) => ({
          Source: 'com.flix',
          DetailType: 'ChannelCreated',
          Detail: JSON.stringify({ data: channel }),
        })),
      }),
    );
    log(`put ${CHANNELS.length} ChannelCreated events`);

    // AU and NZ reach APAC (each after one retry); test-auckland also reaches QA and is refused.
    const deadLetters: ApiDestinationResult['deadLetters'] = [];
    const deadline = Date.now() + 20_000;
    while ((apac.accepted.length < 2 || deadLetters.length < 1) && Date.now() < deadline) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1, MessageAttributeNames: ['All'] }),
      );
      for (const message of Messages) {
        deadLetters.push({
          name: (JSON.parse(message.Body!) as { detail: { data: { name: string } } }).detail.data.name,
          errorCode: message.MessageAttributes?.ERROR_CODE?.StringValue,
          errorMessage: message.MessageAttributes?.ERROR_MESSAGE?.StringValue,
        });
      }
    }
    return {
      apac: { accepted: [...apac.accepted].sort(), requests: apac.requests() },
      qa: [...qa.seen.keys()],
      deadLetters,
    };
  } finally {
    await Promise.all([apac.close(), qa.close()]);
    events.destroy();
    sqs.destroy();
  }
}
