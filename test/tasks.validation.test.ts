// The model's constraints on ECS input, checked by the edge before any handler runs and answered
// as ECS answers them (InvalidParameterException, AWS's wording): enums, ranges, tag lengths and
// counts. The handlers no longer repeat these checks.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  CreateClusterCommand,
  ECSClient,
  InvalidParameterException,
  ListTaskDefinitionsCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  type RegisterTaskDefinitionCommandInput,
  RunTaskCommand,
  TagResourceCommand,
} from '@aws-sdk/client-ecs';
import { startTestEddy, TEST_ACCOUNT, type TestEddy } from './harness.ts';

let eddy: TestEddy;
let ecs: ECSClient;

before(async () => {
  eddy = await startTestEddy();
  ecs = eddy.client(ECSClient);
});
after(async () => {
  ecs?.destroy();
  await eddy?.stop();
});

async function violates(promise: Promise<unknown>, member: string, rule: RegExp) {
  await assert.rejects(promise, (error: Error) => {
    assert.ok(error instanceof InvalidParameterException, `${error.name}: ${error.message}`);
    assert.match(error.message, /^1 validation error detected: Value/);
    assert.ok(error.message.includes(`at '${member}' failed to satisfy constraint`), error.message);
    assert.match(error.message, rule);
    return true;
  });
}

const definition: RegisterTaskDefinitionCommandInput = {
  family: 'checked',
  containerDefinitions: [{ name: 'app', image: 'local', memory: 64 }],
};

test('enums: network mode, compatibilities, log drivers, launch types, statuses and sort orders', async () => {
  const enumRule = /Member must satisfy enum value set: \[/;
  await violates(
    ecs.send(new RegisterTaskDefinitionCommand({ ...definition, networkMode: 'bogus' as 'awsvpc' })),
    'networkMode',
    enumRule,
  );
  await violates(
    ecs.send(
      new RegisterTaskDefinitionCommand({ ...definition, requiresCompatibilities: ['MAINFRAME' as 'EC2'] }),
    ),
    'requiresCompatibilities.1.member',
    enumRule,
  );
  await violates(
    ecs.send(
      new RegisterTaskDefinitionCommand({
        ...definition,
        containerDefinitions: [
          {
            name: 'app',
            image: 'local',
            memory: 64,
            logConfiguration: { logDriver: 'carrier-pigeon' as 'awslogs' },
          },
        ],
      }),
    ),
    'containerDefinitions.1.member.logConfiguration.logDriver',
    enumRule,
  );
  await violates(
    ecs.send(new RunTaskCommand({ taskDefinition: 'checked', launchType: 'MOON' as 'FARGATE' })),
    'launchType',
    enumRule,
  );
  await violates(
    ecs.send(new ListTasksCommand({ desiredStatus: 'SLEEPING' as 'RUNNING' })),
    'desiredStatus',
    enumRule,
  );
  await violates(ecs.send(new ListTaskDefinitionsCommand({ sort: 'RANDOM' as 'ASC' })), 'sort', enumRule);
});

test('ranges and lengths: strategy weights, tag keys and values, tag counts', async () => {
  await violates(
    ecs.send(
      new RunTaskCommand({
        taskDefinition: 'checked',
        capacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1001 }],
      }),
    ),
    'capacityProviderStrategy.1.member.weight',
    /Member must have value less than or equal to 1000/,
  );
  const { cluster } = await ecs.send(new CreateClusterCommand({ clusterName: 'checked' }));
  const resourceArn = cluster!.clusterArn!;
  assert.equal(resourceArn, `arn:aws:ecs:us-east-1:${TEST_ACCOUNT}:cluster/checked`);
  await violates(
    ecs.send(new TagResourceCommand({ resourceArn, tags: [{ key: 'k'.repeat(129), value: 'v' }] })),
    'tags.1.member.key',
    /Member must have length less than or equal to 128/,
  );
  await violates(
    ecs.send(new TagResourceCommand({ resourceArn, tags: [{ key: 'k', value: 'v'.repeat(257) }] })),
    'tags.1.member.value',
    /Member must have length less than or equal to 256/,
  );
  const many = Array.from({ length: 51 }, (_, index) => ({ key: `k${index}`, value: 'v' }));
  await violates(
    ecs.send(new TagResourceCommand({ resourceArn, tags: many })),
    'tags',
    /Member must have length less than or equal to 50/,
  );
});
