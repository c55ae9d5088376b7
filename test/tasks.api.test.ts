// The ECS API's bookkeeping through @aws-sdk/client-ecs: clusters, task definition families and
// revisions, RunTask's checks (Fargate, networks, capacity providers, overrides, client tokens),
// ListTasks' filters and their rules, tags — and ECS's errors for bad input.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  ClientException,
  ClusterContainsTasksException,
  ClusterNotFoundException,
  CreateClusterCommand,
  DeleteClusterCommand,
  DeleteTaskDefinitionsCommand,
  DeregisterTaskDefinitionCommand,
  DescribeClustersCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  InvalidParameterException,
  ListClustersCommand,
  ListTagsForResourceCommand,
  ListTaskDefinitionFamiliesCommand,
  ListTaskDefinitionsCommand,
  ListTasksCommand,
  PlatformUnknownException,
  RegisterTaskDefinitionCommand,
  type RegisterTaskDefinitionCommandInput,
  RunTaskCommand,
  type RunTaskCommandInput,
  StopTaskCommand,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-ecs';
import { startTestEddy, TEST_ACCOUNT, type TestEddy } from './harness.ts';

let eddy: TestEddy;
let ecs: ECSClient;
const network = { awsvpcConfiguration: { subnets: ['subnet-0eddy'] } };
const started: string[] = [];

before(async () => {
  eddy = await startTestEddy();
  ecs = eddy.client(ECSClient);
});

after(async () => {
  for (const task of started) {
    await ecs.send(new StopTaskCommand({ cluster: task.split('/')[1], task })).catch(() => undefined);
  }
  await eddy.stop();
});

const fargate = (family: string, extra: Partial<RegisterTaskDefinitionCommandInput> = {}) =>
  ecs.send(
    new RegisterTaskDefinitionCommand({
      family,
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '256',
      memory: '512',
      containerDefinitions: [{ name: 'app', image: 'local', command: ['sleep', '30'] }],
      ...extra,
    }),
  );

async function run(input: Partial<RunTaskCommandInput> & { taskDefinition: string }) {
  const result = await ecs.send(
    new RunTaskCommand({ launchType: 'FARGATE', networkConfiguration: network, ...input }),
  );
  started.push(...(result.tasks ?? []).map((task) => task.taskArn!));
  return result;
}

