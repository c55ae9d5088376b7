// Durable timers across a real kill -9: a timer scheduled before the crash fires once after restart.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { spawnEddy, storeOf, tempDataDir } from './harness.ts';
import { eventually } from './helpers.ts';

const FIXTURE = join(import.meta.dirname, 'fixtures/timer-eddy.ts');

function firedKeys(file: string): string[] {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
}

/** The fixture timers still stored: a timer's row goes in the transaction its firing commits in. */
async function storedFixtureTimers(dataDir: string): Promise<number> {
  const store = await storeOf(dataDir);
  try {
    const row = await store.read((tx) =>
      tx.get<{ n: number | string }>(`SELECT COUNT(*) AS n FROM eddy_timers WHERE kind = 'fixture'`),
    );
    return Number(row?.n ?? 0);
  } finally {
    await store.close();
  }
}

test('a timer scheduled 2 s ahead fires exactly once after SIGKILL and restart', async () => {
  const dataDir = tempDataDir();
  const fired = join(dataDir, 'fired.txt');
  try {
    const first = await spawnEddy([dataDir, fired], { script: FIXTURE, env: { SCHEDULE_IN_MS: '2000' } });
    assert.equal(await first.kill('SIGKILL'), null, 'killed by the signal, not exited');
    assert.deepEqual(firedKeys(fired), [], 'nothing fired before the crash');
    assert.equal(await storedFixtureTimers(dataDir), 1, 'the timer was stored before the crash');

    // A spawned process runs on the system clock: real time must pass for the timer to fall due.
    const second = await spawnEddy([dataDir, fired], { script: FIXTURE });
    try {
      // The handler appends to the file before its transaction commits: wait for the commit too, or
      // the kill below can land between the two and the timer rightly fires again on the next start.
      await eventually(
        async () => firedKeys(fired).length > 0 && (await storedFixtureTimers(dataDir)) === 0,
        {
          what: 'the timer fired after the restart and its firing committed',
        },
      );
    } finally {
      await second.kill('SIGKILL');
    }
    assert.deepEqual(firedKeys(fired), ['two-seconds']);

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
