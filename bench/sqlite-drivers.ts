// `npm run bench -- sqlite-drivers`: the store's statement mix on better-sqlite3 and on Node's
// built-in node:sqlite (Node 22.5+), through the store's driver seam (sqlite-driver.ts, what
// SqliteStore runs on), same file settings (WAL, synchronous NORMAL), one process, one run. It
// measures what issue 29 asked before eddy switched drivers: group-committed inserts (a SAVEPOINT per
// write, as SqliteStore.flush does), point reads, an SQS-like claim (UPDATE … RETURNING) plus delete,
// and then concurrent writes and point reads through SqliteStore itself.
// Ends with `RESULT sqlite-drivers …`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  nodeSqliteAvailable,
  type SqliteDriverChoice,
  SqliteStore,
  type SqlValue,
  sqliteDriver,
} from '../src/store/index.ts';
import { type Cell, printResult, printTable } from './_lib.ts';

interface Statement {
  run(...params: SqlValue[]): unknown;
  get(...params: SqlValue[]): unknown;
  all(...params: SqlValue[]): unknown[];
}
interface Driver {
  prepare(sql: string): Statement;
  exec(sql: string): void;
}

const BATCH = 32;
const WRITES = 40_000;
const READS = 100_000;
const CLAIMS = 4_000;
const STORE_WRITES = 20_000;
const STORE_READS = 50_000;

function perSecond(count: number, work: () => void): number {
  const started = process.hrtime.bigint();
  work();
  return Math.round(count / (Number(process.hrtime.bigint() - started) / 1e9));
}

function measure(driver: Driver): Record<string, number> {
  driver.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -65536;');
  driver.exec(
    'CREATE TABLE messages (id INTEGER PRIMARY KEY, queue INTEGER NOT NULL, body TEXT NOT NULL, visible_at INTEGER NOT NULL, receives INTEGER NOT NULL DEFAULT 0)',
  );
  driver.exec('CREATE INDEX messages_ready ON messages (queue, visible_at)');
  const statements = new Map<string, Statement>();
  const cached = (sql: string) => {
    let statement = statements.get(sql);
    if (!statement) {
      statement = driver.prepare(sql);
      statements.set(sql, statement);
    }
    return statement;
  };
  const body = JSON.stringify({ order: 'x'.repeat(200) });

  const writes = perSecond(WRITES, () => {
    for (let written = 0; written < WRITES; written += BATCH) {
      cached('BEGIN IMMEDIATE').run();
      for (let index = 0; index < BATCH; index += 1) {
        cached('SAVEPOINT write_one').run();
        cached('INSERT INTO messages (queue, body, visible_at) VALUES (?, ?, ?) RETURNING id').get(
          1,
          body,
          0,
        );
        cached('RELEASE write_one').run();
      }
      cached('COMMIT').run();
    }
  });
  const reads = perSecond(READS, () => {
    const read = cached('SELECT * FROM messages WHERE id = ?');
    for (let index = 0; index < READS; index += 1) read.get((index % WRITES) + 1);
  });
  const claimed = perSecond(CLAIMS * 10, () => {
    for (let claim = 0; claim < CLAIMS; claim += 1) {
      cached('BEGIN IMMEDIATE').run();
      const rows = cached(
        `UPDATE messages SET visible_at = ?, receives = receives + 1
         WHERE id IN (SELECT id FROM messages WHERE queue = ? AND visible_at <= ? ORDER BY visible_at, id LIMIT 10)
         RETURNING id, body`,
      ).all(1_000_000 + claim, 1, claim) as Array<{ id: number }>;
      for (const row of rows) cached('DELETE FROM messages WHERE id = ?').run(row.id);
      cached('COMMIT').run();
    }
  });
  return { writes, reads, claimed };
}

/** The same kinds of work through SqliteStore itself: its queue, group commit and statement cache. */
async function measureStore(driver: SqliteDriverChoice, path: string): Promise<Record<string, number>> {
  const store = new SqliteStore({ path, driver, durability: 'process' });
  await store.migrate([
    { id: 'bench/001', up: 'CREATE TABLE items (id INTEGER PRIMARY KEY, body TEXT NOT NULL)' },
  ]);
  const body = JSON.stringify({ order: 'x'.repeat(200) });
  const started = process.hrtime.bigint();
  // Waves of BATCH concurrent writes, as concurrent requests reach the store.
  for (let written = 0; written < STORE_WRITES; written += BATCH) {
    await Promise.all(
      Array.from({ length: BATCH }, () =>
        store.write((tx) => tx.get('INSERT INTO items (body) VALUES (?) RETURNING id', [body])),
      ),
    );
  }
  const writeSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  const readsStarted = process.hrtime.bigint();
  for (let index = 0; index < STORE_READS; index += 1) {
    await store.read((tx) => tx.get('SELECT * FROM items WHERE id = ?', [(index % STORE_WRITES) + 1]));
  }
  const readSeconds = Number(process.hrtime.bigint() - readsStarted) / 1e9;
  await store.close();
  return {
    store_writes: Math.round(STORE_WRITES / writeSeconds),
    store_reads: Math.round(STORE_READS / readSeconds),
  };
}

const rows: Array<{ driver: string; figures: Record<string, number> }> = [];
const choices: SqliteDriverChoice[] = nodeSqliteAvailable() ? ['better-sqlite3', 'node'] : ['better-sqlite3'];
if (choices.length === 1) {
  console.log(`node:sqlite is not in Node ${process.version} (it needs 22.5+): measured better-sqlite3 only`);
}
for (const choice of choices) {
  const dir = mkdtempSync(join(tmpdir(), 'eddy-sqlite-drivers-'));
  try {
    const driver = sqliteDriver(choice);
    const db = driver.open(join(dir, 'bench.db'));
    const figures = measure(db);
    db.close();
    Object.assign(figures, await measureStore(choice, join(dir, 'store.db')));
    rows.push({ driver: driver.name, figures });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const KEYS = ['writes', 'reads', 'claimed', 'store_writes', 'store_reads'] as const;
console.log(`Node ${process.version}; ${BATCH} writes per commit`);
printTable(
  ['driver', 'writes/s', 'point reads/s', 'claimed+deleted msgs/s', 'store writes/s', 'store reads/s'],
  rows.map(({ driver, figures }) => [driver, ...KEYS.map((key) => figures[key]!)]),
);
const [better, builtin] = rows;
const figures: Record<string, Cell> = { node: process.version };
for (const key of KEYS) {
  figures[`better_${key}`] = better!.figures[key]!;
  figures[`node_${key}`] = builtin?.figures[key] ?? 'n/a';
  figures[`${key}_ratio`] = builtin ? builtin.figures[key]! / better!.figures[key]! : 'n/a';
}
printResult('sqlite-drivers', figures);
