// ECS Managed Daemons through @aws-sdk/client-ecs: daemon task definitions (families of their
// own), daemons on a cluster's Managed Instances capacity providers with their revisions and
// deployments, tags, and ECS's refusals. eddy launches no instances, so a daemon runs no task and
// each deployment has nothing to roll through.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  ClientException,
  CreateCapacityProviderCommand,
  CreateClusterCommand,
  CreateDaemonCommand,
  DaemonNotFoundException,
  DeleteCapacityProviderCommand,
  DeleteDaemonCommand,
  DeleteDaemonTaskDefinitionCommand,
  DescribeDaemonCommand,
  DescribeDaemonDeploymentsCommand,
  DescribeDaemonRevisionsCommand,
  DescribeDaemonTaskDefinitionCommand,
  ECSClient,
  InvalidParameterException,
  ListDaemonDeploymentsCommand,
  ListDaemonsCommand,
  ListDaemonTaskDefinitionsCommand,
  ListTagsForResourceCommand,
  RegisterDaemonTaskDefinitionCommand,
  TagResourceCommand,
  UpdateDaemonCommand,
} from '@aws-sdk/client-ecs';
import { startTestEddy, TEST_ACCOUNT, type TestEddy } from './harness.ts';

let eddy: TestEddy;
let ecs: ECSClient;
const prefix = `arn:aws:ecs:us-east-1:${TEST_ACCOUNT}`;
let providerArn: string;

before(async () => {
  eddy = await startTestEddy();
  ecs = eddy.client(ECSClient);
  await ecs.send(new CreateClusterCommand({ clusterName: 'fleet' }));
  const { capacityProvider } = await ecs.send(
    new CreateCapacityProviderCommand({
      name: 'fleet-mi',
      cluster: 'fleet',
      managedInstancesProvider: {
        infrastructureRoleArn: `arn:aws:iam::${TEST_ACCOUNT}:role/ecsInfrastructure`,
        instanceLaunchTemplate: {
          ec2InstanceProfileArn: `arn:aws:iam::${TEST_ACCOUNT}:instance-profile/ecsInstance`,
          networkConfiguration: { subnets: ['subnet-0eddy'] },
        },
      },
    }),
  );
  providerArn = capacityProvider!.capacityProviderArn!;
});
after(async () => {
  ecs?.destroy();
  await eddy?.stop();
});

async function refused(promise: Promise<unknown>, type: new (...args: never[]) => Error, message: RegExp) {
  await assert.rejects(promise, (error: Error) => {
    assert.ok(error instanceof type, `${error.name}: ${error.message}`);
    assert.match(error.message, message);
    return true;
  });
}

const register = (image: string) =>
  ecs.send(
    new RegisterDaemonTaskDefinitionCommand({
      family: 'log-shipper',
      cpu: '256',
      memory: '512',
      containerDefinitions: [{ name: 'shipper', image }],
      tags: [{ key: 'kind', value: 'agent' }],
    }),
  );

