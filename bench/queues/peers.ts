// Starts the servers the queues benchmark measures as child processes (eddy, fauxqs, moto_server)
// and guarantees they are gone, with their temporary directories, when the benchmark ends — also
// on an error, an uncaught exception or Ctrl-C.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export interface Peer {
  name: string;
  url: string;
  pid: number;
  /** Everything the process printed so far (for error messages). */
  output(): string;
  /** SIGTERM, then SIGKILL after a grace period; removes the peer's temporary directory. */
  stop(): Promise<void>;
}

const children = new Set<ChildProcess>();
const directories = new Set<string>();

function killAllSync(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  children.clear();
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
  directories.clear();
}

process.on('exit', killAllSync);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    killAllSync();
    process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1));
  });
}

/** Stops every peer still running; call in a `finally`. */
export async function stopAll(peers: Iterable<Peer>): Promise<void> {
  await Promise.allSettled([...peers].map((peer) => peer.stop()));
  killAllSync();
}

function startProcess(
  name: string,
  command: string,
  args: string[],
  ready: RegExp,
  options: { env?: NodeJS.ProcessEnv; directory?: string; timeoutMs?: number } = {},
): Promise<Peer> {
  const child = spawn(command, args, {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  if (options.directory) directories.add(options.directory);
  let output = '';
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((done) => child.once('exit', () => done()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    children.delete(child);
    if (options.directory) {
      rmSync(options.directory, { recursive: true, force: true });
      directories.delete(options.directory);
    }
  };
  return new Promise((resolvePromise, reject) => {
    const timeoutMs = options.timeoutMs ?? 30_000;
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`${name} did not start within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    let started = false;
    const onData = (chunk: Buffer) => {
      if (output.length < 100_000) output += chunk.toString();
      const match = started ? null : ready.exec(output);
      if (match) {
        started = true;
        clearTimeout(timer);
        resolvePromise({
          name,
          url: `http://127.0.0.1:${match[1]}`,
          pid: child.pid ?? 0,
          output: () => output,
          stop,
        });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code, signal) => {
      children.delete(child);
      if (!started) {
        clearTimeout(timer);
        void stop();
        reject(new Error(`${name} exited (${code ?? signal}) before listening:\n${output}`));
      }
    });
  });
}

const ROOT = resolve(import.meta.dirname, '../..');

/**
 * A real `eddy up`, durable (SQLite in a fresh temporary data directory), on an ephemeral port; `env`
 * adds settings. EDDY_BENCH_NODE_ARGS passes flags to eddy's Node (e.g. `--cpu-prof`), which
 * NODE_OPTIONS may not carry.
 */
export function startEddy(env: Record<string, string> = {}): Promise<Peer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'eddy-bench-queues-'));
  const nodeArgs = process.env.EDDY_BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  return startProcess(
    'eddy',
    process.execPath,
    // The young-generation size bin/eddy.js's first line and `npm start` give eddy's Node.
    [
      '--max-semi-space-size=4',
      ...nodeArgs,
      join(ROOT, 'bin/eddy.js'),
      'up',
      '--port',
      '0',
      '--data-dir',
      dataDir,
    ],
    /listening on http:\/\/[^\s:]+:(\d+)/,
    { env: { EDDY_LOG_LEVEL: 'warn', ...env }, directory: dataDir },
  );
}

/**
 * How each eddy run keeps what it answers, for the benchmarks' note column: `eddy` runs with the
 * default EDDY_DURABILITY (disk), `eddy-process` with EDDY_DURABILITY=process.
 */
export const EDDY_DURABILITY_NOTES: Readonly<Record<string, string>> = {
  eddy: 'SQLite, fsync per commit',
  'eddy-process': 'SQLite, kill -9 safe',
};

/** fauxqs (npm, in-memory) in its own process, like its CLI. */
export function startFauxqs(): Promise<Peer> {
  return startProcess(
    'fauxqs',
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'fauxqs-server.ts')],
    /listening on http:\/\/[^\s:]+:(\d+)/,
    { env: { FAUXQS_LOGGER: 'false' } },
  );
}

/** moto_server (Python); it logs `Running on http://127.0.0.1:PORT` once it serves. */
export async function startMoto(): Promise<Peer> {
  const port = await freePort();
  return startProcess(
    'moto',
    'python3',
    ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)],
    /Running on http:\/\/127\.0\.0\.1:(\d+)/,
    { env: { PYTHONUNBUFFERED: '1' } },
  );
}

function freePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePromise(port));
    });
  });
}

/** Resident and peak resident memory of a process, in MiB, from /proc/PID/status. */
export function memoryOf(pid: number): { rssMiB: number; peakMiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) =>
    Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) / 1024;
  return { rssMiB: field('VmRSS'), peakMiB: field('VmHWM') };
}
