// The store port's contract, one list of cases every adapter runs (store.test.ts for SQLite,
// postgres.test.ts for PostgreSQL): the same promises whichever database is behind the port.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { autoKey, blobType } from './ddl.ts';
import type { Dialect, Migration, Store } from './port.ts';

export const contractMigrations: Migration[] = [
  {
    id: 'test/001',
    up: (dialect) => `CREATE TABLE items (id ${autoKey(dialect)}, name TEXT NOT NULL UNIQUE)`,
  },
  {
    id: 'test/002',
    up: (dialect: Dialect) => `CREATE TABLE notes (body TEXT, dialect TEXT DEFAULT '${dialect}')`,
  },
  {
    id: 'test/003',
    up: (dialect) =>
      `CREATE TABLE values_kept (id ${autoKey(dialect)}, at BIGINT NOT NULL, n INTEGER, data ${blobType(dialect)}, label TEXT)`,
  },
];

export interface ContractAdapter {
  name: string;
  /** A new, empty store. */
  open(): Promise<Store>;
  /** Opens the database the given store used, once it is closed; absent for in-memory stores. */
  reopen?: (closed: Store) => Promise<Store>;
}

export function storeContract(adapter: ContractAdapter): void {
  const { open } = adapter;
  describe(`store contract: ${adapter.name}`, () => {
    test('applies each migration once', async () => {
      const store = await open();
      await store.migrate(contractMigrations);
      await store.migrate(contractMigrations);
      const rows = await store.read((tx) =>
        tx.all<{ id: string }>("SELECT id FROM eddy_migrations WHERE id LIKE 'test/%' ORDER BY id"),
      );
      assert.deepEqual(
        rows.map((row) => row.id),
        ['test/001', 'test/002', 'test/003'],
      );
      const note = await store.write(async (tx) => {
        await tx.run('INSERT INTO notes (body) VALUES (?)', ['x']);
        return tx.get<{ dialect: string }>('SELECT dialect FROM notes');
      });
      assert.equal(note?.dialect, store.dialect);
      await store.close();
    });

    test('groups concurrent writes into one commit and rolls back only the one that failed', async () => {
      const store = await open();
      await store.migrate(contractMigrations);
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

    test('many concurrent writes all commit, in the order they were asked for', async () => {
      const store = await open();
      await store.migrate(contractMigrations);
      const count = 300;
      const ids = await Promise.all(
        Array.from({ length: count }, (_, index) =>
          store.write((tx) =>
            tx.get<{ id: number }>('INSERT INTO items (name) VALUES (?) RETURNING id', [`n${index}`]),
          ),
        ),
      );
      const numbers = ids.map((row) => row!.id);
      assert.ok(numbers.every((id) => typeof id === 'number'));
      assert.deepEqual(
        numbers,
        [...numbers].sort((a, b) => a - b),
      );
      const total = await store.read((tx) => tx.get<{ n: number }>('SELECT COUNT(*) AS n FROM items'));
      assert.equal(total?.n, count);
      assert.ok(store.info().writes >= count);
      await store.close();
    });

    test('a write resolves only after its data is readable', async () => {
      const store = await open();
      await store.migrate(contractMigrations);
      await store.write((tx) => tx.run('INSERT INTO items (name) VALUES (?)', ['visible']));
      const row = await store.read((tx) => tx.get<{ name: string }>('SELECT name FROM items'));
      assert.equal(row?.name, 'visible');
      await store.close();
    });

    test('a write tells its callbacks whether it committed, after the commit', async () => {
      const store = await open();
      await store.migrate(contractMigrations);
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

    test('values keep their types: epoch milliseconds, counts, sums, bytes, nulls', async () => {
      const store = await open();
      await store.migrate(contractMigrations);
      const at = Date.UTC(2030, 0, 1, 12, 0, 0, 123);
      const bytes = Uint8Array.from([0, 1, 2, 254, 255]);
      await store.write(async (tx) => {
        await tx.run('INSERT INTO values_kept (at, n, data, label) VALUES (?, ?, ?, ?)', [at, 7, bytes, 'a']);
        await tx.run('INSERT INTO values_kept (at, n, data, label) VALUES (?, ?, ?, ?)', [
          at + 1,
          null,
          null,
          null,
        ]);
      });
      const rows = await store.read((tx) =>
        tx.all<{ at: number; n: number | null; data: Uint8Array | null; label: string | null }>(
          'SELECT at, n, data, label FROM values_kept ORDER BY at',
        ),
      );
      assert.equal(rows[0]!.at, at);
      assert.equal(rows[0]!.n, 7);
      assert.deepEqual(new Uint8Array(rows[0]!.data!), bytes);
      assert.equal(rows[0]!.label, 'a');
      assert.deepEqual([rows[1]!.n, rows[1]!.data, rows[1]!.label], [null, null, null]);
      const sums = await store.read((tx) =>
        tx.get<{ count: number; total: number; latest: number }>(
          'SELECT COUNT(*) AS count, SUM(at) AS total, MAX(at) AS latest FROM values_kept',
        ),
      );
      assert.deepEqual(sums, { count: 2, total: 2 * at + 1, latest: at + 1 });
      await store.close();
    });

    test('an empty IN list matches nothing and an empty NOT IN list everything', async () => {
      const store = await open();
      await store.migrate(contractMigrations);
      await store.write((tx) => tx.run("INSERT INTO items (name) VALUES ('x'), ('y')"));
      const counts = await store.read(async (tx) => [
        (await tx.get<{ n: number }>('SELECT COUNT(*) AS n FROM items WHERE id IN ()'))!.n,
        (await tx.get<{ n: number }>('SELECT COUNT(*) AS n FROM items WHERE id NOT IN ( )'))!.n,
        (await tx.get<{ n: number }>("SELECT COUNT(*) AS n FROM items WHERE name IN ('x', ?)", ['?']))!.n,
      ]);
      assert.deepEqual(counts, [0, 2, 1]);
      await store.close();
    });

    test('upserts, RETURNING and changes counts read the same', async () => {
      const store = await open();
      await store.migrate(contractMigrations);
      const result = await store.write(async (tx) => {
        const first = await tx.get<{ id: number; name: string }>(
          'INSERT INTO items (name) VALUES (?) ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING id, name',
          ['u'],
        );
        const again = await tx.get<{ id: number }>(
          'INSERT INTO items (name) VALUES (?) ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING id',
          ['u'],
        );
        const ignored = await tx.run('INSERT INTO items (name) VALUES (?) ON CONFLICT DO NOTHING', ['u']);
        const updated = await tx.run("UPDATE items SET name = name || '!' WHERE name = ?", ['u']);
        const missing = await tx.run('DELETE FROM items WHERE name = ?', ['none']);
        return { same: first!.id === again!.id, name: first!.name, ignored, updated, missing };
      });
      assert.deepEqual(result, {
        same: true,
        name: 'u',
        ignored: { changes: 0 },
        updated: { changes: 1 },
        missing: { changes: 0 },
      });
      await store.close();
    });

    test('refuses writes after close', async () => {
      const store = await open();
      await store.close();
      await assert.rejects(
        store.write(() => 1),
        /closed/,
      );
    });

    if (adapter.reopen) {
      const reopen = adapter.reopen;
      test('committed data survives reopening', async () => {
        const first = await open();
        await first.migrate(contractMigrations);
        await first.write((tx) => tx.run('INSERT INTO items (name) VALUES (?)', ['kept']));
        await first.close();
        const second = await reopen(first);
        const row = await second.read((tx) => tx.get<{ name: string }>('SELECT name FROM items'));
        assert.equal(row?.name, 'kept');
        await second.close();
      });
    }
  });
}
