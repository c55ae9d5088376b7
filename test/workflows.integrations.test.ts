// Step Functions' service integrations against a real eddy: ecs:runTask (.sync and
// .waitForTaskToken, on the process runner), sqs:sendMessage, sns:publish, events:putEvents,
// states:startExecution.sync (nested), and an EventBridge rule that starts executions through the
// targets port.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ECSClient, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import {
  EventBridgeClient,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { startTestEddy, TEST_ACCOUNT, type TestEddy } from './harness.ts';
import { eventually, queueWithArn, receiveAll } from './helpers.ts';

const ROLE = `arn:aws:iam::${TEST_ACCOUNT}:role/sfn`;
let eddy: TestEddy;
let sfn: SFNClient;
let ecs: ECSClient;
let sqs: SQSClient;

before(async () => {
  eddy = await startTestEddy();
  sfn = eddy.client(SFNClient, { disableHostPrefix: true });
  ecs = eddy.client(ECSClient);
  sqs = eddy.client(SQSClient);
});
after(async () => {
  sfn?.destroy();
  ecs?.destroy();
  sqs?.destroy();
  await eddy?.stop();
});

let count = 0;
async function machine(definition: object): Promise<string> {
  const { stateMachineArn } = await sfn.send(
    new CreateStateMachineCommand({
      name: `int-${++count}`,
      definition: JSON.stringify(definition),
      roleArn: ROLE,
    }),
  );
  return stateMachineArn!;
}

async function run(arn: string, input: unknown = {}): Promise<DescribeExecutionCommandOutput> {
  const { executionArn } = await sfn.send(
    new StartExecutionCommand({ stateMachineArn: arn, input: JSON.stringify(input) }),
  );
  return eventually(
    async () => {
      const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      return described.status !== 'RUNNING' && described;
    },
    { timeoutMs: 30_000 },
  );
}

async function taskDefinition(family: string, command: string[]): Promise<string> {
  const { taskDefinition } = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family,
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '256',
      memory: '512',
      containerDefinitions: [{ name: 'app', image: 'local', command }],
    }),
  );
  return taskDefinition!.taskDefinitionArn!;
}

const runTaskState = (definition: string, resource: string) => ({
  StartAt: 'Run',
  States: {
    Run: {
      Type: 'Task',
      Resource: resource,
      Parameters: {
        Cluster: 'default',
        TaskDefinition: definition,
        LaunchType: 'FARGATE',
        NetworkConfiguration: { AwsvpcConfiguration: { Subnets: ['subnet-0eddy'] } },
        Overrides: {
          ContainerOverrides: [{ Name: 'app', Environment: [{ Name: 'JOB', 'Value.$': '$.job' }] }],
        },
      },
      End: true,
    },
  },
});

