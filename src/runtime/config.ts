// Configuration: command-line flags win over EDDY_* environment variables, which win over defaults.
import { resolve } from 'node:path';
import { AWS_REGIONS } from './regions.ts';

export const DEFAULT_ACCOUNT_ID = '000000000000';
export const DEFAULT_REGION = 'us-east-1';

export interface AccessKey {
  accessKeyId: string;
  secretAccessKey: string;
  accountId: string;
}

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
/** `pretty`: short human lines (a terminal's default); `json`: one JSON object per line. */
export type LogFormat = 'pretty' | 'json';

export interface Config {
  host: string;
  port: number;
  /** A second, HTTPS port with a self-signed certificate kept in the data directory; absent: HTTP only. */
  tlsPort?: number;
  /** Absolute path of the data directory; unused when `inMemory`. */
  dataDir: string;
  inMemory: boolean;
  /**
   * What an acknowledged write survives (EDDY_DURABILITY, --durability): `disk` (the default), a
   * power cut too, since its commit was fsynced; `process`, kill -9 of eddy but not a power cut.
   */
  durability: 'disk' | 'process';
  /**
   * Which library runs the SQLite file (EDDY_SQLITE_DRIVER, --sqlite-driver): `auto` (the default)
   * picks Node's built-in node:sqlite where this Node has it (22.5+), else better-sqlite3.
   */
  sqliteDriver: 'auto' | 'node' | 'better-sqlite3';
  /** Configured credentials; when non-empty every request's SigV4 signature is verified. */
  accessKeys: AccessKey[];
  logLevel: LogLevel;
  /** EDDY_LOG_FORMAT, --log-format: pretty in a terminal, JSON otherwise. */
  logFormat: LogFormat;
  /** One `sqs.SendMessage 200 1.2ms` line per request at info (EDDY_REQUEST_LOG=on|off; on in a terminal). */
  requestLog: boolean;
  defaultRegion: string;
  /** The regions requests may name: AWS's, and any EDDY_REGIONS adds (comma-separated). */
  regions: readonly string[];
  defaultAccountId: string;
  /** Back-off of failed deliveries (rules, subscriptions): first retry after about `firstMs`, doubling to `capMs`. */
  deliveryRetry: { firstMs: number; capMs: number };
  /** EventBridge's adjustable quotas (EDDY_EVENTS_BUSES_PER_ACCOUNT, EDDY_EVENTS_RULES_PER_BUS; AWS: 100, 300). */
  eventQuotas: { busesPerAccount: number; rulesPerBus: number };
  /** How ECS tasks run; absent means the process runner with no image mappings. */
  tasks?: TasksConfig;
  /**
   * A `postgres://` URL: the store is that PostgreSQL database (several nodes may share it);
   * absent, the embedded SQLite file in the data directory (EDDY_STORE, --store).
   */
  store?: string;
  /**
   * The address clients reach eddy at (a load balancer in front of several nodes): queue URLs and
   * links in messages use it instead of this node's own address (EDDY_PUBLIC_URL, --public-url).
   */
  publicUrl?: string;
  /** This node's name among the nodes sharing a store (EDDY_NODE_ID); made up when absent. */
  nodeId?: string;
  /** An SMTP server (`smtp://host[:port]`, EDDY_SMTP_URL) that SNS email deliveries are also sent to. */
  smtpUrl?: string;
  /**
   * Kinesis per-shard throughput limits (1 MiB/s or 1,000 records/s written, 5 reads/s or 2 MiB/s
   * read), answered with ProvisionedThroughputExceededException as AWS does. On unless
   * EDDY_KINESIS_LIMITS=off (for load tests).
   */
  kinesisLimits?: boolean;
  /**
   * RabbitMQ brokers that Pipes sources (and the `mq` API) know, by broker id or ARN: the AMQP URL
   * eddy connects to (EDDY_MQ_BROKERS='{"b-1234…": "amqp://127.0.0.1:5672"}'). The credentials are
   * the pipe's, from its Secrets Manager secret or `BasicAuth` when given; a URL's own are used otherwise.
   */
  mqBrokers?: Record<string, string>;
}

/** What a container image means to the process runner: where its command runs, and its default command. */
export interface TaskImageMapping {
  workingDirectory?: string;
  command?: string[];
}

