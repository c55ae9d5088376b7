// Resources eddy stores and shows through @aws-sdk/client-cloudwatch-logs: anomaly detectors (which
// find nothing), lookup tables, scheduled queries, and their tags by ARN.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CloudWatchLogsClient,
  CreateLogAnomalyDetectorCommand,
  CreateLogGroupCommand,
  CreateLookupTableCommand,
  CreateScheduledQueryCommand,
  type CreateScheduledQueryCommandInput,
  DeleteLogAnomalyDetectorCommand,
  DeleteLookupTableCommand,
  DeleteScheduledQueryCommand,
  DescribeLookupTablesCommand,
  GetLogAnomalyDetectorCommand,
  GetLookupTableCommand,
  GetScheduledQueryCommand,
  GetScheduledQueryHistoryCommand,
  ListAnomaliesCommand,
  ListLogAnomalyDetectorsCommand,
  ListScheduledQueriesCommand,
  ListTagsForResourceCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateAnomalyCommand,
  UpdateLogAnomalyDetectorCommand,
  UpdateLookupTableCommand,
  UpdateScheduledQueryCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { ACCOUNT, groupArnOf, REGION, rejects } from './fixtures/logs.ts';
import { startTestEddy, type TestEddy } from './harness.ts';

let eddy: TestEddy;
let logs: CloudWatchLogsClient;

before(async () => {
  eddy = await startTestEddy();
  logs = eddy.client(CloudWatchLogsClient);
});
after(() => eddy.stop());

describe('anomaly detectors', () => {
  test('create, get, list by group, pause, tag, delete; no anomalies are ever found', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: 'ad/app' }));
    const { anomalyDetectorArn } = await logs.send(
      new CreateLogAnomalyDetectorCommand({
        logGroupArnList: [groupArnOf('ad/app')],
        detectorName: 'app',
        evaluationFrequency: 'FIVE_MIN',
        filterPattern: 'ERROR',
        tags: { team: 'core' },
      }),
    );
    assert.match(
      anomalyDetectorArn!,
      new RegExp(`^arn:aws:logs:${REGION}:${ACCOUNT}:anomaly-detector:[0-9a-f-]{36}$`),
    );
    const got = await logs.send(new GetLogAnomalyDetectorCommand({ anomalyDetectorArn }));
    assert.equal(got.detectorName, 'app');
    assert.equal(got.evaluationFrequency, 'FIVE_MIN');
    assert.equal(got.anomalyDetectorStatus, 'INITIALIZING');
    assert.deepEqual(got.logGroupArnList, [groupArnOf('ad/app')]);
    assert.equal(got.anomalyVisibilityTime, 21);
    const listed = await logs.send(
      new ListLogAnomalyDetectorsCommand({ filterLogGroupArn: groupArnOf('ad/app') }),
    );
    assert.deepEqual(
      listed.anomalyDetectors?.map((detector) => detector.anomalyDetectorArn),
      [anomalyDetectorArn],
    );
    assert.deepEqual(
      (await logs.send(new ListLogAnomalyDetectorsCommand({ filterLogGroupArn: groupArnOf('ad/other') })))
        .anomalyDetectors,
      [],
    );
    await logs.send(
      new UpdateLogAnomalyDetectorCommand({ anomalyDetectorArn, enabled: false, anomalyVisibilityTime: 30 }),
    );
    const paused = await logs.send(new GetLogAnomalyDetectorCommand({ anomalyDetectorArn }));
    assert.equal(paused.anomalyDetectorStatus, 'PAUSED');
    assert.equal(paused.anomalyVisibilityTime, 30);
    assert.deepEqual(
      (await logs.send(new ListTagsForResourceCommand({ resourceArn: anomalyDetectorArn }))).tags,
      { team: 'core' },
    );
    assert.deepEqual((await logs.send(new ListAnomaliesCommand({ anomalyDetectorArn }))).anomalies, []);
    await rejects(
      logs.send(
        new UpdateAnomalyCommand({
          anomalyDetectorArn,
          anomalyId: '00000000-0000-0000-0000-000000000000',
          suppressionType: 'INFINITE',
        }),
      ),
      'ResourceNotFoundException',
    );
    await logs.send(new DeleteLogAnomalyDetectorCommand({ anomalyDetectorArn }));
    await rejects(
      logs.send(new GetLogAnomalyDetectorCommand({ anomalyDetectorArn })),
      'ResourceNotFoundException',
    );
    await rejects(
      logs.send(new CreateLogAnomalyDetectorCommand({ logGroupArnList: [groupArnOf('ad/none')] })),
      'ResourceNotFoundException',
      /log group does not exist/,
    );
  });
});

