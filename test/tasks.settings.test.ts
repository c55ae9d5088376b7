// Account settings and cluster settings through @aws-sdk/client-ecs: AWS's defaults, a
// principal's own setting over the root user's (the account default), deletion falling back,
// containerInsights as new clusters' default, UpdateCluster and UpdateClusterSettings — and the
// AWS CLI's list-account-settings.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  ClusterNotFoundException,
  CreateClusterCommand,
  DeleteAccountSettingCommand,
  DescribeClustersCommand,
  ECSClient,
  InvalidParameterException,
  ListAccountSettingsCommand,
  PutAccountSettingCommand,
  PutAccountSettingDefaultCommand,
  UpdateClusterCommand,
  UpdateClusterSettingsCommand,
} from '@aws-sdk/client-ecs';
import { startTestEddy, TEST_ACCOUNT, type TestEddy } from './harness.ts';

let eddy: TestEddy;
let ecs: ECSClient;
const root = `arn:aws:iam::${TEST_ACCOUNT}:root`;
const role = `arn:aws:iam::${TEST_ACCOUNT}:role/deployer`;

before(async () => {
  eddy = await startTestEddy();
  ecs = eddy.client(ECSClient);
});
after(async () => {
  ecs?.destroy();
  await eddy?.stop();
});

async function refused(promise: Promise<unknown>, type: new (...args: never[]) => Error, message: RegExp) {
  await assert.rejects(promise, (error: Error) => {
    assert.ok(error instanceof type, `${error.name}: ${error.message}`);
    assert.match(error.message, message);
    return true;
  });
}

const effective = async (principalArn?: string) => {
  const { settings } = await ecs.send(
    new ListAccountSettingsCommand({ effectiveSettings: true, maxResults: 10, principalArn }),
  );
  const more = await ecs.send(
    new ListAccountSettingsCommand({ effectiveSettings: true, principalArn, nextToken: undefined }),
  );
  assert.equal(more.settings?.length, 10, 'a page holds at most 10 settings');
  return settings ?? [];
};

describe('account settings', () => {
  test('an untouched account lists nothing of its own and AWS’s defaults as effective', async () => {
    const own = await ecs.send(new ListAccountSettingsCommand({}));
    assert.deepEqual(own.settings, []);
    const { settings, nextToken } = await ecs.send(
      new ListAccountSettingsCommand({ effectiveSettings: true }),
    );
    const all = [...(settings ?? [])];
    const rest = await ecs.send(new ListAccountSettingsCommand({ effectiveSettings: true, nextToken }));
    all.push(...(rest.settings ?? []));
    const values = Object.fromEntries(all.map((setting) => [setting.name, setting.value]));
    assert.deepEqual(values, {
      awsvpcTrunking: 'disabled',
      containerInsights: 'disabled',
      containerInstanceLongArnFormat: 'enabled',
      defaultLogDriverMode: 'non-blocking',
      fargateEventWindows: 'disabled',
      fargateFIPSMode: 'disabled',
      fargateTaskRetirementWaitPeriod: '7',
      guardDutyActivate: 'off',
      serviceLongArnFormat: 'enabled',
      tagResourceAuthorization: 'on',
      taskLongArnFormat: 'enabled',
    });
    assert.ok(all.every((setting) => setting.principalArn === root));
    assert.equal(all.find((setting) => setting.name === 'guardDutyActivate')?.type, 'aws_managed');
    assert.equal(all.find((setting) => setting.name === 'awsvpcTrunking')?.type, 'user');
    await effective();
  });

  test('a principal’s own setting wins over the account default; deleting it falls back', async () => {
    const byDefault = await ecs.send(
      new PutAccountSettingDefaultCommand({ name: 'awsvpcTrunking', value: 'enabled' }),
    );
    assert.deepEqual(byDefault.setting, {
      name: 'awsvpcTrunking',
      value: 'enabled',
      principalArn: root,
      type: 'user',
    });
    const own = await ecs.send(
      new PutAccountSettingCommand({ name: 'awsvpcTrunking', value: 'disabled', principalArn: role }),
    );
    assert.equal(own.setting?.principalArn, role);

    const trunking = async (principalArn: string) =>
      (
        await ecs.send(
          new ListAccountSettingsCommand({ name: 'awsvpcTrunking', effectiveSettings: true, principalArn }),
        )
      ).settings?.[0];
    assert.deepEqual(await trunking(role), {
      name: 'awsvpcTrunking',
      value: 'disabled',
      principalArn: role,
      type: 'user',
    });
    assert.equal((await trunking(root))?.value, 'enabled');
    const listedOwn = await ecs.send(new ListAccountSettingsCommand({ principalArn: role }));
    assert.deepEqual(
      listedOwn.settings?.map((setting) => [setting.name, setting.value]),
      [['awsvpcTrunking', 'disabled']],
    );
    const byValue = await ecs.send(
      new ListAccountSettingsCommand({ name: 'awsvpcTrunking', value: 'enabled', principalArn: role }),
    );
    assert.deepEqual(byValue.settings, []);

    const deleted = await ecs.send(
      new DeleteAccountSettingCommand({ name: 'awsvpcTrunking', principalArn: role }),
    );
    assert.equal(deleted.setting?.value, 'disabled');
    const after = await trunking(role);
    assert.equal(after?.value, 'enabled', 'the account default applies again');
    assert.equal(after?.principalArn, root);
    await ecs.send(new DeleteAccountSettingCommand({ name: 'awsvpcTrunking' }));
    assert.equal((await trunking(role))?.value, 'disabled', 'and then AWS’s default');
  });

  test('values, principals and read-only settings are checked', async () => {
    await refused(
      ecs.send(new PutAccountSettingCommand({ name: 'containerInsights', value: 'sometimes' })),
      InvalidParameterException,
      /Invalid value 'sometimes' for containerInsights/,
    );
    await refused(
      ecs.send(new PutAccountSettingDefaultCommand({ name: 'guardDutyActivate', value: 'on' })),
      InvalidParameterException,
      /read-only/,
    );
    await refused(
      ecs.send(
        new PutAccountSettingCommand({
          name: 'fargateTaskRetirementWaitPeriod',
          value: '14',
          principalArn: role,
        }),
      ),
      InvalidParameterException,
      /root user/,
    );
    await refused(
      ecs.send(
        new PutAccountSettingCommand({
          name: 'awsvpcTrunking',
          value: 'enabled',
          principalArn: 'arn:aws:iam::111122223333:role/elsewhere',
        }),
      ),
      InvalidParameterException,
      /your own account/,
    );
    await refused(
      ecs.send(new ListAccountSettingsCommand({ value: 'enabled' })),
      InvalidParameterException,
      /setting name/,
    );
    // The model's enum is checked before the handler, in AWS's words.
    await refused(
      ecs.send(new PutAccountSettingCommand({ name: 'noSuchSetting' as 'awsvpcTrunking', value: 'on' })),
      InvalidParameterException,
      /failed to satisfy constraint: Member must satisfy enum value set/,
    );
    const waited = await ecs.send(
      new PutAccountSettingDefaultCommand({ name: 'fargateTaskRetirementWaitPeriod', value: '14' }),
    );
    assert.equal(waited.setting?.value, '14');
  });
});