/** Asserts that `promise` fails with the error class and a message matching `message`. */
async function refused(promise: Promise<unknown>, type: new (...args: never[]) => Error, message: RegExp) {
  await assert.rejects(promise, (error: Error) => {
    assert.ok(error instanceof type, `${error.name}: ${error.message}`);
    assert.match(error.message, message);
    assert.equal((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode, 400);
    return true;
  });
}

describe('clusters', () => {
  test('default exists; CreateCluster is idempotent; DescribeClusters counts tasks and reports MISSING', async () => {
    const { clusterArns } = await ecs.send(new ListClustersCommand({}));
    assert.ok(clusterArns?.includes(`arn:aws:ecs:us-east-1:${TEST_ACCOUNT}:cluster/default`));

    const { cluster } = await ecs.send(
      new CreateClusterCommand({ clusterName: 'work', tags: [{ key: 'team', value: 'data' }] }),
    );
    assert.equal(cluster?.status, 'ACTIVE');
    assert.equal(cluster?.clusterArn, `arn:aws:ecs:us-east-1:${TEST_ACCOUNT}:cluster/work`);
    const again = await ecs.send(new CreateClusterCommand({ clusterName: 'work' }));
    assert.deepEqual(again.cluster?.tags, [{ key: 'team', value: 'data' }]);

    const definition = await fargate('cluster-counting');
    await run({ cluster: 'work', taskDefinition: 'cluster-counting', count: 2 });
    assert.ok(definition.taskDefinition);
    const described = await ecs.send(
      new DescribeClustersCommand({ clusters: ['work', 'nope'], include: ['TAGS'] }),
    );
    const work = described.clusters![0]!;
    assert.equal((work.runningTasksCount ?? 0) + (work.pendingTasksCount ?? 0), 2);
    assert.deepEqual(work.tags, [{ key: 'team', value: 'data' }]);
    assert.deepEqual(described.failures, [
      { arn: `arn:aws:ecs:us-east-1:${TEST_ACCOUNT}:cluster/nope`, reason: 'MISSING' },
    ]);
    await refused(
      ecs.send(new DeleteClusterCommand({ cluster: 'work' })),
      ClusterContainsTasksException,
      /cannot be deleted while Tasks are active/,
    );
  });

  test('a deleted cluster is INACTIVE and refuses new tasks; bad names are refused', async () => {
    await ecs.send(new CreateClusterCommand({ clusterName: 'short-lived' }));
    const { cluster } = await ecs.send(new DeleteClusterCommand({ cluster: 'short-lived' }));
    assert.equal(cluster?.status, 'INACTIVE');
    const { clusters } = await ecs.send(new DescribeClustersCommand({ clusters: ['short-lived'] }));
    assert.equal(clusters?.[0]?.status, 'INACTIVE');
    await fargate('for-dead-cluster');
    await refused(
      run({ cluster: 'short-lived', taskDefinition: 'for-dead-cluster' }),
      ClusterNotFoundException,
      /Cluster not found/,
    );
    await refused(
      ecs.send(new DeleteClusterCommand({ cluster: 'never-was' })),
      ClusterNotFoundException,
      /Cluster not found/,
    );
    await refused(
      ecs.send(new CreateClusterCommand({ clusterName: 'has spaces' })),
      InvalidParameterException,
      /letters .* numbers, underscores, and hyphens/,
    );
  });
});

describe('task definitions', () => {
  test('families count revisions; describe, deregister, list, families and delete follow ECS', async () => {
    const first = await fargate('web', { tags: [{ key: 'app', value: 'web' }] });
    const second = await fargate('web', { cpu: '1 vCPU', memory: '2 GB' });
    await fargate('webhook');
    assert.equal(first.taskDefinition?.revision, 1);
    assert.equal(second.taskDefinition?.revision, 2);
    assert.equal(second.taskDefinition?.cpu, '1024');
    assert.equal(second.taskDefinition?.memory, '2048');
    assert.deepEqual(second.taskDefinition?.compatibilities, ['EC2', 'FARGATE']);
    assert.equal(second.taskDefinition?.containerDefinitions?.[0]?.essential, true);
    assert.equal(second.taskDefinition?.status, 'ACTIVE');

    const latest = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'web' }));
    assert.equal(latest.taskDefinition?.revision, 2);
    const one = await ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: 'web:1', include: ['TAGS'] }),
    );
    assert.deepEqual(one.tags, [{ key: 'app', value: 'web' }]);

    const { taskDefinition } = await ecs.send(
      new DeregisterTaskDefinitionCommand({ taskDefinition: 'web:1' }),
    );
    assert.equal(taskDefinition?.status, 'INACTIVE');
    assert.ok(taskDefinition?.deregisteredAt);

    const arn = (family: string, revision: number) =>
      `arn:aws:ecs:us-east-1:${TEST_ACCOUNT}:task-definition/${family}:${revision}`;
    const active = await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'web' }));
    assert.deepEqual(active.taskDefinitionArns, [arn('web', 2)]);
    const inactive = await ecs.send(
      new ListTaskDefinitionsCommand({ familyPrefix: 'web', status: 'INACTIVE' }),
    );
    assert.deepEqual(inactive.taskDefinitionArns, [arn('web', 1)]);

    await fargate('web');
    const pageOne = await ecs.send(
      new ListTaskDefinitionsCommand({ familyPrefix: 'web', sort: 'DESC', maxResults: 1 }),
    );
    assert.deepEqual(pageOne.taskDefinitionArns, [arn('web', 3)]);
    const pageTwo = await ecs.send(
      new ListTaskDefinitionsCommand({
        familyPrefix: 'web',
        sort: 'DESC',
        maxResults: 1,
        nextToken: pageOne.nextToken,
      }),
    );
    assert.deepEqual(pageTwo.taskDefinitionArns, [arn('web', 2)]);
    assert.equal(pageTwo.nextToken, undefined);

    const families = await ecs.send(new ListTaskDefinitionFamiliesCommand({ familyPrefix: 'web' }));
    assert.deepEqual(families.families, ['web', 'webhook']);
    await ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: arn('webhook', 1) }));
    const stillActive = await ecs.send(
      new ListTaskDefinitionFamiliesCommand({ familyPrefix: 'web', status: 'ACTIVE' }),
    );
    assert.deepEqual(stillActive.families, ['web']);
    const noneActive = await ecs.send(
      new ListTaskDefinitionFamiliesCommand({ familyPrefix: 'web', status: 'INACTIVE' }),
    );
    assert.deepEqual(noneActive.families, ['webhook']);

    const deleted = await ecs.send(new DeleteTaskDefinitionsCommand({ taskDefinitions: ['web:1', 'web:2'] }));
    assert.deepEqual(
      deleted.taskDefinitions?.map((definition) => [definition.revision, definition.status]),
      [[1, 'DELETE_IN_PROGRESS']],
    );
    assert.match(deleted.failures?.[0]?.reason ?? '', /still in ACTIVE status/);
    await refused(
      ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'web:1' })),
      ClientException,
      /Unable to describe task definition/,
    );
    const revision = await fargate('web');
    assert.equal(revision.taskDefinition?.revision, 4, 'revisions are never reused');
  });

  test('registration is refused as ECS refuses it, Fargate rules included', async () => {
    const cases: Array<
      [Partial<RegisterTaskDefinitionCommandInput>, new (...args: never[]) => Error, RegExp]
    > = [
      [{ cpu: undefined }, ClientException, /Fargate requires that 'cpu' be defined at the task level/],
      [
        { cpu: '256', memory: '4096' },
        ClientException,
        /No Fargate configuration exists for given values: 256 CPU, 4096 memory/,
      ],
      [{ networkMode: 'bridge' }, ClientException, /Fargate only supports network mode/],
      [{ containerDefinitions: [] }, ClientException, /Container list cannot be empty/],
      [
        { containerDefinitions: [{ name: 'app', image: '' }] },
        ClientException,
        /Container.image should not be null or empty/,
      ],
      [
        { containerDefinitions: [{ name: '', image: 'x' }] },
        ClientException,
        /Container.name should not be null or empty/,
      ],
      [
        { containerDefinitions: [{ name: 'app', image: 'x', essential: false }] },
        ClientException,
        /at least one essential container/,
      ],
      [
        { containerDefinitions: [{ name: 'app', image: 'x', logConfiguration: { logDriver: 'awslogs' } }] },
        ClientException,
        /execution role ARN to support log driver awslogs/,
      ],
      [
        { requiresCompatibilities: ['EC2'], networkMode: 'bridge', cpu: undefined, memory: undefined },
        ClientException,
        /At least one of 'memory' or 'memoryReservation' must be specified/,
      ],
      [{ family: 'bad family' }, ClientException, /Family name/],
    ];
    for (const [change, type, message] of cases) {
      await refused(fargate('refused', change), type, message);
    }
    await refused(
      ecs.send(
        new RegisterTaskDefinitionCommand({
          containerDefinitions: [],
        } as unknown as RegisterTaskDefinitionCommandInput),
      ),
      InvalidParameterException,
      /family/,
    );
  });
});

