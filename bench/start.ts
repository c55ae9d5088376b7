// How long eddy takes to start: `node bin/eddy.js --version` (the CLI alone) and `node bin/eddy.js
// up` and `npm start` until GET /_eddy/health answers 200, each against a bare `node -e 0`. The
// targets: --version within 150 ms, healthy within 500 ms of `node bin/eddy.js up`.
//
// The runs take turns (node, version, up, npm start, node, …), so a machine whose speed drifts
// slows every command alike. Each start gets a free port (--port 0; the port is read from the
// line eddy prints once it listens) and a new empty data directory, and is stopped with SIGTERM
// before the next run. A run is timed from just before the spawn to the health answer (or the
// exit for node and --version), so Node's own start-up is included, as a user waits for it.
//
// Usage: npm run bench -- start [runs=10]
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { benchArgs, printResult, printTable } from './_lib.ts';

const RUNS = benchArgs().number('runs', 10);
const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin/eddy.js');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const TARGETS = { version: 150, up: 500 };
const log = (line: string) => console.error(`[start] ${line}`);

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) kill(child, 'SIGKILL');
});

/** Signals the child's whole process group: `npm start` runs eddy as a grandchild, through a shell. */
function kill(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // already gone
  }
}

/** Milliseconds until the command exits; its output, to check it ran the compiled CLI. */
function timeExit(command: string, args: string[]): Promise<{ ms: number; output: string }> {
  return new Promise((done, fail) => {
    const started = performance.now();
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk));
    child.once('error', fail);
    child.once('close', (code) => {
      const ms = performance.now() - started;
      if (code === 0) done({ ms, output });
      else fail(new Error(`${command} ${args.join(' ')} exited with ${code}:\n${output}`));
    });
  });
}

function health(port: number): Promise<number> {
  return new Promise((done, fail) => {
    const req = request({ host: '127.0.0.1', port, path: '/_eddy/health', agent: false }, (res) => {
      res.resume();
      res.once('end', () => done(res.statusCode ?? 0));
    });
    req.once('error', fail);
    req.end();
  });
}

/** Milliseconds from the spawn until GET /_eddy/health answers 200; the server is stopped after. */
async function timeHealthy(command: string, args: string[]): Promise<number> {
  const dataDir = mkdtempSync(join(tmpdir(), 'eddy-bench-start-'));
  const started = performance.now();
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, EDDY_PORT: '0', EDDY_DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group, so that npm's children are stopped too
  });
  children.add(child);
  let output = '';
  try {
    const port = await new Promise<number>((done, fail) => {
      const timer = setTimeout(() => fail(new Error(`no 'listening on' within 20 s:\n${output}`)), 20_000);
      const onData = (chunk: Buffer) => {
        output += chunk;
        const match = /listening on http:\/\/[^\s]+:(\d+)/.exec(output);
        if (match) {
          clearTimeout(timer);
          done(Number(match[1]));
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code) => fail(new Error(`exited with ${code} before listening:\n${output}`)));
    });
    // It listens before it prints the line, so one request normally answers; retry a few anyway.
    for (let attempt = 0; ; attempt++) {
      const status = await health(port).catch(() => 0);
      if (status === 200) break;
      if (attempt === 100) throw new Error(`GET /_eddy/health never answered 200 (last: ${status})`);
      await new Promise((wait) => setTimeout(wait, 5));
    }
    const ms = performance.now() - started;
    if (output.includes('running the sources through tsx'))
      throw new Error('dist/ is stale or missing, so this would time tsx: run `npm run build` first');
    return ms;
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((done) => child.once('exit', done));
      kill(child, 'SIGTERM');
      const timer = setTimeout(() => kill(child, 'SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    children.delete(child);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const cases = [
  { name: 'node -e 0', run: async () => (await timeExit(process.execPath, ['-e', '0'])).ms },
  {
    name: 'node bin/eddy.js --version',
    async run() {
      const { ms, output } = await timeExit(process.execPath, [BIN, '--version']);
      if (output.includes('running the sources through tsx'))
        throw new Error('dist/ is stale or missing, so this would time tsx: run `npm run build` first');
      return ms;
    },
  },
  { name: 'node bin/eddy.js up → healthy', run: () => timeHealthy(process.execPath, [BIN, 'up']) },
  { name: 'npm start → healthy', run: () => timeHealthy(NPM, ['start']) },
];

log(`${RUNS} runs of each, taking turns, after one warm-up run of each`);
for (const each of cases) await each.run();
const samples = cases.map(() => [] as number[]);
for (let run = 0; run < RUNS; run++) {
  for (const [index, each] of cases.entries()) samples[index]!.push(await each.run());
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const medians = samples.map(median);
printTable(
  ['command', 'min ms', 'median ms', 'max ms', 'median − node ms'],
  cases.map((each, index) => {
    const values = samples[index]!;
    return [
      each.name,
      Math.min(...values),
      medians[index]!,
      Math.max(...values),
      medians[index]! - medians[0]!,
    ];
  }),
);
const [node, version, up, npmStart] = medians.map((value) => Math.round(value));
printResult('start', {
  node_ms: node!,
  version_ms: version!,
  up_healthy_ms: up!,
  npm_start_healthy_ms: npmStart!,
  version_target_ms: TARGETS.version,
  up_target_ms: TARGETS.up,
  version_met: version! <= TARGETS.version ? 'yes' : 'no',
  up_met: up! <= TARGETS.up ? 'yes' : 'no',
});
