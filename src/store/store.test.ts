import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
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
