// Step Functions state machines through @aws-sdk/client-sfn: create (idempotent, InvalidDefinition,
// InvalidName, InvalidArn, StateMachineAlreadyExists), describe, update, versions and aliases,
// list and paging, validate, tags, activities, delete.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CreateActivityCommand,
  CreateStateMachineAliasCommand,
  CreateStateMachineCommand,
  DeleteActivityCommand,
  DeleteStateMachineCommand,
  DescribeActivityCommand,
  DescribeStateMachineAliasCommand,
  DescribeStateMachineCommand,
  ListActivitiesCommand,
  ListStateMachinesCommand,
  ListStateMachineVersionsCommand,
  ListTagsForResourceCommand,
  PublishStateMachineVersionCommand,
  SFNClient,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateStateMachineCommand,
  ValidateStateMachineDefinitionCommand,
} from '@aws-sdk/client-sfn';
import { startTestEddy, TEST_ACCOUNT, type TestEddy } from './harness.ts';

const ROLE = `arn:aws:iam::${TEST_ACCOUNT}:role/sfn`;
const PASS = JSON.stringify({ StartAt: 'A', States: { A: { Type: 'Pass', End: true } } });
let eddy: TestEddy;
let sfn: SFNClient;

before(async () => {
  eddy = await startTestEddy();
  sfn = eddy.client(SFNClient, { disableHostPrefix: true });
});
after(async () => {
  sfn?.destroy();
  await eddy?.stop();
});

async function rejects(promise: Promise<unknown>, name: string, message?: string | RegExp): Promise<void> {
  await assert.rejects(promise, (error: Error) => {
    assert.equal(error.name, name);
    if (typeof message === 'string') assert.equal(error.message, message);
    else if (message) assert.match(error.message, message);
    return true;
  });
}

