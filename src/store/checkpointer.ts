// WAL checkpoints off the event loop. A checkpoint copies the WAL into the database file and
// fsyncs it: milliseconds that, run by SQLite's auto-checkpoint inside a commit, would stall every
// request behind it. A worker thread with its own connection checkpoints instead; the writer's
// auto-checkpoint stays on with a high threshold as a safety net should the worker ever stop.
//
// PASSIVE checkpoints never block the writer, but alone they never rewind the WAL under steady
// writes: SQLite restarts the log only when a write begins with every frame already copied, and
// commits keep landing while a checkpoint runs. So once the log is long, the worker follows a
// PASSIVE pass with a RESTART one. That takes the write lock, but only to copy the few frames
// committed during the PASSIVE pass (about a millisecond), and makes the next commit write from the
// start of the file again; the log then stays a few thousand pages long instead of growing to the
// fallback threshold and being checkpointed inside a commit.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { SqliteDriverName } from './port.ts';

/** Pages of WAL after which the writer checkpoints itself (the worker normally keeps it far below). */
export const FALLBACK_AUTOCHECKPOINT_PAGES = 16_384;

/** Pages of WAL after which the worker rewinds it (16 MiB of 4 KiB pages). */
export const REWIND_PAGES = 4096;

// Plain CommonJS so the worker needs no TypeScript loader. Both drivers answer PRAGMAs through
// prepare/get and exec alike, so only opening the database differs.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
function open() {
  if (workerData.driver !== 'node:sqlite') return new (require(workerData.driver))(workerData.path);
  // Node 22's ExperimentalWarning for node:sqlite, given once per thread: dropped, as loadNodeSqlite does.
  const emitWarning = process.emitWarning;
  process.emitWarning = (warning, ...rest) => {
    if (!/SQLite/.test(String(warning))) emitWarning.call(process, warning, ...rest);
  };
  try {
    return new (process.getBuiltinModule('node:sqlite').DatabaseSync)(workerData.path);
  } finally {
    process.emitWarning = emitWarning;
  }
}
const db = open();
db.exec('PRAGMA busy_timeout = 5000');
const timer = setInterval(() => {
  try {
    const { log } = db.prepare('PRAGMA wal_checkpoint(PASSIVE)').get();
    if (log >= workerData.rewindPages) db.prepare('PRAGMA wal_checkpoint(RESTART)').get();
  } catch { /* busy: the next tick tries again */ }
}, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

export class Checkpointer {
  private readonly worker: Worker;
  private readonly exited: Promise<void>;

  /** `driver`: the one the store runs on, so that a machine without better-sqlite3 needs none here. */
  constructor(path: string, driverName: SqliteDriverName, intervalMs = 200) {
    const driver =
      driverName === 'node:sqlite' ? driverName : createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { path, driver, intervalMs, rewindPages: REWIND_PAGES },
    });
    this.worker.unref();
    this.exited = new Promise((resolve) => this.worker.once('exit', () => resolve()));
  }

  /** Closes the worker's connection, so the writer's close is the last and folds the WAL in. */
  async stop(): Promise<void> {
    this.worker.ref(); // unreferenced, the worker would not keep the process alive until it has exited
    this.worker.postMessage('stop');
    await this.exited;
  }
}
