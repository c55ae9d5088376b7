// Throwaway schemas on a PostgreSQL server, for tests and benchmarks: each eddy under test gets a
// schema of its own in one database, dropped (with everything in it) when it is done.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Store } from './port.ts';
import { PostgresStore } from './postgres.ts';
import { SqliteStore } from './sqlite.ts';
import { SQLITE_DRIVER_CHOICES, type SqliteDriverChoice } from './sqlite-driver.ts';

/** Where tests find PostgreSQL unless EDDY_TEST_PG_URL says otherwise. */
export const DEFAULT_TEST_PG_URL = 'postgres://postgres@127.0.0.1:5432/test';

export interface ScratchSchema {
  /** The database's URL with `?schema=` naming the new schema: an EDDY_STORE value. */
  url: string;
  schema: string;
  /** Drops the schema and everything in it. */
  drop(): Promise<void>;
}

export async function createScratchSchema(
  baseUrl = process.env.EDDY_TEST_PG_URL ?? DEFAULT_TEST_PG_URL,
  prefix = 'eddy_t',
): Promise<ScratchSchema> {
  const schema = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: baseUrl, connectionTimeoutMillis: 5000 });
  try {
    await admin.connect();
    await admin.query(`CREATE SCHEMA "${schema}"`);
  } catch (error) {
    throw new Error(
      `PostgreSQL at ${baseUrl.replace(/:[^:@/]*@/, '@')} is not reachable (${(error as Error).message}); ` +
        'start it: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
    );
  } finally {
    await admin.end().catch(() => undefined);
  }
  const url = new URL(baseUrl);
  url.searchParams.set('schema', schema);
  return {
    url: url.href,
    schema,
    async drop() {
      const client = new pg.Client({ connectionString: baseUrl, connectionTimeoutMillis: 5000 });
      try {
        await client.connect();
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await client.end().catch(() => undefined);
      }
    },
  };
}

/** The SQLite driver unit tests' stores run on: EDDY_SQLITE_DRIVER's (default `auto`). */
export function testSqliteDriver(value = process.env.EDDY_SQLITE_DRIVER ?? 'auto'): SqliteDriverChoice {
  const choice = SQLITE_DRIVER_CHOICES.find((name) => name === value);
  if (!choice) throw new Error(`EDDY_SQLITE_DRIVER=${value}: expected ${SQLITE_DRIVER_CHOICES.join(', ')}`);
  return choice;
}

/** A store for a unit test: SQLite in a temporary file, or a scratch schema when EDDY_TEST_STORE=postgres. */
export interface TestStore {
  store: Store;
  /** Another store on the same database (the first one closed, or still open: a second node). */
  open(): Store;
  /** Closes nothing; removes the database (file or schema). Close the stores first. */
  dispose(): Promise<void>;
}

export async function openTestStore(kind = process.env.EDDY_TEST_STORE): Promise<TestStore> {
  if (kind === 'postgres') {
    const schema = await createScratchSchema();
    const open = () => new PostgresStore({ url: schema.url });
    return { store: open(), open, dispose: () => schema.drop() };
  }
  const dir = mkdtempSync(join(tmpdir(), 'eddy-store-'));
  const open = () => new SqliteStore({ path: join(dir, 'eddy.db'), driver: testSqliteDriver() });
  return { store: open(), open, dispose: async () => rmSync(dir, { recursive: true, force: true }) };
}
