// Logs Insights through @aws-sdk/client-cloudwatch-logs: StartQuery and GetQueryResults over JSON and
// text events (fields, filter, parse, stats by bin, sort, limit), statistics, paging, the errors AWS
// gives a malformed or unsupported query, DescribeQueries, ListLogGroupsForQuery, StopQuery,
// GetLogRecord by @ptr, GetLogGroupFields, and saved query definitions.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  AssociateKmsKeyCommand,
  CloudWatchLogsClient,
  DeleteQueryDefinitionCommand,
  DescribeQueriesCommand,
  DescribeQueryDefinitionsCommand,
  GetLogGroupFieldsCommand,
  GetLogRecordCommand,
  GetQueryResultsCommand,
  type GetQueryResultsCommandOutput,
  ListLogGroupsForQueryCommand,
  PutQueryDefinitionCommand,
  type ResultField,
  StartQueryCommand,
  type StartQueryCommandInput,
  StopQueryCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { ACCOUNT, groupArnOf, groupWithEvents, putEvents, REGION, rejects } from './fixtures/logs.ts';
import { startTestEddy, type TestEddy } from './harness.ts';

let eddy: TestEddy;
let logs: CloudWatchLogsClient;
const now = Date.now();
/** Events a minute apart from a time on ten minutes, at least 16 minutes ago. */
const base = Math.floor((now - 20 * 60_000) / 600_000) * 600_000;

before(async () => {
  eddy = await startTestEddy();
  logs = eddy.client(CloudWatchLogsClient);
  await groupWithEvents(logs, 'q/api', []);
  const lines = [
    '{"level":"info","path":"/a","ms":10}',
    '{"level":"error","path":"/b","ms":250}',
    '{"level":"info","path":"/a","ms":30}',
    '{"level":"error","path":"/a","ms":500}',
    'GET /health 200 3ms',
  ];
  for (const [index, message] of lines.entries())
    await putEvents(logs, 'q/api', 'main', [message], base + index * 60_000);
  await groupWithEvents(logs, 'q/worker', ['{"level":"error","path":"job"}'], { start: base + 30_000 });
});
after(() => eddy.stop());

/** Polls GetQueryResults, as clients do, until the query is no longer running. */
async function results(
  input: Omit<StartQueryCommandInput, 'startTime' | 'endTime'> & { startTime?: number; endTime?: number },
) {
  const { queryId } = await logs.send(
    new StartQueryCommand({
      startTime: Math.floor(base / 1000) - 60,
      endTime: Math.ceil(now / 1000),
      ...input,
    }),
  );
  let answer: GetQueryResultsCommandOutput;
  do answer = await logs.send(new GetQueryResultsCommand({ queryId }));
  while (answer.status === 'Running' || answer.status === 'Scheduled');
  return { queryId: queryId!, answer };
}

const rows = (answer: GetQueryResultsCommandOutput, ...fields: string[]) =>
  (answer.results ?? []).map((row) =>
    Object.fromEntries(
      (row as ResultField[])
        .filter((cell) => fields.length === 0 || fields.includes(cell.field!))
        .map((cell) => [cell.field, cell.value]),
    ),
  );

