import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { contractMigrations, storeContract } from './contract.cases.ts';
import { SqliteStore, type Store } from './index.ts';

const migrations = contractMigrations;

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
    const store = new SqliteStore({ path });
    paths.set(store, path);
    return store;
  },
  async reopen(closed) {
    return new SqliteStore({ path: paths.get(closed)! });
  },
});
storeContract({ name: 'sqlite in memory', open: async () => new SqliteStore({ path: ':memory:' }) });

test('sqlite file: a write that finds the write lock taken waits for it without blocking the event loop', async () => {
  const path = tempPath();
  const store = new SqliteStore({ path });
  await store.migrate(migrations);
  const other = new Database(path); // holds the lock as the checkpointer does while it rewinds the WAL
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
  const store = new SqliteStore({ path });
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
