// ECS tasks on both of eddy's runners (a real `eddy up` each): RunTask → RUNNING and StopTask →
// STOPPED latency, and a burst of event-triggered tasks (N × RunTask(10)) until all are RUNNING.
// The anchor is Fargate itself: ~24 s from creation to RUNNING in AWS's own sample task state
// change event, and 20 task launches per second sustained. The container runner needs Docker or
// Podman with the local busybox image (scripts/podman-setup.sh); without one it is reported n/a.
//
// Usage: npm run bench -- tasks [runs=30] [burst=100] [container_burst=20] [runners=process,container]
import { Agent } from 'node:http';
import {
  DescribeTasksCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  StopTaskCommand,
  type Task,
} from '@aws-sdk/client-ecs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { ContainerRunner } from '../src/runners/index.ts';
import { benchArgs, type Cell, printResult, printTable } from './_lib.ts';
import { startEddy, stopAll } from './queues/peers.ts';
import { Samples } from './queues/stats.ts';

const args = benchArgs();
const RUNS = args.number('runs', 30);
const BURSTS = { process: args.number('burst', 100), container: args.number('container_burst', 20) };
const RUNNERS = args.text('runners', 'process,container').split(',') as Array<'process' | 'container'>;
const IMAGE = { process: 'local', container: 'localhost/eddy-busybox:latest' };
const network = { awsvpcConfiguration: { subnets: ['subnet-0bench'] } };
const log = (line: string) => console.error(`[tasks] ${line}`);
// Ends at once on SIGTERM under both runners (a bare `sleep` as a container's PID 1 would ignore it).
const COMMAND = ['sh', '-c', 'trap "exit 0" TERM; sleep 60 & wait'];

interface Measured {
  toRunning: Samples;
  toStopped: Samples;
  burstTasks: number;
  burstSeconds: number;
}

async function measure(runner: 'process' | 'container'): Promise<Measured> {
  const peer = await startEddy({ EDDY_TASKS_RUNNER: runner, EDDY_TASKS_PULL: 'never' });
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const ecs = new ECSClient({
    endpoint: peer.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({ httpAgent: agent }),
  });

  /** Polls DescribeTasks (every 2 ms) until every task satisfies `done`; resolves with when each did. */
  async function until(arns: string[], done: (task: Task) => boolean): Promise<Map<string, number>> {
    const reached = new Map<string, number>();
    const deadline = performance.now() + 120_000;
    while (reached.size < arns.length) {
      if (performance.now() > deadline)
        throw new Error(`${arns.length - reached.size} tasks never got there`);
      const waiting = arns.filter((arn) => !reached.has(arn));
      for (let index = 0; index < waiting.length; index += 100) {
        const { tasks = [] } = await ecs.send(
          new DescribeTasksCommand({ tasks: waiting.slice(index, index + 100) }),
        );
        const now = performance.now();
        for (const task of tasks) {
          if (task.stopCode === 'TaskFailedToStart') throw new Error(`task failed: ${task.stoppedReason}`);
          if (done(task)) reached.set(task.taskArn!, now);
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    return reached;
  }

  try {
    const { taskDefinition } = await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'bench',
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        cpu: '256',
        memory: '512',
        containerDefinitions: [{ name: 'app', image: IMAGE[runner], command: COMMAND, stopTimeout: 5 }],
      }),
    );
    const definition = taskDefinition!.taskDefinitionArn!;
    const toRunning = new Samples();
    const toStopped = new Samples();
    log(`${RUNS} × RunTask → RUNNING → StopTask → STOPPED (${runner} runner)`);
    for (let run = 0; run < RUNS; run++) {
      const started = performance.now();
      const { tasks } = await ecs.send(
        new RunTaskCommand({
          taskDefinition: definition,
          launchType: 'FARGATE',
          networkConfiguration: network,
        }),
      );
      const arn = tasks![0]!.taskArn!;
      toRunning.add((await until([arn], running)).get(arn)! - started);
      const stopping = performance.now();
      await ecs.send(new StopTaskCommand({ task: arn }));
      toStopped.add((await until([arn], stopped)).get(arn)! - stopping);
    }

    const burst = BURSTS[runner];
    log(`burst: ${burst / 10} × RunTask(10) at once (${runner} runner)`);
    const burstStarted = performance.now();
    const launched = await Promise.all(
      Array.from({ length: burst / 10 }, () =>
        ecs.send(
          new RunTaskCommand({
            taskDefinition: definition,
            count: 10,
            launchType: 'FARGATE',
            networkConfiguration: network,
          }),
        ),
      ),
    );
    const burstArns = launched.flatMap((answer) => (answer.tasks ?? []).map((task) => task.taskArn!));
    const reached = await until(burstArns, running);
    const burstSeconds = (Math.max(...reached.values()) - burstStarted) / 1000;
    await Promise.all(burstArns.map((task) => ecs.send(new StopTaskCommand({ task }))));
    await until(burstArns, stopped);
    return { toRunning, toStopped, burstTasks: burstArns.length, burstSeconds };
  } catch (error) {
    log(`eddy's last output:\n${peer.output().slice(-3000)}`);
    throw error;
  } finally {
    ecs.destroy();
    agent.destroy();
    await stopAll([peer]);
  }
}

