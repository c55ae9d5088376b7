// The `eddy` command.
// Only what every command needs is imported here: `eddy --version` and `eddy --help` must not pay
// for loading the server, the store or the AWS SDK's service models, so each command imports its
// own modules when it runs (`up` the server; `events`, `tasks`, `topics` and `nodes` their HTTP clients).
import { accessSync, constants, mkdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { RunningEddy } from '../app.ts';
import type { Config } from '../runtime/index.ts';
import { version } from '../version.ts';

const HELP = `eddy ${version} — event-driven building blocks that speak the AWS APIs

Usage:
  eddy up [options]     start eddy (what \`npm start\` runs)
  eddy events explain --event FILE [--bus NAME]
                        which rules an event matches, and why the others do not
  eddy events trace EVENT_ID
                        what happened to an accepted event
  eddy tasks interrupt TASK_ARN
                        a Fargate Spot interruption, to test a task's shutdown
  eddy tasks logs TASK_ARN [--follow]
                        what a task's containers wrote
  eddy topics outbox [--protocol P] [--follow]
                        the texts, email and pushes SNS delivered (kept, not sent)
  eddy nodes            the nodes sharing a running eddy's store, and what each owns
  eddy scheduler next EXPRESSION-or-NAME [--count N] [--zone TZ]
                        the next fire times of a schedule, in its time zone
  eddy --version        print the version
  eddy --help           print this help

Options for \`up\` (flags win over environment variables):
  --port N              port to listen on              EDDY_PORT      (4566)
  --host ADDR           address to bind                EDDY_HOST      (127.0.0.1)
  --tls-port N          also serve HTTPS on this port  EDDY_TLS_PORT  (off)
                        (self-signed certificate: DATA_DIR/tls/eddy.crt)
  --data-dir DIR        where data lives               EDDY_DATA_DIR  (./.eddy)
  --in-memory           keep nothing on disk           EDDY_IN_MEMORY=1
  --durability MODE     disk|process                   EDDY_DURABILITY (disk)
                        (disk: an answered write is fsynced, survives a power cut;
                        process: it survives kill -9 of eddy, not a power cut; faster)
  --sqlite-driver NAME  auto|node|better-sqlite3       EDDY_SQLITE_DRIVER (auto)
                        (auto: Node's built-in node:sqlite on Node 22.5+,
                        better-sqlite3 before)
  --access-keys LIST    AKID:SECRET[:ACCOUNT],...      EDDY_ACCESS_KEYS
                        (verify SigV4 on every request; required off loopback)
  --log-level LEVEL     trace|debug|info|warn|error    EDDY_LOG_LEVEL (info)
  --log-format FORMAT   pretty|json                    EDDY_LOG_FORMAT
                        (pretty in a terminal, json otherwise)
  --request-log on|off  a line per request at info     EDDY_REQUEST_LOG
                        (on in a terminal, off otherwise)
  --store URL           sqlite, or postgres://user@host:5432/db[?schema=name]
                        (several nodes may share one)  EDDY_STORE     (sqlite)
  --public-url URL      what clients reach eddy at     EDDY_PUBLIC_URL
                        (a load balancer; queue URLs use it)

The other commands ask a running eddy: --endpoint URL, else EDDY_ENDPOINT, else
AWS_ENDPOINT_URL, else http://127.0.0.1:EDDY_PORT (4566).
`;

function fail(message: string): never {
  process.stderr.write(`eddy: ${message}\n`);
  process.exit(1);
}

function checkDataDir(dataDir: string): void {
  try {
    mkdirSync(dataDir, { recursive: true });
    accessSync(dataDir, constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    fail(`cannot write to the data directory ${dataDir} (${code}); choose another with --data-dir`);
  }
}

/** What a newcomer needs to know once eddy is up: where it listens and keeps data, what runs how. */
function startupSummary(eddy: RunningEddy, config: Config): string {
  const info = eddy.runtime.store.info();
  const driver = info.driver ? ` on ${info.driver}` : '';
  const store = config.store
    ? `PostgreSQL ${info.location}, as node ${eddy.runtime.cluster.nodeId}`
    : config.inMemory
      ? `in memory${driver} (nothing is kept)`
      : `SQLite in ${config.dataDir}${driver}`;
  const durability = config.inMemory
    ? ''
    : config.durability === 'disk'
      ? ', answered writes are fsynced: they survive a power cut'
      : ', answered writes survive kill -9, not a power cut (EDDY_DURABILITY=process)';
  const access =
    config.accessKeys.length > 0
      ? `SigV4 verified for ${config.accessKeys.length} key(s)`
      : 'any credentials accepted (EDDY_ACCESS_KEYS turns on SigV4 verification)';
  const served = eddy.services.map((service) => service.definition.name).join(', ');
  const summaries = eddy.services.flatMap((service) => {
    const summary = service.summary?.();
    return summary ? [`  ${service.definition.name.padEnd(9)} ${summary}`] : [];
  });
  const requests = config.requestLog ? 'a line per request (EDDY_REQUEST_LOG=off)' : 'requests at debug';
  return [
    `eddy ${version} listening on ${eddy.url}`,
    `  store     ${store}${durability}`,
    `  services  ${served}`,
    ...summaries,
    `  access    ${access}`,
    `  logs      ${config.logLevel}, ${config.logFormat}; ${requests}`,
    '',
  ].join('\n');
}

async function up(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: 'string' },
      'tls-port': { type: 'string' },
      host: { type: 'string' },
      'data-dir': { type: 'string' },
      'in-memory': { type: 'boolean' },
      durability: { type: 'string' },
      'sqlite-driver': { type: 'string' },
      'access-keys': { type: 'string' },
      'log-level': { type: 'string' },
      'log-format': { type: 'string' },
      'request-log': { type: 'string' },
      store: { type: 'string' },
      'public-url': { type: 'string' },
    },
    strict: true,
  });
  // config.ts itself, not the runtime's index: a mistyped flag is reported without loading the server.
  const { ConfigError, loadConfig } = await import('../runtime/index.ts');
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig({
      ...(values.port !== undefined ? { port: values.port } : {}),
      ...(values['tls-port'] !== undefined ? { tlsPort: values['tls-port'] } : {}),
      ...(values.host !== undefined ? { host: values.host } : {}),
      ...(values['data-dir'] !== undefined ? { dataDir: values['data-dir'] } : {}),
      ...(values['in-memory'] !== undefined ? { inMemory: values['in-memory'] } : {}),
      ...(values.durability !== undefined ? { durability: values.durability } : {}),
      ...(values['sqlite-driver'] !== undefined ? { sqliteDriver: values['sqlite-driver'] } : {}),
      ...(values['access-keys'] !== undefined ? { accessKeys: values['access-keys'] } : {}),
      ...(values['log-level'] !== undefined ? { logLevel: values['log-level'] } : {}),
      ...(values['log-format'] !== undefined ? { logFormat: values['log-format'] } : {}),
      ...(values['request-log'] !== undefined ? { requestLog: values['request-log'] } : {}),
      terminal: process.stdout.isTTY === true,
      ...(values.store !== undefined ? { store: values.store } : {}),
      ...(values['public-url'] !== undefined ? { publicUrl: values['public-url'] } : {}),
    });
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message);
    throw error;
  }
  if (!config.inMemory && !config.store) checkDataDir(config.dataDir);

  const { startEddy } = await import('../app.ts');
  let eddy: RunningEddy;
  try {
    eddy = await startEddy({ config });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE')
      fail(`port ${config.port} on ${config.host} is taken; stop what listens there or pass --port`);
    if (code === 'EADDRNOTAVAIL') fail(`cannot bind ${config.host}: no such address on this machine`);
    if (code === 'EACCES') fail(`not allowed to listen on port ${config.port}; choose one above 1023`);
    if (code === 'SqliteDriverUnavailable') fail((error as Error).message);
    throw error;
  }
  process.stdout.write(startupSummary(eddy, config));
  if (eddy.tlsUrl) {
    process.stdout.write(
      `eddy: HTTPS on ${eddy.tlsUrl}; trust its certificate with NODE_EXTRA_CA_CERTS=${eddy.tlsCertificatePath}\n`,
    );
  }

  let signals = 0;
  const shutdown = (signal: string) => {
    signals += 1;
    if (signals > 1) {
      process.stderr.write('eddy: stopping now\n');
      process.exit(130);
    }
    process.stdout.write(`eddy: ${signal} received, finishing in-flight requests…\n`);
    eddy.stop().then(
      () => {
        process.stdout.write('eddy: stopped\n');
        process.exit(0);
      },
      (error: unknown) => {
        process.stderr.write(`eddy: error while stopping: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === '--version' || command === '-v' || command === 'version') {
    process.stdout.write(`${version}\n`);
    return;
  }
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(HELP);
    return;
  }
  if (command === 'up') {
    try {
      await up(rest);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS'))
        fail(`${(error as Error).message}\n\n${HELP}`);
      throw error;
    }
    return;
  }
  const subcommands: Record<
    string,
    () => Promise<{ run: (args: string[]) => Promise<string>; help: string }>
  > = {
    events: async () => {
      const { EVENTS_HELP, events } = await import('./events.ts');
      return { run: events, help: EVENTS_HELP };
    },
    tasks: async () => {
      const { TASKS_HELP, tasks } = await import('./tasks.ts');
      return { run: tasks, help: TASKS_HELP };
    },
    topics: async () => {
      const { TOPICS_HELP, topics } = await import('./topics.ts');
      return { run: (args: string[]) => topics(args), help: TOPICS_HELP };
    },
    nodes: async () => {
      const { NODES_HELP, nodes } = await import('./nodes.ts');
      return { run: nodes, help: NODES_HELP };
    },
    scheduler: async () => {
      const { SCHEDULER_HELP, scheduler } = await import('./scheduler.ts');
      return { run: scheduler, help: SCHEDULER_HELP };
    },
  };
  const load = Object.hasOwn(subcommands, command) ? subcommands[command] : undefined;
  if (load) {
    const subcommand = await load();
    const { CliError } = await import('./client.ts');
    try {
      process.stdout.write(await subcommand.run(rest));
    } catch (error) {
      if (error instanceof CliError) fail(error.message);
      if ((error as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS'))
        fail(`${(error as Error).message}\n\n${subcommand.help}`);
      throw error;
    }
    return;
  }
  fail(`unknown command '${command}'. Run \`eddy --help\`.`);
}

await main(process.argv.slice(2));
