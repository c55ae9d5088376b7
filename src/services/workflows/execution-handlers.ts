// Executions: StartExecution and StartSyncExecution, Describe/List/Stop, the history, the machine an
// execution runs, and the task-token calls (SendTaskSuccess/Failure/Heartbeat).
import type { Handlers, StepFunctions } from '../../contract/index.ts';
import { newUuid, type Runtime } from '../../runtime/index.ts';
import type { Tx } from '../../store/index.ts';
import type { Engine } from './engine.ts';
import {
  executionAlreadyExists,
  executionDoesNotExist,
  executionNotRedrivable,
  invalidExecutionInput,
  invalidOutput,
  invalidToken,
  resourceNotFound,
  stateMachineDoesNotExist,
  stateMachineTypeNotSupported,
  taskDoesNotExist,
  taskTimedOut,
  validation,
} from './errors.ts';
import { type ExecutionRecord, getExecution, listExecutions } from './executions.ts';
import { readEvents } from './history.ts';
import type { MachineSettings, MachineStore } from './machines.ts';
import {
  checkName,
  executionArn,
  expressExecutionArn,
  parseStatesArn,
  type Scope,
  scopeOf,
  stateMachineArn,
} from './names.ts';
import { isNumber, isPair, pageSize, readToken, writeToken } from './paging.ts';
import { getTask, isWellFormedToken } from './task-rows.ts';

type ExecutionOperations = Pick<
  StepFunctions.Operations,
  | 'StartExecution'
  | 'StartSyncExecution'
  | 'DescribeExecution'
  | 'ListExecutions'
  | 'StopExecution'
  | 'GetExecutionHistory'
  | 'DescribeStateMachineForExecution'
  | 'RedriveExecution'
  | 'SendTaskSuccess'
  | 'SendTaskFailure'
  | 'SendTaskHeartbeat'
  | 'DescribeMapRun'
  | 'ListMapRuns'
  | 'UpdateMapRun'
>;

export interface StartInput {
  stateMachineArn: string;
  name?: string | undefined;
  input?: string | undefined;
  traceHeader?: string | undefined;
  parentToken?: string | undefined;
}

const checkInput = (input: string | undefined): string => {
  const text = input ?? '{}';
  try {
    JSON.parse(text);
  } catch (error) {
    throw invalidExecutionInput((error as Error).message);
  }
  return text;
};

/** The same JSON, whatever its spacing: a repeated StartExecution's input is compared this way. */
const sameJson = (a: string, b: string) => {
  if (a === b) return true;
  try {
    return JSON.stringify(JSON.parse(a)) === JSON.stringify(JSON.parse(b));
  } catch {
    return false;
  }
};

export class Executions {
  constructor(
    private readonly runtime: Runtime,
    private readonly engine: Engine,
    private readonly machines: MachineStore,
  ) {}

  /**
   * Starts an execution of a machine, a version or an alias (routing by weight), in `tx`. A standard
   * execution of the same name and input that still runs is the answer again; another input, or a
   * name already used by one that ended, is ExecutionAlreadyExists.
   */
  async startIn(tx: Tx, scope: Scope, request: StartInput, sync = false): Promise<ExecutionRecord> {
    const parsed = parseStatesArn(request.stateMachineArn, ['stateMachine']);
    const base = stateMachineArn(parsed, parsed.parts[0]!);
    const input = checkInput(request.input);
    const name = request.name ?? newUuid();
    if (request.name !== undefined) checkName(name);
    const machine = await this.machines.get(tx, base);
    if (!machine || machine.account !== scope.account || machine.status !== 'ACTIVE')
      throw stateMachineDoesNotExist(request.stateMachineArn);
    if (sync && machine.type !== 'EXPRESS')
      throw stateMachineTypeNotSupported('This operation is not supported by this type of state machine');
    let revision: { revisionId: string; definition: string; roleArn: string } = machine;
    let versionArn: string | undefined;
    let aliasArn: string | undefined;
    const qualifier = parsed.parts[1];
    if (qualifier !== undefined) {
      if (/^\d+$/.test(qualifier)) versionArn = request.stateMachineArn;
      else {
        const alias = await this.machines.alias(tx, request.stateMachineArn);
        if (!alias) throw stateMachineDoesNotExist(request.stateMachineArn);
        aliasArn = alias.arn;
        versionArn = pickVersion(alias.routing);
      }
      const version = await this.machines.version(tx, versionArn);
      if (!version) throw stateMachineDoesNotExist(request.stateMachineArn);
      revision = (await this.machines.revision(tx, base, version.revisionId))!;
    }
    const arn =
      machine.type === 'EXPRESS'
        ? expressExecutionArn(scope, machine.name, name, newUuid())
        : executionArn(scope, machine.name, name);
    if (machine.type === 'STANDARD') {
      const existing = await getExecution(tx, arn);
      if (existing) {
        if (
          existing.status === 'RUNNING' &&
          sameJson(existing.input, input) &&
          request.parentToken === undefined
        )
          return existing;
        throw executionAlreadyExists(arn);
      }
    }
    return this.engine.start(tx, {
      arn,
      account: scope.account,
      region: scope.region,
      machineArn: base,
      machineName: machine.name,
      ...(versionArn ? { versionArn } : {}),
      ...(aliasArn ? { aliasArn } : {}),
      revisionId: revision.revisionId,
      definition: revision.definition,
      roleArn: revision.roleArn,
      type: machine.type,
      name,
      input,
      ...(request.traceHeader !== undefined ? { traceHeader: request.traceHeader } : {}),
      ...(request.parentToken !== undefined ? { parentToken: request.parentToken } : {}),
    });
  }

