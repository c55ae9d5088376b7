// The PostgreSQL adapter (node-postgres): group commit through one connection at a time, reads on
// a pool, every statement prepared once per connection from SQL translated once.
//
// Writes keep the promise SQLite's single writer makes: a batch of writes is one transaction
// (READ COMMITTED) that first takes a transaction-scoped advisory lock, the writer lock, so that
// the writes of every node sharing the database run one batch at a time, each statement seeing
// all that committed before it. Services written for one writer (read a row, then update it)
// stay correct on several nodes, and no message is handed to two receivers: a claim's read and
// its update run under the lock. No serialization failure can arise under it; should PostgreSQL
// still report one (40001) or a deadlock (40P01), the batch fails as a whole with a retryable error
// and nothing of it is applied — its work is never run twice behind the caller's back.
//
// Each write runs inside its own savepoint, so one that throws is rolled back alone. Control
// statements travel together in one simple query: BEGIN, the lock and the first SAVEPOINT in one
// round trip, then `RELEASE; SAVEPOINT` between writes and `RELEASE; COMMIT` after the last. A
// batch holds at most 64 writes, PostgreSQL's cache of subtransaction ids per backend: past it
// every other backend's snapshot would have to look subtransactions up.
//
// Why node-postgres and not postgres.js, measured on this machine (2 cores, local PostgreSQL 15):
// postgres.js pipelines, so its control statements cost no round trip (~8.5k grouped inserts/s
// against pg's ~7.3k with control statements combined), but every query it runs leaves ~980 bytes
// in V8's old generation (--trace-gc-nvp, 20k sequential queries) against pg's ~2: requests that
// die young are a rule of eddy's (test/edge.gc.test.ts), and pg spends less CPU per write (65 µs
// against 80 µs), which two shared cores feel more than one round trip.
import { createHash } from 'node:crypto';
import pg from 'pg';
import { StoreUnavailableError } from './errors.ts';
import type { Dialect, Durability, Migration, SqlValue, Store, StoreInfo, StoreSignals, Tx } from './port.ts';
import { TranslationCache } from './translate.ts';

/** Writes per transaction (PGPROC_MAX_CACHED_SUBXIDS). */
export const MAX_BATCH = 64;

/** A connection idle inside a transaction this long is ended by PostgreSQL (a node frozen mid-batch). */
const IDLE_IN_TRANSACTION_MS = 15_000;

export interface PostgresOptions {
  /** `postgres://user[:password]@host[:port]/database[?schema=name&pool=n]`. */
  url: string;
  /** Tables live in this schema (created if missing); `public` unless the URL's `schema` says otherwise. */
  schema?: string;
  /** Connections in the pool, the writer's included (default 5). */
  poolSize?: number;
  /** What the connections call themselves (default `eddy`); a node puts its id in it. */
  applicationName?: string;
  /**
   * `disk` (the default): a commit returns once PostgreSQL has flushed its WAL
   * (`synchronous_commit = on`). `process`: once committed in memory (`off`); kill -9 of eddy
   * loses nothing, a crash of PostgreSQL's machine may lose the last moments.
   */
  durability?: Durability;
}

/** A PostgreSQL store's settings read from its URL: eddy's own parameters taken out. */
export function parsePostgresUrl(url: string): {
  url: string;
  schema: string;
  poolSize: number;
  location: string;
} {
  const parsed = new URL(url);
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new Error(`a PostgreSQL store's URL starts with postgres://, not '${parsed.protocol}'`);
  }
  const schema = parsed.searchParams.get('schema') ?? 'public';
  // 51 characters at most, so the signal channel `eddy_signal_<schema>` fits PostgreSQL's 63.
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,50}$/.test(schema)) {
    throw new Error(`the schema '${schema}' must be a plain identifier (letters, digits, _; at most 51)`);
  }
  const pool = Number(parsed.searchParams.get('pool') ?? 5);
  if (!Number.isInteger(pool) || pool < 2)
    throw new Error(`pool must be a whole number of at least 2, not '${pool}'`);
  parsed.searchParams.delete('schema');
  parsed.searchParams.delete('pool');
  const location = new URL(parsed.href);
  if (location.password) location.password = '';
  if (schema !== 'public') location.searchParams.set('schema', schema);
  return { url: parsed.href, schema, poolSize: pool, location: location.href };
}

