// The embedded SQLite adapter (node:sqlite or better-sqlite3, WAL): group commit on one writer, reads
// on their own connection.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Checkpointer, FALLBACK_AUTOCHECKPOINT_PAGES } from './checkpointer.ts';
import { FileSync } from './file-sync.ts';
import type { Durability, Migration, SqlValue, Store, StoreInfo, Tx } from './port.ts';
import {
  type SqliteDatabase,
  type SqliteDriver,
  type SqliteDriverChoice,
  type SqliteStatement,
  sqliteDriver,
} from './sqlite-driver.ts';

interface PendingWrite {
  work: (tx: Tx) => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** Prepared statements are cached per connection; SQL text is the key. */
class Connection implements Tx {
  private readonly statements = new Map<string, SqliteStatement>();
  /** The callbacks of the write running now (undefined outside a write). */
  settlers: Array<(committed: boolean) => void> | undefined;
  constructor(readonly db: SqliteDatabase) {}

  private statement(sql: string): SqliteStatement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /** Runs a statement (transaction control included) through the cache: no parse per call. */
  runSync(sql: string, params: readonly SqlValue[] = []): number {
    return Number(this.statement(sql).run(...params).changes);
  }

  allSync<Row>(sql: string, params: readonly SqlValue[] = []): Row[] {
    return this.statement(sql).all(...params) as Row[];
  }

  /**
   * After a schema change: SQLite re-prepares a cached `SELECT *` by itself, but node:sqlite's row
   * arrays keep the old width on Node 22 (and the row factory its old columns).
   */
  forgetStatements(): void {
    this.statements.clear();
  }

  async all<Row>(sql: string, params: readonly SqlValue[] = []): Promise<Row[]> {
    return this.allSync<Row>(sql, params);
  }

  async get<Row>(sql: string, params: readonly SqlValue[] = []): Promise<Row | undefined> {
    return this.statement(sql).get(...params) as Row | undefined;
  }

  async run(sql: string, params: readonly SqlValue[] = []): Promise<{ changes: number }> {
    return { changes: this.runSync(sql, params) };
  }

  whenSettled(callback: (committed: boolean) => void): void {
    if (!this.settlers) throw new Error('whenSettled is for writes: a read has nothing to commit');
    this.settlers.push(callback);
  }
}

function settle(settlers: Array<(committed: boolean) => void>, committed: boolean): void {
  for (const settler of settlers) settler(committed);
}

/** How long a migration waits for the write lock (the checkpointer may hold it for a moment). */
const MIGRATION_BUSY_TIMEOUT_MS = 5000;
/** Delay before a batch whose BEGIN found the write lock taken is tried again. */
const BUSY_RETRY_MS = 1;

export interface SqliteOptions {
  /** File path, or `:memory:`. */
  path: string;
  /** `disk` (the default): a write resolves once its commit is fsynced. `process`: once committed. */
  durability?: Durability;
  /** Which SQLite driver runs it (default `auto`: node:sqlite where this Node has it). */
  driver?: SqliteDriverChoice;
}

export class SqliteStore implements Store {
  readonly dialect = 'sqlite' as const;
  private readonly driver: SqliteDriver;
  private readonly writer: Connection;
  private readonly reader: Connection | undefined;
  private readonly checkpointer: Checkpointer | undefined;
  private queue: PendingWrite[] = [];
  private flushScheduled = false;
  /** Settles when the batch being committed has finished; in-memory reads wait for it. */
  private batchDone: Promise<void> = Promise.resolve();
  private closed = false;
  private commits = 0;
  private writes = 0;
  /**
   * `disk` durability: the WAL is fsynced after each commit, off the event loop. SQLite's own
   * `synchronous = FULL` would do the same on the main thread and hold the next batch behind it.
   */
  private readonly walSync: FileSync | undefined;

  constructor(private readonly options: SqliteOptions) {
    const inMemory = options.path === ':memory:';
    if (!inMemory) mkdirSync(dirname(options.path), { recursive: true });
    this.driver = sqliteDriver(options.driver);
    const db = this.driver.open(options.path);
    db.exec('PRAGMA journal_mode = WAL');
    // NORMAL: a commit is written to the WAL but not fsynced (kill -9 safe); `disk` durability
    // adds the fsync below. Checkpoints fsync the WAL before copying it and the database after.
    db.exec('PRAGMA synchronous = NORMAL');
    // The writer never sleeps in SQLite's busy handler, which would block the event loop: when the
    // checkpointer holds the write lock for a moment, a batch is retried a millisecond later.
    db.exec('PRAGMA busy_timeout = 0');
    db.exec('PRAGMA foreign_keys = ON');
    db.exec('PRAGMA cache_size = -65536');
    this.writer = new Connection(db);
    if (!inMemory) {
      db.exec(`PRAGMA wal_autocheckpoint = ${FALLBACK_AUTOCHECKPOINT_PAGES}`);
      this.checkpointer = new Checkpointer(options.path, this.driver.name);
      const readDb = this.driver.open(options.path, { readOnly: true });
      readDb.exec('PRAGMA busy_timeout = 5000');
      this.reader = new Connection(readDb);
      if ((options.durability ?? 'disk') === 'disk') this.walSync = new FileSync(`${options.path}-wal`);
    }
  }