describe('cluster settings', () => {
  test('containerInsights sets new clusters’ default; UpdateClusterSettings and UpdateCluster change one', async () => {
    await ecs.send(new PutAccountSettingDefaultCommand({ name: 'containerInsights', value: 'enhanced' }));
    const { cluster } = await ecs.send(new CreateClusterCommand({ clusterName: 'insightful' }));
    assert.deepEqual(cluster?.settings, [{ name: 'containerInsights', value: 'enhanced' }]);
    const { cluster: own } = await ecs.send(
      new CreateClusterCommand({
        clusterName: 'quiet',
        settings: [{ name: 'containerInsights', value: 'disabled' }],
      }),
    );
    assert.deepEqual(own?.settings, [{ name: 'containerInsights', value: 'disabled' }]);
    await ecs.send(new DeleteAccountSettingCommand({ name: 'containerInsights' }));

    const updated = await ecs.send(
      new UpdateClusterSettingsCommand({
        cluster: 'insightful',
        settings: [{ name: 'containerInsights', value: 'enabled' }],
      }),
    );
    assert.deepEqual(updated.cluster?.settings, [{ name: 'containerInsights', value: 'enabled' }]);
    const configured = await ecs.send(
      new UpdateClusterCommand({
        cluster: 'insightful',
        configuration: { executeCommandConfiguration: { logging: 'NONE' } },
        serviceConnectDefaults: { namespace: 'shop' },
      }),
    );
    assert.deepEqual(configured.cluster?.configuration, {
      executeCommandConfiguration: { logging: 'NONE' },
    });
    assert.deepEqual(configured.cluster?.serviceConnectDefaults, { namespace: 'shop' });
    const { clusters } = await ecs.send(
      new DescribeClustersCommand({
        clusters: ['insightful'],
        include: ['SETTINGS', 'CONFIGURATIONS', 'STATISTICS'],
      }),
    );
    assert.deepEqual(clusters?.[0]?.settings, [{ name: 'containerInsights', value: 'enabled' }]);
    assert.equal(clusters?.[0]?.configuration?.executeCommandConfiguration?.logging, 'NONE');
    assert.deepEqual(
      clusters?.[0]?.statistics?.find((item) => item.name === 'runningFargateTasksCount'),
      { name: 'runningFargateTasksCount', value: '0' },
    );
    await refused(
      ecs.send(
        new UpdateClusterSettingsCommand({
          cluster: 'insightful',
          settings: [{ name: 'containerInsights', value: 'loud' }],
        }),
      ),
      InvalidParameterException,
      /Invalid value 'loud'/,
    );
    await refused(
      ecs.send(new UpdateClusterCommand({ cluster: 'nowhere', settings: [] })),
      ClusterNotFoundException,
      /Cluster not found/,
    );
  });
});

test('the aws CLI lists and puts account settings', async () => {
  const put = await eddy.aws([
    'ecs',
    'put-account-setting',
    '--name',
    'tagResourceAuthorization',
    '--value',
    'off',
  ]);
  assert.equal(put.code, 0, put.stderr);
  assert.equal(JSON.parse(put.stdout).setting.value, 'off');
  const listed = await eddy.aws([
    'ecs',
    'list-account-settings',
    '--effective-settings',
    '--name',
    'tagResourceAuthorization',
  ]);
  assert.equal(listed.code, 0, listed.stderr);
  assert.deepEqual(JSON.parse(listed.stdout).settings, [
    { name: 'tagResourceAuthorization', value: 'off', principalArn: root, type: 'user' },
  ]);
});
