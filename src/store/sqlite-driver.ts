// The SQLite driver seam: SqliteStore runs on Node's built-in node:sqlite (Node 22.5+, nothing to
// compile) or on better-sqlite3 (a native addon built at install time; Node 20 has no other).
// better-sqlite3 is loaded only when it is the driver in use, so an install where it failed to
// build still runs on node:sqlite.
import { createRequire } from 'node:module';
import type { SqliteDriverName, SqlValue } from './port.ts';

/** EDDY_SQLITE_DRIVER: `auto` picks node:sqlite where this Node has it, else better-sqlite3. */
export type SqliteDriverChoice = 'auto' | 'node' | 'better-sqlite3';
export const SQLITE_DRIVER_CHOICES: readonly SqliteDriverChoice[] = ['auto', 'node', 'better-sqlite3'];

/** A prepared statement; both drivers take positional parameters as arguments. */
export interface SqliteStatement {
  run(...params: SqlValue[]): { changes: number | bigint };
  get(...params: SqlValue[]): unknown;
  all(...params: SqlValue[]): unknown[];
}

export interface SqliteDatabase {
  prepare(sql: string): SqliteStatement;
  /** Runs a script of one or more statements (pragmas included), returning nothing. */
  exec(sql: string): void;
  readonly inTransaction: boolean;
  close(): void;
}

export interface SqliteDriver {
  readonly name: SqliteDriverName;
  open(path: string, options?: { readOnly?: boolean }): SqliteDatabase;
  /** Whether an error is SQLITE_BUSY (the lock is taken): each driver says so its own way. */
  isBusy(error: unknown): boolean;
}

/** The driver asked for cannot run on this machine: the CLI says why in one line. */
export class SqliteDriverUnavailableError extends Error {
  readonly code = 'SqliteDriverUnavailable';
}

const SQLITE_BUSY = 5;
const require = createRequire(import.meta.url);

// What node:sqlite's module looks like, as far as eddy uses it (@types/node 20 does not know it).
interface NodeSqliteStatement {
  run(...params: SqlValue[]): { changes: number | bigint };
  /** With setReturnArrays(true): a row is its values, in column order. */
  get(...params: SqlValue[]): unknown[] | undefined;
  all(...params: SqlValue[]): unknown[][];
  setReturnArrays(enabled: boolean): void;
  columns(): Array<{ name: string }>;
}
interface NodeSqliteModule {
  DatabaseSync: new (
    path: string,
    options?: { readOnly?: boolean },
  ) => {
    prepare(sql: string): NodeSqliteStatement;
    exec(sql: string): void;
    readonly isTransaction: boolean;
    close(): void;
  };
}

/**
 * node:sqlite, or undefined where this Node has none (before 22.5; 22.5-22.12 only behind
 * --experimental-sqlite). Node 22 warns on the first load in each thread that the module is
 * experimental; eddy's users did not choose it, so that one warning is dropped and no other.
 */
function loadNodeSqlite(): NodeSqliteModule | undefined {
  const emitWarning = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const type = typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: string } | undefined)?.type;
    if (type === 'ExperimentalWarning' && /SQLite/.test(String(warning))) return;
    (emitWarning as (...args: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    return process.getBuiltinModule('node:sqlite') as NodeSqliteModule | undefined;
  } catch {
    return undefined; // Node 20 before 20.16 has no process.getBuiltinModule
  } finally {
    process.emitWarning = emitWarning;
  }
}

/** Whether this Node has node:sqlite without flags (what `auto` goes by). */
export const nodeSqliteAvailable = (): boolean => loadNodeSqlite() !== undefined;

type RowOf = (values: unknown[]) => Record<string, unknown>;

