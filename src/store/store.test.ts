import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { SqliteStore, type Store } from './index.ts';

const migrations = [
  { id: 'test/001', up: 'CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)' },
  {
    id: 'test/002',
    up: (dialect: string) => `CREATE TABLE notes (body TEXT, dialect TEXT DEFAULT '${dialect}')`,
  },
];

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'eddy-store-'));
  dirs.push(dir);
  return join(dir, 'eddy.db');
}

// The same contract for every adapter and mode.
const adapters: Array<[string, () => Store]> = [
  ['sqlite file', () => new SqliteStore({ path: tempPath() })],
  ['sqlite in memory', () => new SqliteStore({ path: ':memory:' })],
];

for (const [name, open] of adapters) {
  describe(`store contract: ${name}`, () => {
    test('applies each migration once', async () => {
      const store = open();
      await store.migrate(migrations);
      await store.migrate(migrations);
      const rows = await store.read((tx) =>
        tx.all<{ id: string }>('SELECT id FROM eddy_migrations ORDER BY id'),
      );
      assert.deepEqual(
        rows.map((row) => row.id),
        ['test/001', 'test/002'],
      );
      const note = await store.write(async (tx) => {
        await tx.run('INSERT INTO notes (body) VALUES (?)', ['x']);
        return tx.get<{ dialect: string }>('SELECT dialect FROM notes');
      });
      assert.equal(note?.dialect, store.dialect);
      await store.close();
    });

    test('groups concurrent writes into one commit and rolls back only the one that failed', async () => {
      const store = open();
      await store.migrate(migrations);
      const before = store.info().commits;
      const results = await Promise.allSettled([
        store.write((tx) => tx.run('INSERT INTO items (name) VALUES (?)', ['a'])),
        store.write(async (tx) => {
          await tx.run('INSERT INTO items (name) VALUES (?)', ['b']);
          await tx.run('INSERT INTO items (name) VALUES (?)', ['a']); // violates UNIQUE
        }),
        store.write((tx) => tx.run('INSERT INTO items (name) VALUES (?)', ['c'])),
      ]);
      assert.deepEqual(
        results.map((result) => result.status),
        ['fulfilled', 'rejected', 'fulfilled'],
      );
      assert.equal(store.info().commits - before, 1);
      const names = await store.read((tx) =>
        tx.all<{ name: string }>('SELECT name FROM items ORDER BY name'),
      );
      assert.deepEqual(
        names.map((row) => row.name),
        ['a', 'c'],
      );
      await store.close();
    });

    test('a write resolves only after its data is readable', async () => {
      const store = open();
      await store.migrate(migrations);
      await store.write((tx) => tx.run('INSERT INTO items (name) VALUES (?)', ['visible']));
      const row = await store.read((tx) => tx.get<{ name: string }>('SELECT name FROM items'));
      assert.equal(row?.name, 'visible');
      await store.close();
    });

    test('a write tells its callbacks whether it committed, after the commit', async () => {
      const store = open();
      await store.migrate(migrations);
      const outcomes: Array<[string, boolean]> = [];
      const countItems = () =>
        store.read((tx) => tx.get<{ n: number }>('SELECT COUNT(*) AS n FROM items')).then((row) => row!.n);
      const seen: Promise<number>[] = [];
      const note = (name: string) => (committed: boolean) => {
        if (committed) seen.push(countItems());
        outcomes.push([name, committed]);
      };
      await Promise.allSettled([
        store.write(async (tx) => {
          tx.whenSettled(note('kept'));
          await tx.run('INSERT INTO items (name) VALUES (?)', ['kept']);
        }),
        store.write(async (tx) => {
          tx.whenSettled(note('refused'));
          await tx.run('INSERT INTO items (name) VALUES (?)', ['kept']); // violates UNIQUE
        }),
      ]);
      assert.deepEqual(outcomes.sort(), [
        ['kept', true],
        ['refused', false],
      ]);
      assert.deepEqual(await Promise.all(seen), [1], 'the row was readable when the callback ran');
      await assert.rejects(
        store.read(async (tx) => tx.whenSettled(() => {})),
        /whenSettled is for writes/,
      );
      await store.close();
    });

    test('refuses writes after close', async () => {
      const store = open();
      await store.close();
      await assert.rejects(
        store.write(() => 1),
        /closed/,
      );
    });
  });
}

test('sqlite file: committed data survives reopening', async () => {
  const path = tempPath();
  const first = new SqliteStore({ path });
  await first.migrate(migrations);
  await first.write((tx) => tx.run('INSERT INTO items (name) VALUES (?)', ['kept']));
  await first.close();
  const second = new SqliteStore({ path });
  const row = await second.read((tx) => tx.get<{ name: string }>('SELECT name FROM items'));
  assert.equal(row?.name, 'kept');
  await second.close();
});

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