describe('daemon task definitions', () => {
  test('revisions count up; describe, list (latest, by status) and delete', async () => {
    const first = await register('shipper:1');
    const second = await register('shipper:2');
    assert.equal(first.daemonTaskDefinitionArn, `${prefix}:daemon-task-definition/log-shipper:1`);
    assert.equal(second.daemonTaskDefinitionArn, `${prefix}:daemon-task-definition/log-shipper:2`);
    const { daemonTaskDefinition } = await ecs.send(
      new DescribeDaemonTaskDefinitionCommand({ daemonTaskDefinition: 'log-shipper' }),
    );
    assert.equal(daemonTaskDefinition?.revision, 2);
    assert.equal(daemonTaskDefinition?.status, 'ACTIVE');
    assert.equal(daemonTaskDefinition?.containerDefinitions?.[0]?.essential, true);
    assert.equal(daemonTaskDefinition?.registeredBy, `arn:aws:iam::${TEST_ACCOUNT}:root`);

    const latest = await ecs.send(new ListDaemonTaskDefinitionsCommand({ revision: 'LAST_REGISTERED' }));
    assert.deepEqual(
      latest.daemonTaskDefinitions?.map((item) => item.arn),
      [second.daemonTaskDefinitionArn],
    );
    await ecs.send(new DeleteDaemonTaskDefinitionCommand({ daemonTaskDefinition: 'log-shipper:1' }));
    const active = await ecs.send(new ListDaemonTaskDefinitionsCommand({ family: 'log-shipper' }));
    assert.deepEqual(
      active.daemonTaskDefinitions?.map((item) => item.arn),
      [second.daemonTaskDefinitionArn],
    );
    const all = await ecs.send(new ListDaemonTaskDefinitionsCommand({ status: 'ALL', sort: 'DESC' }));
    assert.deepEqual(
      all.daemonTaskDefinitions?.map((item) => [item.arn, item.status]),
      [
        [second.daemonTaskDefinitionArn, 'ACTIVE'],
        [first.daemonTaskDefinitionArn, 'DELETED'],
      ],
    );
    assert.ok(all.daemonTaskDefinitions?.[1]?.deleteRequestedAt);
    await refused(
      ecs.send(new DeleteDaemonTaskDefinitionCommand({ daemonTaskDefinition: 'log-shipper:1' })),
      ClientException,
      /must be in an ACTIVE state/,
    );
    await refused(
      ecs.send(new DescribeDaemonTaskDefinitionCommand({ daemonTaskDefinition: 'nothing' })),
      ClientException,
      /Unable to describe daemon task definition/,
    );
    await refused(
      ecs.send(
        new RegisterDaemonTaskDefinitionCommand({ family: 'bad', containerDefinitions: [{ image: 'x' }] }),
      ),
      ClientException,
      /Container.name should not be null or empty/,
    );
  });
});

