import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { contractMigrations, storeContract } from './contract.cases.ts';
import { SqliteStore, type Store, testSqliteDriver } from './index.ts';
import { nodeSqliteAvailable, sqliteDriver } from './sqlite-driver.ts';

const migrations = contractMigrations;
// EDDY_SQLITE_DRIVER picks the driver these run on, as it does for eddy (CI runs them on both).
const driver = testSqliteDriver();

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'eddy-store-'));
  dirs.push(dir);
  return join(dir, 'eddy.db');
}

// The shared contract (contract.cases.ts), for SQLite's two modes; postgres.test.ts runs it on PostgreSQL.
const paths = new WeakMap<Store, string>();
storeContract({
  name: 'sqlite file',
  async open() {
    const path = tempPath();
    const store = new SqliteStore({ path, driver });
    paths.set(store, path);
    return store;
  },
  async reopen(closed) {
    return new SqliteStore({ path: paths.get(closed)!, driver });
  },
});
storeContract({ name: 'sqlite in memory', open: async () => new SqliteStore({ path: ':memory:', driver }) });

test('sqlite file: a write that finds the write lock taken waits for it without blocking the event loop', async () => {
  const path = tempPath();
  const store = new SqliteStore({ path, driver });
  await store.migrate(migrations);
  const other = sqliteDriver(driver).open(path); // holds the lock as the checkpointer does while it rewinds the WAL
  other.exec('BEGIN IMMEDIATE');
  let committed = false;
  const write = store
    .write((tx) => tx.run('INSERT INTO items (name) VALUES (?)', ['late']))
    .then(() => {
      committed = true;
    });
  const loopStarted = performance.now();
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.ok(performance.now() - loopStarted < 500, 'timers still ran');
  assert.equal(committed, false, 'the write waits for the lock');
  other.exec('COMMIT');
  await write;
  const row = await store.read((tx) => tx.get<{ name: string }>('SELECT name FROM items'));
  assert.equal(row?.name, 'late');
  other.close();
  await store.close();
});

test('sqlite file: under steady writes the checkpointer rewinds the WAL long before the fallback', async () => {
  const path = tempPath();
  const store = new SqliteStore({ path, driver });
  await store.migrate([{ id: 'test/blobs', up: 'CREATE TABLE blobs (id INTEGER PRIMARY KEY, data BLOB)' }]);
  const data = new Uint8Array(64 * 1024);
  // 96 MiB written over ~2 s: without rewinding, the WAL would grow to the 64 MiB fallback.
  for (let round = 0; round < 40; round++) {
    await Promise.all(
      Array.from({ length: 40 }, () =>
        store.write((tx) => tx.run('INSERT INTO blobs (data) VALUES (?)', [data])),
      ),
    );
    await store.write((tx) => tx.run('DELETE FROM blobs'));
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const walMiB = statSync(`${path}-wal`).size / 2 ** 20;
  assert.ok(walMiB < 40, `the WAL reached ${walMiB.toFixed(1)} MiB`);
  await store.close();
});

test('sqlite: the store says which driver runs it; auto is node:sqlite where this Node has it', async () => {
  const builtin = nodeSqliteAvailable();
  const store = new SqliteStore({ path: tempPath() });
  assert.equal(store.info().driver, builtin ? 'node:sqlite' : 'better-sqlite3');
  await store.close();
  if (builtin) {
    const chosen = new SqliteStore({ path: tempPath(), driver: 'node' });
    assert.equal(chosen.info().driver, 'node:sqlite');
    await chosen.close();
  } else {
    assert.throws(() => new SqliteStore({ path: tempPath(), driver: 'node' }), /needs node:sqlite/);
  }
  // Installed, it runs when named; absent (its optional build failed), the refusal says what to do.
  // Only "not found" counts as absent: an addon that is there but will not load must fail here.
  let installed = true;
  try {
    createRequire(import.meta.url)('better-sqlite3');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') installed = false;
  }
  if (installed) {
    const chosen = new SqliteStore({ path: tempPath(), driver: 'better-sqlite3' });
    assert.equal(chosen.info().driver, 'better-sqlite3');
    await chosen.close();
  } else {
    assert.throws(
      () => new SqliteStore({ path: tempPath(), driver: 'better-sqlite3' }),
      /better-sqlite3 cannot be loaded .*EDDY_SQLITE_DRIVER=node/,
    );
  }
});

test('sqlite: rows are plain objects and bytes come back as bytes, whichever the driver', async () => {
  const store = new SqliteStore({ path: ':memory:', driver });
  await store.migrate(migrations);
  await store.write((tx) =>
    tx.run('INSERT INTO values_kept (at, data) VALUES (?, ?)', [1, Uint8Array.from([1, 2])]),
  );
  const row = await store.read((tx) =>
    tx.get<{ at: number; data: Uint8Array }>('SELECT at, data FROM values_kept'),
  );
  assert.deepStrictEqual({ ...row, data: [...row!.data] }, { at: 1, data: [1, 2] });
  assert.equal(Object.getPrototypeOf(row), Object.prototype);
  assert.ok(row!.data instanceof Uint8Array);
  await store.close();
});

test('sqlite: a cached SELECT * sees the column a later migration adds', async () => {
  const store = new SqliteStore({ path: ':memory:', driver });
  await store.migrate([{ id: 'test/wide-1', up: 'CREATE TABLE wide (a INTEGER)' }]);
  await store.write((tx) => tx.run('INSERT INTO wide (a) VALUES (1)'));
  const all = () => store.read((tx) => tx.all<Record<string, unknown>>('SELECT * FROM wide'));
  assert.deepStrictEqual(await all(), [{ a: 1 }]);
  await store.migrate([{ id: 'test/wide-2', up: "ALTER TABLE wide ADD COLUMN b TEXT DEFAULT 'x'" }]);
  assert.deepStrictEqual(await all(), [{ a: 1, b: 'x' }]);
  await store.close();
});