describe('state machines', () => {
  it('creates, describes, is idempotent and refuses what differs', async () => {
    const created = await sfn.send(
      new CreateStateMachineCommand({ name: 'm1', definition: PASS, roleArn: ROLE }),
    );
    assert.equal(created.stateMachineArn, `arn:aws:states:us-east-1:${TEST_ACCOUNT}:stateMachine:m1`);
    const again = await sfn.send(
      new CreateStateMachineCommand({ name: 'm1', definition: PASS, roleArn: `${ROLE}-other` }),
    );
    assert.equal(again.stateMachineArn, created.stateMachineArn);
    assert.equal(again.creationDate?.getTime(), created.creationDate?.getTime());
    await rejects(
      sfn.send(
        new CreateStateMachineCommand({
          name: 'm1',
          definition: JSON.stringify({ StartAt: 'B', States: { B: { Type: 'Succeed' } } }),
          roleArn: ROLE,
        }),
      ),
      'StateMachineAlreadyExists',
      `State Machine Already Exists: '${created.stateMachineArn}'`,
    );
    const described = await sfn.send(
      new DescribeStateMachineCommand({ stateMachineArn: created.stateMachineArn }),
    );
    assert.equal(described.name, 'm1');
    assert.equal(described.type, 'STANDARD');
    assert.equal(described.status, 'ACTIVE');
    assert.equal(described.definition, PASS);
    assert.equal(described.roleArn, ROLE);
    assert.deepEqual(described.loggingConfiguration, { level: 'OFF', includeExecutionData: false });
    assert.deepEqual(described.tracingConfiguration, { enabled: false });
    assert.ok(described.revisionId);
  });

  it('answers AWS errors for bad definitions, names and ARNs', async () => {
    await rejects(
      sfn.send(new CreateStateMachineCommand({ name: 'bad', definition: '{"StartAt": "A"}', roleArn: ROLE })),
      'InvalidDefinition',
      /^Invalid State Machine Definition: '.*SCHEMA_VALIDATION_FAILED/,
    );
    await rejects(
      sfn.send(new CreateStateMachineCommand({ name: 'bad', definition: 'not json', roleArn: ROLE })),
      'InvalidDefinition',
    );
    await rejects(
      sfn.send(new CreateStateMachineCommand({ name: 'has space', definition: PASS, roleArn: ROLE })),
      'InvalidName',
      "Invalid Name: 'has space'",
    );
    await rejects(
      sfn.send(new CreateStateMachineCommand({ name: 'r', definition: PASS, roleArn: 'role' })),
      'InvalidArn',
    );
    await rejects(
      sfn.send(new DescribeStateMachineCommand({ stateMachineArn: 'nope' })),
      'InvalidArn',
      "Invalid Arn: 'Invalid ARN prefix: nope'",
    );
    const missing = `arn:aws:states:us-east-1:${TEST_ACCOUNT}:stateMachine:missing`;
    await rejects(
      sfn.send(new DescribeStateMachineCommand({ stateMachineArn: missing })),
      'StateMachineDoesNotExist',
      `State Machine Does Not Exist: '${missing}'`,
    );
    await rejects(
      sfn.send(
        new DescribeStateMachineCommand({
          stateMachineArn: `arn:aws:states:us-east-1:${TEST_ACCOUNT}:activity:a`,
        }),
      ),
      'InvalidArn',
      "Invalid Arn: 'Resource type not valid in this context: activity'",
    );
  });

  it('validates definitions with diagnostics', async () => {
    const ok = await sfn.send(new ValidateStateMachineDefinitionCommand({ definition: PASS }));
    assert.equal(ok.result, 'OK');
    assert.deepEqual(ok.diagnostics, []);
    const bad = await sfn.send(
      new ValidateStateMachineDefinitionCommand({
        definition: JSON.stringify({ StartAt: 'A', States: { A: { Type: 'Pass', Next: 'Nowhere' } } }),
      }),
    );
    assert.equal(bad.result, 'FAIL');
    assert.ok((bad.diagnostics ?? []).length > 0);
    assert.equal(bad.diagnostics?.[0]?.severity, 'ERROR');
  });

  it('updates, publishes versions and routes aliases', async () => {
    const { stateMachineArn } = await sfn.send(
      new CreateStateMachineCommand({ name: 'versioned', definition: PASS, roleArn: ROLE, publish: true }),
    );
    const first = `${stateMachineArn}:1`;
    const succeed = JSON.stringify({ StartAt: 'S', States: { S: { Type: 'Succeed' } } });
    const updated = await sfn.send(
      new UpdateStateMachineCommand({
        stateMachineArn,
        definition: succeed,
        publish: true,
        versionDescription: 'v2',
      }),
    );
    assert.equal(updated.stateMachineVersionArn, `${stateMachineArn}:2`);
    const v1 = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: first }));
    assert.equal(v1.definition, PASS);
    const v2 = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: `${stateMachineArn}:2` }));
    assert.equal(v2.definition, succeed);
    assert.equal(v2.description, 'v2');
    // The same revision again is the same version.
    const same = await sfn.send(new PublishStateMachineVersionCommand({ stateMachineArn }));
    assert.equal(same.stateMachineVersionArn, `${stateMachineArn}:2`);
    const versions = await sfn.send(new ListStateMachineVersionsCommand({ stateMachineArn }));
    assert.deepEqual(
      versions.stateMachineVersions?.map((version) => version.stateMachineVersionArn),
      [`${stateMachineArn}:2`, first],
    );
    const alias = await sfn.send(
      new CreateStateMachineAliasCommand({
        name: 'live',
        routingConfiguration: [
          { stateMachineVersionArn: first, weight: 50 },
          { stateMachineVersionArn: `${stateMachineArn}:2`, weight: 50 },
        ],
      }),
    );
    assert.equal(alias.stateMachineAliasArn, `${stateMachineArn}:live`);
    const described = await sfn.send(
      new DescribeStateMachineAliasCommand({ stateMachineAliasArn: alias.stateMachineAliasArn }),
    );
    assert.equal(described.name, 'live');
    assert.equal(described.routingConfiguration?.length, 2);
    await rejects(
      sfn.send(
        new CreateStateMachineAliasCommand({
          name: 'wrong',
          routingConfiguration: [{ stateMachineVersionArn: first, weight: 60 }],
        }),
      ),
      'ValidationException',
    );
  });

  it('lists with paging, tags and deletes', async () => {
    for (const name of ['page-a', 'page-b', 'page-c'])
      await sfn.send(new CreateStateMachineCommand({ name, definition: PASS, roleArn: ROLE }));
    const names: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await sfn.send(new ListStateMachinesCommand({ maxResults: 2, nextToken }));
      names.push(...(page.stateMachines ?? []).map((machine) => machine.name!));
      nextToken = page.nextToken;
    } while (nextToken);
    for (const name of ['page-a', 'page-b', 'page-c']) assert.ok(names.includes(name));
    assert.equal(new Set(names).size, names.length);
    const arn = `arn:aws:states:us-east-1:${TEST_ACCOUNT}:stateMachine:page-a`;
    await sfn.send(
      new TagResourceCommand({
        resourceArn: arn,
        tags: [
          { key: 'team', value: 'core' },
          { key: 'x', value: '1' },
        ],
      }),
    );
    await sfn.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ['x'] }));
    const { tags } = await sfn.send(new ListTagsForResourceCommand({ resourceArn: arn }));
    assert.deepEqual(tags, [{ key: 'team', value: 'core' }]);
    await sfn.send(new DeleteStateMachineCommand({ stateMachineArn: arn }));
    await rejects(
      sfn.send(new DescribeStateMachineCommand({ stateMachineArn: arn })),
      'StateMachineDoesNotExist',
    );
  });
});

describe('activities', () => {
  it('creates (idempotently), describes, lists and deletes', async () => {
    const created = await sfn.send(new CreateActivityCommand({ name: 'work' }));
    assert.equal(created.activityArn, `arn:aws:states:us-east-1:${TEST_ACCOUNT}:activity:work`);
    const again = await sfn.send(new CreateActivityCommand({ name: 'work' }));
    assert.equal(again.activityArn, created.activityArn);
    const described = await sfn.send(new DescribeActivityCommand({ activityArn: created.activityArn }));
    assert.equal(described.name, 'work');
    const listed = await sfn.send(new ListActivitiesCommand({}));
    assert.ok(listed.activities?.some((activity) => activity.name === 'work'));
    await sfn.send(new DeleteActivityCommand({ activityArn: created.activityArn }));
    await rejects(
      sfn.send(new DescribeActivityCommand({ activityArn: created.activityArn })),
      'ActivityDoesNotExist',
      `Activity Does Not Exist: '${created.activityArn}'`,
    );
  });
});
