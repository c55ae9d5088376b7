// Log transformers through @aws-sdk/client-cloudwatch-logs: TestTransformer's processors, a group's
// transformer applied at ingestion (Insights reads the transformed event, GetLogEvents the original),
// the account's TRANSFORMER_POLICY, and what AWS and eddy refuse.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  DeleteAccountPolicyCommand,
  DeleteTransformerCommand,
  GetLogEventsCommand,
  GetQueryResultsCommand,
  type GetQueryResultsCommandOutput,
  GetTransformerCommand,
  type Processor,
  PutAccountPolicyCommand,
  PutTransformerCommand,
  type ResultField,
  StartQueryCommand,
  TestTransformerCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { groupWithEvents, putEvents, rejects } from './fixtures/logs.ts';
import { startTestEddy, type TestEddy } from './harness.ts';

let eddy: TestEddy;
let logs: CloudWatchLogsClient;

before(async () => {
  eddy = await startTestEddy();
  logs = eddy.client(CloudWatchLogsClient);
});
after(() => eddy.stop());

const transform = async (transformerConfig: Processor[], messages: string[]) =>
  (
    await logs.send(new TestTransformerCommand({ transformerConfig, logEventMessages: messages }))
  ).transformedLogs?.map((log) => JSON.parse(log.transformedEventMessage!) as Record<string, unknown>);

describe('TestTransformer', () => {
  test('parseJSON, then key processors: add, copy, move, rename, delete', async () => {
    assert.deepEqual(
      await transform(
        [
          { parseJSON: {} },
          {
            addKeys: {
              entries: [
                { key: 'env', value: 'dev' },
                { key: 'level', value: 'x' },
              ],
            },
          },
          { copyValue: { entries: [{ source: 'user.id', target: 'userId' }] } },
          { moveKeys: { entries: [{ source: 'user.name', target: 'name' }] } },
          { renameKeys: { entries: [{ key: 'msg', renameTo: 'text' }] } },
          { deleteKeys: { withKeys: ['secret'] } },
        ],
        ['{"level":"INFO","msg":"hi","secret":"s","user":{"id":7,"name":"ann"}}'],
      ),
      [{ level: 'INFO', text: 'hi', user: { id: 7 }, env: 'dev', userId: 7, name: 'ann' }],
    );
  });

  test('parseKeyValue and csv, then string and type processors', async () => {
    assert.deepEqual(
      await transform(
        [
          { parseKeyValue: { fieldDelimiter: ' ', keyValueDelimiter: '=' } },
          { lowerCaseString: { withKeys: ['Level'] } },
          { trimString: { withKeys: ['path'] } },
          { typeConverter: { entries: [{ key: 'ms', type: 'integer' }] } },
          { substituteString: { entries: [{ source: 'path', from: '\\d+', to: 'N' }] } },
        ],
        ['Level=WARN path=/users/42 ms=17'],
      ),
      [{ Level: 'warn', path: '/users/N', ms: 17 }],
    );
    assert.deepEqual(
      await transform(
        [
          { csv: { columns: ['ip', 'verb', 'path'] } },
          { splitString: { entries: [{ source: 'path', delimiter: '/' }] } },
        ],
        ['10.0.0.1,GET,"a/b"'],
      ),
      [{ ip: '10.0.0.1', verb: 'GET', path: ['a', 'b'] }],
    );
  });

  test('what is refused: no parser first, a processor eddy does not run', async () => {
    await rejects(
      logs.send(
        new TestTransformerCommand({
          transformerConfig: [{ addKeys: { entries: [{ key: 'a', value: 'b' }] } }],
          logEventMessages: ['x'],
        }),
      ),
      'InvalidParameterException',
      /first processor of a transformer must be a parser/,
    );
    await rejects(
      logs.send(
        new TestTransformerCommand({
          transformerConfig: [{ grok: { match: '%{COMMONAPACHELOG}' } }],
          logEventMessages: ['x'],
        }),
      ),
      'InvalidParameterException',
      /does not run the grok processor/,
    );
  });
});

