import assert from 'node:assert/strict';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ContainerRunner } from '../../runners/index.ts';
import { ConfigError, loadConfig } from '../../runtime/index.ts';
import { chooseRunner } from './runner-choice.ts';

test('the process runner is the default; image mappings give a working directory and a command', async () => {
  const directory = realpathSync(mkdtempSync(join(tmpdir(), 'eddy-image-')));
  try {
    const images = JSON.stringify({ 'worker:1': { workingDirectory: directory, command: ['pwd'] } });
    const config = loadConfig({}, { EDDY_TASKS_IMAGES: images });
    assert.equal(config.tasks?.runner, 'process');
    const runner = chooseRunner(config);
    assert.equal(runner.kind, 'process');
    const lines: string[] = [];
    const running = await runner.start(
      { name: 't-app', image: 'worker:1', command: [], environment: { PATH: process.env.PATH ?? '/bin' } },
      (_, line) => lines.push(line),
    );
    assert.deepEqual(await running.exited, { exitCode: 0 });
    assert.deepEqual(lines, [directory]);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

test('bad runner settings are refused with what is wrong', () => {
  assert.throws(
    () => loadConfig({}, { EDDY_TASKS_RUNNER: 'kubernetes' }),
    /EDDY_TASKS_RUNNER must be 'process' or 'container'/,
  );
  assert.throws(() => loadConfig({}, { EDDY_TASKS_IMAGES: '{not json' }), ConfigError);
  assert.throws(
    () => loadConfig({}, { EDDY_TASKS_IMAGES: '{"x": {"command": "not a list"}}' }),
    /EDDY_TASKS_IMAGES\['x'\]/,
  );
  assert.throws(
    () => loadConfig({}, { EDDY_TASKS_PULL: 'always' }),
    /EDDY_TASKS_PULL must be 'missing' or 'never'/,
  );
  const container = loadConfig({}, { EDDY_TASKS_RUNNER: 'container', DOCKER_HOST: 'ssh://elsewhere' });
  assert.throws(
    () => chooseRunner(container),
    /EDDY_TASKS_RUNNER=container: .*unix:\/\/\/path or tcp:\/\/host:port/,
  );
});

test('the container runner talks to DOCKER_HOST when it is set', () => {
  const config = loadConfig(
    {},
    { EDDY_TASKS_RUNNER: 'container', DOCKER_HOST: 'unix:///run/elsewhere.sock' },
  );
  const runner = chooseRunner(config);
  assert.ok(runner instanceof ContainerRunner);
  assert.equal(runner.engine, 'unix:///run/elsewhere.sock');
});
