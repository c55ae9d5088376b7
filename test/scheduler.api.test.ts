// EventBridge Scheduler's API with @aws-sdk/client-scheduler: schedules and groups, full-replace
// updates, listing and paging, tags, ClientToken retries, and AWS's errors for bad input.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CreateScheduleCommand,
  CreateScheduleGroupCommand,
  DeleteScheduleCommand,
  DeleteScheduleGroupCommand,
  GetScheduleCommand,
  GetScheduleGroupCommand,
  ListScheduleGroupsCommand,
  ListSchedulesCommand,
  type ListSchedulesCommandInput,
  ListTagsForResourceCommand,
  SchedulerClient,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import { SQSClient } from '@aws-sdk/client-sqs';
import { ManualClock } from '../src/runtime/index.ts';
import { startTestEddy, TEST_ACCOUNT, TEST_REGION, type TestEddy } from './harness.ts';
import { queueWithArn } from './helpers.ts';

const clock = new ManualClock(Date.UTC(2026, 5, 1, 12, 0, 0));
const ROLE = `arn:aws:iam::${TEST_ACCOUNT}:role/scheduler`;
let eddy: TestEddy;
let scheduler: SchedulerClient;
let queueArn: string;

before(async () => {
  eddy = await startTestEddy({ clock });
  scheduler = eddy.client(SchedulerClient);
  const sqs = eddy.client(SQSClient);
  ({ arn: queueArn } = await queueWithArn(sqs, 'scheduler-api-target'));
  sqs.destroy();
});
after(async () => {
  scheduler?.destroy();
  await eddy?.stop();
});

const target = () => ({ Arn: queueArn, RoleArn: ROLE, Input: '{"hello":"world"}' });
const rejects = async (promise: Promise<unknown>, name: string, message: RegExp, status?: number) => {
  await assert.rejects(promise, (error: Error & { $metadata?: { httpStatusCode?: number } }) => {
    assert.equal(error.name, name);
    assert.match(error.message, message);
    if (status !== undefined) assert.equal(error.$metadata?.httpStatusCode, status);
    return true;
  });
};

