// Throwaway schemas on a PostgreSQL server, for tests and benchmarks: each eddy under test gets a
// schema of its own in one database, dropped (with everything in it) when it is done.
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';

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
  const admin = postgres(baseUrl, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  try {
    await admin.unsafe(`CREATE SCHEMA "${schema}"`);
  } catch (error) {
    throw new Error(
      `PostgreSQL at ${baseUrl.replace(/:[^:@/]*@/, '@')} is not reachable (${(error as Error).message}); ` +
        'start it: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
    );
  } finally {
    await admin.end({ timeout: 1 });
  }
  const url = new URL(baseUrl);
  url.searchParams.set('schema', schema);
  return {
    url: url.href,
    schema,
    async drop() {
      const sql = postgres(baseUrl, { max: 1, onnotice: () => {}, connect_timeout: 5 });
      try {
        await sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await sql.end({ timeout: 1 });
      }
    },
  };
}
