// `npm run bench -- sqlite-drivers`: the store's statement mix on better-sqlite3 (the driver eddy
// ships) and on Node's built-in node:sqlite (Node 22.5+), same file settings (WAL, synchronous
// NORMAL), one process, one run. It measures what issue 29 asks before eddy could switch drivers:
// group-committed inserts (a SAVEPOINT per write, as SqliteStore.flush does), point reads, and an
// SQS-like claim (UPDATE … RETURNING) plus delete. Ends with `RESULT sqlite-drivers …`.
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

type Params = Array<string | number | null>;
interface Statement {
  run(...params: Params): unknown;
  get(...params: Params): unknown;
  all(...params: Params): unknown[];
}
interface Driver {
  name: string;
  prepare(sql: string): Statement;
  exec(sql: string): void;
  close(): void;
}

const require = createRequire(import.meta.url);
const BATCH = 32;
const WRITES = 40_000;
const READS = 100_000;
const CLAIMS = 4_000;

function betterSqlite(path: string): Driver {
  const Database = require('better-sqlite3') as new (
    path: string,
  ) => {
    prepare(sql: string): Statement;
    exec(sql: string): void;
    close(): void;
  };
  const db = new Database(path);
  return {
    name: 'better-sqlite3',
    prepare: (sql) => db.prepare(sql),
    exec: (sql) => db.exec(sql),
    close: () => db.close(),
  };
}

function nodeSqlite(path: string): Driver | undefined {
  let sqlite: { DatabaseSync: new (path: string) => Driver & { prepare(sql: string): Statement } };
  try {
    process.removeAllListeners('warning'); // node:sqlite's ExperimentalWarning is not this run's news
    sqlite = require('node:sqlite');
  } catch {
    return undefined;
  }
  const db = new sqlite.DatabaseSync(path);
  return {
    name: 'node:sqlite',
    prepare: (sql) => db.prepare(sql),
    exec: (sql) => db.exec(sql),
    close: () => db.close(),
  };
}

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

const rows: Array<{ driver: string; figures: Record<string, number> }> = [];
for (const open of [betterSqlite, nodeSqlite]) {
  const dir = mkdtempSync(join(tmpdir(), 'eddy-sqlite-drivers-'));
  try {
    const driver = open(join(dir, 'bench.db'));
    if (!driver) {
      console.log(
        `node:sqlite is not in Node ${process.version} (it needs 22.5+): measured better-sqlite3 only`,
      );
      continue;
    }
    rows.push({ driver: driver.name, figures: measure(driver) });
    driver.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(`Node ${process.version}; ${BATCH} writes per commit`);
console.log('driver            writes/s   point reads/s   claimed+deleted msgs/s');
for (const { driver, figures } of rows) {
  console.log(
    `${driver.padEnd(16)} ${String(figures.writes).padStart(9)} ${String(figures.reads).padStart(15)} ${String(figures.claimed).padStart(24)}`,
  );
}
const [better, builtin] = rows;
const ratio = (key: string) =>
  builtin && better ? (builtin.figures[key]! / better.figures[key]!).toFixed(2) : 'n/a';
console.log(
  `RESULT sqlite-drivers node=${process.version} better_writes=${better?.figures.writes} node_writes=${builtin?.figures.writes ?? 'n/a'} writes_ratio=${ratio('writes')} reads_ratio=${ratio('reads')} claims_ratio=${ratio('claimed')}`,
);