describe('StartQuery and GetQueryResults', () => {
  test('fields, filter on a JSON field, sort and limit; @ptr on every row', async () => {
    const { answer } = await results({
      logGroupName: 'q/api',
      queryString: 'fields @timestamp, path, ms | filter level = "error" | sort ms desc | limit 5',
    });
    assert.equal(answer.status, 'Complete');
    assert.equal(answer.queryLanguage, 'CWLI');
    assert.deepEqual(rows(answer, 'path', 'ms'), [
      { path: '/a', ms: '500' },
      { path: '/b', ms: '250' },
    ]);
    const first = answer.results![0]! as ResultField[];
    assert.equal(
      first.find((cell) => cell.field === '@timestamp')?.value,
      new Date(base + 3 * 60_000).toISOString().replace('T', ' ').replace('Z', ''),
    );
    assert.ok(first.some((cell) => cell.field === '@ptr'));
    assert.equal(answer.statistics?.recordsScanned, 5);
    assert.equal(answer.statistics?.recordsMatched, 2);
    assert.ok((answer.statistics?.bytesScanned ?? 0) > 100);
  });

  test('by default the newest events first, with @timestamp and @message; text matched with like', async () => {
    const { answer } = await results({
      logGroupName: 'q/api',
      queryString: 'filter @message like /health|level/ | limit 2',
    });
    assert.deepEqual(rows(answer, '@message'), [
      { '@message': 'GET /health 200 3ms' },
      { '@message': '{"level":"error","path":"/a","ms":500}' },
    ]);
  });

  test('stats: count by a field and by bin, avg, sorted', async () => {
    const byLevel = await results({
      logGroupName: 'q/api',
      queryString: 'filter ispresent(level) | stats count(*) as n, avg(ms) as mean by level | sort n desc',
    });
    assert.deepEqual(rows(byLevel.answer), [
      { level: 'error', n: '2', mean: '375' },
      { level: 'info', n: '2', mean: '20' },
    ]);
    const byBin = await results({
      logGroupNames: ['q/api', 'q/worker'],
      queryString: 'stats count(*) by bin(2m)',
    });
    const bins = rows(byBin.answer);
    assert.deepEqual(
      bins.map((row) => row['count(*)']),
      ['3', '2', '1'],
    );
    assert.equal(bins[0]!['bin(2m)'], new Date(base).toISOString().replace('T', ' ').replace('Z', ''));
  });

  test('parse a text message with a glob, then filter on what it found', async () => {
    const { answer } = await results({
      logGroupName: 'q/api',
      queryString:
        'parse @message "* * * *ms" as method, path, status, took | filter status = 200 | fields method, took',
    });
    assert.deepEqual(rows(answer, 'method', 'took'), [{ method: 'GET', took: '3' }]);
  });

  test('results page with maxItems and nextToken; the account’s query-results key is shown', async () => {
    const key = `arn:aws:kms:${REGION}:${ACCOUNT}:key/results`;
    await logs.send(
      new AssociateKmsKeyCommand({
        resourceIdentifier: `arn:aws:logs:${REGION}:${ACCOUNT}:query-result:*`,
        kmsKeyId: key,
      }),
    );
    const { queryId, answer } = await results({ logGroupName: 'q/api', queryString: 'fields @message' });
    assert.equal(answer.encryptionKey, key);
    const first = await logs.send(new GetQueryResultsCommand({ queryId, maxItems: 3 }));
    assert.equal(first.results?.length, 3);
    const rest = await logs.send(
      new GetQueryResultsCommand({ queryId, maxItems: 3, nextToken: first.nextToken }),
    );
    assert.equal(rest.results?.length, 2);
    assert.equal(rest.nextToken, undefined);
  });

  test('what AWS refuses: a malformed query, another language, a missing group, a backwards range', async () => {
    const start = (input: Partial<StartQueryCommandInput>) =>
      logs.send(
        new StartQueryCommand({
          logGroupName: 'q/api',
          startTime: 0,
          endTime: 10,
          queryString: 'fields @message',
          ...input,
        }),
      );
    await assert.rejects(
      start({ queryString: 'fields @message | frobnicate x' }),
      (error: Error & { queryCompileError?: { location?: { startCharOffset?: number } } }) => {
        assert.equal(error.name, 'MalformedQueryException');
        assert.equal(error.queryCompileError?.location?.startCharOffset, 18);
        return true;
      },
    );
    await rejects(start({ queryString: 'stats count(*) by bin(banana)' }), 'MalformedQueryException');
    await rejects(
      start({ queryString: 'SELECT * FROM `q/api`', queryLanguage: 'SQL' }),
      'MalformedQueryException',
      /SQL queries are not supported/,
    );
    await rejects(start({ logGroupName: 'q/none' }), 'ResourceNotFoundException');
    await rejects(start({ logGroupNames: ['q/api'] }), 'InvalidParameterException', /Exactly one of/);
    await rejects(start({ startTime: 20, endTime: 10 }), 'InvalidParameterException');
    await rejects(
      logs.send(new GetQueryResultsCommand({ queryId: 'no-such-query' })),
      'ResourceNotFoundException',
    );
  });
});