/** Numbers come back as numbers: epoch milliseconds, counts and sums fit a double's 53 bits. */
const INT8 = 20;
const NUMERIC = 1700;
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8 || oid === NUMERIC) return (text: string) => Number(text);
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

/** A statement error whose code says the connection or the server went away. */
function isConnectionLoss(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string') {
    if (
      code === 'ECONNREFUSED' ||
      code === 'ECONNRESET' ||
      code === 'EPIPE' ||
      code === 'ETIMEDOUT' ||
      code === 'ENOTFOUND' ||
      code.startsWith('08') || // connection exception
      code === '57P01' || // admin shutdown
      code === '57P02' || // crash shutdown
      code === '57P03' // cannot connect now (starting up)
    )
      return true;
  }
  return (
    typeof message === 'string' &&
    /Connection terminated|connection timeout|Client has encountered a connection error|Client was closed/i.test(
      message,
    )
  );
}

/** Serialization failure or deadlock: the transaction was undone and may be tried again. */
const isRetryable = (error: unknown) => {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '40001' || code === '40P01';
};

function unavailable(error: unknown): unknown {
  if (error instanceof StoreUnavailableError) return error;
  if (isConnectionLoss(error) || isRetryable(error)) return new StoreUnavailableError(error);
  return error;
}

/** The advisory lock keys of one schema: each eddy cluster (schema) locks only itself. */
function lockKeys(schema: string): { writer: number; migrations: number } {
  const digest = createHash('sha256').update(`eddy:${schema}`).digest();
  return { writer: digest.readInt32BE(0), migrations: digest.readInt32BE(4) };
}

type Queryable = pg.Pool | pg.PoolClient;

/** Statements through the pool or one checked-out connection, translated and prepared. */
class PgTx implements Tx {
  settlers: Array<(committed: boolean) => void> | undefined;
  constructor(
    private readonly client: Queryable,
    private readonly translations: TranslationCache,
  ) {}

  private query(sql: string, params: readonly SqlValue[]): Promise<pg.QueryResult> {
    const { name, text } = this.translations.get(sql);
    return this.client.query({ name, text, values: params as unknown[] });
  }

  async all<Row>(sql: string, params: readonly SqlValue[] = []): Promise<Row[]> {
    return (await this.query(sql, params)).rows as Row[];
  }

  async get<Row>(sql: string, params: readonly SqlValue[] = []): Promise<Row | undefined> {
    return (await this.query(sql, params)).rows[0] as Row | undefined;
  }

  async run(sql: string, params: readonly SqlValue[] = []): Promise<{ changes: number }> {
    return { changes: (await this.query(sql, params)).rowCount ?? 0 };
  }

  whenSettled(callback: (committed: boolean) => void): void {
    if (!this.settlers) throw new Error('whenSettled is for writes: a read has nothing to commit');
    this.settlers.push(callback);
  }
}

interface PendingWrite {
  work: (tx: Tx) => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

function settle(settlers: Array<(committed: boolean) => void>, committed: boolean): void {
  for (const settler of settlers) settler(committed);
}

/** SQLite's functions services use that PostgreSQL names otherwise, defined in the store's schema. */
const COMPATIBILITY_FUNCTIONS = `
  CREATE OR REPLACE FUNCTION instr(haystack TEXT, needle TEXT) RETURNS INTEGER
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS 'SELECT strpos(haystack, needle)';`;

/** LISTEN on a connection of its own, opened again with back-off whenever it is lost. */
class PgSignals implements StoreSignals {
  constructor(
    readonly channel: string,
    readonly sender: string,
    private readonly connection: () => pg.ClientConfig,
  ) {}

  async send(tx: Tx, payload: string): Promise<void> {
    await tx.run('SELECT pg_notify(?, ?)', [this.channel, payload]);
  }