/**
 * node:sqlite's row objects have a null prototype and are built key by key (V8 keeps them as slow
 * dictionaries); the port's rows are plain objects, as better-sqlite3's and pg's are. So rows are
 * read as arrays and made into objects by a function compiled for the statement's columns: an
 * object literal V8 builds at once. In a micro-benchmark (point reads of a 5-column row, in memory,
 * Node 24) that read 1.2M rows/s, against 0.43M/s copying node:sqlite's objects and 0.95M/s on
 * better-sqlite3. Computed keys keep a column named
 * `__proto__` an own property; a later column of the same name wins, as in both drivers.
 */
function rowFactory(statement: NodeSqliteStatement): RowOf {
  const fields = statement
    .columns()
    .map((column, index) => `[${JSON.stringify(column.name)}]: values[${index}]`);
  return new Function('values', `return { ${fields.join(', ')} };`) as RowOf;
}

/** The columns are the statement's at prepare time: a schema change needs a new statement (see migrate). */
function nodeStatement(statement: NodeSqliteStatement): SqliteStatement {
  statement.setReturnArrays(true);
  const toObject = rowFactory(statement);
  return {
    run: (...params) => statement.run(...params),
    get: (...params) => {
      const values = statement.get(...params);
      return values === undefined ? undefined : toObject(values);
    },
    all: (...params) => statement.all(...params).map(toObject),
  };
}

function nodeSqliteDriver(sqlite: NodeSqliteModule): SqliteDriver {
  return {
    name: 'node:sqlite',
    open(path, options = {}) {
      const db = new sqlite.DatabaseSync(path, { readOnly: options.readOnly ?? false });
      return {
        prepare: (sql) => nodeStatement(db.prepare(sql)),
        exec: (sql) => db.exec(sql),
        get inTransaction() {
          return db.isTransaction;
        },
        close: () => db.close(),
      };
    },
    // ERR_SQLITE_ERROR with SQLite's (extended) result code in `errcode`.
    isBusy: (error) => {
      const code = (error as { errcode?: unknown } | null)?.errcode;
      return typeof code === 'number' && (code & 0xff) === SQLITE_BUSY;
    },
  };
}

type BetterSqliteConstructor = new (
  path: string,
  options?: { readonly?: boolean },
) => {
  prepare(sql: string): SqliteStatement;
  exec(sql: string): void;
  readonly inTransaction: boolean;
  close(): void;
};

function betterSqliteDriver(): SqliteDriver {
  let Database: BetterSqliteConstructor;
  try {
    Database = require('better-sqlite3') as BetterSqliteConstructor;
  } catch (error) {
    // The first line: a "Cannot find module" message goes on with its require stack.
    const reason = (error as Error).message.split('\n')[0];
    throw new SqliteDriverUnavailableError(
      `the SQLite driver better-sqlite3 cannot be loaded (${reason}); ` +
        (loadNodeSqlite()
          ? 'EDDY_SQLITE_DRIVER=node runs on the built-in node:sqlite instead'
          : 'build it (a C++ toolchain: g++, make, python3; then npm rebuild better-sqlite3), or run on Node 22 or later, whose built-in node:sqlite needs no build'),
    );
  }
  return {
    name: 'better-sqlite3',
    open: (path, options = {}) => new Database(path, { readonly: options.readOnly ?? false }),
    isBusy: (error) => (error as { code?: unknown } | null)?.code === 'SQLITE_BUSY',
  };
}

/** The driver `choice` names; `node` where this Node has no node:sqlite is refused, not replaced. */
export function sqliteDriver(choice: SqliteDriverChoice = 'auto'): SqliteDriver {
  if (choice === 'better-sqlite3') return betterSqliteDriver();
  const sqlite = loadNodeSqlite();
  if (sqlite) return nodeSqliteDriver(sqlite);
  if (choice === 'node') {
    throw new SqliteDriverUnavailableError(
      `EDDY_SQLITE_DRIVER=node needs node:sqlite, which Node ${process.version} does not have (Node 22.5+ has it)`,
    );
  }
  return betterSqliteDriver();
}
