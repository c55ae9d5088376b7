// Service deployments and service revisions on the process runner: each deployment of a service
// records the revision it rolls out and goes IN_PROGRESS → SUCCESSFUL; StopServiceDeployment rolls
// one under way back to the revision before it (ROLLBACK_SUCCESSFUL); ECS's errors for the rest.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  ConflictException,
  ContinueServiceDeploymentCommand,
  CreateServiceCommand,
  DeleteServiceCommand,
  DescribeServiceDeploymentsCommand,
  DescribeServiceRevisionsCommand,
  DescribeServicesCommand,
  ECSClient,
  InvalidParameterException,
  ListServiceDeploymentsCommand,
  RegisterTaskDefinitionCommand,
  type Service,
  type ServiceDeployment,
  ServiceDeploymentNotFoundException,
  ServiceNotFoundException,
  StopServiceDeploymentCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { startTestEddy, TEST_ACCOUNT, type TestEddy } from './harness.ts';

let eddy: TestEddy;
let ecs: ECSClient;
const networkConfiguration = { awsvpcConfiguration: { subnets: ['subnet-0eddy'] } };

before(async () => {
  eddy = await startTestEddy();
  ecs = eddy.client(ECSClient);
});
after(async () => {
  await ecs.send(new DeleteServiceCommand({ service: 'rolling', force: true })).catch(() => undefined);
  ecs?.destroy();
  await eddy?.stop();
});

async function register(command: string[]): Promise<string> {
  const { taskDefinition } = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: 'rolling',
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '256',
      memory: '512',
      containerDefinitions: [{ name: 'app', image: 'local', command, stopTimeout: 2 }],
    }),
  );
  return taskDefinition!.taskDefinitionArn!;
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 25_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what} never happened: ${JSON.stringify(value, null, 1)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const service = async (): Promise<Service> =>
  (await ecs.send(new DescribeServicesCommand({ services: ['rolling'] }))).services![0]!;
const deployment = async (arn: string): Promise<ServiceDeployment> =>
  (await ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn] })))
    .serviceDeployments![0]!;

