// The store contract on PostgreSQL (each store in a schema of its own, dropped afterwards), and
// what only a shared database can show: several stores — nodes — writing at once.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { contractMigrations, storeContract } from './contract.cases.ts';
import {
  autoKey,
  createScratchSchema,
  MAX_BATCH,
  PostgresStore,
  refuseNewerSchema,
  type ScratchSchema,
  type Store,
  StoreUnavailableError,
  type Tx,
  toPostgresSql,
} from './index.ts';

const schemas: ScratchSchema[] = [];
after(async () => {
  for (const schema of schemas) await schema.drop();
});

async function scratch(): Promise<ScratchSchema> {
  const schema = await createScratchSchema();
  schemas.push(schema);
  return schema;
}

const urls = new WeakMap<Store, string>();
storeContract({
  name: 'postgres',
  async open() {
    const { url } = await scratch();
    const store = new PostgresStore({ url });
    urls.set(store, url);
    return store;
  },
  async reopen(closed) {
    return new PostgresStore({ url: urls.get(closed)! });
  },
});

describe('SQL translation', () => {
  test('numbers placeholders and leaves quoted text and comments alone', () => {
    assert.equal(
      toPostgresSql("SELECT '?', \"a?\" FROM t WHERE a = ? AND b = 'it''s ?' -- ?\n AND c = ? /* ? */"),
      "SELECT '?', \"a?\" FROM t WHERE a = $1 AND b = 'it''s ?' -- ?\n AND c = $2 /* ? */",
    );
  });

  test('an empty IN list becomes an empty array, and only outside quotes', () => {
    assert.equal(
      toPostgresSql("SELECT 1 WHERE a NOT IN () AND b IN (?) AND d IN ( ) AND c = 'IN ()'"),
      "SELECT 1 WHERE a <> ALL ('{}') AND b IN ($1) AND d = ANY ('{}') AND c = 'IN ()'",
    );
  });
});

test('refuses a schema that a newer eddy migrated', () => {
  const known = [
    { id: 'queues/001', up: '' },
    { id: 'topics/001', up: '' },
  ];
  assert.doesNotThrow(() => refuseNewerSchema(new Set(['queues/001', 'other/009']), known));
  assert.throws(
    () => refuseNewerSchema(new Set(['queues/001', 'queues/002']), known),
    /newer than this eddy.*queues\/002/,
  );
});

test('a node started on a newer schema refuses to start', async () => {
  const { url } = await scratch();
  const newer = new PostgresStore({ url });
  await newer.migrate([...contractMigrations, { id: 'test/999-later', up: 'CREATE TABLE later (x TEXT)' }]);
  await newer.close();
  const older = new PostgresStore({ url });
  await assert.rejects(older.migrate(contractMigrations), /newer than this eddy/);
  await older.close();
});

describe('several stores on one database (nodes)', () => {
  const counterMigrations = [
    ...contractMigrations,
    { id: 'test/010-counter', up: 'CREATE TABLE counter (id INTEGER PRIMARY KEY, n BIGINT NOT NULL)' },
    {
      id: 'test/011-jobs',
      up: (dialect: 'sqlite' | 'postgres') =>
        `CREATE TABLE jobs (id ${autoKey(dialect)}, taken_by TEXT, visible_at BIGINT NOT NULL)`,
    },
  ];

  async function nodes(count: number): Promise<PostgresStore[]> {
    const { url } = await scratch();
    const stores = Array.from({ length: count }, () => new PostgresStore({ url }));
    await Promise.all(stores.map((store) => store.migrate(counterMigrations)));
    return stores;
  }

  test('migrations from nodes starting together are applied once', async () => {
    const stores = await nodes(3);
    const rows = await stores[0]!.read((tx) =>
      tx.all<{ id: string }>("SELECT id FROM eddy_migrations WHERE id LIKE 'test/%'"),
    );
    assert.equal(rows.length, counterMigrations.length);
    await Promise.all(stores.map((store) => store.close()));
  });

  test('a read-then-update written for one writer stays exact across nodes', async () => {
    const stores = await nodes(2);
    await stores[0]!.write((tx) => tx.run('INSERT INTO counter (id, n) VALUES (1, 0)'));
    const increments = 2 * 3 * MAX_BATCH;
    await Promise.all(
      Array.from({ length: increments }, (_, index) =>
        stores[index % 2]!.write(async (tx) => {
          const row = await tx.get<{ n: number }>('SELECT n FROM counter WHERE id = 1');
          await tx.run('UPDATE counter SET n = ? WHERE id = 1', [row!.n + 1]);
        }),
      ),
    );
    const row = await stores[1]!.read((tx) => tx.get<{ n: number }>('SELECT n FROM counter WHERE id = 1'));
    assert.equal(row?.n, increments);
    await Promise.all(stores.map((store) => store.close()));
  });

  test('a claim (select the visible, then take them) never hands one row to two nodes', async () => {
    const stores = await nodes(2);
    const jobs = 500;
    await stores[0]!.write(async (tx) => {
      for (let index = 0; index < jobs; index++) await tx.run('INSERT INTO jobs (visible_at) VALUES (0)');
    });
    const taken = new Map<number, string>();
    const claimer = (store: PostgresStore, name: string) =>
      store.write(async (tx) => {
        const rows = await tx.all<{ id: number }>(
          'SELECT id FROM jobs WHERE visible_at <= ? ORDER BY id LIMIT 3',
          [Date.now()],
        );
        for (const row of rows) {
          await tx.run('UPDATE jobs SET taken_by = ?, visible_at = ? WHERE id = ?', [
            name,
            Date.now() + 60_000,
            row.id,
          ]);
        }
        return rows.map((row) => row.id);
      });
    for (let round = 0; round < 40; round++) {
      const claims = await Promise.all(
        Array.from({ length: 10 }, (_, index) =>
          claimer(stores[index % 2]!, `node${index % 2}:${round}:${index}`),
        ),
      );
      claims.forEach((ids, index) => {
        for (const id of ids) {
          assert.equal(taken.has(id), false, `job ${id} was handed out twice`);
          taken.set(id, `${index}`);
        }
      });
    }
    assert.equal(taken.size, Math.min(jobs, 40 * 10 * 3));
    await Promise.all(stores.map((store) => store.close()));
  });
});

test('an unreachable server fails writes and reads with a retryable StoreUnavailableError', async () => {
  const store = new PostgresStore({ url: 'postgres://postgres@127.0.0.1:1/test' });
  await assert.rejects(
    store.write((tx) => tx.run('SELECT 1')),
    (error: unknown) => error instanceof StoreUnavailableError && error.retryable,
  );
  await assert.rejects(
    store.read((tx) => tx.get('SELECT 1')),
    (error: unknown) => error instanceof StoreUnavailableError,
  );
  await store.close();
});

describe('durability', () => {
  test('disk waits for the WAL flush at each commit (synchronous_commit on); process does not', async () => {
    const { url } = await scratch();
    for (const [durability, expected] of [
      [undefined, 'on'],
      ['disk', 'on'],
      ['process', 'off'],
    ] as const) {
      const store = new PostgresStore({ url, ...(durability ? { durability } : {}) });
      try {
        const setting = (tx: Tx) => tx.get<{ synchronous_commit: string }>('SHOW synchronous_commit');
        assert.equal((await store.read(setting))?.synchronous_commit, expected);
        assert.equal((await store.write(setting))?.synchronous_commit, expected);
        assert.equal(store.info().durability, durability ?? 'disk');
      } finally {
        await store.close();
      }
    }
  });
});
