// The workflows service: AWS Step Functions (AWS JSON 1.0, `AWSStepFunctions.*`) — state machines
// with versions and aliases, durable standard executions and express ones, activities with long
// polling workers, task tokens, and the optimized integrations (SQS, SNS, EventBridge, ECS, Step
// Functions itself). The States Language itself is src/asl, pure; this folder keeps executions
// durable on the store and the timers (engine.ts). Rules and schedules start executions through
// the targets port (`arn:aws:states:…:stateMachine:NAME`). docs/operations/stepfunctions.md
// lists every operation.
import { randomUUID } from 'node:crypto';
import type { Handlers, ServiceModule, StepFunctions } from '../../contract/index.ts';
import { loadModel, ServiceError } from '../../contract/index.ts';
import { DeliveryError, type Runtime } from '../../runtime/index.ts';
import { Activities } from './activities.ts';
import { Engine } from './engine.ts';
import { Executions } from './execution-handlers.ts';
import type { ExecutionRecord } from './executions.ts';
import { childOutcome, ecsOutcome, Integrations } from './integrations.ts';
import { machineHandlers } from './machine-handlers.ts';
import { MachineStore } from './machines.ts';
import { parseStatesArn } from './names.ts';
import { workflowsMigrations } from './schema.ts';
import { getTask, type TaskRow } from './task-rows.ts';
import { testStateHandler } from './test-state.ts';

