// What ECS does on EC2 container instances and through its agents, answered as ECS answers an
// account with none (eddy registers no container instances and runs no exec agent):
// container instance operations, attributes, StartTask, the agent's reports, DiscoverPollEndpoint
// and ExecuteCommand.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  ClientException,
  ClusterNotFoundException,
  DeleteAttributesCommand,
  DeregisterContainerInstanceCommand,
  DescribeContainerInstancesCommand,
  DiscoverPollEndpointCommand,
  ECSClient,
  ExecuteCommandCommand,
  InvalidParameterException,
  ListAttributesCommand,
  ListContainerInstancesCommand,
  PutAttributesCommand,
  RegisterContainerInstanceCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  StartTaskCommand,
  StopTaskCommand,
  SubmitAttachmentStateChangesCommand,
  SubmitContainerStateChangeCommand,
  SubmitTaskStateChangeCommand,
  TargetNotFoundException,
  UpdateContainerAgentCommand,
  UpdateContainerInstancesStateCommand,
} from '@aws-sdk/client-ecs';
import { startTestEddy, TEST_ACCOUNT, type TestEddy } from './harness.ts';

let eddy: TestEddy;
let ecs: ECSClient;
const instance = `arn:aws:ecs:us-east-1:${TEST_ACCOUNT}:container-instance/default/0123456789abcdef0123456789abcdef`;
const network = { awsvpcConfiguration: { subnets: ['subnet-0eddy'] } };
let taskArn: string;

before(async () => {
  eddy = await startTestEddy();
  ecs = eddy.client(ECSClient);
  await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: 'plain',
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '256',
      memory: '512',
      containerDefinitions: [{ name: 'app', image: 'local', command: ['sleep', '30'] }],
    }),
  );
  const { tasks } = await ecs.send(
    new RunTaskCommand({
      taskDefinition: 'plain',
      launchType: 'FARGATE',
      networkConfiguration: network,
      enableExecuteCommand: true,
    }),
  );
  taskArn = tasks![0]!.taskArn!;
});
after(async () => {
  await ecs.send(new StopTaskCommand({ task: taskArn })).catch(() => undefined);
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

describe('container instances: a cluster has none', () => {
  test('listing finds none; describing, draining and starting tasks on one report MISSING', async () => {
    const listed = await ecs.send(new ListContainerInstancesCommand({ status: 'ACTIVE' }));
    assert.deepEqual(listed.containerInstanceArns, []);
    const described = await ecs.send(
      new DescribeContainerInstancesCommand({ containerInstances: ['0123456789abcdef0123456789abcdef'] }),
    );
    assert.deepEqual(described.containerInstances, []);
    assert.deepEqual(described.failures, [{ arn: instance, reason: 'MISSING' }]);
    const drained = await ecs.send(
      new UpdateContainerInstancesStateCommand({ containerInstances: [instance], status: 'DRAINING' }),
    );
    assert.deepEqual(drained.failures, [{ arn: instance, reason: 'MISSING' }]);
    const started = await ecs.send(
      new StartTaskCommand({ taskDefinition: 'plain', containerInstances: [instance] }),
    );
    assert.deepEqual(started.tasks, []);
    assert.deepEqual(started.failures, [{ arn: instance, reason: 'MISSING' }]);
    await refused(
      ecs.send(new StartTaskCommand({ taskDefinition: 'no-such', containerInstances: [instance] })),
      ClientException,
      /TaskDefinition not found/,
    );
    await refused(
      ecs.send(new ListContainerInstancesCommand({ cluster: 'no-such' })),
      ClusterNotFoundException,
      /Cluster not found/,
    );
  });

  test('deregistering or updating one is refused; registering one needs an EC2 identity', async () => {
    await refused(
      ecs.send(new DeregisterContainerInstanceCommand({ containerInstance: instance, force: true })),
      InvalidParameterException,
      /container instance was not found/,
    );
    await refused(
      ecs.send(new UpdateContainerAgentCommand({ containerInstance: instance })),
      InvalidParameterException,
      /container instance was not found/,
    );
    await refused(
      ecs.send(new RegisterContainerInstanceCommand({})),
      ClientException,
      /identity document is required/,
    );
    await refused(
      ecs.send(new RegisterContainerInstanceCommand({ instanceIdentityDocument: '{}' })),
      ClientException,
      /could not be verified/,
    );
  });

  test('attributes: none to list, and every target is not found', async () => {
    const listed = await ecs.send(new ListAttributesCommand({ targetType: 'container-instance' }));
    assert.deepEqual(listed.attributes, []);
    await refused(
      ecs.send(
        new PutAttributesCommand({
          attributes: [
            { name: 'stack', value: 'prod', targetType: 'container-instance', targetId: instance },
          ],
        }),
      ),
      TargetNotFoundException,
      new RegExp(`Could not find the target ${instance}`),
    );
    await refused(
      ecs.send(new DeleteAttributesCommand({ attributes: [{ name: 'stack', targetId: instance }] })),
      TargetNotFoundException,
      /Could not find the target/,
    );
    await refused(
      ecs.send(new PutAttributesCommand({ attributes: [{ name: 'no target' }] })),
      InvalidParameterException,
      /must name its target/,
    );
  });
});

describe('the agents’ APIs', () => {
  test('state change reports come from no container instance here', async () => {
    await refused(
      ecs.send(new SubmitTaskStateChangeCommand({ task: taskArn, status: 'STOPPED' })),
      ClientException,
      /not on a container instance/,
    );
    await refused(
      ecs.send(
        new SubmitContainerStateChangeCommand({ task: taskArn, containerName: 'app', status: 'STOPPED' }),
      ),
      ClientException,
      /not on a container instance/,
    );
    await refused(
      ecs.send(new SubmitTaskStateChangeCommand({ task: 'ffffffffffffffffffffffffffffffff' })),
      InvalidParameterException,
      /referenced task was not found/,
    );
    await refused(
      ecs.send(
        new SubmitAttachmentStateChangesCommand({
          attachments: [
            { attachmentArn: 'arn:aws:ecs:us-east-1:000000000000:attachment/x', status: 'ATTACHED' },
          ],
        }),
      ),
      InvalidParameterException,
      /attachment .* was not found/,
    );
  });

  test('DiscoverPollEndpoint answers with eddy’s endpoint, and knows no container instance', async () => {
    const { endpoint, telemetryEndpoint } = await ecs.send(new DiscoverPollEndpointCommand({}));
    assert.equal(endpoint, `${eddy.url}/`);
    assert.equal(telemetryEndpoint, `${eddy.url}/`);
    await refused(
      ecs.send(new DiscoverPollEndpointCommand({ containerInstance: instance })),
      InvalidParameterException,
      /container instance was not found/,
    );
  });

  test('ExecuteCommand: the exec agent isn’t running in any task, as ECS words it', async () => {
    await refused(
      ecs.send(new ExecuteCommandCommand({ task: taskArn, command: '/bin/sh', interactive: true })),
      InvalidParameterException,
      /^The execute command failed because execute command was not enabled when the task was run or the execute command agent isn’t running\. Wait and try again or run a new task with execute command enabled and try again\.$/,
    );
    await refused(
      ecs.send(
        new ExecuteCommandCommand({ task: taskArn, container: 'nope', command: 'ls', interactive: true }),
      ),
      InvalidParameterException,
      /container nope was not found/,
    );
  });
});