describe('lookup tables', () => {
  test('create, describe with its fields and records, get, update, tag, delete', async () => {
    const tableBody = 'code,meaning\n404,not found\n500,server error\n';
    const { lookupTableArn, createdAt } = await logs.send(
      new CreateLookupTableCommand({ lookupTableName: 'http_codes', tableBody, description: 'codes' }),
    );
    assert.equal(lookupTableArn, `arn:aws:logs:${REGION}:${ACCOUNT}:lookup-table:http_codes`);
    assert.ok(createdAt);
    await rejects(
      logs.send(new CreateLookupTableCommand({ lookupTableName: 'http_codes', tableBody })),
      'ResourceAlreadyExistsException',
    );
    const { lookupTables } = await logs.send(
      new DescribeLookupTablesCommand({ lookupTableNamePrefix: 'http' }),
    );
    assert.deepEqual(
      lookupTables?.map((table) => [
        table.lookupTableName,
        table.tableFields,
        table.recordsCount,
        table.sizeBytes,
      ]),
      [['http_codes', ['code', 'meaning'], 2, Buffer.byteLength(tableBody)]],
    );
    await logs.send(
      new UpdateLookupTableCommand({ lookupTableArn, tableBody: 'code,meaning\n418,teapot\n' }),
    );
    const got = await logs.send(new GetLookupTableCommand({ lookupTableArn }));
    assert.equal(got.tableBody, 'code,meaning\n418,teapot\n');
    assert.equal(got.description, 'codes');
    await logs.send(new TagResourceCommand({ resourceArn: lookupTableArn, tags: { a: '1', b: '2' } }));
    await logs.send(new UntagResourceCommand({ resourceArn: lookupTableArn, tagKeys: ['a'] }));
    assert.deepEqual(
      (await logs.send(new ListTagsForResourceCommand({ resourceArn: lookupTableArn }))).tags,
      { b: '2' },
    );
    await logs.send(new DeleteLookupTableCommand({ lookupTableArn }));
    await rejects(logs.send(new GetLookupTableCommand({ lookupTableArn })), 'ResourceNotFoundException');
    await rejects(
      logs.send(new CreateLookupTableCommand({ lookupTableName: 'empty', tableBody: '\n\n' })),
      'InvalidParameterException',
    );
  });
});

describe('scheduled queries', () => {
  const definition: CreateScheduledQueryCommandInput = {
    name: 'hourly-errors',
    queryLanguage: 'CWLI',
    queryString: 'filter level = "error" | stats count(*)',
    logGroupIdentifiers: ['ad/app'],
    scheduleExpression: 'rate(1 hour)',
    executionRoleArn: `arn:aws:iam::${ACCOUNT}:role/queries`,
  };

  test('create, get by name or ARN, update, list by state, history, delete', async () => {
    const { scheduledQueryArn, state } = await logs.send(new CreateScheduledQueryCommand(definition));
    assert.equal(state, 'ENABLED');
    const byName = await logs.send(new GetScheduledQueryCommand({ identifier: 'hourly-errors' }));
    assert.equal(byName.scheduledQueryArn, scheduledQueryArn);
    assert.equal(byName.queryString, definition.queryString);
    await rejects(logs.send(new CreateScheduledQueryCommand(definition)), 'ConflictException');
    const updated = await logs.send(
      new UpdateScheduledQueryCommand({
        ...definition,
        identifier: scheduledQueryArn!,
        state: 'DISABLED',
        scheduleExpression: 'cron(0 * * * ? *)',
      }),
    );
    assert.equal(updated.state, 'DISABLED');
    assert.equal(updated.name, 'hourly-errors');
    const disabled = await logs.send(new ListScheduledQueriesCommand({ state: 'DISABLED' }));
    assert.deepEqual(
      disabled.scheduledQueries?.map((query) => [query.name, query.scheduleExpression]),
      [['hourly-errors', 'cron(0 * * * ? *)']],
    );
    const history = await logs.send(
      new GetScheduledQueryHistoryCommand({ identifier: 'hourly-errors', startTime: 0, endTime: Date.now() }),
    );
    assert.deepEqual(history.triggerHistory, []);
    await logs.send(new DeleteScheduledQueryCommand({ identifier: scheduledQueryArn }));
    await rejects(
      logs.send(new GetScheduledQueryCommand({ identifier: 'hourly-errors' })),
      'ResourceNotFoundException',
    );
  });

  test('a bad schedule or query is a ValidationException', async () => {
    await rejects(
      logs.send(
        new CreateScheduledQueryCommand({
          ...definition,
          name: 'bad-schedule',
          scheduleExpression: 'every hour',
        }),
      ),
      'ValidationException',
    );
    await rejects(
      logs.send(
        new CreateScheduledQueryCommand({ ...definition, name: 'bad-query', queryString: 'frobnicate' }),
      ),
      'ValidationException',
      /Invalid query/,
    );
  });
});