  async listen(onSignal: (payload: string) => void, onGap: () => void): Promise<() => Promise<void>> {
    let stopped = false;
    let client: pg.Client | undefined;
    let retry: NodeJS.Timeout | undefined;
    let delay = 100;
    // Each connection is given up once, whichever of its failures comes first; then one retry.
    const lose = (lost: pg.Client) => {
      if (client !== lost) return;
      client = undefined;
      lost.end().catch(() => undefined);
      if (stopped) return;
      retry = setTimeout(() => {
        open().then(
          () => {
            delay = 100;
            onGap();
          },
          () => undefined,
        );
      }, delay);
      delay = Math.min(delay * 2, 5000);
    };
    const open = async (): Promise<void> => {
      const next = new pg.Client(this.connection());
      client = next;
      next.on('notification', (message) => {
        if (message.channel === this.channel && message.payload !== undefined) onSignal(message.payload);
      });
      next.on('error', () => lose(next));
      next.on('end', () => lose(next));
      try {
        await next.connect();
        await next.query(`LISTEN "${this.channel}"`);
      } catch (error) {
        lose(next);
        throw error;
      }
    };
    try {
      await open();
    } catch (error) {
      stopped = true;
      clearTimeout(retry);
      throw error;
    }
    return async () => {
      stopped = true;
      clearTimeout(retry);
      const last = client;
      client = undefined;
      await last?.end().catch(() => undefined);
    };
  }
}

export class PostgresStore implements Store {
  readonly dialect = 'postgres' as const;
  readonly signals: StoreSignals;
  readonly schema: string;
  /** This store's connections name themselves so (pg_stat_activity, and notifications' senders). */
  readonly applicationName: string;
  private readonly pool: pg.Pool;
  private readonly translations = new TranslationCache();
  private readonly reader: PgTx;
  private readonly locks: { writer: number; migrations: number };
  private readonly location: string;
  private readonly connection: pg.ClientConfig;
  private queue: PendingWrite[] = [];
  private flushScheduled = false;
  private batchDone: Promise<void> = Promise.resolve();
  private closed = false;
  private commits = 0;
  private writes = 0;
  private begin: string;
  private readonly durability: Durability;

  constructor(options: PostgresOptions) {
    const parsed = parsePostgresUrl(options.url);
    this.schema = options.schema ?? parsed.schema;
    this.location = parsed.location;
    this.locks = lockKeys(this.schema);
    this.applicationName = options.applicationName ?? 'eddy';
    this.durability = options.durability ?? 'disk';
    this.begin = `BEGIN ISOLATION LEVEL READ COMMITTED; SELECT pg_advisory_xact_lock(${this.locks.writer}); SAVEPOINT write_one`;
    this.connection = {
      connectionString: parsed.url,
      application_name: this.applicationName,
      options: [
        `-c search_path=${this.schema}`,
        `-c idle_in_transaction_session_timeout=${IDLE_IN_TRANSACTION_MS}`,
        `-c synchronous_commit=${this.durability === 'disk' ? 'on' : 'off'}`,
      ].join(' '),
      connectionTimeoutMillis: 10_000,
      types,
    };
    this.pool = new pg.Pool({
      ...this.connection,
      max: options.poolSize ?? parsed.poolSize,
      // A connection is opened when first needed and closed after a minute unused.
      idleTimeoutMillis: 60_000,
    });
    // An idle connection that breaks (the server restarted) is dropped from the pool; the next
    // query opens another. Without a listener the error would end the process.
    this.pool.on('error', () => {});
    // A connection that breaks while checked out between two queries emits `error` on the client
    // itself (the pool listens only to idle ones): the next query fails and the write is answered
    // as unavailable, so the event only needs a listener.
    this.pool.on('connect', (client) => client.on('error', () => {}));
    this.reader = new PgTx(this.pool, this.translations);
    this.signals = new PgSignals(`eddy_signal_${this.schema}`, this.applicationName, () => ({
      ...this.connection,
    }));
  }

  info(): StoreInfo {
    return {
      kind: 'postgres',
      location: this.location,
      durability: this.durability,
      commits: this.commits,
      writes: this.writes,
    };
  }

  async migrate(migrations: readonly Migration[]): Promise<void> {
    const own: Migration[] = [{ id: 'store/postgres-001-functions', up: COMPATIBILITY_FUNCTIONS }];
    const all = [...own, ...migrations];
    let client: pg.PoolClient | undefined;
    try {
      client = await this.pool.connect();
      await client.query(`CREATE SCHEMA IF NOT EXISTS "${this.schema}"`);
      await client.query('BEGIN');
      // Nodes starting together apply each migration once: the second waits, then finds it applied.
      await client.query('SELECT pg_advisory_xact_lock($1)', [this.locks.migrations]);
      await client.query(
        'CREATE TABLE IF NOT EXISTS eddy_migrations (id TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)',
      );
      const { rows } = await client.query<{ id: string }>('SELECT id FROM eddy_migrations');
      refuseNewerSchema(new Set(rows.map((row) => row.id)), all);
      const applied = new Set(rows.map((row) => row.id));
      for (const migration of all) {
        if (applied.has(migration.id)) continue;
        await client.query(typeof migration.up === 'string' ? migration.up : migration.up('postgres'));
        await client.query('INSERT INTO eddy_migrations (id, applied_at) VALUES ($1, $2)', [
          migration.id,
          Date.now(),
        ]);
      }
      await client.query('COMMIT');
      client.release();
    } catch (error) {
      if (client) {
        await client.query('ROLLBACK').catch(() => undefined);
        client.release(true);
      }
      throw unavailable(error);
    }
  }

