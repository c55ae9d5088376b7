// The store port: what services may ask of a database. SQLite and PostgreSQL adapters implement it.

export type SqlValue = string | number | bigint | null | Uint8Array;

/** One transaction's view of the database. SQL uses `?` placeholders; adapters translate them. */
export interface Tx {
  all<Row>(sql: string, params?: readonly SqlValue[]): Promise<Row[]>;
  get<Row>(sql: string, params?: readonly SqlValue[]): Promise<Row | undefined>;
  run(sql: string, params?: readonly SqlValue[]): Promise<{ changes: number }>;
  /**
   * In a write: calls `callback` once this write has settled, with `true` after its commit or
   * `false` if it was rolled back. For what must wait for the commit (waking a reader, handing a
   * row to whoever waits for it). The callback must not throw. A read's Tx refuses it.
   */
  whenSettled(callback: (committed: boolean) => void): void;
}

/** A schema change contributed by a service; applied once, in `id` order within its owner. */
export interface Migration {
  /** Unique and stable, e.g. `queues/001-init`. */
  id: string;
  /** SQL run as one script; a function receives the dialect when the two adapters need different text. */
  up: string | ((dialect: Dialect) => string);
}

export type Dialect = 'sqlite' | 'postgres';

/**
 * What an acknowledged write survives. `disk`: a power cut or kernel crash (its commit was
 * fsynced). `process`: kill -9 of eddy, not a power cut (the operating system holds the commit).
 */
export type Durability = 'disk' | 'process';

/** The libraries SQLite runs on: Node's built-in module, or the native addon built at install. */
export type SqliteDriverName = 'node:sqlite' | 'better-sqlite3';

export interface StoreInfo {
  kind: Dialect;
  /** SQLite's driver (absent on PostgreSQL). */
  driver?: SqliteDriverName;
  /** File path, `:memory:` or a connection string without its password. */
  location: string;
  durability: Durability;
  /** Transactions committed and writes they carried: writes / commits is the group-commit factor. */
  commits: number;
  writes: number;
}

/**
 * Signals between the nodes that share a store (PostgreSQL's LISTEN/NOTIFY). A signal sent in a
 * write reaches every node's listener once that write commits, and never if it rolls back.
 */
export interface StoreSignals {
  /** The channel's name, for SQL that signals by itself (a trigger: `pg_notify(channel, payload)`). */
  readonly channel: string;
  /** Who this store's connections say they are (`application_name`): a trigger's payload starts with it. */
  readonly sender: string;
  /** Sends `payload` when `tx`'s write commits. */
  send(tx: Tx, payload: string): Promise<void>;
  /**
   * Calls `onSignal` with each payload any node (this one included) sends, until the returned stop
   * is called. After a lost connection is back, `onGap` says that signals may have been missed.
   */
  listen(onSignal: (payload: string) => void, onGap: () => void): Promise<() => Promise<void>>;
}

export interface Store {
  readonly dialect: Dialect;
  /** Present where several nodes can share the store (PostgreSQL); SQLite's file has one node. */
  readonly signals?: StoreSignals;
  info(): StoreInfo;
  migrate(migrations: readonly Migration[]): Promise<void>;
  /**
   * Runs `work` in a write transaction and resolves after it committed. Concurrent writes are
   * grouped into one commit; one that throws is rolled back alone and its promise rejects.
   * `work` must only touch the store: it holds the writer while it runs.
   */
  write<T>(work: (tx: Tx) => Promise<T> | T): Promise<T>;
  /** Runs `work` against committed state. */
  read<T>(work: (tx: Tx) => Promise<T> | T): Promise<T>;
  close(): Promise<void>;
}
