// ECS tasks on eddy's process runner (a real `eddy up`): RunTask → RUNNING and StopTask → STOPPED
// latency, and a burst of 100 event-triggered-sized tasks (10 × RunTask(10)) until all are RUNNING.
// The anchor is Fargate itself: ~24 s from creation to RUNNING in AWS's own sample task state
// change event, and 20 task launches per second sustained; the container runner needs Podman or
// Docker and is measured when EDDY_TASKS_RUNNER=container is set for the run.
//
// Usage: npm run bench -- tasks [runs=30] [burst=100]
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
import { benchArgs, printResult, printTable } from './_lib.ts';
import { startEddy, stopAll } from './queues/peers.ts';
import { Samples } from './queues/stats.ts';

const args = benchArgs();
const RUNS = args.number('runs', 30);
const BURST = args.number('burst', 100);
const RUNNER = process.env.EDDY_TASKS_RUNNER ?? 'process';
const network = { awsvpcConfiguration: { subnets: ['subnet-0bench'] } };
const log = (line: string) => console.error(`[tasks] ${line}`);

const peer = await startEddy({ EDDY_TASKS_RUNNER: RUNNER });
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
  const deadline = performance.now() + 60_000;
  while (reached.size < arns.length) {
    if (performance.now() > deadline) throw new Error(`${arns.length - reached.size} tasks never got there`);
    const waiting = arns.filter((arn) => !reached.has(arn));
    for (let index = 0; index < waiting.length; index += 100) {
      const { tasks = [] } = await ecs.send(
        new DescribeTasksCommand({ tasks: waiting.slice(index, index + 100) }),
      );
      const now = performance.now();
      for (const task of tasks) if (done(task)) reached.set(task.taskArn!, now);
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  return reached;
}

const running = (task: Task) => task.lastStatus === 'RUNNING';
const stopped = (task: Task) => task.lastStatus === 'STOPPED';

try {
  const { taskDefinition } = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: 'bench',
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '256',
      memory: '512',
      containerDefinitions: [{ name: 'app', image: 'local', command: ['sleep', '60'], stopTimeout: 5 }],
    }),
  );
  const definition = taskDefinition!.taskDefinitionArn!;
  const toRunning = new Samples();
  const toStopped = new Samples();
  log(`${RUNS} × RunTask → RUNNING → StopTask → STOPPED (${RUNNER} runner)`);
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

  log(`burst: ${BURST / 10} × RunTask(10) at once`);
  const burstStarted = performance.now();
  const launched = await Promise.all(
    Array.from({ length: BURST / 10 }, () =>
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

  console.log(`\ntasks: eddy ${RUNNER} runner, a 'sleep 60' container, DescribeTasks polled every 2 ms\n`);
  printTable(
    ['measure', 'p50 ms', 'p99 ms', 'runs', 'anchor'],
    [
      [
        'RunTask → RUNNING',
        toRunning.percentile(0.5),
        toRunning.percentile(0.99),
        RUNS,
        'Fargate ~24,000 ms',
      ],
      ['StopTask → STOPPED', toStopped.percentile(0.5), toStopped.percentile(0.99), RUNS, '-'],
    ],
  );
  console.log('');
  printTable(
    ['burst', 'tasks', 'all RUNNING after s', 'launches/s', 'anchor'],
    [
      [
        `${BURST / 10} × RunTask(10)`,
        burstArns.length,
        burstSeconds,
        burstArns.length / burstSeconds,
        'Fargate 20 launches/s',
      ],
    ],
  );
  console.log('');
  printResult('tasks', {
    runner: RUNNER,
    run_to_running_p50_ms: Number(toRunning.percentile(0.5).toFixed(2)),
    run_to_running_p99_ms: Number(toRunning.percentile(0.99).toFixed(2)),
    stop_to_stopped_p50_ms: Number(toStopped.percentile(0.5).toFixed(2)),
    burst_100_all_running_s: Number(burstSeconds.toFixed(3)),
  });
} finally {
  ecs.destroy();
  agent.destroy();
  await stopAll([peer]);
}
