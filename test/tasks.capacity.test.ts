// Capacity providers through @aws-sdk/client-ecs: the built-in FARGATE and FARGATE_SPOT, the
// account's own (Auto Scaling group and Managed Instances) kept as ECS keeps them, associating them
// with clusters, what a strategy may mix, what is in use, deleting — and tasks on EC2-backed
// capacity, which eddy never has.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  ClientException,
  ClusterContainsCapacityProviderException,
  CreateCapacityProviderCommand,
  CreateClusterCommand,
  DeleteCapacityProviderCommand,
  DeleteClusterCommand,
  DescribeCapacityProvidersCommand,
  DescribeClustersCommand,
  ECSClient,
  InvalidParameterException,
  ListTagsForResourceCommand,
  PutClusterCapacityProvidersCommand,
  RegisterTaskDefinitionCommand,
  ResourceInUseException,
  RunTaskCommand,
  StopTaskCommand,
  TagResourceCommand,
  UpdateCapacityProviderCommand,
} from '@aws-sdk/client-ecs';
import { startTestEddy, TEST_ACCOUNT, type TestEddy } from './harness.ts';

let eddy: TestEddy;
let ecs: ECSClient;
const arn = (name: string) => `arn:aws:ecs:us-east-1:${TEST_ACCOUNT}:capacity-provider/${name}`;
const asgArn = (name: string) =>
  `arn:aws:autoscaling:us-east-1:${TEST_ACCOUNT}:autoScalingGroup:0000:autoScalingGroupName/${name}`;
const network = { awsvpcConfiguration: { subnets: ['subnet-0eddy'] } };

before(async () => {
  eddy = await startTestEddy();
  ecs = eddy.client(ECSClient);
  await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: 'capacity',
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '256',
      memory: '512',
      containerDefinitions: [{ name: 'app', image: 'local', command: ['sleep', '30'] }],
    }),
  );
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

const managedInstances = {
  infrastructureRoleArn: `arn:aws:iam::${TEST_ACCOUNT}:role/ecsInfrastructure`,
  instanceLaunchTemplate: {
    ec2InstanceProfileArn: `arn:aws:iam::${TEST_ACCOUNT}:instance-profile/ecsInstance`,
    networkConfiguration: { subnets: ['subnet-0eddy'] },
  },
};

