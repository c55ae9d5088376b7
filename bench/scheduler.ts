// EventBridge Scheduler at scale, against a real `eddy up` (SQLite, durable): the anchors
// are AWS's one-minute precision and 1,000,000 schedules per account; moto and LocalStack keep
// schedules but never fire them, so there is no peer to race.
//
// 1. Create `schedules` schedules (half cron in Europe/Berlin, half rate with a StartDate a day
//    out, so none fires during the run): time, creates/s, RSS after.
// 2. Idle: CPU of the eddy process over `idle_seconds` while none is due (target < 1 %).
// 3. Restart on the same data: from spawn to listening, and RSS (targets ≤ 2 s, ≤ 300 MiB).
// 4. Firing: `fire_rate` × `fire_seconds` rate(1 minute) schedules with StartDates spread evenly
//    over the window, each invoking an SQS queue once in it; lateness is the message's
//    SentTimestamp minus its StartDate (target p99 ≤ 100 ms at 1,000 fires/s).
//
// Usage: npm run bench -- scheduler [schedules=100000] [fire_rate=1000] [fire_seconds=10]
//   [idle_seconds=10] [concurrency=64]
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  CreateScheduleCommand,
  type CreateScheduleCommandInput,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { benchArgs, printResult, printTable } from './_lib.ts';

const args = benchArgs();
const SCHEDULES = args.number('schedules', 100_000);
const FIRE_RATE = args.number('fire_rate', 1000);
const FIRE_SECONDS = args.number('fire_seconds', 10);
const IDLE_SECONDS = args.number('idle_seconds', 10);
const CONCURRENCY = args.number('concurrency', 64);
const ROOT = resolve(import.meta.dirname, '..');
const ROLE = 'arn:aws:iam::000000000000:role/bench';
const log = (line: string) => console.error(`[scheduler] ${line}`);
const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

const dataDir = mkdtempSync(join(tmpdir(), 'eddy-bench-scheduler-'));
let child: ChildProcess | undefined;
process.on('exit', () => {
  child?.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

/** Starts `eddy up` on the bench's data directory; resolves with its URL and the spawn-to-listening time. */
function startEddy(): Promise<{ url: string; ms: number }> {
  const started = performance.now();
  child = spawn(
    process.execPath,
    ['--max-semi-space-size=4', join(ROOT, 'bin/eddy.js'), 'up', '--port', '0', '--data-dir', dataDir],
    { env: { ...process.env, EDDY_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  return new Promise((done, fail) => {
    const onData = (chunk: Buffer) => {
      output += chunk;
      const match = /listening on (http:\/\/[^\s]+:\d+)/.exec(output);
      if (match) done({ url: match[1]!, ms: performance.now() - started });
    };
    child!.stdout!.on('data', onData);
    child!.stderr!.on('data', onData);
    child!.once('exit', (code) => fail(new Error(`eddy exited with ${code}:\n${output}`)));
  });
}

async function stopEddy(): Promise<void> {
  const running = child!;
  running.removeAllListeners('exit');
  const exited = new Promise<void>((done) => running.once('exit', () => done()));
  running.kill('SIGTERM');
  await exited;
  child = undefined;
}

function rssMiB(): number {
  const status = readFileSync(`/proc/${child!.pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
}

/** The process's user + system CPU seconds so far. */
function cpuSeconds(): number {
  const fields = readFileSync(`/proc/${child!.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function clients(url: string) {
  const config = {
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    requestHandler: new NodeHttpHandler({
      httpAgent: new Agent({ keepAlive: true, maxSockets: CONCURRENCY }),
    }),
  };
  return { scheduler: new SchedulerClient(config), sqs: new SQSClient(config) };
}

async function inParallel(count: number, make: (index: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) await make(next++);
    }),
  );
}

const first = await startEddy();
let { scheduler, sqs } = clients(first.url);
const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'bench-fires' }));
const queueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] })))
  .Attributes!.QueueArn!;
const target = { Arn: queueArn, RoleArn: ROLE };