export interface TasksConfig {
  /** `process` (a local command, the default) or `container` (Docker Engine API). */
  runner: 'process' | 'container';
  /** Image name → how the process runner runs it (EDDY_TASKS_IMAGES, JSON). */
  images: Record<string, TaskImageMapping>;
  /** How long a Fargate Spot interruption's notice lasts before the task is stopped (EDDY_SPOT_NOTICE_SECONDS; AWS: 120). */
  spotNoticeSeconds: number;
  /** The container runner's Docker Engine API (DOCKER_HOST); absent: Docker's or Podman's usual socket. */
  engine?: string;
  /** Whether the container runner pulls images it does not have (EDDY_TASKS_PULL=missing|never). */
  pull: 'missing' | 'never';
}

/** Options as given on the command line; absent means "not given". */
export interface ConfigFlags {
  host?: string;
  port?: string | number;
  tlsPort?: string | number;
  dataDir?: string;
  inMemory?: boolean;
  durability?: string;
  sqliteDriver?: string;
  accessKeys?: string;
  logLevel?: string;
  logFormat?: string;
  requestLog?: string;
  store?: string;
  publicUrl?: string;
  /** Whether eddy writes to a terminal: the default of logFormat and requestLog. */
  terminal?: boolean;
}

export class ConfigError extends Error {}

const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

export function loadConfig(flags: ConfigFlags = {}, env: NodeJS.ProcessEnv = process.env): Config {
  const host = flags.host ?? env.EDDY_HOST ?? '127.0.0.1';
  const port = parsePort(flags.port ?? env.EDDY_PORT ?? 4566);
  const tlsPort = flags.tlsPort ?? env.EDDY_TLS_PORT;
  const dataDir = resolve(flags.dataDir ?? env.EDDY_DATA_DIR ?? '.eddy');
  const inMemory = flags.inMemory ?? env.EDDY_IN_MEMORY === '1';
  const durability = parseChoice(
    'durability (EDDY_DURABILITY, --durability)',
    ['disk', 'process'] as const,
    flags.durability ?? env.EDDY_DURABILITY ?? 'disk',
  );
  const sqliteDriver = parseChoice(
    'SQLite driver (EDDY_SQLITE_DRIVER, --sqlite-driver)',
    ['auto', 'node', 'better-sqlite3'] as const,
    flags.sqliteDriver ?? env.EDDY_SQLITE_DRIVER ?? 'auto',
  );
  const accessKeys = parseAccessKeys(flags.accessKeys ?? env.EDDY_ACCESS_KEYS ?? '');
  const logLevel = parseLogLevel(flags.logLevel ?? env.EDDY_LOG_LEVEL ?? 'info');
  const terminal = flags.terminal ?? false;
  const logFormat = parseChoice(
    'log format (EDDY_LOG_FORMAT, --log-format)',
    ['pretty', 'json'] as const,
    flags.logFormat ?? env.EDDY_LOG_FORMAT ?? (terminal ? 'pretty' : 'json'),
  );
  const requestLog =
    parseChoice(
      'request log (EDDY_REQUEST_LOG, --request-log)',
      ['on', 'off'] as const,
      flags.requestLog ?? env.EDDY_REQUEST_LOG ?? (terminal ? 'on' : 'off'),
    ) === 'on';
  const deliveryRetry = {
    firstMs: parseDuration('EDDY_RETRY_FIRST_MS', env.EDDY_RETRY_FIRST_MS ?? '1000'),
    capMs: parseDuration('EDDY_RETRY_CAP_MS', env.EDDY_RETRY_CAP_MS ?? '60000'),
  };
  const eventQuotas = {
    busesPerAccount: parseCount('EDDY_EVENTS_BUSES_PER_ACCOUNT', env.EDDY_EVENTS_BUSES_PER_ACCOUNT ?? '100'),
    rulesPerBus: parseCount('EDDY_EVENTS_RULES_PER_BUS', env.EDDY_EVENTS_RULES_PER_BUS ?? '300'),
  };
  const defaultRegion = env.EDDY_REGION ?? DEFAULT_REGION;
  const regions = [...new Set([...AWS_REGIONS, defaultRegion, ...parseRegions(env.EDDY_REGIONS ?? '')])];
  const store = parseStore(flags.store ?? env.EDDY_STORE ?? '');
  const publicUrl = parsePublicUrl(flags.publicUrl ?? env.EDDY_PUBLIC_URL ?? '');
  if (!isLoopback(host) && accessKeys.length === 0) {
    throw new ConfigError(
      `binding to ${host} exposes eddy beyond this machine; configure access keys first ` +
        '(EDDY_ACCESS_KEYS=AKID:SECRET[:ACCOUNT],... or --access-keys)',
    );
  }
  return {
    host,
    port,
    ...(tlsPort !== undefined ? { tlsPort: parsePort(tlsPort) } : {}),
    dataDir,
    inMemory,
    durability,
    sqliteDriver,
    accessKeys,
    deliveryRetry,
    eventQuotas,
    logLevel,
    logFormat,
    requestLog,
    defaultRegion,
    regions,
    defaultAccountId: DEFAULT_ACCOUNT_ID,
    tasks: parseTasksConfig(env),
    ...(store ? { store } : {}),
    ...(publicUrl ? { publicUrl } : {}),
    ...(env.EDDY_NODE_ID ? { nodeId: parseNodeId(env.EDDY_NODE_ID) } : {}),
    ...(env.EDDY_SMTP_URL ? { smtpUrl: parseSmtpUrl(env.EDDY_SMTP_URL) } : {}),
    kinesisLimits: parseSwitch('EDDY_KINESIS_LIMITS', env.EDDY_KINESIS_LIMITS ?? 'on'),
    mqBrokers: parseBrokers(env.EDDY_MQ_BROKERS ?? '{}'),
  };
}