describe('RunTask', () => {
  test('is refused with ECS errors for what it cannot run', async () => {
    await fargate('runner');
    await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'ec2-only',
        containerDefinitions: [{ name: 'app', image: 'local', memory: 128, command: ['true'] }],
      }),
    );
    await fargate('gone');
    await ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: 'gone:1' }));
    const big = 'x'.repeat(9000);
    const cases: Array<
      [Partial<RunTaskCommandInput> & { taskDefinition: string }, new (...args: never[]) => Error, RegExp]
    > = [
      [{ taskDefinition: 'nothing-here' }, ClientException, /TaskDefinition not found/],
      [{ taskDefinition: 'gone:1' }, ClientException, /TaskDefinition is inactive/],
      [{ taskDefinition: 'runner', count: 11 }, InvalidParameterException, /count must be between 1 and 10/],
      [
        { taskDefinition: 'runner', capacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1 }] },
        InvalidParameterException,
        /Specifying both a launch type and capacity provider strategy is not supported/,
      ],
      [
        { taskDefinition: 'runner', networkConfiguration: undefined },
        InvalidParameterException,
        /Network Configuration must be provided/,
      ],
      [
        { taskDefinition: 'runner', networkConfiguration: { awsvpcConfiguration: { subnets: [] } } },
        InvalidParameterException,
        /subnets can not be empty/,
      ],
      [
        { taskDefinition: 'ec2-only' },
        InvalidParameterException,
        /Task definition does not support launch_type FARGATE/,
      ],
      [
        { taskDefinition: 'runner', platformVersion: '9.9.9' },
        PlatformUnknownException,
        /platform does not exist/,
      ],
      [
        { taskDefinition: 'runner', overrides: { containerOverrides: [{ name: 'app', command: [big] }] } },
        InvalidParameterException,
        /Container Overrides length must be at most 8192/,
      ],
      [
        { taskDefinition: 'runner', overrides: { containerOverrides: [{ name: 'other' }] } },
        InvalidParameterException,
        /Override for container named other is not a container in the TaskDefinition/,
      ],
    ];
    for (const [input, type, message] of cases) await refused(run(input), type, message);

    const onEc2 = await ecs.send(new RunTaskCommand({ taskDefinition: 'ec2-only' }));
    assert.deepEqual(onEc2.tasks, []);
    assert.equal(onEc2.failures?.[0]?.reason, 'No Container Instances were found in your cluster.');
  });

  test('places tasks by capacity provider strategy: base first, then by weight', async () => {
    await fargate('spread');
    const { tasks } = await ecs.send(
      new RunTaskCommand({
        taskDefinition: 'spread',
        count: 10,
        networkConfiguration: network,
        capacityProviderStrategy: [
          { capacityProvider: 'FARGATE', base: 2, weight: 1 },
          { capacityProvider: 'FARGATE_SPOT', weight: 3 },
        ],
      }),
    );
    started.push(...tasks!.map((task) => task.taskArn!));
    const providers = tasks!.map((task) => task.capacityProviderName);
    assert.equal(providers.filter((name) => name === 'FARGATE').length, 4);
    assert.equal(providers.filter((name) => name === 'FARGATE_SPOT').length, 6);
    assert.ok(tasks!.every((task) => task.launchType === 'FARGATE'));
    await refused(
      run({
        taskDefinition: 'spread',
        launchType: undefined,
        capacityProviderStrategy: [{ capacityProvider: 'MY_ASG', weight: 1 }],
      }),
      InvalidParameterException,
      /not associated with the cluster/,
    );
  });

  test('a client token makes a retried RunTask return the same tasks', async () => {
    await fargate('idempotent');
    const first = await run({ taskDefinition: 'idempotent', count: 2, clientToken: 'retry-me' });
    const second = await run({ taskDefinition: 'idempotent', count: 2, clientToken: 'retry-me' });
    assert.equal(first.tasks?.length, 2);
    assert.deepEqual(
      second.tasks?.map((task) => task.taskArn).sort(),
      first.tasks?.map((task) => task.taskArn).sort(),
    );
  });
});