describe('daemons', () => {
  test('a daemon on Managed Instances capacity: created, described, updated and deleted, with its deployments', async () => {
    const created = await ecs.send(
      new CreateDaemonCommand({
        daemonName: 'shipper',
        clusterArn: `${prefix}:cluster/fleet`,
        daemonTaskDefinitionArn: 'log-shipper:2',
        capacityProviderArns: [providerArn],
        tags: [{ key: 'team', value: 'obs' }],
      }),
    );
    const daemonArn = `${prefix}:daemon/fleet/shipper`;
    assert.equal(created.daemonArn, daemonArn);
    assert.equal(created.status, 'ACTIVE');
    assert.match(created.deploymentArn ?? '', /:daemon-deployment\/fleet\/shipper\/[A-Za-z0-9]{16}$/);

    const { daemon } = await ecs.send(new DescribeDaemonCommand({ daemonArn }));
    assert.equal(daemon?.deploymentArn, created.deploymentArn);
    assert.deepEqual(daemon?.currentRevisions?.[0]?.capacityProviders, [
      { arn: providerArn, runningCount: 0 },
    ]);
    assert.equal(daemon?.currentRevisions?.[0]?.totalRunningCount, 0);
    const firstRevision = daemon!.currentRevisions![0]!.arn!;

    const { daemonDeployments } = await ecs.send(
      new DescribeDaemonDeploymentsCommand({ daemonDeploymentArns: [created.deploymentArn!] }),
    );
    assert.equal(daemonDeployments?.[0]?.status, 'SUCCESSFUL');
    assert.equal(daemonDeployments?.[0]?.targetDaemonRevision?.arn, firstRevision);
    assert.equal(daemonDeployments?.[0]?.targetDaemonRevision?.totalRunningInstanceCount, 0);
    assert.deepEqual(daemonDeployments?.[0]?.deploymentConfiguration, {
      drainPercent: 25,
      bakeTimeInMinutes: 0,
    });

    const { daemonRevisions } = await ecs.send(
      new DescribeDaemonRevisionsCommand({ daemonRevisionArns: [firstRevision, `${firstRevision}9`] }),
    );
    assert.equal(
      daemonRevisions?.[0]?.daemonTaskDefinitionArn,
      `${prefix}:daemon-task-definition/log-shipper:2`,
    );
    assert.deepEqual(daemonRevisions?.[0]?.containerImages, [
      { containerName: 'shipper', image: 'shipper:2' },
    ]);

    await ecs.send(
      new TagResourceCommand({ resourceArn: daemonArn, tags: [{ key: 'tier', value: 'node' }] }),
    );
    const { tags } = await ecs.send(new ListTagsForResourceCommand({ resourceArn: daemonArn }));
    assert.deepEqual(tags, [
      { key: 'team', value: 'obs' },
      { key: 'tier', value: 'node' },
    ]);

    const third = await register('shipper:3');
    const updated = await ecs.send(
      new UpdateDaemonCommand({
        daemonArn,
        daemonTaskDefinitionArn: third.daemonTaskDefinitionArn!,
        capacityProviderArns: ['fleet-mi'],
        enableExecuteCommand: true,
      }),
    );
    assert.notEqual(updated.deploymentArn, created.deploymentArn);
    const listed = await ecs.send(new ListDaemonDeploymentsCommand({ daemonArn }));
    assert.deepEqual(
      listed.daemonDeployments?.map((item) => item.daemonDeploymentArn),
      [updated.deploymentArn, created.deploymentArn],
    );
    const [second] = (
      await ecs.send(new DescribeDaemonDeploymentsCommand({ daemonDeploymentArns: [updated.deploymentArn!] }))
    ).daemonDeployments!;
    assert.equal(second?.sourceDaemonRevisions?.[0]?.arn, firstRevision);

    const { daemonSummariesList } = await ecs.send(
      new ListDaemonsCommand({ clusterArn: 'fleet', capacityProviderArns: [providerArn] }),
    );
    assert.deepEqual(
      daemonSummariesList?.map((item) => [item.daemonArn, item.status]),
      [[daemonArn, 'ACTIVE']],
    );
    await refused(
      ecs.send(new DeleteCapacityProviderCommand({ capacityProvider: 'fleet-mi', cluster: 'fleet' })),
      ClientException,
      /in use by a daemon/,
    );

    const deleted = await ecs.send(new DeleteDaemonCommand({ daemonArn }));
    assert.equal(deleted.status, 'DELETE_IN_PROGRESS');
    await refused(
      ecs.send(new DescribeDaemonCommand({ daemonArn })),
      DaemonNotFoundException,
      /wasn’t found/,
    );
    const after = await ecs.send(new ListDaemonsCommand({ clusterArn: 'fleet' }));
    assert.deepEqual(after.daemonSummariesList, []);
    const history = await ecs.send(new ListDaemonDeploymentsCommand({ daemonArn }));
    assert.equal(history.daemonDeployments?.length, 3, 'its deployments stay, the deletion among them');
  });

  test('daemons run on the cluster’s Managed Instances providers only, from an ACTIVE definition', async () => {
    const base = { daemonName: 'refused', clusterArn: 'fleet', daemonTaskDefinitionArn: 'log-shipper' };
    await refused(
      ecs.send(new CreateDaemonCommand({ ...base, capacityProviderArns: ['FARGATE'] })),
      InvalidParameterException,
      /only supported for Amazon ECS Managed Instances Capacity Providers/,
    );
    await refused(
      ecs.send(new CreateDaemonCommand({ ...base, capacityProviderArns: ['no-such'] })),
      InvalidParameterException,
      /does not exist/,
    );
    await refused(
      ecs.send(
        new CreateDaemonCommand({
          ...base,
          daemonTaskDefinitionArn: 'log-shipper:1',
          capacityProviderArns: [providerArn],
        }),
      ),
      ClientException,
      /not ACTIVE/,
    );
    await refused(
      ecs.send(new DescribeDaemonCommand({ daemonArn: `${prefix}:daemon/fleet/ghost` })),
      DaemonNotFoundException,
      /wasn’t found/,
    );
  });
});
