// Every operation of every served model, called through its official SDK with a minimal valid input
// built from the model: each must answer, with its result or a client error; never 500 or 501.
// EDDY_WALK=sns,ecs limits the walk to those services (by model id prefix) while working on one.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, describe, test } from 'node:test';
import type { ServiceModel, Shape } from '../src/contract/index.ts';
import { startTestEddy, type TestEddy } from './harness.ts';

const require = createRequire(import.meta.url);
const RandExp = require('randexp') as new (pattern: RegExp) => { max: number; gen(): string };

/** The SDK package and client class that speaks each served model. */
const CLIENTS: Record<string, { module: string; client: string }> = {
  SQS: { module: '@aws-sdk/client-sqs', client: 'SQSClient' },
  SNS: { module: '@aws-sdk/client-sns', client: 'SNSClient' },
  EventBridge: { module: '@aws-sdk/client-eventbridge', client: 'EventBridgeClient' },
  ECS: { module: '@aws-sdk/client-ecs', client: 'ECSClient' },
  'CloudWatch Logs': { module: '@aws-sdk/client-cloudwatch-logs', client: 'CloudWatchLogsClient' },
  CloudWatch: { module: '@aws-sdk/client-cloudwatch', client: 'CloudWatchClient' },
  STS: { module: '@aws-sdk/client-sts', client: 'STSClient' },
  S3: { module: '@aws-sdk/client-s3', client: 'S3Client' },
  Scheduler: { module: '@aws-sdk/client-scheduler', client: 'SchedulerClient' },
  Kinesis: { module: '@aws-sdk/client-kinesis', client: 'KinesisClient' },
  Pipes: { module: '@aws-sdk/client-pipes', client: 'PipesClient' },
  SFN: { module: '@aws-sdk/client-sfn', client: 'SFNClient' },
  'Application Auto Scaling': {
    module: '@aws-sdk/client-application-auto-scaling',
    client: 'ApplicationAutoScalingClient',
  },
};

/** Strings tried first for a pattern: names, numbers, account ids, ARNs. */
const CANDIDATES = [
  'walk',
  'a',
  'A',
  '1',
  'walk-1',
  '000000000000',
  'arn:aws:sqs:us-east-1:000000000000:walk',
];

function stringFor(shape: Shape): string {
  if (shape.enum?.[0] !== undefined) return shape.enum[0];
  const min = shape.min ?? 0;
  const max = shape.max ?? 64;
  const fits = (value: string) => value.length >= min && value.length <= max;
  if (shape.pattern === undefined) return 'walk'.padEnd(min, 'k').slice(0, Math.max(max, 1));
  let pattern: RegExp;
  try {
    pattern = new RegExp(`^(?:${shape.pattern})$`, 'u');
  } catch {
    return 'walk';
  }
  const known = CANDIDATES.map((candidate) => candidate.padEnd(min, candidate.at(-1))).find(
    (candidate) => fits(candidate) && pattern.test(candidate),
  );
  if (known) return known;
  try {
    const generator = new RandExp(new RegExp(shape.pattern));
    generator.max = 3;
    for (let attempt = 0; attempt < 20; attempt++) {
      const value = generator.gen();
      if (fits(value) && pattern.test(value)) return value;
    }
  } catch {}
  return 'walk';
}