const running = (task: Task) => task.lastStatus === 'RUNNING';
const stopped = (task: Task) => task.lastStatus === 'STOPPED';

/** Why the container runner cannot be measured here, or undefined when it can. */
async function containerProblem(): Promise<string | undefined> {
  const runner = new ContainerRunner();
  try {
    await runner.check();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

const results = new Map<string, Measured | string>();
for (const runner of RUNNERS) {
  const problem = runner === 'container' ? await containerProblem() : undefined;
  if (problem) log(`container runner not measured: ${problem}`);
  results.set(runner, problem ? 'no engine' : await measure(runner));
}

const latencyRows: Cell[][] = [];
const burstRows: Cell[][] = [];
const figures: Record<string, Cell> = {};
for (const [runner, result] of results) {
  if (typeof result === 'string') {
    latencyRows.push([runner, 'RunTask → RUNNING', 'n/a', 'n/a', 0, result]);
    figures[`${runner}_run_to_running_p50_ms`] = 'n/a';
    continue;
  }
  const { toRunning, toStopped, burstTasks, burstSeconds } = result;
  latencyRows.push(
    [
      runner,
      'RunTask → RUNNING',
      toRunning.percentile(0.5),
      toRunning.percentile(0.99),
      RUNS,
      'Fargate ~24,000 ms',
    ],
    [runner, 'StopTask → STOPPED', toStopped.percentile(0.5), toStopped.percentile(0.99), RUNS, '-'],
  );
  burstRows.push([
    runner,
    `${burstTasks / 10} × RunTask(10)`,
    burstTasks,
    burstSeconds,
    burstTasks / burstSeconds,
    'Fargate 20 launches/s',
  ]);
  figures[`${runner}_run_to_running_p50_ms`] = Number(toRunning.percentile(0.5).toFixed(2));
  figures[`${runner}_run_to_running_p99_ms`] = Number(toRunning.percentile(0.99).toFixed(2));
  figures[`${runner}_stop_to_stopped_p50_ms`] = Number(toStopped.percentile(0.5).toFixed(2));
  figures[`${runner}_burst_${burstTasks}_all_running_s`] = Number(burstSeconds.toFixed(3));
}

console.log('\ntasks: a shell waiting on `sleep 60`, DescribeTasks polled every 2 ms\n');
printTable(['runner', 'measure', 'p50 ms', 'p99 ms', 'runs', 'anchor'], latencyRows);
console.log('');
printTable(['runner', 'burst', 'tasks', 'all RUNNING after s', 'launches/s', 'anchor'], burstRows);
console.log('');
printResult('tasks', figures);
