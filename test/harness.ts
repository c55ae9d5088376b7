// Test harness: a real eddy server on an ephemeral port, SDK clients pointed at it, and the aws CLI.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { after } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import { type RunningEddy, startEddy } from '../src/app.ts';
import type { ServiceFactory } from '../src/contract/index.ts';
import type { AccessKey, Clock, Config, Runtime } from '../src/runtime/index.ts';
import { AWS_REGIONS, createLogger, ManualClock, silentLogger } from '../src/runtime/index.ts';
import {
  createScratchSchema,
  openStore,
  type ScratchSchema,
  type Store,
  testSqliteDriver,
} from '../src/store/index.ts';

export const TEST_REGION = 'us-east-1';
export const TEST_ACCOUNT = '000000000000';
const TEST_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

export interface TestEddyOptions {
  /** Services to run; all of eddy's by default. */
  services?: ServiceFactory[];
  accessKeys?: AccessKey[];
  /** Reuse a data directory (restarts); a new temporary one otherwise. */
  dataDir?: string;
  inMemory?: boolean;
  clock?: Clock;
  beforeStart?: (runtime: Runtime) => void;
  /** Settings that differ from a test server's defaults (faster delivery retries, say). */
  config?: Partial<Config>;
}

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface ClientConfig {
  endpoint: string;
  region: string;
  credentials: Credentials;
  maxAttempts: number;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface TestEddy {
  url: string;
  port: number;
  dataDir: string;
  eddy: RunningEddy;
  runtime: Runtime;
  /** The server's clock: the `clock` option, or the system clock. */
  clock: Clock;
  /**
   * Moves the server's ManualClock forward by `ms` (0 fires what is due now) and lets it react: the
   * timers that fell due have fired and committed when this resolves. Needs the `clock` option.
   */
  advance(ms: number): Promise<void>;
  /** An SDK v3 client for eddy: `eddy.client(SQSClient)`. Extra settings override the defaults. */
  client<C>(
    Client: new (config: ClientConfig) => C,
    extra?: Partial<ClientConfig> & Record<string, unknown>,
  ): C;
  /** Runs `aws <args>` against eddy with throwaway credentials; never throws on a non-zero exit. */
  aws(args: string[], credentials?: Credentials): Promise<CliResult>;
  /** Stops the server; removes the data directory unless it was given. */
  stop(): Promise<void>;
}

/** An SDK v3 client for the eddy at `url`: the test region, no retries. Extra settings override. */
function sdkClient<C>(
  Client: new (config: ClientConfig) => C,
  url: string,
  credentials: Credentials,
  extra: Partial<ClientConfig> & Record<string, unknown>,
): C {
  return new Client({
    endpoint: url,
    region: TEST_REGION,
    credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey },
    maxAttempts: 1,
    ...extra,
  });
}

/**
 * The store test servers use: `sqlite` (the default) or `postgres` (EDDY_TEST_STORE), where each
 * data directory a test uses stands for a schema of its own on EDDY_TEST_PG_URL's database, so a
 * test that restarts eddy on the same directory finds its data again. Schemas are dropped when
 * their server stops (directories the harness made) or when the test file ends.
 */
export const TEST_STORE: 'sqlite' | 'postgres' =
  process.env.EDDY_TEST_STORE === 'postgres' ? 'postgres' : 'sqlite';

/** The SQLite driver test servers run on (EDDY_SQLITE_DRIVER; spawned ones read it themselves). */
const TEST_SQLITE_DRIVER = testSqliteDriver();

const schemas = new Map<string, Promise<ScratchSchema>>();

/** The PostgreSQL URL standing for `dataDir` (undefined when tests run on SQLite). */
export async function testStoreUrl(dataDir: string): Promise<string | undefined> {
  if (TEST_STORE !== 'postgres') return undefined;
  let schema = schemas.get(dataDir);
  if (!schema) {
    schema = createScratchSchema();
    schemas.set(dataDir, schema);
  }
  return (await schema).url;
}