/** The least input the model accepts: required members only, each at its smallest valid value. */
function minimalValue(model: ServiceModel, ref: Shape, depth = 0): unknown {
  const shape = ref.shape ? (model.shapes[ref.shape] ?? ref) : ref;
  switch (shape.type) {
    case 'structure': {
      const value: Record<string, unknown> = {};
      const members = shape.members ?? {};
      const required = shape.union ? Object.keys(members).slice(0, 1) : (shape.required ?? []);
      for (const name of required) {
        const member = members[name];
        if (member && depth < 12) value[name] = minimalValue(model, member, depth + 1);
      }
      return value;
    }
    case 'list': {
      const count = shape.min ?? 0;
      return Array.from({ length: count }, () => minimalValue(model, shape.member ?? {}, depth + 1));
    }
    case 'map': {
      if ((shape.min ?? 0) === 0) return {};
      const key = stringFor(model.shapes[shape.key?.shape ?? ''] ?? {});
      return { [key]: minimalValue(model, shape.value ?? {}, depth + 1) };
    }
    case 'boolean':
      return false;
    case 'integer':
    case 'long':
    case 'short':
    case 'byte':
    case 'float':
    case 'double':
      return Math.min(Math.max(shape.min ?? 1, 1), shape.max ?? Number.MAX_SAFE_INTEGER);
    case 'timestamp':
      return new Date();
    case 'blob':
      return new Uint8Array(Math.max(shape.min ?? 1, 1));
    default:
      return stringFor(shape);
  }
}

interface Outcome {
  operation: string;
  status: number | undefined;
  answer: string;
}

const only = process.env.EDDY_WALK?.split(',').filter(Boolean);

describe('every operation of every served model answers', () => {
  let eddy: TestEddy;
  before(async () => {
    eddy = await startTestEddy();
  });
  after(() => eddy.stop());

  test('no operation answers 500 or 501', { timeout: 300_000 }, async () => {
    const failures: Outcome[] = [];
    let called = 0;
    const notInSdk: string[] = [];
    const notInstalled: string[] = [];
    for (const { definition } of eddy.eddy.services) {
      const { model } = definition;
      const sdk = CLIENTS[model.metadata.serviceId];
      assert.ok(sdk, `no SDK client named for ${model.metadata.serviceId}: add it to CLIENTS`);
      const id = `${model.metadata.endpointPrefix}`;
      if (only && !only.some((prefix) => id.startsWith(prefix))) continue;
      // A client not installed (CloudWatch's, Auto Scaling's today) leaves its model unwalked, said below.
      const module = (await import(sdk.module).catch(() => undefined)) as Record<string, unknown> | undefined;
      if (!module) {
        notInstalled.push(sdk.module);
        continue;
      }
      const Client = module[sdk.client] as new (
        config: object,
      ) => {
        send(command: unknown, options?: object): Promise<unknown>;
        destroy(): void;
      };
      // Streaming operations' endpoints carry a host prefix (`stream-`) that only AWS's DNS resolves.
      const client = eddy.client(Client, { maxAttempts: 1, disableHostPrefix: true });
      for (const operation of Object.keys(model.operations).sort()) {
        const Command = module[`${operation}Command`] as (new (input: unknown) => unknown) | undefined;
        if (!Command) {
          notInSdk.push(`${model.metadata.serviceId} ${operation}`);
          continue;
        }
        const input = model.operations[operation]?.input;
        const value = input ? minimalValue(model, input) : {};
        called++;
        if (process.env.EDDY_WALK_TRACE) console.log(`# ${operation}`);
        try {
          await client.send(new Command(value), { abortSignal: AbortSignal.timeout(15_000) });
        } catch (error) {
          const failure = error as {
            name?: string;
            message?: string;
            $metadata?: { httpStatusCode?: number };
          };
          const status = failure.$metadata?.httpStatusCode;
          const answered = status !== undefined && status >= 400 && status < 500;
          if (!answered)
            failures.push({
              operation: `${model.metadata.serviceId} ${operation}`,
              status,
              answer: `${failure.name}: ${failure.message?.slice(0, 160)}`,
            });
        }
      }
      client.destroy();
    }
    if (notInSdk.length > 0) console.log(`# not in the installed SDKs, not walked: ${notInSdk.join(', ')}`);
    if (notInstalled.length > 0)
      console.log(`# SDK clients not installed, their models not walked: ${notInstalled.join(', ')}`);
    console.log(`# walked ${called} operations; ${failures.length} did not answer`);
    assert.deepEqual(
      failures.map((failure) => `${failure.operation}: ${failure.status ?? 'no status'} ${failure.answer}`),
      [],
    );
  });
});
