import assert from 'node:assert/strict';
import { test } from 'node:test';
import { prettyLine } from './log.ts';

test('a pino line reads as time, level, message and the other fields', () => {
  const line = JSON.stringify({
    level: 40,
    time: '2026-12-07T16:52:45.123Z',
    name: 'eddy',
    msg: 'tasks cannot run',
    engine: 'unix:///x',
    count: 2,
  });
  assert.equal(prettyLine(line), '16:52:45 WARN  tasks cannot run engine=unix:///x count=2\n');
});

test("an error's stack is indented below its line; text that is not JSON passes through", () => {
  const line = JSON.stringify({
    level: 50,
    time: '2026-12-07T16:52:45.123Z',
    msg: 'failed',
    err: { message: 'boom', stack: 'Error: boom\n    at x' },
  });
  assert.equal(prettyLine(line), '16:52:45 ERROR failed\n    Error: boom\n        at x\n');
  assert.equal(prettyLine('plain'), 'plain\n');
});
