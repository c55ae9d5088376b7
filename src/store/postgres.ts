// The PostgreSQL adapter (postgres.js): group commit through one connection at a time, reads on a
// pool, every statement prepared once per connection from SQL translated once.
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
// Each write runs inside its own savepoint, so one that throws is rolled back alone. The
// transaction's control statements (BEGIN, the lock, SAVEPOINT, RELEASE) are pipelined ahead of
// the work's first statement rather than awaited: a write costs the round trips of its own
// statements and no more. A batch holds at most 64 writes, PostgreSQL's cache of subtransaction
// ids per backend: past it every other backend's snapshot would have to look subtransactions up.
import { createHash } from 'node:crypto';
import postgres from 'postgres';
import { StoreUnavailableError } from './errors.ts';
import type { Dialect, Migration, SqlValue, Store, StoreInfo, Tx } from './port.ts';
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
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(schema)) {
    throw new Error(`the schema '${schema}' must be a plain identifier (letters, digits, _)`);
  }
  const pool = Number(parsed.searchParams.get('pool') ?? 5);
  if (!Number.isInteger(pool) || pool < 2)
    throw new Error(`pool must be a whole number of at least 2, not '${pool}'`);
  parsed.searchParams.delete('schema');
  parsed.searchParams.delete('pool');
  const location = new URL(parsed.href);
  if (location.password) location.password = '';
  return { url: parsed.href, schema, poolSize: pool, location: location.href };
}

/** Numbers come back as numbers: epoch milliseconds and counts fit a double's 53 bits. */
const types = {
  bigint: {
    to: 20,
    from: [20, 1700],
    parse: (text: string) => Number(text),
    serialize: (value: unknown) => String(value),
  },
};

type Sql = postgres.Sql<Record<string, never>>;
type Reserved = postgres.ReservedSql<Record<string, never>>;

/** A statement error whose code says the connection or the server went away. */
function isConnectionLoss(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return (
    typeof code === 'string' &&
    (code.startsWith('CONNECT') ||
      code === 'ECONNREFUSED' ||
      code === 'ECONNRESET' ||
      code === 'EPIPE' ||
      code === 'ETIMEDOUT' ||
      code.startsWith('08') || // connection exception
      code === '57P01' || // admin shutdown
      code === '57P02' ||
      code === '57P03') // cannot connect now (starting up)
  );
}

/** Serialization failure or deadlock: the transaction is undone and may be tried again. */
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

/** Every statement of a Tx goes through the extended protocol, prepared once per connection. */
const PREPARED = { prepare: true, simple: false } as postgres.UnsafeQueryOptions;

/** Statements through a pool or one reserved connection, translated and prepared. */
class PgTx implements Tx {
  settlers: Array<(committed: boolean) => void> | undefined;
  constructor(
    private readonly sql: Sql | Reserved,
    private readonly translations: TranslationCache,
  ) {}

  private query(text: string, params: readonly SqlValue[]) {
    return this.sql.unsafe(
      this.translations.get(text),
      params as postgres.ParameterOrJSON<never>[],
      PREPARED,
    );
  }

  async all<Row>(sql: string, params: readonly SqlValue[] = []): Promise<Row[]> {
    const rows = await this.query(sql, params);
    return Array.from(rows) as Row[];
  }

  async get<Row>(sql: string, params: readonly SqlValue[] = []): Promise<Row | undefined> {
    const rows = await this.query(sql, params);
    return rows[0] as Row | undefined;
  }