  info(): StoreInfo {
    return {
      kind: 'sqlite',
      driver: this.driver.name,
      location: this.options.path,
      // An in-memory database has no disk to reach.
      durability: this.walSync ? 'disk' : 'process',
      commits: this.commits,
      writes: this.writes,
    };
  }

  async migrate(migrations: readonly Migration[]): Promise<void> {
    const db = this.writer.db;
    db.exec(`PRAGMA busy_timeout = ${MIGRATION_BUSY_TIMEOUT_MS}`);
    try {
      this.applyMigrations(migrations);
    } finally {
      db.exec('PRAGMA busy_timeout = 0');
      this.writer.forgetStatements();
      this.reader?.forgetStatements();
    }
  }

  private applyMigrations(migrations: readonly Migration[]): void {
    const db = this.writer.db;
    db.exec('CREATE TABLE IF NOT EXISTS eddy_migrations (id TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)');
    const applied = new Set(
      this.writer.allSync<{ id: string }>('SELECT id FROM eddy_migrations').map((r) => r.id),
    );
    // Each migration in a transaction of its own: a script that fails halfway leaves nothing behind.
    for (const migration of migrations) {
      if (applied.has(migration.id)) continue;
      db.exec('BEGIN IMMEDIATE');
      try {
        db.exec(typeof migration.up === 'string' ? migration.up : migration.up('sqlite'));
        this.writer.runSync('INSERT INTO eddy_migrations (id, applied_at) VALUES (?, ?)', [
          migration.id,
          Date.now(),
        ]);
        db.exec('COMMIT');
      } catch (error) {
        if (db.inTransaction) db.exec('ROLLBACK');
        throw error;
      }
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
    if (this.reader) return work(this.reader);
    // One in-memory connection: never let a read see a batch that has not committed yet.
    await this.batchDone;
    return work(this.writer);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.batchDone;
    while (this.queue.length > 0 || this.flushScheduled) {
      await new Promise((resolve) => setImmediate(resolve));
      await this.batchDone;
    }
    // The last batches are answered once their syncs end.
    await this.walSync?.close();
    await this.checkpointer?.stop();
    this.reader?.db.close();
    this.writer.db.close();
  }

  /** Commits every write queued so far in one transaction, each inside its own savepoint. */
  private async flush(): Promise<void> {
    this.flushScheduled = false;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    const db = this.writer.db;
    const control = (sql: string) => this.writer.runSync(sql);
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      control('BEGIN IMMEDIATE');
    } catch (error) {
      if (this.driver.isBusy(error)) {
        // The checkpointer is rewinding the WAL: keep the batch, in order, ahead of later writes.
        this.queue = batch.concat(this.queue);
        this.flushScheduled = true;
        setTimeout(() => this.scheduleFlush(), BUSY_RETRY_MS);
      } else {
        for (const pending of batch) pending.reject(error);
      }
      return;
    }
    const committing: Array<(committed: boolean) => void> = [];
    try {
      for (const pending of batch) {
        control('SAVEPOINT write_one');
        this.writer.settlers = [];
        try {
          const value = await pending.work(this.writer);
          control('RELEASE write_one');
          committing.push(...this.writer.settlers);
          outcomes.push({ ok: true, value });
        } catch (error) {
          control('ROLLBACK TO write_one');
          control('RELEASE write_one');
          settle(this.writer.settlers, false);
          outcomes.push({ ok: false, error });
        }
      }
      this.writer.settlers = undefined;
      control('COMMIT');
      this.commits += 1;
      this.writes += batch.length;
    } catch (error) {
      this.writer.settlers = undefined;
      if (db.inTransaction) db.exec('ROLLBACK');
      settle(committing, false);
      for (const pending of batch) pending.reject(error);
      return;
    }
    const answer = (syncError?: unknown) => {
      settle(committing, true);
      batch.forEach((pending, index) => {
        const outcome = outcomes[index]!;
        // A commit whose fsync failed is not acknowledged: it may not be on disk.
        if (outcome.ok && syncError === undefined) pending.resolve(outcome.value);
        else pending.reject(outcome.ok ? syncError : outcome.error);
      });
    };
    if (!this.walSync) return answer();
    // The next batch runs while this one's fsync is under way; they answer in commit order.
    void this.walSync.sync().then(
      () => answer(),
      (error: unknown) => answer(error),
    );
  }
}