export function workflowsService(runtime: Runtime): ServiceModule {
  const { store } = runtime;
  const machines = new MachineStore();
  const engine = new Engine(runtime, machines);
  const activities = new Activities(runtime, engine);
  const executions = new Executions(runtime, engine, machines);
  const integrations = new Integrations(
    runtime,
    activities,
    (tx, parent, request) =>
      executions.startIn(tx, { account: parent.account, region: parent.region }, request),
    (arn) =>
      store
        .write((tx) => engine.abort(tx, arn, 'States.Aborted', 'The parent execution stopped.'))
        .then(() => undefined),
  );
  engine.dispatcher = integrations;

  // A `states:startExecution.sync` child ended: its parent's task ends in the same transaction.
  engine.childEnded = async (tx, child) => {
    const row = await getTask(tx, child.parentToken!);
    if (!row || row.status === 'closed') return;
    await engine.finishTask(tx, row.token, childOutcome(child, row.resource.endsWith('.sync:2')), {
      started: false,
    });
  };

  // ecs:runTask.sync: the task stopped (on this node, or reported stopped for a node that died).
  const ecsStopped = async (taskArn: string, task: Record<string, unknown>) => {
    await store.write(async (tx) => {
      const rows = await tx.all<TaskRow>(
        "SELECT * FROM sfn_tasks WHERE ref = ? AND status = 'started' AND kind = 'ecs:runTask'",
        [taskArn],
      );
      for (const row of rows)
        if (row.resource.endsWith('.sync'))
          await engine.finishTask(tx, row.token, ecsOutcome(task), { started: false });
    });
  };
  const ecsPort = () => runtime.integrations.get('ecs:runTask');
  const checkEcsTasks = async () => {
    const port = ecsPort();
    if (!port) return;
    const rows = await store.read((tx) =>
      tx.all<TaskRow & { account: string; region: string }>(
        `SELECT t.*, e.account, e.region FROM sfn_tasks t JOIN sfn_executions e ON e.arn = t.execution_arn
         WHERE t.kind = 'ecs:runTask' AND t.status = 'started' AND t.ref IS NOT NULL`,
      ),
    );
    for (const row of rows) {
      if (!row.resource.endsWith('.sync') || !row.ref) continue;
      const task = await port.describe({ account: row.account, region: row.region }, row.ref);
      if (task && task.lastStatus === 'STOPPED') await ecsStopped(row.ref, task);
    }
  };
  // A task may stop before its `.sync` state recorded what it waits for: look once it is recorded.
  engine.onWaiting = (row) => {
    if (row.kind === 'ecs:runTask' && row.resource.endsWith('.sync'))
      setImmediate(() => {
        checkEcsTasks().catch((error: unknown) =>
          runtime.log.error({ err: error }, 'checking ECS tasks failed'),
        );
      });
  };

  // EventBridge rules and Scheduler schedules start executions by the machine's ARN.
  runtime.targets.register('states', async (arn, delivery) => {
    let parsed: ReturnType<typeof parseStatesArn>;
    try {
      parsed = parseStatesArn(arn, ['stateMachine']);
    } catch (error) {
      throw new DeliveryError('InvalidArn', (error as Error).message, false);
    }
    try {
      const execution = await store.write((tx) =>
        executions.startIn(
          tx,
          { account: parsed.account, region: parsed.region },
          { stateMachineArn: arn, input: delivery.body === '' ? '{}' : delivery.body },
        ),
      );
      return { id: execution.arn };
    } catch (error) {
      if (error instanceof ServiceError) throw new DeliveryError(error.code, error.message, false);
      throw error;
    }
  });

  // "Step Functions Execution Status Change" events on the account's default bus (standard
  // executions, as AWS sends them), after the start's and the end's commits.
  const statusEvent = (execution: ExecutionRecord) => {
    if (execution.type !== 'STANDARD') return;
    const bus = `arn:aws:events:${execution.region}:${execution.account}:event-bus/default`;
    if (!runtime.targets.supports(bus)) return;
    const envelope = {
      version: '0',
      id: randomUUID(),
      'detail-type': 'Step Functions Execution Status Change',
      source: 'aws.states',
      account: execution.account,
      time: new Date(execution.stoppedAt ?? execution.startedAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: execution.region,
      resources: [execution.arn],
      detail: {
        executionArn: execution.arn,
        stateMachineArn: execution.machineArn,
        name: execution.name,
        status: execution.status,
        startDate: execution.startedAt,
        stopDate: execution.stoppedAt ?? null,
        input: execution.input,
        output: execution.output ?? null,
        inputDetails: { included: true },
        outputDetails: execution.output === undefined ? null : { included: true },
        error: execution.error ?? null,
        cause: execution.cause ?? null,
        redriveCount: execution.redriveCount,
      },
    };
    runtime.targets
      .deliver(bus, { body: JSON.stringify(envelope), sourceArn: execution.arn })
      .catch((error: unknown) =>
        runtime.log.warn({ err: error }, 'the default bus refused a Step Functions event'),
      );
  };
  engine.onStart(statusEvent);
  engine.onEnd(statusEvent);

  runtime.metrics.gauge(
    'eddy_sfn_waiting_activity_polls',
    'GetActivityTask calls waiting for a task (long polling).',
    [],
    () => [{ labels: {}, value: activities.count() }],
  );

  const handlers: Handlers<StepFunctions.Operations> = {
    ...machineHandlers({
      store,
      clock: runtime.clock,
      machines,
      stopExecutionsOf: (arn) => executions.stopAllOf(arn),
    }),
    ...executions.handlers(),
    ...activities.handlers(),
    TestState: testStateHandler(runtime),
  };

  return {
    definition: {
      name: 'states',
      model: loadModel('stepfunctions-2016-11-23'),
      handlers,
      inputError(problem) {
        if (problem.kind === 'constraints') return undefined;
        if (problem.kind === 'missing') {
          return new ServiceError(
            'ValidationException',
            `1 validation error detected: Value null at '${problem.member}' failed to satisfy constraint: Member must not be null`,
          );
        }
        return new ServiceError(
          'ValidationException',
          `1 validation error detected: Value '${String(problem.value)}' at '${problem.member}' failed to satisfy constraint: Member must be ${problem.expected}`,
        );
      },
    },
    migrations: workflowsMigrations,
    async start() {
      ecsPort()?.onStopped((task) => {
        ecsStopped(String(task.taskArn), task).catch((error: unknown) =>
          runtime.log.error({ err: error, task: task.taskArn }, 'ending an ecs:runTask.sync state failed'),
        );
      });
      await checkEcsTasks().catch((error: unknown) =>
        runtime.log.warn({ err: error }, 'checking ECS tasks failed'),
      );
    },
    async stop() {
      activities.wakeAll();
    },
  };
}