describe('schedules', () => {
  it('creates, reads, replaces and deletes a schedule in the default group', async () => {
    const { ScheduleArn } = await scheduler.send(
      new CreateScheduleCommand({
        Name: 'nightly',
        ScheduleExpression: 'cron(0 2 * * ? *)',
        ScheduleExpressionTimezone: 'Europe/Berlin',
        FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 15 },
        Description: 'every night',
        Target: { ...target(), RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 600 } },
      }),
    );
    assert.equal(ScheduleArn, `arn:aws:scheduler:${TEST_REGION}:${TEST_ACCOUNT}:schedule/default/nightly`);
    const got = await scheduler.send(new GetScheduleCommand({ Name: 'nightly' }));
    assert.equal(got.Arn, ScheduleArn);
    assert.equal(got.GroupName, 'default');
    assert.equal(got.State, 'ENABLED');
    assert.equal(got.ScheduleExpressionTimezone, 'Europe/Berlin');
    assert.deepEqual(got.FlexibleTimeWindow, { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 15 });
    assert.equal(got.Target?.RetryPolicy?.MaximumRetryAttempts, 3);
    assert.equal(got.ActionAfterCompletion, 'NONE');
    assert.equal(got.CreationDate?.getTime(), clock.now());

    // UpdateSchedule replaces the whole schedule: the description and retry policy left out are gone.
    await scheduler.send(
      new UpdateScheduleCommand({
        Name: 'nightly',
        ScheduleExpression: 'rate(1 hour)',
        FlexibleTimeWindow: { Mode: 'OFF' },
        State: 'DISABLED',
        Target: target(),
      }),
    );
    const replaced = await scheduler.send(new GetScheduleCommand({ Name: 'nightly' }));
    assert.equal(replaced.ScheduleExpression, 'rate(1 hour)');
    assert.equal(replaced.State, 'DISABLED');
    assert.equal(replaced.Description, undefined);
    assert.equal(replaced.Target?.RetryPolicy, undefined);
    assert.equal(replaced.ScheduleExpressionTimezone, 'UTC');

    await scheduler.send(new DeleteScheduleCommand({ Name: 'nightly' }));
    await rejects(
      scheduler.send(new GetScheduleCommand({ Name: 'nightly' })),
      'ResourceNotFoundException',
      /Schedule nightly does not exist/,
      404,
    );
    await rejects(
      scheduler.send(new DeleteScheduleCommand({ Name: 'nightly' })),
      'ResourceNotFoundException',
      /Schedule nightly does not exist/,
    );
  });

  it('answers a retried create with the same ClientToken, and a second create with ConflictException', async () => {
    const input = {
      Name: 'once',
      ScheduleExpression: 'at(2026-06-02T09:00:00)',
      FlexibleTimeWindow: { Mode: 'OFF' as const },
      Target: target(),
      ClientToken: 'token-1',
    };
    const first = await scheduler.send(new CreateScheduleCommand(input));
    const retried = await scheduler.send(new CreateScheduleCommand(input));
    assert.equal(retried.ScheduleArn, first.ScheduleArn);
    await rejects(
      scheduler.send(new CreateScheduleCommand({ ...input, ClientToken: 'token-2' })),
      'ConflictException',
      /Schedule once already exists/,
      409,
    );
    await scheduler.send(new DeleteScheduleCommand({ Name: 'once' }));
  });

  it('answers a retried update or delete with the same ClientToken as the first, without doing it twice', async () => {
    const input = {
      Name: 'retried',
      ScheduleExpression: 'rate(1 hour)',
      FlexibleTimeWindow: { Mode: 'OFF' as const },
      Target: target(),
    };
    await scheduler.send(new CreateScheduleCommand(input));
    const update = { ...input, ScheduleExpression: 'rate(2 hours)', ClientToken: 'update-1' };
    clock.advance(1000);
    await scheduler.send(new UpdateScheduleCommand(update));
    const updated = await scheduler.send(new GetScheduleCommand({ Name: 'retried' }));
    clock.advance(1000);
    // The retry of an update whose answer was lost: the schedule is not changed again.
    await scheduler.send(new UpdateScheduleCommand(update));
    const retried = await scheduler.send(new GetScheduleCommand({ Name: 'retried' }));
    assert.equal(retried.LastModificationDate?.getTime(), updated.LastModificationDate?.getTime());
    await scheduler.send(new UpdateScheduleCommand({ ...update, ClientToken: 'update-2' }));
    const again = await scheduler.send(new GetScheduleCommand({ Name: 'retried' }));
    assert.equal(again.LastModificationDate?.getTime(), clock.now(), 'a new token is a new update');

    await scheduler.send(new DeleteScheduleCommand({ Name: 'retried', ClientToken: 'delete-1' }));
    await scheduler.send(new DeleteScheduleCommand({ Name: 'retried', ClientToken: 'delete-1' }));
    await rejects(
      scheduler.send(new DeleteScheduleCommand({ Name: 'retried', ClientToken: 'delete-2' })),
      'ResourceNotFoundException',
      /Schedule retried does not exist/,
    );
    clock.advance(24 * 3600_000 + 1);
    await rejects(
      scheduler.send(new DeleteScheduleCommand({ Name: 'retried', ClientToken: 'delete-1' })),
      'ResourceNotFoundException',
      /Schedule retried does not exist/,
    );

    // A group's delete, likewise.
    await scheduler.send(new CreateScheduleGroupCommand({ Name: 'retried-group' }));
    await scheduler.send(new DeleteScheduleGroupCommand({ Name: 'retried-group', ClientToken: 'group-1' }));
    await scheduler.send(new DeleteScheduleGroupCommand({ Name: 'retried-group', ClientToken: 'group-1' }));
    await rejects(
      scheduler.send(new DeleteScheduleGroupCommand({ Name: 'retried-group', ClientToken: 'group-2' })),
      'ResourceNotFoundException',
      /Schedule group retried-group does not exist/,
    );
  });

  it('lists by prefix, state and group, a page at a time', async () => {
    await scheduler.send(new CreateScheduleGroupCommand({ Name: 'reports' }));
    for (const [name, group, state] of [
      ['job-a', 'default', 'ENABLED'],
      ['job-b', 'default', 'DISABLED'],
      ['job-c', 'reports', 'ENABLED'],
      ['other', 'reports', 'ENABLED'],
    ] as const) {
      await scheduler.send(
        new CreateScheduleCommand({
          Name: name,
          GroupName: group,
          State: state,
          ScheduleExpression: 'rate(5 minutes)',
          FlexibleTimeWindow: { Mode: 'OFF' },
          Target: target(),
        }),
      );
    }
    const names = async (input: ListSchedulesCommandInput) =>
      ((await scheduler.send(new ListSchedulesCommand(input))).Schedules ?? []).map(
        (s) => `${s.GroupName}/${s.Name}`,
      );
    assert.deepEqual(await names({ NamePrefix: 'job-' }), [
      'default/job-a',
      'default/job-b',
      'reports/job-c',
    ]);
    assert.deepEqual(await names({ State: 'DISABLED' }), ['default/job-b']);
    assert.deepEqual(await names({ GroupName: 'reports' }), ['reports/job-c', 'reports/other']);
    const first = await scheduler.send(new ListSchedulesCommand({ MaxResults: 2 }));
    assert.equal(first.Schedules?.length, 2);
    assert.ok(first.NextToken);
    const second = await scheduler.send(
      new ListSchedulesCommand({ MaxResults: 2, NextToken: first.NextToken }),
    );
    assert.deepEqual(
      [...(first.Schedules ?? []), ...(second.Schedules ?? [])].map((s) => s.Name),
      ['job-a', 'job-b', 'job-c', 'other'],
    );
    assert.equal(second.NextToken, undefined);
    assert.equal(first.Schedules?.[0]?.Target?.Arn, queueArn);
    await rejects(
      scheduler.send(new ListSchedulesCommand({ GroupName: 'nope' })),
      'ResourceNotFoundException',
      /Schedule group nope does not exist/,
    );
  });

  it('deletes a group with its schedules; the default group stays', async () => {
    const group = await scheduler.send(new GetScheduleGroupCommand({ Name: 'reports' }));
    assert.equal(group.State, 'ACTIVE');
    const groups = await scheduler.send(new ListScheduleGroupsCommand({}));
    assert.deepEqual(
      groups.ScheduleGroups?.map((g) => g.Name),
      ['default', 'reports'],
    );
    await scheduler.send(new DeleteScheduleGroupCommand({ Name: 'reports' }));
    await rejects(
      scheduler.send(new GetScheduleCommand({ Name: 'job-c', GroupName: 'reports' })),
      'ResourceNotFoundException',
      /Schedule job-c does not exist/,
    );
    await rejects(
      scheduler.send(new GetScheduleGroupCommand({ Name: 'reports' })),
      'ResourceNotFoundException',
      /Schedule group reports does not exist/,
    );
    await rejects(
      scheduler.send(new DeleteScheduleGroupCommand({ Name: 'default' })),
      'ValidationException',
      /default schedule group/,
    );
    await rejects(
      scheduler.send(
        new CreateScheduleCommand({
          Name: 'x',
          GroupName: 'reports',
          ScheduleExpression: 'rate(5 minutes)',
          FlexibleTimeWindow: { Mode: 'OFF' },
          Target: target(),
        }),
      ),
      'ResourceNotFoundException',
      /Schedule group reports does not exist/,
    );
  });

  it('tags schedule groups', async () => {
    const { ScheduleGroupArn } = await scheduler.send(
      new CreateScheduleGroupCommand({ Name: 'tagged', Tags: [{ Key: 'team', Value: 'a' }] }),
    );
    await scheduler.send(
      new TagResourceCommand({
        ResourceArn: ScheduleGroupArn,
        Tags: [
          { Key: 'env', Value: 'prod' },
          { Key: 'team', Value: 'b' },
        ],
      }),
    );
    await scheduler.send(new UntagResourceCommand({ ResourceArn: ScheduleGroupArn, TagKeys: ['env'] }));
    const { Tags } = await scheduler.send(new ListTagsForResourceCommand({ ResourceArn: ScheduleGroupArn }));
    assert.deepEqual(Tags, [{ Key: 'team', Value: 'b' }]);
    await rejects(
      scheduler.send(new CreateScheduleGroupCommand({ Name: 'tagged' })),
      'ConflictException',
      /Schedule group tagged already exists/,
    );
  });
});

