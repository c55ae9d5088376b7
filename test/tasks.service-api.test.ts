// The ECS service API around the scheduler, with no tasks to run: tags on services, Service
// Connect namespaces and ListServicesByNamespace, a cluster counting (and keeping) its services,
// DAEMON services on a cluster without container instances, the controllers eddy refuses, and
// Express services (which need load balancers eddy does not have).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  ClusterContainsServicesException,
  CreateClusterCommand,
  CreateExpressGatewayServiceCommand,
  CreateServiceCommand,
  DeleteClusterCommand,
  DeleteExpressGatewayServiceCommand,
  DeleteServiceCommand,
  DescribeClustersCommand,
  DescribeExpressGatewayServiceCommand,
  DescribeServicesCommand,
  ECSClient,
  InvalidParameterException,
  ListServicesByNamespaceCommand,
  ListServicesCommand,
  ListTagsForResourceCommand,
  NamespaceNotFoundException,
  RegisterTaskDefinitionCommand,
  ResourceNotFoundException,
  ServiceNotFoundException,
  TagResourceCommand,
  UnsupportedFeatureException,
  UntagResourceCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { startTestEddy, type TestEddy } from './harness.ts';

let eddy: TestEddy;
let ecs: ECSClient;
const networkConfiguration = { awsvpcConfiguration: { subnets: ['subnet-0eddy'] } };

before(async () => {
  eddy = await startTestEddy();
  ecs = eddy.client(ECSClient);
  await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: 'idle',
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '256',
      memory: '512',
      containerDefinitions: [{ name: 'app', image: 'local', command: ['sleep', '30'] }],
    }),
  );
  await ecs.send(
    new CreateClusterCommand({ clusterName: 'shop', serviceConnectDefaults: { namespace: 'shop.local' } }),
  );
});
after(async () => {
  ecs?.destroy();
  await eddy?.stop();
});

const create = (serviceName: string, extra: object = {}) =>
  ecs.send(
    new CreateServiceCommand({
      cluster: 'shop',
      serviceName,
      taskDefinition: 'idle',
      desiredCount: 0,
      launchType: 'FARGATE',
      networkConfiguration,
      ...extra,
    }),
  );

test('services are tagged like every ECS resource', async () => {
  const { service } = await create('tagged', { tags: [{ key: 'team', value: 'shop' }] });
  const arn = service!.serviceArn!;
  await ecs.send(new TagResourceCommand({ resourceArn: arn, tags: [{ key: 'tier', value: 'web' }] }));
  await ecs.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ['team'] }));
  const { tags } = await ecs.send(new ListTagsForResourceCommand({ resourceArn: arn }));
  assert.deepEqual(tags, [{ key: 'tier', value: 'web' }]);
  const { services } = await ecs.send(
    new DescribeServicesCommand({ cluster: 'shop', services: ['tagged'], include: ['TAGS'] }),
  );
  assert.deepEqual(services?.[0]?.tags, [{ key: 'tier', value: 'web' }]);
});

test('Service Connect: a service takes the cluster’s namespace; ListServicesByNamespace lists by it', async () => {
  const { service } = await create('catalog', { serviceConnectConfiguration: { enabled: true } });
  assert.equal(service?.deployments?.[0]?.serviceConnectConfiguration?.namespace, 'shop.local');
  await create('cart', { serviceConnectConfiguration: { enabled: true, namespace: 'checkout.local' } });
  const inShop = await ecs.send(new ListServicesByNamespaceCommand({ namespace: 'shop.local' }));
  assert.deepEqual(inShop.serviceArns, [service!.serviceArn]);
  const inCheckout = await ecs.send(new ListServicesByNamespaceCommand({ namespace: 'checkout.local' }));
  assert.equal(inCheckout.serviceArns?.length, 1);
  await assert.rejects(
    ecs.send(new ListServicesByNamespaceCommand({ namespace: 'nowhere.local' })),
    (error: Error) => error instanceof NamespaceNotFoundException,
  );
  await assert.rejects(
    ecs.send(
      new CreateServiceCommand({
        serviceName: 'lost',
        taskDefinition: 'idle',
        launchType: 'FARGATE',
        networkConfiguration,
        serviceConnectConfiguration: { enabled: true },
      }),
    ),
    (error: Error) =>
      error instanceof InvalidParameterException && /requires a namespace/.test(error.message),
  );
});