  /** Stops the running executions of a machine (it is being deleted). */
  async stopAllOf(machineArn: string): Promise<void> {
    for (;;) {
      const running = await this.runtime.store.read((tx) =>
        listExecutions(tx, { by: 'machine_arn', arn: machineArn, status: 'RUNNING', limit: 100 }),
      );
      if (running.length === 0) return;
      for (const execution of running)
        await this.runtime.store.write((tx) =>
          this.engine.abort(tx, execution.arn, 'States.Aborted', 'The state machine was deleted.'),
        );
    }
  }

  handlers(): Handlers<ExecutionOperations> {
    const { store, clock } = this.runtime;
    const { engine, machines } = this;
    const syncWaiters = new Map<string, (execution: ExecutionRecord) => void>();
    engine.onEnd((execution) => syncWaiters.get(execution.arn)?.(execution));

    const requireExecution = async (
      tx: Tx,
      arn: string,
      kinds: ('execution' | 'express')[] = ['execution', 'express'],
    ) => {
      parseStatesArn(arn, kinds);
      const execution = await getExecution(tx, arn);
      if (!execution) throw executionDoesNotExist(arn);
      return execution;
    };

    /** A token's task, open: TaskDoesNotExist for one never handed out, TaskTimedOut for one that is over. */
    const openTask = async (tx: Tx, token: string) => {
      if (!isWellFormedToken(token)) throw invalidToken('Invalid token');
      const row = await getTask(tx, token);
      if (!row) throw taskDoesNotExist();
      if (row.status === 'closed') throw taskTimedOut();
      return row;
    };

    return {
      StartExecution: async (input, context) => {
        const execution = await store.write((tx) => this.startIn(tx, scopeOf(context), input));
        return { executionArn: execution.arn, startDate: new Date(execution.startedAt) };
      },

      StartSyncExecution: async (input, context) => {
        const scope = scopeOf(context);
        let arn: string | undefined;
        let resolveEnd!: (execution: ExecutionRecord) => void;
        const ended = new Promise<ExecutionRecord>((resolve) => {
          resolveEnd = resolve;
        });
        // Executions that end within their first transaction report it before `write` returns.
        const early: ExecutionRecord[] = [];
        const listener = (execution: ExecutionRecord) => {
          if (arn === undefined) early.push(execution);
          else if (execution.arn === arn) resolveEnd(execution);
        };
        const started = await store.write(async (tx) => {
          const execution = await this.startIn(tx, scope, input, true);
          syncWaiters.set(execution.arn, listener);
          return execution;
        });
        arn = started.arn;
        const already = early.find((execution) => execution.arn === arn);
        if (already) resolveEnd(already);
        let end: ExecutionRecord;
        try {
          end = await ended;
        } finally {
          syncWaiters.delete(started.arn);
        }
        const metadataOnly = input.includedData === 'METADATA_ONLY';
        return {
          executionArn: end.arn,
          stateMachineArn: end.versionArn ?? end.machineArn,
          name: end.name,
          startDate: new Date(end.startedAt),
          stopDate: new Date(end.stoppedAt ?? clock.now()),
          status: end.status as StepFunctions.SyncExecutionStatus,
          ...(end.error !== undefined ? { error: end.error } : {}),
          ...(end.cause !== undefined ? { cause: end.cause } : {}),
          ...(metadataOnly ? {} : { input: end.input, inputDetails: { included: true } }),
          ...(end.output !== undefined && !metadataOnly
            ? { output: end.output, outputDetails: { included: true } }
            : {}),
          ...(end.traceHeader !== undefined ? { traceHeader: end.traceHeader } : {}),
          billingDetails: {
            billedMemoryUsedInMB: 64,
            billedDurationInMilliseconds: Math.max(
              100,
              Math.ceil(((end.stoppedAt ?? 0) - end.startedAt) / 100) * 100,
            ),
          },
        };
      },

      DescribeExecution: async (input) => {
        const execution = await store.read((tx) => requireExecution(tx, input.executionArn));
        return describe(execution, input.includedData === 'METADATA_ONLY');
      },

      ListExecutions: async (input) => {
        if (input.stateMachineArn === undefined && input.mapRunArn === undefined)
          throw validation('Must specify stateMachineArn or mapRunArn', 'MISSING_REQUIRED_PARAMETER');
        const before = readToken(input.nextToken, isPair);
        const size = pageSize(input.maxResults);
        return store.read(async (tx) => {
          let by: 'machine_arn' | 'version_arn' | 'alias_arn' | 'map_run_arn' = 'map_run_arn';
          let arn = input.mapRunArn ?? '';
          if (input.stateMachineArn !== undefined) {
            const parsed = parseStatesArn(input.stateMachineArn, ['stateMachine']);
            const base = stateMachineArn(parsed, parsed.parts[0]!);
            const machine = await machines.get(tx, base);
            if (!machine) throw stateMachineDoesNotExist(input.stateMachineArn);
            if (machine.type === 'EXPRESS')
              throw stateMachineTypeNotSupported(
                'This operation is not supported by this type of state machine',
              );
            const qualifier = parsed.parts[1];
            by =
              qualifier === undefined ? 'machine_arn' : /^\d+$/.test(qualifier) ? 'version_arn' : 'alias_arn';
            arn = input.stateMachineArn;
          } else {
            parseStatesArn(arn, ['mapRun']);
          }
          const rows = await listExecutions(tx, {
            by,
            arn,
            ...(input.statusFilter ? { status: input.statusFilter } : {}),
            ...(input.redriveFilter ? { redriven: input.redriveFilter === 'REDRIVEN' } : {}),
            ...(before ? { before } : {}),
            limit: size + 1,
          });
          const page = rows.slice(0, size);
          const last = page.at(-1);
          return {
            executions: page.map(listItem),
            ...(rows.length > size && last ? { nextToken: writeToken([last.startedAt, last.arn]) } : {}),
          };
        });
      },

      StopExecution: async (input) => {
        parseStatesArn(input.executionArn, ['execution', 'express']);
        const stopped = await store.write(async (tx) => {
          const execution = await requireExecution(tx, input.executionArn);
          if (execution.status !== 'RUNNING') return execution;
          return (await engine.abort(tx, execution.arn, input.error, input.cause)) ?? execution;
        });
        return { stopDate: new Date(stopped.stoppedAt ?? clock.now()) };
      },

      GetExecutionHistory: async (input) => {
        const after = readToken(input.nextToken, isNumber);
        const size = pageSize(input.maxResults);
        return store.read(async (tx) => {
          await requireExecution(tx, input.executionArn, ['execution']);
          const { events, more } = await readEvents(tx, input.executionArn, {
            ...(after !== undefined ? { after } : {}),
            reverse: input.reverseOrder ?? false,
            limit: size,
            includeData: input.includeExecutionData ?? true,
          });
          return { events, ...(more ? { nextToken: writeToken(events.at(-1)!.id) } : {}) };
        });
      },

      DescribeStateMachineForExecution: async (input) => {
        return store.read(async (tx) => {
          const execution = await requireExecution(tx, input.executionArn);
          const revision = await machines.revision(tx, execution.machineArn, execution.revisionId);
          if (!revision) throw executionDoesNotExist(input.executionArn);
          const settings: MachineSettings = revision.settings;
          return {
            stateMachineArn: execution.versionArn ?? execution.machineArn,
            name: execution.machineArn.split(':').at(-1)!,
            definition: input.includedData === 'METADATA_ONLY' ? '' : revision.definition,
            roleArn: revision.roleArn,
            updateDate: new Date(revision.createdAt),
            loggingConfiguration: settings.loggingConfiguration ?? {
              level: 'OFF',
              includeExecutionData: false,
            },
            tracingConfiguration: settings.tracingConfiguration ?? { enabled: false },
            encryptionConfiguration: settings.encryptionConfiguration ?? { type: 'AWS_OWNED_KEY' },
            revisionId: revision.revisionId,
          };
        });
      },

      RedriveExecution: async (input) => {
        const execution = await store.read((tx) => requireExecution(tx, input.executionArn));
        throw executionNotRedrivable(
          execution.status === 'RUNNING' || execution.status === 'SUCCEEDED'
            ? `Execution is ${execution.status} and cannot be redriven`
            : 'eddy does not redrive executions yet',
        );
      },

      SendTaskSuccess: async (input) => {
        try {
          JSON.parse(input.output);
        } catch (error) {
          throw invalidOutput((error as Error).message);
        }
        await store.write(async (tx) => {
          const row = await openTask(tx, input.taskToken);
          const finished = await engine.finishTask(tx, row.token, {
            kind: 'succeeded',
            output: JSON.parse(input.output),
          });
          if (!finished) throw taskTimedOut();
        });
        return {};
      },

      SendTaskFailure: async (input) => {
        await store.write(async (tx) => {
          const row = await openTask(tx, input.taskToken);
          const finished = await engine.finishTask(tx, row.token, {
            kind: 'failed',
            error: input.error ?? '',
            ...(input.cause !== undefined ? { cause: input.cause } : {}),
          });
          if (!finished) throw taskTimedOut();
        });
        return {};
      },

      SendTaskHeartbeat: async (input) => {
        await store.write(async (tx) => {
          const row = await openTask(tx, input.taskToken);
          await engine.heartbeat(tx, row);
        });
        return {};
      },

      DescribeMapRun: async (input) => {
        parseStatesArn(input.mapRunArn, ['mapRun']);
        throw resourceNotFound(`Resource not found: '${input.mapRunArn}'`);
      },

      ListMapRuns: async (input) => {
        await store.read((tx) => requireExecution(tx, input.executionArn, ['execution']));
        return { mapRuns: [] };
      },

      UpdateMapRun: async (input) => {
        parseStatesArn(input.mapRunArn, ['mapRun']);
        throw resourceNotFound(`Resource not found: '${input.mapRunArn}'`);
      },
    };
  }
}

