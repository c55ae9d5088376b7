// Durable timers across a real kill -9: a timer scheduled before the crash fires once after restart.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawnEddy, tempDataDir } from './harness.ts';

const FIXTURE = join(import.meta.dirname, 'fixtures/timer-eddy.ts');

function firedKeys(file: string): string[] {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
}

test('a timer scheduled 2 s ahead fires exactly once after SIGKILL and restart', async () => {
  const dataDir = tempDataDir();
  const fired = join(dataDir, 'fired.txt');
  try {
    const first = await spawnEddy([dataDir, fired], { script: FIXTURE, env: { SCHEDULE_IN_MS: '2000' } });
    assert.equal(await first.kill('SIGKILL'), null, 'killed by the signal, not exited');
    assert.deepEqual(firedKeys(fired), [], 'nothing fired before the crash');

    const second = await spawnEddy([dataDir, fired], { script: FIXTURE });
    try {
      // Real time must pass for the timer to fall due; poll the side effect, bounded.
      const deadline = Date.now() + 10_000;
      while (firedKeys(fired).length === 0 && Date.now() < deadline) await sleep(50);
      await sleep(300);
      assert.deepEqual(firedKeys(fired), ['two-seconds']);
    } finally {
      await second.kill('SIGKILL');
    }

    const third = await spawnEddy([dataDir, fired], { script: FIXTURE });
    await sleep(300);
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