describe('ecs:runTask', () => {
  it('.sync waits for the task to stop; its output is the stopped task', async () => {
    const definition = await taskDefinition('sfn-ok', [
      'node',
      '-e',
      'process.exit(process.env.JOB === "j1" ? 0 : 9)',
    ]);
    const done = await run(await machine(runTaskState(definition, 'arn:aws:states:::ecs:runTask.sync')), {
      job: 'j1',
    });
    assert.equal(done.status, 'SUCCEEDED', done.cause);
    const task = JSON.parse(done.output!);
    assert.equal(task.LastStatus, 'STOPPED');
    assert.equal(task.StartedBy, 'AWS Step Functions');
    assert.equal(task.Containers[0].ExitCode, 0);
    const { events } = await sfn.send(new GetExecutionHistoryCommand({ executionArn: done.executionArn }));
    assert.deepEqual(
      events!.map((event) => event.type),
      [
        'ExecutionStarted',
        'TaskStateEntered',
        'TaskScheduled',
        'TaskStarted',
        'TaskSubmitted',
        'TaskSucceeded',
        'TaskStateExited',
        'ExecutionSucceeded',
      ],
    );
    const scheduled = events!.find((event) => event.type === 'TaskScheduled')!.taskScheduledEventDetails!;
    assert.equal(scheduled.resourceType, 'ecs');
    assert.equal(scheduled.resource, 'runTask.sync');
  });

  it('.sync fails with States.TaskFailed when the container exits non-zero', async () => {
    const definition = await taskDefinition('sfn-bad', ['node', '-e', 'process.exit(3)']);
    const done = await run(await machine(runTaskState(definition, 'arn:aws:states:::ecs:runTask.sync')), {
      job: 'x',
    });
    assert.equal(done.status, 'FAILED');
    assert.equal(done.error, 'States.TaskFailed');
    assert.equal(JSON.parse(done.cause!).Containers[0].ExitCode, 3);
  });

  it('request-response answers with the RunTask response at once', async () => {
    const definition = await taskDefinition('sfn-rr', ['node', '-e', 'setTimeout(() => {}, 200)']);
    const done = await run(await machine(runTaskState(definition, 'arn:aws:states:::ecs:runTask')), {
      job: 'j',
    });
    assert.equal(done.status, 'SUCCEEDED', done.cause);
    const response = JSON.parse(done.output!);
    assert.equal(response.Tasks.length, 1);
    assert.deepEqual(response.Failures, []);
    assert.match(response.Tasks[0].TaskArn, /:task\/default\//);
  });
  it('.waitForTaskToken hands the task its token; the container’s own SendTaskSuccess resumes the state', async () => {
    // The container is a real process using the SDK against eddy, as a worker in ECS would.
    const worker = [
      "const { SFNClient, SendTaskSuccessCommand } = require('@aws-sdk/client-sfn');",
      "const sfn = new SFNClient({ endpoint: process.env.SFN_ENDPOINT, region: 'us-east-1',",
      "  credentials: { accessKeyId: 'worker', secretAccessKey: 'worker' } });",
      'sfn.send(new SendTaskSuccessCommand({ taskToken: process.env.TASK_TOKEN,',
      '  output: JSON.stringify({ processed: process.env.JOB }) })).then(() => process.exit(0),',
      '  (error) => { console.error(error); process.exit(1); });',
    ].join('\n');
    const definition = await taskDefinition('sfn-token', ['node', '-e', worker]);
    const state = runTaskState(definition, 'arn:aws:states:::ecs:runTask.waitForTaskToken');
    state.States.Run.Parameters.Overrides.ContainerOverrides[0]!.Environment.push(
      { Name: 'TASK_TOKEN', 'Value.$': '$$.Task.Token' } as never,
      { Name: 'SFN_ENDPOINT', Value: eddy.url } as never,
    );
    const done = await run(await machine(state), { job: 'batch-7' });
    assert.equal(done.status, 'SUCCEEDED', done.cause);
    assert.deepEqual(JSON.parse(done.output!), { processed: 'batch-7' });
    const { events } = await sfn.send(new GetExecutionHistoryCommand({ executionArn: done.executionArn }));
    assert.ok(events!.some((event) => event.type === 'TaskSubmitted'));
  });
});

describe('other integrations', () => {
  it('sqs:sendMessage sends in the step’s own commit and answers with the MessageId', async () => {
    const queue = await queueWithArn(sqs, 'sfn-out');
    const done = await run(
      await machine({
        StartAt: 'Send',
        States: {
          Send: {
            Type: 'Task',
            Resource: 'arn:aws:states:::sqs:sendMessage',
            Parameters: { QueueUrl: queue.url, 'MessageBody.$': '$' },
            End: true,
          },
        },
      }),
      { hello: 'queue' },
    );
    assert.equal(done.status, 'SUCCEEDED', done.cause);
    const output = JSON.parse(done.output!);
    const [message] = await receiveAll(sqs, queue.url, 1);
    assert.equal(message!.Body, '{"hello":"queue"}');
    assert.equal(output.MessageId, message!.MessageId);
    assert.equal(output.MD5OfMessageBody, message!.MD5OfBody);
  });

  it('sns:publish publishes to a topic; its queue subscriber gets the message', async () => {
    const sns = eddy.client(SNSClient);
    const queue = await queueWithArn(sqs, 'sfn-topic-out');
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'sfn-topic' }));
    await sns.send(
      new SubscribeCommand({
        TopicArn,
        Protocol: 'sqs',
        Endpoint: queue.arn,
        Attributes: { RawMessageDelivery: 'true' },
      }),
    );
    const done = await run(
      await machine({
        StartAt: 'Publish',
        States: {
          Publish: {
            Type: 'Task',
            Resource: 'arn:aws:states:::sns:publish',
            Parameters: { TopicArn, 'Message.$': '$.text', Subject: 'from a workflow' },
            End: true,
          },
        },
      }),
      { text: 'order 42 shipped' },
    );
    assert.equal(done.status, 'SUCCEEDED', done.cause);
    const [message] = await receiveAll(sqs, queue.url, 1);
    assert.equal(message!.Body, 'order 42 shipped');
    assert.match(JSON.parse(done.output!).MessageId, /^[0-9a-f-]{36}$/);
    sns.destroy();
  });

  it('events:putEvents puts on a bus; a rule starts another execution (targets port)', async () => {
    const events = eddy.client(EventBridgeClient);
    const target = await machine({ StartAt: 'Got', States: { Got: { Type: 'Pass', End: true } } });
    await events.send(
      new PutRuleCommand({ Name: 'to-sfn', EventPattern: JSON.stringify({ source: ['sfn.test'] }) }),
    );
    await events.send(
      new PutTargetsCommand({ Rule: 'to-sfn', Targets: [{ Id: 'sm', Arn: target, RoleArn: ROLE }] }),
    );
    const done = await run(
      await machine({
        StartAt: 'Put',
        States: {
          Put: {
            Type: 'Task',
            Resource: 'arn:aws:states:::events:putEvents',
            Parameters: { Entries: [{ Source: 'sfn.test', DetailType: 'Ping', Detail: { 'n.$': '$.n' } }] },
            End: true,
          },
        },
      }),
      { n: 5 },
    );
    assert.equal(done.status, 'SUCCEEDED', done.cause);
    assert.equal(JSON.parse(done.output!).FailedEntryCount, 0);
    const started = await eventually(async () => {
      const { executions } = await sfn.send(new ListExecutionsCommand({ stateMachineArn: target }));
      return executions!.length > 0 && executions![0];
    });
    const child = await eventually(async () => {
      const described = await sfn.send(new DescribeExecutionCommand({ executionArn: started.executionArn }));
      return described.status === 'SUCCEEDED' && described;
    });
    assert.deepEqual(JSON.parse(child.input!).detail, { n: 5 });
    // A put straight on the bus starts one as well.
    await events.send(
      new PutEventsCommand({ Entries: [{ Source: 'sfn.test', DetailType: 'Again', Detail: '{}' }] }),
    );
    await eventually(async () => {
      const { executions } = await sfn.send(new ListExecutionsCommand({ stateMachineArn: target }));
      return executions!.length === 2;
    });
    events.destroy();
  });

  it('states:startExecution.sync and .sync:2 run a nested execution and take its result', async () => {
    const child = await machine({
      StartAt: 'Twice',
      States: { Twice: { Type: 'Pass', Parameters: { 'twice.$': 'States.MathAdd($.n, $.n)' }, End: true } },
    });
    const parent = await machine({
      StartAt: 'Child',
      States: {
        Child: {
          Type: 'Task',
          Resource: 'arn:aws:states:::states:startExecution.sync:2',
          Parameters: { StateMachineArn: child, Input: { 'n.$': '$.n' } },
          ResultSelector: { 'result.$': '$.Output' },
          Next: 'Text',
        },
        Text: {
          Type: 'Task',
          Resource: 'arn:aws:states:::states:startExecution.sync',
          Parameters: { StateMachineArn: child, Input: { n: 1 } },
          ResultSelector: { 'output.$': '$.Output', 'status.$': '$.Status' },
          ResultPath: '$.text',
          End: true,
        },
      },
    });
    const done = await run(parent, { n: 21 });
    assert.equal(done.status, 'SUCCEEDED', done.cause);
    const output = JSON.parse(done.output!);
    assert.deepEqual(output.result, { twice: 42 });
    assert.deepEqual(output.text, { output: '{"twice":2}', status: 'SUCCEEDED' });
  });

  it('puts "Step Functions Execution Status Change" events on the default bus', async () => {
    const events = eddy.client(EventBridgeClient);
    const queue = await queueWithArn(sqs, 'sfn-status');
    const watched = await machine({ StartAt: 'P', States: { P: { Type: 'Pass', End: true } } });
    await events.send(
      new PutRuleCommand({
        Name: 'sfn-status',
        EventPattern: JSON.stringify({ source: ['aws.states'], detail: { stateMachineArn: [watched] } }),
      }),
    );
    await events.send(new PutTargetsCommand({ Rule: 'sfn-status', Targets: [{ Id: 'q', Arn: queue.arn }] }));
    const done = await run(watched, { a: 1 });
    const messages = await receiveAll(sqs, queue.url, 2);
    const details = messages.map(
      (message) =>
        JSON.parse(message.Body!) as {
          'detail-type': string;
          detail: { status: string; executionArn: string };
        },
    );
    assert.deepEqual(details.map((event) => event.detail.status).sort(), ['RUNNING', 'SUCCEEDED']);
    for (const event of details) {
      assert.equal(event['detail-type'], 'Step Functions Execution Status Change');
      assert.equal(event.detail.executionArn, done.executionArn);
    }
    events.destroy();
  });
});