/** An alias's version for one execution: by weight. */
function pickVersion(routing: StepFunctions.RoutingConfigurationListItem[]): string {
  let roll = Math.random() * 100;
  for (const item of routing) {
    roll -= item.weight;
    if (roll < 0) return item.stateMachineVersionArn;
  }
  return routing.at(-1)!.stateMachineVersionArn;
}

function redrive(
  execution: ExecutionRecord,
): Pick<StepFunctions.DescribeExecutionOutput, 'redriveStatus' | 'redriveStatusReason'> {
  if (execution.type === 'EXPRESS' || execution.status === 'RUNNING' || execution.status === 'SUCCEEDED')
    return {
      redriveStatus: 'NOT_REDRIVABLE',
      redriveStatusReason: `Execution is ${execution.status} and cannot be redriven`,
    };
  return { redriveStatus: 'NOT_REDRIVABLE', redriveStatusReason: 'eddy does not redrive executions yet' };
}

export function describe(
  execution: ExecutionRecord,
  metadataOnly = false,
): StepFunctions.DescribeExecutionOutput {
  return {
    executionArn: execution.arn,
    stateMachineArn: execution.machineArn,
    name: execution.name,
    status: execution.status,
    startDate: new Date(execution.startedAt),
    ...(execution.stoppedAt !== undefined ? { stopDate: new Date(execution.stoppedAt) } : {}),
    ...(metadataOnly ? {} : { input: execution.input, inputDetails: { included: true } }),
    ...(execution.output !== undefined && !metadataOnly
      ? { output: execution.output, outputDetails: { included: true } }
      : {}),
    ...(execution.traceHeader !== undefined ? { traceHeader: execution.traceHeader } : {}),
    ...(execution.mapRunArn !== undefined ? { mapRunArn: execution.mapRunArn } : {}),
    ...(execution.error !== undefined ? { error: execution.error } : {}),
    ...(execution.cause !== undefined ? { cause: execution.cause } : {}),
    ...(execution.versionArn !== undefined ? { stateMachineVersionArn: execution.versionArn } : {}),
    ...(execution.aliasArn !== undefined ? { stateMachineAliasArn: execution.aliasArn } : {}),
    redriveCount: execution.redriveCount,
    ...(execution.redriveDate !== undefined ? { redriveDate: new Date(execution.redriveDate) } : {}),
    ...redrive(execution),
  };
}

function listItem(execution: ExecutionRecord): StepFunctions.ExecutionListItem {
  return {
    executionArn: execution.arn,
    stateMachineArn: execution.machineArn,
    name: execution.name,
    status: execution.status,
    startDate: new Date(execution.startedAt),
    ...(execution.stoppedAt !== undefined ? { stopDate: new Date(execution.stoppedAt) } : {}),
    ...(execution.versionArn !== undefined ? { stateMachineVersionArn: execution.versionArn } : {}),
    ...(execution.aliasArn !== undefined ? { stateMachineAliasArn: execution.aliasArn } : {}),
    redriveCount: execution.redriveCount,
  };
}