/** The store a test server on `dataDir` used (stop the server first): to look at or change its rows. */
export async function storeOf(dataDir: string): Promise<Store> {
  return openStore({
    dataDir,
    inMemory: false,
    url: await testStoreUrl(dataDir),
    sqliteDriver: TEST_SQLITE_DRIVER,
  });
}

async function dropSchema(dataDir: string): Promise<void> {
  const schema = schemas.get(dataDir);
  schemas.delete(dataDir);
  await (await schema)?.drop();
}

/** Test servers not stopped yet: a schema is dropped only once nothing uses it. */
const running = new Set<RunningEddy>();
const processes = new Set<ChildProcess>();

if (TEST_STORE === 'postgres') {
  // Schemas are dropped once the file is done: at beforeExit, after the file's own `after` hooks
  // have stopped its servers (a hook registered here would run before those and pull the servers
  // from under them). A server a file forgot keeps the process alive, so beforeExit never comes:
  // a grace period after the last tests stops what still runs.
  let cleaned = false;
  const cleanUp = async () => {
    if (cleaned) return;
    cleaned = true;
    for (const eddy of running) await eddy.stop().catch(() => undefined);
    for (const child of processes)
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    for (const dataDir of [...schemas.keys()]) await dropSchema(dataDir);
  };
  process.on('beforeExit', cleanUp);
  after(() => {
    setTimeout(cleanUp, 60_000).unref();
  });
}

export function tempDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'eddy-test-'));
}

export async function startTestEddy(options: TestEddyOptions = {}): Promise<TestEddy> {
  const ownsDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? tempDataDir();
  const store = options.config?.store ?? (await testStoreUrl(dataDir));
  const config: Config = {
    host: '127.0.0.1',
    port: 0,
    dataDir,
    inMemory: options.inMemory ?? false,
    durability: 'process',
    sqliteDriver: TEST_SQLITE_DRIVER,
    accessKeys: options.accessKeys ?? [],
    logLevel: 'silent',
    logFormat: 'json',
    requestLog: false,
    defaultRegion: TEST_REGION,
    regions: AWS_REGIONS,
    defaultAccountId: TEST_ACCOUNT,
    deliveryRetry: { firstMs: 1000, capMs: 60_000 },
    eventQuotas: { busesPerAccount: 100, rulesPerBus: 300 },
    ...options.config,
    ...(store ? { store } : {}),
  };
  const eddy = await startEddy({
    config,
    // EDDY_TEST_LOG=error shows what a test server logs (a handler's failure, with its stack).
    log: process.env.EDDY_TEST_LOG
      ? createLogger(config.logLevel === 'silent' ? (process.env.EDDY_TEST_LOG as 'error') : config.logLevel)
      : silentLogger,
    ...(options.services ? { services: options.services } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.beforeStart ? { beforeStart: options.beforeStart } : {}),
  });
  running.add(eddy);
  const defaultCredentials = options.accessKeys?.[0] ?? TEST_CREDENTIALS;
  return {
    url: eddy.url,
    port: eddy.port,
    dataDir,
    eddy,
    runtime: eddy.runtime,
    clock: eddy.runtime.clock,
    async advance(ms) {
      const clock = eddy.runtime.clock;
      if (!(clock instanceof ManualClock))
        throw new Error('advance() needs startTestEddy({ clock: new ManualClock() })');
      clock.advance(ms);
      await eddy.runtime.timers.settled();
      // What the firings started after their commit (a retry's attempt, a woken long poll's answer).
      for (let i = 0; i < 5; i++) await tick();
    },
    client(Client, extra = {}) {
      return sdkClient(Client, eddy.url, defaultCredentials, extra);
    },
    aws(args, credentials = defaultCredentials) {
      return runAws(eddy.url, args, credentials);
    },
    async stop() {
      await eddy.stop();
      running.delete(eddy);
      if (ownsDataDir) {
        // Tasks outlive eddy (it only detaches): a task watcher may still write its exit record
        // into the directory while it is removed, which rmdir meets as ENOTEMPTY; try again.
        rmSync(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
        await dropSchema(dataDir);
      }
    },
  };
}

export function runAws(endpoint: string, args: string[], credentials: Credentials): Promise<CliResult> {
  return new Promise((resolvePromise) => {
    execFile(
      'aws',
      ['--endpoint-url', endpoint, '--region', TEST_REGION, '--output', 'json', ...args],
      {
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          AWS_ACCESS_KEY_ID: credentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
          AWS_CONFIG_FILE: '/dev/null',
          AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
          AWS_MAX_ATTEMPTS: '1',
          AWS_RETRY_MODE: 'standard',
        },
        timeout: 60_000,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolvePromise({ code, stdout, stderr });
      },
    );
  });
}

