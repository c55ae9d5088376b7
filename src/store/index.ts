// The store: one port, adapters behind it. Services import only from here.
import { join } from 'node:path';
import type { Store } from './port.ts';
import { SqliteStore } from './sqlite.ts';

export type { Dialect, Migration, SqlValue, Store, StoreInfo, Tx } from './port.ts';
export { SqliteStore } from './sqlite.ts';

export interface OpenStoreOptions {
  dataDir: string;
  inMemory: boolean;
}

/** Opens the embedded store: `<dataDir>/eddy.db`, or an in-memory database. */
export function openStore(options: OpenStoreOptions): Store {
  return new SqliteStore({ path: options.inMemory ? ':memory:' : join(options.dataDir, 'eddy.db') });
}
