// The store: one port, adapters behind it. Services import only from here.
import { join } from 'node:path';
import type { Durability, Store } from './port.ts';
import { PostgresStore } from './postgres.ts';
import { SqliteStore } from './sqlite.ts';
import type { SqliteDriverChoice } from './sqlite-driver.ts';

export { autoKey, blobType } from './ddl.ts';
export { StoreUnavailableError } from './errors.ts';
export type {
  Dialect,
  Durability,
  Migration,
  SqliteDriverName,
  SqlValue,
  Store,
  StoreInfo,
  StoreSignals,
  Tx,
} from './port.ts';
export { MAX_BATCH, PostgresStore, parsePostgresUrl, refuseNewerSchema } from './postgres.ts';
export { SqliteStore } from './sqlite.ts';
export {
  nodeSqliteAvailable,
  SQLITE_DRIVER_CHOICES,
  type SqliteDriverChoice,
  sqliteDriver,
} from './sqlite-driver.ts';
export { toPostgresSql } from './translate.ts';

export interface OpenStoreOptions {
  dataDir: string;
  inMemory: boolean;
  /** A `postgres://` URL: the store is that database; absent, the embedded SQLite file. */
  url?: string | undefined;
  /** What PostgreSQL connections call themselves (the node's id in it). */
  applicationName?: string;
  /** What an acknowledged write survives (default `disk`: a power cut). */
  durability?: Durability;
  /** Which driver runs the SQLite file (default `auto`); PostgreSQL ignores it. */
  sqliteDriver?: SqliteDriverChoice;
}

/** Opens the configured store: PostgreSQL at `url`, else `<dataDir>/eddy.db` or an in-memory database. */
export function openStore(options: OpenStoreOptions): Store {
  if (options.url) {
    return new PostgresStore({
      url: options.url,
      ...(options.applicationName ? { applicationName: options.applicationName } : {}),
      ...(options.durability ? { durability: options.durability } : {}),
    });
  }
  return new SqliteStore({
    path: options.inMemory ? ':memory:' : join(options.dataDir, 'eddy.db'),
    ...(options.durability ? { durability: options.durability } : {}),
    ...(options.sqliteDriver ? { driver: options.sqliteDriver } : {}),
  });
}
export {
  createScratchSchema,
  DEFAULT_TEST_PG_URL,
  openTestStore,
  type ScratchSchema,
  type TestStore,
  testSqliteDriver,
} from './scratch.ts';