test('deployments record revisions, succeed, and a stopped one rolls back to the revision before', async () => {
  const v1 = await register(['sleep', '30']);
  const v2 = await register(['sleep', '31']);
  const broken = await register(['sh', '-c', 'exit 4']);

  const created = await ecs.send(
    new CreateServiceCommand({
      serviceName: 'rolling',
      taskDefinition: v1,
      desiredCount: 1,
      launchType: 'FARGATE',
      networkConfiguration,
    }),
  );
  const firstArn = created.service?.currentServiceDeployment;
  assert.match(
    firstArn ?? '',
    new RegExp(`^arn:aws:ecs:us-east-1:${TEST_ACCOUNT}:service-deployment/default/rolling/[A-Za-z0-9]{21}$`),
  );
  const first = await until(
    () => deployment(firstArn!),
    (item) => item.status === 'SUCCESSFUL',
    'the first deployment',
  );
  assert.deepEqual(first.sourceServiceRevisions, []);
  assert.equal(first.targetServiceRevision?.runningTaskCount, 1);
  assert.equal(first.targetServiceRevision?.requestedTaskCount, 1);
  assert.ok(first.finishedAt);
  assert.equal(first.deploymentCircuitBreaker?.status, 'DISABLED');
  const firstRevision = first.targetServiceRevision!.arn!;
  assert.match(firstRevision, /:service-revision\/default\/rolling\/\d{19}$/);

  const { serviceRevisions, failures } = await ecs.send(
    new DescribeServiceRevisionsCommand({ serviceRevisionArns: [firstRevision, `${firstRevision}0`] }),
  );
  assert.equal(serviceRevisions?.[0]?.taskDefinition, v1);
  assert.equal(serviceRevisions?.[0]?.launchType, 'FARGATE');
  assert.deepEqual(serviceRevisions?.[0]?.containerImages, [{ containerName: 'app', image: 'local' }]);
  assert.deepEqual(serviceRevisions?.[0]?.networkConfiguration, networkConfiguration);
  assert.deepEqual(failures, [{ arn: `${firstRevision}0`, reason: 'MISSING' }]);

  const updated = await ecs.send(new UpdateServiceCommand({ service: 'rolling', taskDefinition: v2 }));
  const secondArn = updated.service!.currentServiceDeployment!;
  assert.notEqual(secondArn, firstArn);
  const second = await until(
    () => deployment(secondArn),
    (item) => item.status === 'SUCCESSFUL',
    'the second deployment',
  );
  assert.deepEqual(
    second.sourceServiceRevisions?.map((source) => source.arn),
    [firstRevision],
    'the revision running before is its source',
  );
  const secondRevision = second.targetServiceRevision!.arn!;

  // A deployment that cannot finish (its tasks exit), stopped: ECS rolls back to the revision before.
  const third = await ecs.send(new UpdateServiceCommand({ service: 'rolling', taskDefinition: broken }));
  const thirdArn = third.service!.currentServiceDeployment!;
  assert.equal((await deployment(thirdArn)).status, 'IN_PROGRESS');
  const listed = await ecs.send(
    new ListServiceDeploymentsCommand({ service: 'rolling', status: ['IN_PROGRESS'] }),
  );
  assert.deepEqual(
    listed.serviceDeployments?.map((item) => item.serviceDeploymentArn),
    [thirdArn],
  );
  const stopped = await ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: thirdArn }));
  assert.equal(stopped.serviceDeploymentArn, thirdArn);
  const rollingBack = await deployment(thirdArn);
  assert.equal(rollingBack.status, 'ROLLBACK_IN_PROGRESS');
  assert.equal(rollingBack.rollback?.serviceRevisionArn, secondRevision);
  const rolledBack = await until(
    () => deployment(thirdArn),
    (item) => item.status === 'ROLLBACK_SUCCESSFUL',
    'the rollback',
  );
  assert.ok(rolledBack.finishedAt);
  assert.equal((await service()).taskDefinition, v2);

  const all = await ecs.send(new ListServiceDeploymentsCommand({ service: 'rolling' }));
  assert.deepEqual(
    all.serviceDeployments?.map((item) => [item.serviceDeploymentArn, item.status]),
    [
      [thirdArn, 'ROLLBACK_SUCCESSFUL'],
      [secondArn, 'SUCCESSFUL'],
      [firstArn, 'SUCCESSFUL'],
    ],
    'newest first',
  );
  const paged = await ecs.send(new ListServiceDeploymentsCommand({ service: 'rolling', maxResults: 2 }));
  const rest = await ecs.send(
    new ListServiceDeploymentsCommand({ service: 'rolling', maxResults: 2, nextToken: paged.nextToken }),
  );
  assert.deepEqual(
    rest.serviceDeployments?.map((item) => item.serviceDeploymentArn),
    [firstArn],
  );
  const none = await ecs.send(
    new ListServiceDeploymentsCommand({
      service: 'rolling',
      createdAt: { after: new Date(Date.now() + 60_000) },
    }),
  );
  assert.deepEqual(none.serviceDeployments, []);
});

test('ECS’s errors: finished, unknown and hook-less service deployments, unknown services', async () => {
  const { serviceDeployments } = await ecs.send(new ListServiceDeploymentsCommand({ service: 'rolling' }));
  const finished = serviceDeployments!.at(-1)!.serviceDeploymentArn!;
  await assert.rejects(
    ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: finished })),
    (error: Error) =>
      error instanceof ConflictException && /SUCCESSFUL and cannot be stopped/.test(error.message),
  );
  const unknown = finished.replace(/[A-Za-z0-9]{21}$/, 'x'.repeat(21));
  await assert.rejects(
    ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: unknown })),
    (error: Error) => error instanceof ServiceDeploymentNotFoundException,
  );
  const described = await ecs.send(
    new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [unknown] }),
  );
  assert.deepEqual(described.failures, [{ arn: unknown, reason: 'MISSING' }]);
  await assert.rejects(
    ecs.send(new ContinueServiceDeploymentCommand({ serviceDeploymentArn: finished, hookId: 'hook-1' })),
    (error: Error) =>
      error instanceof InvalidParameterException && /hook-1 is not waiting/.test(error.message),
  );
  await assert.rejects(
    ecs.send(new ListServiceDeploymentsCommand({ service: 'ghost' })),
    (error: Error) => error instanceof ServiceNotFoundException,
  );
});