export interface EddyProcess {
  child: ChildProcess;
  url: string;
  port: number;
  /** An SDK v3 client for this process, with the credentials `test`/`test`. */
  client<C>(
    Client: new (config: ClientConfig) => C,
    extra?: Partial<ClientConfig> & Record<string, unknown>,
  ): C;
  /** Everything the process printed so far. */
  output(): string;
  /** Sends a signal and resolves with the exit code (null when killed by a signal). */
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

let spawned = 0;
const BIN = resolve(import.meta.dirname, '../bin/eddy.js');

/**
 * Starts `eddy up` as a real process (for kill -9 and CLI tests) and resolves once it listens.
 * `script` runs another entry point instead of the CLI (a test fixture that calls startEddy);
 * `nodeArgs` go to Node itself (V8 flags).
 */
export async function spawnEddy(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; script?: string; timeoutMs?: number; nodeArgs?: string[] } = {},
): Promise<EddyProcess> {
  // On PostgreSQL the process's store is the schema standing for its data directory (a fixture
  // script takes the directory as its first argument), or one of its own when it keeps none.
  const dataDirFlag = args.indexOf('--data-dir');
  const dataDir = options.script ? args[0] : dataDirFlag >= 0 ? args[dataDirFlag + 1] : undefined;
  const storeUrl =
    options.env?.EDDY_STORE ?? (await testStoreUrl(dataDir ?? `process-${process.pid}-${++spawned}`));
  // A node keeps its id across restarts (as one on a fixed port does): it re-attaches its own tasks.
  const nodeId =
    dataDir && storeUrl
      ? `node-${basename(dataDir).replace(/[^A-Za-z0-9._-]/g, '-')}`.slice(0, 58)
      : undefined;
  return spawnProcess(args, {
    ...options,
    env: {
      ...(nodeId ? { EDDY_NODE_ID: nodeId } : {}),
      ...options.env,
      ...(storeUrl ? { EDDY_STORE: storeUrl } : {}),
    },
  });
}

function spawnProcess(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; script?: string; timeoutMs?: number; nodeArgs?: string[] },
): Promise<EddyProcess> {
  const command = options.script ? ['--import', 'tsx', options.script, ...args] : [BIN, 'up', ...args];
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), ...command], {
    env: { ...process.env, EDDY_LOG_LEVEL: 'warn', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  processes.add(child);
  child.once('exit', () => processes.delete(child));
  let output = '';
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`eddy did not start within ${options.timeoutMs ?? 20_000} ms:\n${output}`));
    }, options.timeoutMs ?? 20_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/[^\s]+:(\d+))/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolvePromise({
          child,
          url: match[1]!,
          port: Number(match[2]),
          client: (Client, extra = {}) => sdkClient(Client, match[1]!, TEST_CREDENTIALS, extra),
          output: () => output,
          kill(signal = 'SIGTERM') {
            return new Promise((done) => {
              if (child.exitCode !== null || child.signalCode !== null) return done(child.exitCode);
              child.once('exit', (code) => done(code));
              child.kill(signal);
            });
          },
        });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`eddy exited with code ${code} before listening:\n${output}`));
    });
  });
}