describe('queries that ran', () => {
  test('DescribeQueries, ListLogGroupsForQuery, and StopQuery on a finished query', async () => {
    const { queryId } = await results({
      logGroupIdentifiers: [groupArnOf('q/worker'), 'q/api'],
      queryString: 'fields @message | limit 1',
    });
    const { queries } = await logs.send(new DescribeQueriesCommand({ logGroupName: 'q/worker' }));
    const info = queries?.find((query) => query.queryId === queryId);
    assert.equal(info?.status, 'Complete');
    assert.equal(info?.queryString, 'fields @message | limit 1');
    assert.equal(info?.logGroupName, 'q/worker');
    const paged = await logs.send(new DescribeQueriesCommand({ maxResults: 1 }));
    assert.equal(paged.queries?.length, 1);
    assert.ok(paged.nextToken);
    const listed = await logs.send(new ListLogGroupsForQueryCommand({ queryId }));
    assert.deepEqual(listed.logGroupIdentifiers, [groupArnOf('q/worker'), groupArnOf('q/api')]);
    await rejects(
      logs.send(new StopQueryCommand({ queryId })),
      'InvalidParameterException',
      /is not running/,
    );
    const complete = await logs.send(new DescribeQueriesCommand({ status: 'Complete', maxResults: 1000 }));
    assert.ok(complete.queries?.every((query) => query.status === 'Complete'));
  });
});

describe('records and fields', () => {
  test('GetLogRecord reads the event a @ptr points at, with its discovered fields', async () => {
    const { answer } = await results({ logGroupName: 'q/worker', queryString: 'fields @ptr' });
    const pointer = (answer.results![0] as ResultField[]).find((cell) => cell.field === '@ptr')!.value!;
    const { logRecord } = await logs.send(new GetLogRecordCommand({ logRecordPointer: pointer }));
    assert.equal(logRecord?.['@message'], '{"level":"error","path":"job"}');
    assert.equal(logRecord?.['@logStream'], 'main');
    assert.equal(logRecord?.['@log'], `${ACCOUNT}:q/worker`);
    assert.equal(logRecord?.['@timestamp'], String(base + 30_000));
    assert.equal(logRecord?.level, 'error');
    await rejects(
      logs.send(new GetLogRecordCommand({ logRecordPointer: 'garbage' })),
      'InvalidParameterException',
    );
  });

  test('GetLogGroupFields counts the fields of recently ingested events', async () => {
    const { logGroupFields } = await logs.send(new GetLogGroupFieldsCommand({ logGroupName: 'q/api' }));
    const percent = Object.fromEntries((logGroupFields ?? []).map((field) => [field.name, field.percent]));
    assert.equal(percent['@message'], 100);
    assert.equal(percent['@timestamp'], 100);
    assert.equal(percent.level, 80);
    assert.equal(percent.ms, 80);
    await rejects(
      logs.send(new GetLogGroupFieldsCommand({ logGroupName: 'q/none' })),
      'ResourceNotFoundException',
    );
  });
});

describe('query definitions', () => {
  test('put, update by id, retry by client token, describe by prefix, delete', async () => {
    const clientToken = '0123456789abcdef0123456789abcdef0123';
    const { queryDefinitionId } = await logs.send(
      new PutQueryDefinitionCommand({
        name: 'errors/by-path',
        queryString: 'filter level = "error"',
        logGroupNames: ['q/api'],
        clientToken,
      }),
    );
    const again = await logs.send(
      new PutQueryDefinitionCommand({
        name: 'errors/by-path',
        queryString: 'filter level = "error"',
        clientToken,
      }),
    );
    assert.equal(again.queryDefinitionId, queryDefinitionId);
    await logs.send(
      new PutQueryDefinitionCommand({
        queryDefinitionId,
        name: 'errors/by-path',
        queryString: 'stats count(*) by path',
      }),
    );
    await logs.send(new PutQueryDefinitionCommand({ name: 'other', queryString: 'fields @message' }));
    const { queryDefinitions } = await logs.send(
      new DescribeQueryDefinitionsCommand({ queryDefinitionNamePrefix: 'errors/' }),
    );
    assert.deepEqual(
      queryDefinitions?.map((definition) => [
        definition.queryDefinitionId,
        definition.queryString,
        definition.queryLanguage,
      ]),
      [[queryDefinitionId, 'stats count(*) by path', 'CWLI']],
    );
    const { success } = await logs.send(new DeleteQueryDefinitionCommand({ queryDefinitionId }));
    assert.equal(success, true);
    await rejects(
      logs.send(new DeleteQueryDefinitionCommand({ queryDefinitionId })),
      'ResourceNotFoundException',
    );
    await rejects(
      logs.send(
        new PutQueryDefinitionCommand({
          queryDefinitionId: 'missing',
          name: 'x',
          queryString: 'fields @message',
        }),
      ),
      'ResourceNotFoundException',
    );
  });
});