describe('capacity providers', () => {
  test('FARGATE and FARGATE_SPOT exist in every account; unknown names are MISSING', async () => {
    const { capacityProviders } = await ecs.send(new DescribeCapacityProvidersCommand({}));
    assert.deepEqual(capacityProviders, [
      { capacityProviderArn: arn('FARGATE'), name: 'FARGATE', status: 'ACTIVE', type: 'FARGATE' },
      {
        capacityProviderArn: arn('FARGATE_SPOT'),
        name: 'FARGATE_SPOT',
        status: 'ACTIVE',
        type: 'FARGATE_SPOT',
      },
    ]);
    const some = await ecs.send(
      new DescribeCapacityProvidersCommand({ capacityProviders: [arn('FARGATE_SPOT'), 'nope'] }),
    );
    assert.deepEqual(
      some.capacityProviders?.map((provider) => provider.name),
      ['FARGATE_SPOT'],
    );
    assert.deepEqual(some.failures, [{ arn: 'nope', reason: 'MISSING' }]);
    await refused(
      ecs.send(new DeleteCapacityProviderCommand({ capacityProvider: 'FARGATE' })),
      InvalidParameterException,
      /reserved/,
    );
  });

  test('an Auto Scaling group provider is kept with ECS’s defaults, updated, tagged, and deleted once free', async () => {
    const { capacityProvider } = await ecs.send(
      new CreateCapacityProviderCommand({
        name: 'workers',
        autoScalingGroupProvider: { autoScalingGroupArn: asgArn('workers') },
        tags: [{ key: 'team', value: 'infra' }],
      }),
    );
    assert.equal(capacityProvider?.capacityProviderArn, arn('workers'));
    assert.equal(capacityProvider?.status, 'ACTIVE');
    assert.equal(capacityProvider?.type, 'EC2_AUTOSCALING');
    assert.deepEqual(capacityProvider?.autoScalingGroupProvider, {
      autoScalingGroupArn: asgArn('workers'),
      managedScaling: {
        status: 'ENABLED',
        targetCapacity: 100,
        minimumScalingStepSize: 1,
        maximumScalingStepSize: 10000,
        instanceWarmupPeriod: 300,
      },
      managedTerminationProtection: 'DISABLED',
      managedDraining: 'ENABLED',
    });
    await refused(
      ecs.send(
        new CreateCapacityProviderCommand({
          name: 'workers',
          autoScalingGroupProvider: { autoScalingGroupArn: asgArn('other') },
        }),
      ),
      ClientException,
      /already exists/,
    );
    await refused(
      ecs.send(
        new CreateCapacityProviderCommand({
          name: 'twins',
          autoScalingGroupProvider: { autoScalingGroupArn: asgArn('workers') },
        }),
      ),
      ClientException,
      /already associated with another capacity provider/,
    );
    await refused(
      ecs.send(
        new CreateCapacityProviderCommand({
          name: 'fargate-mine',
          autoScalingGroupProvider: { autoScalingGroupArn: asgArn('x') },
        }),
      ),
      ClientException,
      /can’t be prefixed with "aws", "ecs", or "fargate"/,
    );
    await refused(
      ecs.send(new CreateCapacityProviderCommand({ name: 'neither' })),
      InvalidParameterException,
      /Exactly one of autoScalingGroupProvider or managedInstancesProvider/,
    );
    // The model bounds targetCapacity (1–100), before the handler.
    await refused(
      ecs.send(
        new UpdateCapacityProviderCommand({
          name: 'workers',
          autoScalingGroupProvider: { managedScaling: { targetCapacity: 0 } },
        }),
      ),
      InvalidParameterException,
      /Member must have value greater than or equal to 1/,
    );

    const updated = await ecs.send(
      new UpdateCapacityProviderCommand({
        name: 'workers',
        autoScalingGroupProvider: { managedScaling: { targetCapacity: 80 }, managedDraining: 'DISABLED' },
      }),
    );
    assert.equal(updated.capacityProvider?.autoScalingGroupProvider?.managedScaling?.targetCapacity, 80);
    assert.equal(
      updated.capacityProvider?.autoScalingGroupProvider?.managedScaling?.instanceWarmupPeriod,
      300,
    );
    assert.equal(updated.capacityProvider?.autoScalingGroupProvider?.managedDraining, 'DISABLED');
    assert.equal(updated.capacityProvider?.updateStatus, 'UPDATE_COMPLETE');

    await ecs.send(
      new TagResourceCommand({ resourceArn: arn('workers'), tags: [{ key: 'tier', value: 'batch' }] }),
    );
    const { tags } = await ecs.send(new ListTagsForResourceCommand({ resourceArn: arn('workers') }));
    assert.deepEqual(tags, [
      { key: 'team', value: 'infra' },
      { key: 'tier', value: 'batch' },
    ]);
    const described = await ecs.send(
      new DescribeCapacityProvidersCommand({ capacityProviders: ['workers'], include: ['TAGS'] }),
    );
    assert.equal(described.capacityProviders?.[0]?.tags?.length, 2);

    await ecs.send(new CreateClusterCommand({ clusterName: 'ec2-backed' }));
    await ecs.send(
      new PutClusterCapacityProvidersCommand({
        cluster: 'ec2-backed',
        capacityProviders: ['workers'],
        defaultCapacityProviderStrategy: [{ capacityProvider: 'workers', weight: 1 }],
      }),
    );
    await refused(
      ecs.send(new DeleteCapacityProviderCommand({ capacityProvider: 'workers' })),
      ClientException,
      /associated with a cluster/,
    );
    // eddy launches no EC2 instances: tasks for this capacity are not placed.
    const ran = await ecs.send(
      new RunTaskCommand({
        cluster: 'ec2-backed',
        taskDefinition: 'capacity',
        networkConfiguration: network,
      }),
    );
    assert.deepEqual(ran.tasks, []);
    assert.equal(ran.failures?.[0]?.reason, 'No Container Instances were found in your cluster.');

    await ecs.send(
      new PutClusterCapacityProvidersCommand({
        cluster: 'ec2-backed',
        capacityProviders: [],
        defaultCapacityProviderStrategy: [],
      }),
    );
    const deleted = await ecs.send(new DeleteCapacityProviderCommand({ capacityProvider: arn('workers') }));
    assert.equal(deleted.capacityProvider?.status, 'INACTIVE');
    const gone = await ecs.send(new DescribeCapacityProvidersCommand({ capacityProviders: ['workers'] }));
    assert.equal(gone.capacityProviders?.[0]?.status, 'INACTIVE');
    assert.equal(gone.capacityProviders?.[0]?.updateStatus, 'DELETE_COMPLETE');
  });

  test('PutClusterCapacityProviders sets the default strategy, refuses mixes and providers in use', async () => {
    await ecs.send(new CreateClusterCommand({ clusterName: 'spot-first' }));
    await ecs.send(
      new CreateCapacityProviderCommand({
        name: 'nodes',
        autoScalingGroupProvider: { autoScalingGroupArn: asgArn('nodes') },
      }),
    );
    const { cluster } = await ecs.send(
      new PutClusterCapacityProvidersCommand({
        cluster: 'spot-first',
        capacityProviders: ['FARGATE', 'FARGATE_SPOT'],
        defaultCapacityProviderStrategy: [{ capacityProvider: arn('FARGATE_SPOT'), weight: 1 }],
      }),
    );
    assert.deepEqual(cluster?.capacityProviders, ['FARGATE', 'FARGATE_SPOT']);
    assert.deepEqual(cluster?.defaultCapacityProviderStrategy, [
      { capacityProvider: 'FARGATE_SPOT', weight: 1 },
    ]);
    await refused(
      ecs.send(
        new PutClusterCapacityProvidersCommand({
          cluster: 'spot-first',
          capacityProviders: ['FARGATE', 'nodes'],
          defaultCapacityProviderStrategy: [
            { capacityProvider: 'FARGATE', weight: 1 },
            { capacityProvider: 'nodes', weight: 1 },
          ],
        }),
      ),
      InvalidParameterException,
      /cannot contain a mix of capacity providers/,
    );
    await refused(
      ecs.send(
        new PutClusterCapacityProvidersCommand({
          cluster: 'spot-first',
          capacityProviders: ['FARGATE'],
          defaultCapacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }],
        }),
      ),
      InvalidParameterException,
      /not associated with the cluster/,
    );
    await refused(
      ecs.send(
        new PutClusterCapacityProvidersCommand({
          cluster: 'spot-first',
          capacityProviders: ['no-such'],
          defaultCapacityProviderStrategy: [],
        }),
      ),
      InvalidParameterException,
      /capacity provider no-such does not exist/,
    );

    // The cluster's default strategy places a task without a launch type on FARGATE_SPOT.
    const { tasks } = await ecs.send(
      new RunTaskCommand({
        cluster: 'spot-first',
        taskDefinition: 'capacity',
        networkConfiguration: network,
      }),
    );
    assert.equal(tasks?.[0]?.capacityProviderName, 'FARGATE_SPOT');
    await refused(
      ecs.send(
        new PutClusterCapacityProvidersCommand({
          cluster: 'spot-first',
          capacityProviders: ['FARGATE'],
          defaultCapacityProviderStrategy: [],
        }),
      ),
      ResourceInUseException,
      /in use and cannot be removed/,
    );
    await ecs.send(new StopTaskCommand({ cluster: 'spot-first', task: tasks![0]!.taskArn! }));
    const { clusters } = await ecs.send(new DescribeClustersCommand({ clusters: ['spot-first'] }));
    assert.deepEqual(clusters?.[0]?.capacityProviders, ['FARGATE', 'FARGATE_SPOT']);
  });

  test('a Managed Instances provider belongs to its cluster, which cannot be deleted while it has one', async () => {
    await ecs.send(new CreateClusterCommand({ clusterName: 'managed' }));
    await refused(
      ecs.send(new CreateCapacityProviderCommand({ name: 'mi', managedInstancesProvider: managedInstances })),
      InvalidParameterException,
      /A cluster must be specified/,
    );
    const { capacityProvider } = await ecs.send(
      new CreateCapacityProviderCommand({
        name: 'mi',
        cluster: 'managed',
        managedInstancesProvider: managedInstances,
      }),
    );
    assert.equal(capacityProvider?.type, 'MANAGED_INSTANCES');
    assert.equal(capacityProvider?.cluster, 'managed');
    assert.equal(capacityProvider?.managedInstancesProvider?.propagateTags, 'NONE');
    const listed = await ecs.send(new DescribeCapacityProvidersCommand({ cluster: 'managed' }));
    assert.deepEqual(
      listed.capacityProviders?.map((provider) => provider.name),
      ['mi'],
    );
    await refused(
      ecs.send(new DeleteClusterCommand({ cluster: 'managed' })),
      ClusterContainsCapacityProviderException,
      /capacity providers/,
    );
    await refused(
      ecs.send(new DeleteCapacityProviderCommand({ capacityProvider: 'mi' })),
      InvalidParameterException,
      /belongs to the cluster managed/,
    );
    await ecs.send(new DeleteCapacityProviderCommand({ capacityProvider: 'mi', cluster: 'managed' }));
    const { clusters } = await ecs.send(new DescribeClustersCommand({ clusters: ['managed'] }));
    assert.deepEqual(clusters?.[0]?.capacityProviders, []);
    const { cluster } = await ecs.send(new DeleteClusterCommand({ cluster: 'managed' }));
    assert.equal(cluster?.status, 'INACTIVE');
  });
});

test('the aws CLI creates a cluster with capacity providers and describes them', async () => {
  const created = await eddy.aws([
    'ecs',
    'create-cluster',
    '--cluster-name',
    'cli-capacity',
    '--capacity-providers',
    'FARGATE',
    'FARGATE_SPOT',
    '--default-capacity-provider-strategy',
    'capacityProvider=FARGATE,weight=1,base=1',
  ]);
  assert.equal(created.code, 0, created.stderr);
  assert.deepEqual(JSON.parse(created.stdout).cluster.capacityProviders, ['FARGATE', 'FARGATE_SPOT']);
  const described = await eddy.aws(['ecs', 'describe-capacity-providers', '--capacity-providers', 'FARGATE']);
  assert.equal(described.code, 0, described.stderr);
  assert.equal(JSON.parse(described.stdout).capacityProviders[0].status, 'ACTIVE');
});