  async run(sql: string, params: readonly SqlValue[] = []): Promise<{ changes: number }> {
    const rows = await this.query(sql, params);
    return { changes: rows.count ?? 0 };
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

export class PostgresStore implements Store {
  readonly dialect = 'postgres' as const;
  readonly schema: string;
  private readonly sql: Sql;
  private readonly translations = new TranslationCache();
  private readonly reader: PgTx;
  private readonly locks: { writer: number; migrations: number };
  private readonly location: string;
  private queue: PendingWrite[] = [];
  private flushScheduled = false;
  private batchDone: Promise<void> = Promise.resolve();
  private closed = false;
  private commits = 0;
  private writes = 0;

  constructor(options: PostgresOptions) {
    const parsed = parsePostgresUrl(options.url);
    this.schema = options.schema ?? parsed.schema;
    this.location = parsed.location;
    this.locks = lockKeys(this.schema);
    this.sql = postgres(parsed.url, {
      max: options.poolSize ?? parsed.poolSize,
      prepare: true,
      types,
      onnotice: () => {},
      // A connection is opened when first needed and closed after a minute unused.
      idle_timeout: 60,
      connect_timeout: 10,
      connection: {
        application_name: 'eddy',
        search_path: this.schema,
        idle_in_transaction_session_timeout: IDLE_IN_TRANSACTION_MS,
      },
    }) as unknown as Sql;
    this.reader = new PgTx(this.sql, this.translations);
  }

  info(): StoreInfo {
    return { kind: 'postgres', location: this.location, commits: this.commits, writes: this.writes };
  }

  /** The pool, for what the store port has no words for (the cluster's leases and notifications). */
  get client(): Sql {
    return this.sql;
  }

  async migrate(migrations: readonly Migration[]): Promise<void> {
    const own: Migration[] = [{ id: 'store/postgres-001-functions', up: COMPATIBILITY_FUNCTIONS }];
    const all = [...own, ...migrations];
    try {
      await this.sql.unsafe(`CREATE SCHEMA IF NOT EXISTS "${this.schema}"`);
      await this.sql.begin(async (tx) => {
        // Nodes starting together apply each migration once: the second waits, then finds it applied.
        await tx.unsafe('SELECT pg_advisory_xact_lock($1)', [this.locks.migrations]);
        await tx.unsafe(
          'CREATE TABLE IF NOT EXISTS eddy_migrations (id TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)',
        );
        const applied = new Set(
          (await tx.unsafe<{ id: string }[]>('SELECT id FROM eddy_migrations')).map((r) => r.id),
        );
        refuseNewerSchema(applied, all);
        for (const migration of all) {
          if (applied.has(migration.id)) continue;
          await tx.unsafe(typeof migration.up === 'string' ? migration.up : migration.up('postgres'));
          await tx.unsafe('INSERT INTO eddy_migrations (id, applied_at) VALUES ($1, $2)', [
            migration.id,
            Date.now(),
          ]);
        }
      });
    } catch (error) {
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
    this.closed = true;
    await this.batchDone;
    while (this.queue.length > 0 || this.flushScheduled) {
      await new Promise((resolve) => setImmediate(resolve));
      await this.batchDone;
    }
    // Writes have drained; a read still running when eddy stops is cut off after a second.
    await this.sql.end({ timeout: 1 });
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
    let connection: Reserved;
    try {
      connection = await this.sql.reserve();
    } catch (error) {
      for (const pending of batch) pending.reject(unavailable(error));
      return;
    }
    const tx = new PgTx(connection, this.translations);
    // Pipelined control statements: their failures surface on the next awaited statement (the
    // transaction is then aborted) or here, and are only recorded.
    let controlFailure: unknown;
    const control = (text: string, params: SqlValue[] = []) =>
      connection.unsafe(text, params as never[], params.length > 0 ? { prepare: true } : {}).then(
        () => undefined,
        (error: unknown) => {
          controlFailure ??= error;
        },
      );
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    const committing: Array<(committed: boolean) => void> = [];
    try {
      void control('BEGIN ISOLATION LEVEL READ COMMITTED');
      void control('SELECT pg_advisory_xact_lock($1)', [this.locks.writer]);
      for (const pending of batch) {
        void control('SAVEPOINT write_one');
        tx.settlers = [];
        try {
          const value = await pending.work(tx);
          void control('RELEASE write_one');
          committing.push(...tx.settlers);
          outcomes.push({ ok: true, value });
        } catch (error) {
          if (isConnectionLoss(error) || isRetryable(error)) throw error;
          await control('ROLLBACK TO write_one');
          void control('RELEASE write_one');
          settle(tx.settlers, false);
          outcomes.push({ ok: false, error });
        }
        if (controlFailure) throw controlFailure;
      }
      tx.settlers = undefined;
      await connection.unsafe('COMMIT');
      if (controlFailure) throw controlFailure;
      this.commits += 1;
      this.writes += batch.length;
    } catch (error) {
      tx.settlers = undefined;
      await connection.unsafe('ROLLBACK').catch(() => undefined);
      connection.release();
      settle(committing, false);
      const failure = unavailable(error);
      for (const pending of batch) pending.reject(failure);
      return;
    }
    connection.release();
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