async function query(group: string, queryString: string): Promise<Array<Record<string, string>>> {
  const { queryId } = await logs.send(
    new StartQueryCommand({
      logGroupName: group,
      startTime: 0,
      endTime: Math.ceil(Date.now() / 1000) + 60,
      queryString,
    }),
  );
  let answer: GetQueryResultsCommandOutput;
  do answer = await logs.send(new GetQueryResultsCommand({ queryId }));
  while (answer.status === 'Running');
  return (answer.results ?? []).map((row) =>
    Object.fromEntries((row as ResultField[]).map((cell) => [cell.field, cell.value])),
  );
}

describe('transformers at ingestion', () => {
  test('Insights reads the transformed event; GetLogEvents returns the original', async () => {
    await groupWithEvents(logs, 'tx/app');
    const transformerConfig: Processor[] = [
      { parseKeyValue: { fieldDelimiter: ' ' } },
      { upperCaseString: { withKeys: ['level'] } },
    ];
    await logs.send(new PutTransformerCommand({ logGroupIdentifier: 'tx/app', transformerConfig }));
    const got = await logs.send(new GetTransformerCommand({ logGroupIdentifier: 'tx/app' }));
    assert.deepEqual(got.transformerConfig, transformerConfig);
    await putEvents(logs, 'tx/app', 'main', ['level=warn user=ann']);
    const { events } = await logs.send(
      new GetLogEventsCommand({ logGroupName: 'tx/app', logStreamName: 'main' }),
    );
    assert.deepEqual(
      events?.map((event) => event.message),
      ['level=warn user=ann'],
    );
    assert.deepEqual(await query('tx/app', 'fields level, user | display level, user'), [
      { level: 'WARN', user: 'ann' },
    ]);
    await logs.send(new DeleteTransformerCommand({ logGroupIdentifier: 'tx/app' }));
    await rejects(
      logs.send(new GetTransformerCommand({ logGroupIdentifier: 'tx/app' })),
      'ResourceNotFoundException',
    );
    await rejects(
      logs.send(new PutTransformerCommand({ logGroupIdentifier: 'tx/none', transformerConfig })),
      'ResourceNotFoundException',
    );
  });

  test('the account’s transformer policy applies to the groups it selects', async () => {
    await groupWithEvents(logs, 'txa/selected');
    await groupWithEvents(logs, 'other/app');
    await logs.send(
      new PutAccountPolicyCommand({
        policyName: 'json-everywhere',
        policyType: 'TRANSFORMER_POLICY',
        policyDocument: JSON.stringify({
          transformerConfig: [
            { parseJSON: {} },
            { addKeys: { entries: [{ key: 'via', value: 'account' }] } },
          ],
        }),
        selectionCriteria: 'LogGroupNamePrefix IN ["txa/"]',
      }),
    );
    await putEvents(logs, 'txa/selected', 'main', ['{"n":1}']);
    await putEvents(logs, 'other/app', 'main', ['{"n":2}']);
    assert.deepEqual(await query('txa/selected', 'fields via | display n, via'), [
      { n: '1', via: 'account' },
    ]);
    assert.deepEqual(await query('other/app', 'fields via | display n, via'), [{ n: '2' }]);
    await logs.send(
      new DeleteAccountPolicyCommand({ policyName: 'json-everywhere', policyType: 'TRANSFORMER_POLICY' }),
    );
  });

  test('Infrequent Access groups take no transformer', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: 'tx/ia', logGroupClass: 'INFREQUENT_ACCESS' }));
    await rejects(
      logs.send(
        new PutTransformerCommand({ logGroupIdentifier: 'tx/ia', transformerConfig: [{ parseJSON: {} }] }),
      ),
      'InvalidOperationException',
    );
  });
});