test('a cluster counts its active services and cannot be deleted while it has any', async () => {
  await ecs.send(new CreateClusterCommand({ clusterName: 'busy' }));
  await ecs.send(
    new CreateServiceCommand({
      cluster: 'busy',
      serviceName: 'one',
      taskDefinition: 'idle',
      desiredCount: 0,
      launchType: 'FARGATE',
      networkConfiguration,
    }),
  );
  const { clusters } = await ecs.send(
    new DescribeClustersCommand({ clusters: ['busy'], include: ['STATISTICS'] }),
  );
  assert.equal(clusters?.[0]?.activeServicesCount, 1);
  assert.deepEqual(
    clusters?.[0]?.statistics?.find((item) => item.name === 'activeFargateServiceCount'),
    { name: 'activeFargateServiceCount', value: '1' },
  );
  await assert.rejects(
    ecs.send(new DeleteClusterCommand({ cluster: 'busy' })),
    (error: Error) =>
      error instanceof ClusterContainsServicesException && /while Services are active/.test(error.message),
  );
  await ecs.send(new DeleteServiceCommand({ cluster: 'busy', service: 'one' }));
});

test('a DAEMON service runs a task per container instance: none here; CODE_DEPLOY is refused', async () => {
  const { service } = await ecs.send(
    new CreateServiceCommand({
      cluster: 'shop',
      serviceName: 'agent',
      taskDefinition: 'idle',
      schedulingStrategy: 'DAEMON',
    }),
  );
  assert.equal(service?.schedulingStrategy, 'DAEMON');
  assert.equal(service?.desiredCount, 0);
  assert.equal(service?.launchType, 'EC2');
  const daemons = await ecs.send(new ListServicesCommand({ cluster: 'shop', schedulingStrategy: 'DAEMON' }));
  assert.deepEqual(daemons.serviceArns, [service?.serviceArn]);
  await assert.rejects(
    ecs.send(new UpdateServiceCommand({ cluster: 'shop', service: 'agent', desiredCount: 2 })),
    (error: Error) => error instanceof InvalidParameterException && /DAEMON/.test(error.message),
  );
  await assert.rejects(
    ecs.send(
      new CreateServiceCommand({
        cluster: 'shop',
        serviceName: 'fargate-daemon',
        taskDefinition: 'idle',
        schedulingStrategy: 'DAEMON',
        launchType: 'FARGATE',
      }),
    ),
    (error: Error) =>
      error instanceof InvalidParameterException && /does not support Fargate/.test(error.message),
  );
  await assert.rejects(
    create('coded', { deploymentController: { type: 'CODE_DEPLOY' } }),
    (error: Error) => error instanceof InvalidParameterException && /CODE_DEPLOY/.test(error.message),
  );
});

test('Express services need load balancers: creating one is unsupported here, and none is ever found', async () => {
  await assert.rejects(
    ecs.send(
      new CreateExpressGatewayServiceCommand({
        executionRoleArn: 'arn:aws:iam::000000000000:role/exec',
        infrastructureRoleArn: 'arn:aws:iam::000000000000:role/infra',
        primaryContainer: { image: 'web' },
      }),
    ),
    (error: Error) =>
      error instanceof UnsupportedFeatureException && /not supported in this Region/.test(error.message),
  );
  const { service } = await create('not-express');
  await assert.rejects(
    ecs.send(new DescribeExpressGatewayServiceCommand({ serviceArn: service!.serviceArn! })),
    (error: Error) => error instanceof ResourceNotFoundException,
  );
  await assert.rejects(
    ecs.send(new DeleteExpressGatewayServiceCommand({ serviceArn: service!.serviceArn! })),
    (error: Error) => error instanceof ServiceNotFoundException,
  );
});