describe('ListTasks, DescribeTasks, StopTask and tags', () => {
  test('ListTasks filters by family, startedBy, launch type and desired status, refusing ECS’s bad combinations', async () => {
    await ecs.send(new CreateClusterCommand({ clusterName: 'listing' }));
    await fargate('lister-a');
    await fargate('lister-b');
    const a = await run({ cluster: 'listing', taskDefinition: 'lister-a', count: 3, startedBy: 'job-1' });
    const b = await run({ cluster: 'listing', taskDefinition: 'lister-b' });
    const list = (input: object) => ecs.send(new ListTasksCommand({ cluster: 'listing', ...input }));
    const sorted = (arns: string[] | undefined) => [...(arns ?? [])].sort();
    assert.deepEqual(
      sorted((await list({})).taskArns),
      sorted([...a.tasks!, ...b.tasks!].map((task) => task.taskArn!)),
    );
    assert.deepEqual(
      sorted((await list({ family: 'lister-a' })).taskArns),
      sorted(a.tasks!.map((task) => task.taskArn!)),
    );
    assert.equal((await list({ startedBy: 'job-1' })).taskArns?.length, 3);
    assert.equal((await list({ launchType: 'FARGATE', family: 'lister-b' })).taskArns?.length, 1);
    assert.equal((await list({ launchType: 'EC2' })).taskArns?.length, 0);
    assert.equal((await list({ desiredStatus: 'PENDING' })).taskArns?.length, 0);

    const firstPage = await list({ maxResults: 2 });
    const secondPage = await list({ maxResults: 2, nextToken: firstPage.nextToken });
    assert.equal(firstPage.taskArns?.length, 2);
    assert.equal(secondPage.taskArns?.length, 2);
    assert.equal(secondPage.nextToken, undefined);

    await refused(
      list({ startedBy: 'job-1', family: 'lister-a' }),
      InvalidParameterException,
      /cannot specify startedBy with other arguments/,
    );
    await refused(
      list({ serviceName: 'svc', family: 'lister-a' }),
      InvalidParameterException,
      /cannot specify serviceName with other arguments/,
    );
    await refused(
      ecs.send(new ListTasksCommand({ cluster: 'no-such-cluster' })),
      ClusterNotFoundException,
      /Cluster not found/,
    );

    const stopTarget = b.tasks![0]!.taskArn!;
    await ecs.send(new StopTaskCommand({ cluster: 'listing', task: stopTarget }));
    assert.deepEqual((await list({ desiredStatus: 'STOPPED' })).taskArns, [stopTarget]);
    assert.equal((await list({})).taskArns?.length, 3);
  });

  test('DescribeTasks reports MISSING tasks; StopTask refuses unknown ones; empty lists are refused', async () => {
    await fargate('described');
    const { tasks } = await run({ taskDefinition: 'described', tags: [{ key: 'k', value: 'v' }] });
    const arn = tasks![0]!.taskArn!;
    const missing = `arn:aws:ecs:us-east-1:${TEST_ACCOUNT}:task/default/0123456789abcdef0123456789abcdef`;
    const described = await ecs.send(new DescribeTasksCommand({ tasks: [arn, missing] }));
    assert.equal(described.tasks?.[0]?.taskArn, arn);
    assert.equal(described.tasks?.[0]?.tags, undefined, 'tags only with include TAGS');
    assert.deepEqual(described.failures, [{ arn: missing, reason: 'MISSING' }]);
    const withTags = await ecs.send(new DescribeTasksCommand({ tasks: [arn], include: ['TAGS'] }));
    assert.deepEqual(withTags.tasks?.[0]?.tags, [{ key: 'k', value: 'v' }]);
    await refused(
      ecs.send(new DescribeTasksCommand({ tasks: [] })),
      InvalidParameterException,
      /Tasks cannot be empty/,
    );
    await refused(
      ecs.send(new StopTaskCommand({ task: missing })),
      InvalidParameterException,
      /The referenced task was not found/,
    );
  });

  test('TagResource, UntagResource and ListTagsForResource on clusters, task definitions and tasks', async () => {
    const { cluster } = await ecs.send(new CreateClusterCommand({ clusterName: 'tagged' }));
    const { taskDefinition } = await fargate('tagged');
    const { tasks } = await run({ cluster: 'tagged', taskDefinition: 'tagged' });
    for (const arn of [cluster!.clusterArn!, taskDefinition!.taskDefinitionArn!, tasks![0]!.taskArn!]) {
      await ecs.send(
        new TagResourceCommand({
          resourceArn: arn,
          tags: [
            { key: 'a', value: '1' },
            { key: 'b', value: '2' },
          ],
        }),
      );
      await ecs.send(new TagResourceCommand({ resourceArn: arn, tags: [{ key: 'a', value: '3' }] }));
      await ecs.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ['b'] }));
      const { tags } = await ecs.send(new ListTagsForResourceCommand({ resourceArn: arn }));
      assert.deepEqual(tags, [{ key: 'a', value: '3' }], arn);
    }
    await refused(
      ecs.send(
        new TagResourceCommand({
          resourceArn: cluster!.clusterArn!,
          tags: [{ key: 'aws:mine', value: 'x' }],
        }),
      ),
      InvalidParameterException,
      /aws: prefix are reserved/,
    );
    await refused(
      ecs.send(
        new ListTagsForResourceCommand({
          resourceArn: `arn:aws:ecs:us-east-1:${TEST_ACCOUNT}:cluster/no-such`,
        }),
      ),
      ClusterNotFoundException,
      /Cluster not found/,
    );
  });
});