function parseRegions(text: string): string[] {
  const regions = text
    .split(',')
    .map((region) => region.trim())
    .filter((region) => region !== '');
  const bad = regions.find((region) => !/^[a-z0-9-]{1,32}$/.test(region));
  if (bad !== undefined) throw new ConfigError(`EDDY_REGIONS lists names of [a-z0-9-], got '${bad}'`);
  return regions;
}

function parseChoice<Choice extends string>(what: string, choices: readonly Choice[], value: string): Choice {
  const choice = choices.find((known) => known === value);
  if (!choice) throw new ConfigError(`${what} must be one of ${choices.join(', ')}, got '${value}'`);
  return choice;
}

function parseSwitch(name: string, text: string): boolean {
  if (text === 'on' || text === '1' || text === 'true') return true;
  if (text === 'off' || text === '0' || text === 'false') return false;
  throw new ConfigError(`${name} must be 'on' or 'off', got '${text}'`);
}

/** EDDY_MQ_BROKERS: a JSON object from broker id (or ARN) to its amqp:// URL. */
export function parseBrokers(text: string): Record<string, string> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ConfigError('EDDY_MQ_BROKERS must be JSON: {"broker-id": "amqp://host:5672/vhost"}');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new ConfigError('EDDY_MQ_BROKERS must be a JSON object from broker id to amqp:// URL');
  for (const [id, url] of Object.entries(value)) {
    if (typeof url !== 'string' || !/^amqps?:\/\//.test(url))
      throw new ConfigError(`EDDY_MQ_BROKERS['${id}'] must be an amqp:// or amqps:// URL`);
  }
  return value as Record<string, string>;
}

function parseNodeId(text: string): string {
  if (!/^[A-Za-z0-9._-]{1,58}$/.test(text)) {
    throw new ConfigError(`EDDY_NODE_ID is 1 to 58 of [A-Za-z0-9._-], got '${text}'`);
  }
  return text;
}

/** `sqlite` (or nothing): the embedded file; `postgres://…`: that database. */
export function parseStore(text: string): string | undefined {
  const value = text.trim();
  if (value === '' || value === 'sqlite') return undefined;
  if (!/^postgres(ql)?:\/\//.test(value)) {
    throw new ConfigError(
      `the store is 'sqlite' (the default) or a postgres:// URL such as postgres://user@host:5432/eddy, got '${value.replace(/:[^:@/]*@/, ':…@')}'`,
    );
  }
  try {
    new URL(value);
  } catch {
    throw new ConfigError('the store URL is not a URL: postgres://user[:password]@host[:port]/database');
  }
  return value;
}

function parsePublicUrl(text: string): string | undefined {
  const value = text.trim().replace(/\/+$/, '');
  if (value === '') return undefined;
  if (!/^https?:\/\/[^/]+$/.test(value)) {
    throw new ConfigError(`the public URL is http(s)://host[:port] with no path, got '${value}'`);
  }
  return value;
}

