// EventBridge Scheduler from the command line: the AWS CLI's `scheduler` commands against eddy, and
// `eddy scheduler next` for an expression (no server) and for a schedule eddy holds.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { SQSClient } from '@aws-sdk/client-sqs';
import { ManualClock } from '../src/runtime/index.ts';
import { startTestEddy, TEST_ACCOUNT, TEST_REGION, type TestEddy } from './harness.ts';
import { queueWithArn } from './helpers.ts';

const BIN = join(import.meta.dirname, '..', 'bin/eddy.js');
const clock = new ManualClock(Date.UTC(2026, 9, 30, 12, 0, 0));
let eddy: TestEddy;
let queueArn: string;

before(async () => {
  eddy = await startTestEddy({ clock });
  const sqs = eddy.client(SQSClient);
  ({ arn: queueArn } = await queueWithArn(sqs, 'cli-target'));
  sqs.destroy();
});
after(() => eddy?.stop());

function eddyCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 30_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const json = (result: { code: number; stdout: string; stderr: string }) => {
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout || '{}') as Record<string, unknown>;
};

test('aws scheduler: groups, schedules, errors', async () => {
  const group = json(await eddy.aws(['scheduler', 'create-schedule-group', '--name', 'ops']));
  assert.equal(group.ScheduleGroupArn, `arn:aws:scheduler:${TEST_REGION}:${TEST_ACCOUNT}:schedule-group/ops`);
  const created = json(
    await eddy.aws([
      'scheduler',
      'create-schedule',
      '--name',
      'berlin-morning',
      '--group-name',
      'ops',
      '--schedule-expression',
      'cron(0 8 * * ? *)',
      '--schedule-expression-timezone',
      'Europe/Berlin',
      '--flexible-time-window',
      '{"Mode":"OFF"}',
      '--target',
      JSON.stringify({ Arn: queueArn, RoleArn: `arn:aws:iam::${TEST_ACCOUNT}:role/s`, Input: '{}' }),
    ]),
  );
  assert.match(String(created.ScheduleArn), /schedule\/ops\/berlin-morning$/);
  const got = json(
    await eddy.aws(['scheduler', 'get-schedule', '--name', 'berlin-morning', '--group-name', 'ops']),
  );
  assert.equal(got.ScheduleExpressionTimezone, 'Europe/Berlin');
  assert.equal(got.State, 'ENABLED');
  const listed = json(await eddy.aws(['scheduler', 'list-schedules', '--group-name', 'ops']));
  assert.deepEqual(
    (listed.Schedules as Array<{ Name: string }>).map((schedule) => schedule.Name),
    ['berlin-morning'],
  );
  const missing = await eddy.aws(['scheduler', 'get-schedule', '--name', 'nope']);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /ResourceNotFoundException.*Schedule nope does not exist/);
  const tags = json(
    await eddy.aws(['scheduler', 'list-tags-for-resource', '--resource-arn', String(group.ScheduleGroupArn)]),
  );
  assert.deepEqual(tags.Tags, []);
});

test('eddy scheduler next: a schedule of the running eddy, in its zone across the October change', async () => {
  const result = await eddyCli([
    'scheduler',
    'next',
    'berlin-morning',
    '--group',
    'ops',
    '--count',
    '3',
    '--endpoint',
    eddy.url,
  ]);
  assert.equal(result.code, 0, result.stderr);
  const lines = result.stdout.trim().split('\n');
  assert.match(lines[0]!, /schedule\/ops\/berlin-morning: cron\(0 8 \* \* \? \*\) in Europe\/Berlin/);
  // Summer time ended on 25 October 2026: the next 08:00s are CET (UTC+1).
  assert.deepEqual(lines.slice(1), [
    '2026-10-31 08:00:00 GMT+1   2026-10-31T07:00:00.000Z',
    '2026-11-01 08:00:00 GMT+1   2026-11-01T07:00:00.000Z',
    '2026-11-02 08:00:00 GMT+1   2026-11-02T07:00:00.000Z',
  ]);
});

test('eddy scheduler next: an expression, without a server; a bad one is refused with the reason', async () => {
  const result = await eddyCli([
    'scheduler',
    'next',
    'cron(30 1 * * ? *)',
    '--zone',
    'America/New_York',
    '--from',
    '2026-10-31T12:00:00Z',
    '--count',
    '2',
    '--json',
  ]);
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(JSON.parse(result.stdout), {
    expression: 'cron(30 1 * * ? *)',
    zone: 'America/New_York',
    times: ['2026-11-01T05:30:00.000Z', '2026-11-02T06:30:00.000Z'],
  });
  const bad = await eddyCli(['scheduler', 'next', 'cron(0 25 * * ? *)']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /'25' is not a valid value for hours/);
  const zone = await eddyCli(['scheduler', 'next', 'rate(1 hour)', '--zone', 'Nowhere/Land']);
  assert.equal(zone.code, 1);
  assert.match(zone.stderr, /not an IANA time zone/);
});