test('the aws CLI registers, runs, lists and describes tasks', async () => {
  const registered = await eddy.aws([
    'ecs',
    'register-task-definition',
    '--family',
    'cli-task',
    '--requires-compatibilities',
    'FARGATE',
    '--network-mode',
    'awsvpc',
    '--cpu',
    '256',
    '--memory',
    '512',
    '--container-definitions',
    JSON.stringify([{ name: 'app', image: 'local', command: ['sleep', '30'] }]),
  ]);
  assert.equal(registered.code, 0, registered.stderr);
  const ran = await eddy.aws([
    'ecs',
    'run-task',
    '--task-definition',
    'cli-task',
    '--launch-type',
    'FARGATE',
    '--network-configuration',
    'awsvpcConfiguration={subnets=[subnet-0eddy],assignPublicIp=DISABLED}',
  ]);
  assert.equal(ran.code, 0, ran.stderr);
  const arn = JSON.parse(ran.stdout).tasks[0].taskArn as string;
  started.push(arn);
  const listed = await eddy.aws(['ecs', 'list-tasks', '--family', 'cli-task']);
  assert.deepEqual(JSON.parse(listed.stdout).taskArns, [arn]);
  const described = await eddy.aws(['ecs', 'describe-tasks', '--tasks', arn]);
  assert.equal(described.code, 0, described.stderr);
  assert.equal(JSON.parse(described.stdout).tasks[0].taskDefinitionArn.endsWith('cli-task:1'), true);
  const missing = await eddy.aws(['ecs', 'describe-task-definition', '--task-definition', 'no-such']);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /ClientException.*Unable to describe task definition/);
});