function parseSmtpUrl(text: string): string {
  const value = text.trim();
  if (!/^smtp:\/\/[^/:]+(:\d{1,5})?\/?$/.test(value)) {
    throw new ConfigError(
      `EDDY_SMTP_URL is smtp://host[:port] (a plain SMTP server, such as a local mail catcher), got '${value}'`,
    );
  }
  return value.replace(/\/$/, '');
}

/**
 * EDDY_TASKS_RUNNER=process|container, EDDY_TASKS_IMAGES='{"image":{"workingDirectory":…,"command":[…]}}',
 * EDDY_TASKS_PULL=missing|never, DOCKER_HOST and EDDY_SPOT_NOTICE_SECONDS.
 */
export function parseTasksConfig(env: NodeJS.ProcessEnv): TasksConfig {
  const runner = env.EDDY_TASKS_RUNNER ?? 'process';
  if (runner !== 'process' && runner !== 'container') {
    throw new ConfigError(`EDDY_TASKS_RUNNER must be 'process' or 'container', got '${runner}'`);
  }
  let images: unknown = {};
  try {
    images = JSON.parse(env.EDDY_TASKS_IMAGES ?? '{}');
  } catch {
    throw new ConfigError(
      'EDDY_TASKS_IMAGES must be JSON: {"image": {"workingDirectory": "…", "command": ["…"]}}',
    );
  }
  if (images === null || typeof images !== 'object' || Array.isArray(images)) {
    throw new ConfigError('EDDY_TASKS_IMAGES must be a JSON object keyed by image name');
  }
  for (const [image, mapping] of Object.entries(images)) {
    const { workingDirectory, command } = (mapping ?? {}) as TaskImageMapping;
    const badCommand =
      command !== undefined && (!Array.isArray(command) || command.some((part) => typeof part !== 'string'));
    if (
      typeof mapping !== 'object' ||
      (workingDirectory !== undefined && typeof workingDirectory !== 'string') ||
      badCommand
    ) {
      throw new ConfigError(
        `EDDY_TASKS_IMAGES['${image}'] must look like {"workingDirectory": "…", "command": ["…"]}`,
      );
    }
  }
  const spotNoticeSeconds = Number(env.EDDY_SPOT_NOTICE_SECONDS ?? 120);
  if (!Number.isFinite(spotNoticeSeconds) || spotNoticeSeconds < 0)
    throw new ConfigError(
      `EDDY_SPOT_NOTICE_SECONDS must be a number of seconds, got '${env.EDDY_SPOT_NOTICE_SECONDS}'`,
    );
  const pull = env.EDDY_TASKS_PULL ?? 'missing';
  if (pull !== 'missing' && pull !== 'never') {
    throw new ConfigError(`EDDY_TASKS_PULL must be 'missing' or 'never', got '${pull}'`);
  }
  const engine = env.DOCKER_HOST;
  return {
    runner,
    images: images as Record<string, TaskImageMapping>,
    spotNoticeSeconds,
    pull,
    ...(engine ? { engine } : {}),
  };
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function parsePort(value: string | number): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`port must be an integer from 0 to 65535, got '${value}'`);
  }
  return port;
}

function parseLogLevel(value: string): LogLevel {
  const level = LOG_LEVELS.find((known) => known === value);
  if (!level) throw new ConfigError(`log level must be one of ${LOG_LEVELS.join(', ')}, got '${value}'`);
  return level;
}

/** `AKID:SECRET[:ACCOUNT]` entries separated by commas. */
export function parseAccessKeys(text: string): AccessKey[] {
  return text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry) => {
      const [accessKeyId, secretAccessKey, accountId = DEFAULT_ACCOUNT_ID, ...rest] = entry.split(':');
      if (!accessKeyId || !secretAccessKey || rest.length > 0 || !/^\d{12}$/.test(accountId)) {
        throw new ConfigError(
          `access key entries look like AKID:SECRET or AKID:SECRET:123456789012, got '${entry.replace(/:.*/, ':…')}'`,
        );
      }
      return { accessKeyId, secretAccessKey, accountId };
    });
}

function parseDuration(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) {
    throw new ConfigError(`${name} must be a whole number of milliseconds above 0, not '${text}'`);
  }
  return value;
}

function parseCount(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1)
    throw new ConfigError(`${name} must be a whole number of at least 1, got '${text}'`);
  return value;
}
