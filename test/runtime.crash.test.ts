// Durable timers across a real kill -9: a timer scheduled before the crash fires once after restart.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { spawnEddy, tempDataDir } from './harness.ts';
import { eventually } from './helpers.ts';

const FIXTURE = join(import.meta.dirname, 'fixtures/timer-eddy.ts');

function firedKeys(file: string): string[] {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
}

/** The fixture timers still stored: a timer's row goes in the transaction its firing commits in. */
function storedFixtureTimers(dataDir: string): number {
  const db = new Database(join(dataDir, 'eddy.db'), { readonly: true });
  try {
    return (db.prepare(`SELECT COUNT(*) AS n FROM eddy_timers WHERE kind = 'fixture'`).get() as { n: number })
      .n;
  } finally {
    db.close();
  }
}

test('a timer scheduled 2 s ahead fires exactly once after SIGKILL and restart', async () => {
  const dataDir = tempDataDir();
  const fired = join(dataDir, 'fired.txt');
  try {
    const first = await spawnEddy([dataDir, fired], { script: FIXTURE, env: { SCHEDULE_IN_MS: '2000' } });
    assert.equal(await first.kill('SIGKILL'), null, 'killed by the signal, not exited');
    assert.deepEqual(firedKeys(fired), [], 'nothing fired before the crash');
    assert.equal(storedFixtureTimers(dataDir), 1, 'the timer was stored before the crash');

    // A spawned process runs on the system clock: real time must pass for the timer to fall due.
    const second = await spawnEddy([dataDir, fired], { script: FIXTURE });
    try {
      await eventually(() => firedKeys(fired).length > 0, { what: 'the timer fired after the restart' });
    } finally {
      await second.kill('SIGKILL');
    }
    assert.deepEqual(firedKeys(fired), ['two-seconds']);
    assert.equal(storedFixtureTimers(dataDir), 0, 'its firing took the timer out of the store');

    const third = await spawnEddy([dataDir, fired], { script: FIXTURE });
    await third.kill('SIGTERM');
    assert.deepEqual(
      firedKeys(fired),
      ['two-seconds'],
      'a fired timer does not fire again after another restart',
    );
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