describe('quotas', () => {
  it('answers the 501st schedule group with ServiceQuotaExceededException', async () => {
    const existing =
      (await scheduler.send(new ListScheduleGroupsCommand({ MaxResults: 100 }))).ScheduleGroups ?? [];
    const missing = 500 - existing.length;
    for (let start = 0; start < missing; start += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, missing - start) }, (_, i) =>
          scheduler.send(new CreateScheduleGroupCommand({ Name: `quota-${start + i}` })),
        ),
      );
    }
    await rejects(
      scheduler.send(new CreateScheduleGroupCommand({ Name: 'one-too-many' })),
      'ServiceQuotaExceededException',
      /500 schedule groups/,
      402,
    );
  });
});

describe('bad input', () => {
  const create = (overrides: Record<string, unknown>) =>
    scheduler.send(
      new CreateScheduleCommand({
        Name: 'bad',
        ScheduleExpression: 'rate(5 minutes)',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: target(),
        ...overrides,
      }),
    );

  it('names the expression, zone, dates and window that are wrong', async () => {
    await rejects(
      create({ ScheduleExpression: 'cron(0 18 * * MON *)' }),
      'ValidationException',
      /Invalid Schedule Expression cron\(0 18 \* \* MON \*\)/,
      400,
    );
    await rejects(
      create({ ScheduleExpression: 'rate(5 weeks)' }),
      'ValidationException',
      /Invalid Schedule Expression/,
    );
    await rejects(create({ ScheduleExpressionTimezone: 'Mars/Base' }), 'ValidationException', /Mars\/Base/);
    await rejects(
      create({ ScheduleExpression: 'at(2026-05-01T00:00:00)' }),
      'ValidationException',
      /in the past/,
    );
    await rejects(
      create({ StartDate: new Date(Date.UTC(2026, 6, 2)), EndDate: new Date(Date.UTC(2026, 6, 1)) }),
      'ValidationException',
      /StartDate must come before the EndDate/,
    );
    await rejects(
      create({ FlexibleTimeWindow: { Mode: 'FLEXIBLE' } }),
      'ValidationException',
      /MaximumWindowInMinutes/,
    );
    await rejects(
      create({ Target: { ...target(), RetryPolicy: { MaximumRetryAttempts: 186 } } }),
      'ValidationException',
      /MaximumRetryAttempts|185/,
    );
    await rejects(
      create({ Target: { ...target(), Arn: 'arn:aws:scheduler:::aws-sdk:sqs:sendMessage' } }),
      'ValidationException',
      /Universal targets/,
    );
    await rejects(create({ Name: 'bad name!' }), 'ValidationException', /Name|name/);
  });
});