  write<T>(work: (tx: Tx) => Promise<T> | T): Promise<T> {
    if (this.closed) return Promise.reject(new Error('the store is closed'));
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.scheduleFlush());
      }
    });
  }

  private scheduleFlush(): void {
    this.batchDone = this.batchDone.then(() => this.flush());
  }

  async read<T>(work: (tx: Tx) => Promise<T> | T): Promise<T> {
    try {
      return await work(this.reader);
    } catch (error) {
      throw unavailable(error);
    }
  }

  async close(): Promise<void> {
    if (this.closed && this.pool.ended) return;
    this.closed = true;
    await this.batchDone;
    while (this.queue.length > 0 || this.flushScheduled) {
      await new Promise((resolve) => setImmediate(resolve));
      await this.batchDone;
    }
    if (!this.pool.ended) await this.pool.end();
  }

  /** Commits up to MAX_BATCH queued writes in one transaction, each inside its own savepoint. */
  private async flush(): Promise<void> {
    this.flushScheduled = false;
    const batch = this.queue.splice(0, MAX_BATCH);
    if (this.queue.length > 0) {
      // The rest go in the next transaction, right after this one.
      this.flushScheduled = true;
      setImmediate(() => this.scheduleFlush());
    }
    if (batch.length === 0) return;
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      for (const pending of batch) pending.reject(unavailable(error));
      return;
    }
    const tx = new PgTx(client, this.translations);
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    const committing: Array<(committed: boolean) => void> = [];
    try {
      await client.query(this.begin);
      for (let index = 0; index < batch.length; index++) {
        const pending = batch[index]!;
        const last = index === batch.length - 1;
        tx.settlers = [];
        let failed = false;
        try {
          const value = await pending.work(tx);
          committing.push(...tx.settlers);
          outcomes.push({ ok: true, value });
        } catch (error) {
          if (isConnectionLoss(error) || isRetryable(error)) throw error;
          failed = true;
          settle(tx.settlers, false);
          outcomes.push({ ok: false, error });
        }
        tx.settlers = undefined;
        const undo = failed ? 'ROLLBACK TO write_one; ' : '';
        await client.query(`${undo}RELEASE write_one; ${last ? 'COMMIT' : 'SAVEPOINT write_one'}`);
      }
      this.commits += 1;
      this.writes += batch.length;
    } catch (error) {
      tx.settlers = undefined;
      const lost = isConnectionLoss(error);
      if (!lost) await client.query('ROLLBACK').catch(() => undefined);
      client.release(lost || undefined);
      settle(committing, false);
      const failure = unavailable(error);
      for (const pending of batch) pending.reject(failure);
      return;
    }
    client.release();
    settle(committing, true);
    batch.forEach((pending, index) => {
      const outcome = outcomes[index]!;
      if (outcome.ok) pending.resolve(outcome.value);
      else pending.reject(outcome.error);
    });
  }
}

/**
 * A node must not run on a schema newer than it knows: for each owner (`queues`, `runtime`, …)
 * whose migrations this node brings, every applied migration of that owner must be one it knows.
 */
export function refuseNewerSchema(applied: ReadonlySet<string>, known: readonly Migration[]): void {
  const knownIds = new Set(known.map((migration) => migration.id));
  const owners = new Set(known.map((migration) => migration.id.split('/')[0]));
  const unknown = [...applied].filter((id) => owners.has(id.split('/')[0]) && !knownIds.has(id));
  if (unknown.length > 0) {
    throw new Error(
      `the database's schema is newer than this eddy (${unknown.sort().join(', ')} applied by a newer version): ` +
        'upgrade this node rather than run it on a schema it does not know',
    );
  }
}

export type { Dialect };