log(`creating ${SCHEDULES} schedules (${CONCURRENCY} at a time)…`);
const tomorrow = new Date(Date.now() + 86_400_000);
const createStarted = performance.now();
await inParallel(SCHEDULES, (index) => {
  const input: CreateScheduleCommandInput =
    index % 2 === 0
      ? {
          Name: `cron-${index}`,
          ScheduleExpression: `cron(${index % 60} ${index % 24} ? * ${(index % 7) + 1} *)`,
          ScheduleExpressionTimezone: 'Europe/Berlin',
          StartDate: tomorrow,
          FlexibleTimeWindow: { Mode: 'OFF' },
          Target: target,
        }
      : {
          Name: `rate-${index}`,
          ScheduleExpression: 'rate(1 day)',
          StartDate: tomorrow,
          FlexibleTimeWindow: { Mode: 'OFF' },
          Target: target,
        };
  return scheduler.send(new CreateScheduleCommand(input));
});
const createSeconds = (performance.now() - createStarted) / 1000;
const rssAfterCreate = rssMiB();
log(`created in ${createSeconds.toFixed(1)} s; RSS ${rssAfterCreate.toFixed(0)} MiB`);

log(`idle for ${IDLE_SECONDS} s…`);
await sleep(2000);
const cpuBefore = cpuSeconds();
await sleep(IDLE_SECONDS * 1000);
const idleCpuPercent = ((cpuSeconds() - cpuBefore) / IDLE_SECONDS) * 100;

log('restarting on the same data…');
scheduler.destroy();
sqs.destroy();
await stopEddy();
const second = await startEddy();
const rssAfterStart = rssMiB();
({ scheduler, sqs } = clients(second.url));

const fires = Math.round(FIRE_RATE * FIRE_SECONDS);
// Time to create them before the first is due, at the create rate phase 1 measured (with room).
const lead = 3000 + (fires / (SCHEDULES / createSeconds)) * 1500;
const windowStart = Date.now() + lead;
const startOf = (index: number) => windowStart + Math.floor((index * 1000) / FIRE_RATE);
log(`creating ${fires} schedules firing at ${FIRE_RATE}/s from ${new Date(windowStart).toISOString()}…`);
await inParallel(fires, (index) =>
  scheduler.send(
    new CreateScheduleCommand({
      Name: `fire-${index}`,
      ScheduleExpression: 'rate(1 minute)',
      StartDate: new Date(startOf(index)),
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: { ...target, Input: String(index) },
    }),
  ),
);
if (Date.now() > windowStart)
  throw new Error('creating the firing schedules took longer than their lead; lower fire_rate');

const lateness: number[] = [];
const deadline = windowStart + FIRE_SECONDS * 1000 + 15_000;
await Promise.all(
  Array.from({ length: 8 }, async () => {
    while (lateness.length < fires && Date.now() < deadline) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
          MessageSystemAttributeNames: ['SentTimestamp'],
        }),
      );
      for (const message of Messages)
        lateness.push(Number(message.Attributes!.SentTimestamp) - startOf(Number(message.Body)));
      if (Messages.length > 0)
        await sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl,
            Entries: Messages.map((message, id) => ({
              Id: String(id),
              ReceiptHandle: message.ReceiptHandle!,
            })),
          }),
        );
    }
  }),
);
lateness.sort((a, b) => a - b);
const percentile = (p: number) =>
  lateness[Math.min(lateness.length - 1, Math.floor(lateness.length * p))] ?? Number.NaN;
scheduler.destroy();
sqs.destroy();
await stopEddy();

printTable(
  ['measure', 'value', 'target'],
  [
    ['schedules created', SCHEDULES, ''],
    ['create time (s)', createSeconds, ''],
    ['creates/s', SCHEDULES / createSeconds, ''],
    ['RSS after create (MiB)', rssAfterCreate, '≤ 300 at 100k'],
    ['idle CPU (%)', idleCpuPercent, '< 1'],
    ['start-up with them (ms)', second.ms, '≤ 2000 at 100k'],
    ['RSS after start-up (MiB)', rssAfterStart, ''],
    ['fires expected / seen', `${fires} / ${lateness.length}`, ''],
    ['lateness p50 (ms)', percentile(0.5), ''],
    ['lateness p99 (ms)', percentile(0.99), `≤ 100 at 1,000/s`],
  ],
);
printResult('scheduler', {
  schedules: SCHEDULES,
  creates_per_s: SCHEDULES / createSeconds,
  rss_mib: rssAfterCreate,
  idle_cpu_pct: idleCpuPercent,
  startup_ms: second.ms,
  fire_rate: FIRE_RATE,
  fired: lateness.length,
  lateness_p50_ms: percentile(0.5),
  lateness_p99_ms: percentile(0.99),
});
