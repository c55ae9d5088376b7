// Metric filters through @aws-sdk/client-cloudwatch-logs: put, describe (by group, prefix, metric),
// delete, the per-group limit, metricFilterCount, and TestMetricFilter's matches and extracted values.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  DeleteLogGroupCommand,
  DeleteMetricFilterCommand,
  DescribeLogGroupsCommand,
  DescribeMetricFiltersCommand,
  type MetricTransformation,
  PutMetricFilterCommand,
  TestMetricFilterCommand,
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

const errors = (overrides: Partial<MetricTransformation> = {}): MetricTransformation[] => [
  { metricName: 'Errors', metricNamespace: 'App', metricValue: '1', ...overrides },
];

describe('metric filters', () => {
  test('put, describe with every field, replace, and delete', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: 'mf/app' }));
    await logs.send(
      new PutMetricFilterCommand({
        logGroupName: 'mf/app',
        filterName: 'errors',
        filterPattern: 'ERROR',
        metricTransformations: errors({ defaultValue: 0, unit: 'Count' }),
      }),
    );
    const { metricFilters } = await logs.send(new DescribeMetricFiltersCommand({ logGroupName: 'mf/app' }));
    assert.equal(metricFilters?.length, 1);
    const filter = metricFilters![0]!;
    assert.equal(filter.filterName, 'errors');
    assert.equal(filter.filterPattern, 'ERROR');
    assert.equal(filter.logGroupName, 'mf/app');
    assert.deepEqual(filter.metricTransformations, errors({ defaultValue: 0, unit: 'Count' }));
    assert.ok(Math.abs(filter.creationTime! - Date.now()) < 60_000);

    // The same name replaces the filter, and keeps its creation time.
    await logs.send(
      new PutMetricFilterCommand({
        logGroupName: 'mf/app',
        filterName: 'errors',
        filterPattern: '{ $.level = "error" }',
        metricTransformations: errors({ metricValue: '$.count', dimensions: { Service: '$.service' } }),
      }),
    );
    const replaced = await logs.send(new DescribeMetricFiltersCommand({ logGroupName: 'mf/app' }));
    assert.equal(replaced.metricFilters?.length, 1);
    assert.equal(replaced.metricFilters![0]!.filterPattern, '{ $.level = "error" }');
    assert.equal(replaced.metricFilters![0]!.creationTime, filter.creationTime);
    assert.deepEqual(replaced.metricFilters![0]!.metricTransformations![0]!.dimensions, {
      Service: '$.service',
    });

    const { logGroups } = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'mf/app' }));
    assert.equal(logGroups![0]!.metricFilterCount, 1);

    await logs.send(new DeleteMetricFilterCommand({ logGroupName: 'mf/app', filterName: 'errors' }));
    assert.deepEqual(
      (await logs.send(new DescribeMetricFiltersCommand({ logGroupName: 'mf/app' }))).metricFilters,
      [],
    );
    await rejects(
      logs.send(new DeleteMetricFilterCommand({ logGroupName: 'mf/app', filterName: 'errors' })),
      'ResourceNotFoundException',
      /metric filter does not exist/,
    );
  });

  test('describe across groups, by name prefix, by metric, and in pages', async () => {
    for (const group of ['mf/a', 'mf/b']) {
      await logs.send(new CreateLogGroupCommand({ logGroupName: group }));
      for (const name of ['latency', 'errors-4xx', 'errors-5xx'])
        await logs.send(
          new PutMetricFilterCommand({
            logGroupName: group,
            filterName: name,
            filterPattern: '',
            metricTransformations: errors({ metricName: name }),
          }),
        );
    }
    const prefixed = await logs.send(
      new DescribeMetricFiltersCommand({ logGroupName: 'mf/a', filterNamePrefix: 'errors-' }),
    );
    assert.deepEqual(
      prefixed.metricFilters?.map((filter) => filter.filterName),
      ['errors-4xx', 'errors-5xx'],
    );
    const byMetric = await logs.send(
      new DescribeMetricFiltersCommand({ metricName: 'latency', metricNamespace: 'App' }),
    );
    assert.deepEqual(
      byMetric.metricFilters?.map((filter) => `${filter.logGroupName} ${filter.filterName}`),
      ['mf/a latency', 'mf/b latency'],
    );
    const seen: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await logs.send(new DescribeMetricFiltersCommand({ limit: 2, nextToken }));
      assert.ok((page.metricFilters?.length ?? 0) <= 2);
      seen.push(...(page.metricFilters ?? []).map((filter) => `${filter.logGroupName} ${filter.filterName}`));
      nextToken = page.nextToken;
    } while (nextToken);
    assert.deepEqual(
      seen.filter((entry) => entry.startsWith('mf/a ') || entry.startsWith('mf/b ')),
      [
        'mf/a errors-4xx',
        'mf/a errors-5xx',
        'mf/a latency',
        'mf/b errors-4xx',
        'mf/b errors-5xx',
        'mf/b latency',
      ],
    );
    await rejects(
      logs.send(new DescribeMetricFiltersCommand({ metricName: 'latency' })),
      'InvalidParameterException',
    );
    await rejects(
      logs.send(new DescribeMetricFiltersCommand({ logGroupName: 'mf/none' })),
      'ResourceNotFoundException',
      /log group does not exist/,
    );
  });

  test('what AWS refuses: a bad pattern, a value the pattern cannot give, a missing group, the limit', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: 'mf/rules' }));
    const put = (filterPattern: string, transformation: Partial<MetricTransformation> = {}, name = 'f') =>
      logs.send(
        new PutMetricFilterCommand({
          logGroupName: 'mf/rules',
          filterName: name,
          filterPattern,
          metricTransformations: errors(transformation),
        }),
      );
    await rejects(put('user@example.com'), 'InvalidParameterException', /Invalid character\(s\) in term/);
    await rejects(
      put('ERROR', { metricValue: '$.latency' }),
      'InvalidParameterException',
      /Invalid metric value/,
    );
    await rejects(
      put('{ $.a = 1 }', { dimensions: { A: '$.a' }, defaultValue: 0 }),
      'InvalidParameterException',
      /dimensions cannot have a default value/,
    );
    await rejects(
      put('[ip, status]', { dimensions: { A: '$ip', B: '$status', C: '$ip', D: '$status' } }),
      'InvalidParameterException',
      /at most 3 dimensions/,
    );
    await put('[ip, status, bytes]', { metricValue: '$bytes', dimensions: { Status: '$status' } });
    await rejects(
      logs.send(
        new PutMetricFilterCommand({
          logGroupName: 'mf/none',
          filterName: 'f',
          filterPattern: '',
          metricTransformations: errors(),
        }),
      ),
      'ResourceNotFoundException',
      /log group does not exist/,
    );
    for (let index = 1; index < 100; index++) await put('', {}, `n${index}`);
    await rejects(put('', {}, 'one-too-many'), 'LimitExceededException');
    await put('', { metricValue: '2' }, 'n1');
  });

  test('deleting the group deletes its filters', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: 'mf/gone' }));
    await logs.send(
      new PutMetricFilterCommand({
        logGroupName: 'mf/gone',
        filterName: 'f',
        filterPattern: '',
        metricTransformations: errors(),
      }),
    );
    await logs.send(new DeleteLogGroupCommand({ logGroupName: 'mf/gone' }));
    await logs.send(new CreateLogGroupCommand({ logGroupName: 'mf/gone' }));
    const { metricFilters } = await logs.send(new DescribeMetricFiltersCommand({ logGroupName: 'mf/gone' }));
    assert.deepEqual(metricFilters, []);
  });
});

describe('TestMetricFilter', () => {
  test('numbers the matching messages from 1 and extracts space-delimited fields', async () => {
    const line = '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 404 1534';
    const { matches } = await logs.send(
      new TestMetricFilterCommand({
        filterPattern: '[ip, id, user, timestamp, request, status_code=4*, size]',
        logEventMessages: ['no match here', line],
      }),
    );
    assert.deepEqual(matches, [
      {
        eventNumber: 2,
        eventMessage: line,
        extractedValues: {
          $ip: '127.0.0.1',
          $id: '-',
          $user: 'frank',
          $timestamp: '10/Oct/2000:13:25:15 -0700',
          $request: 'GET /apache_pb.gif HTTP/1.0',
          $status_code: '404',
          $size: '1534',
        },
      },
    ]);
  });

  test('terms and JSON patterns match without extracting; a bad pattern is refused', async () => {
    const { matches } = await logs.send(
      new TestMetricFilterCommand({
        filterPattern: '{ $.status >= 500 }',
        logEventMessages: ['{"status": 503}', '{"status": 200}', 'not json'],
      }),
    );
    assert.deepEqual(matches, [{ eventNumber: 1, eventMessage: '{"status": 503}', extractedValues: {} }]);
    const terms = await logs.send(
      new TestMetricFilterCommand({
        filterPattern: 'ERROR -timeout',
        logEventMessages: ['ERROR x', 'ERROR timeout'],
      }),
    );
    assert.deepEqual(
      terms.matches?.map((match) => match.eventNumber),
      [1],
    );
    await rejects(
      logs.send(new TestMetricFilterCommand({ filterPattern: '{ $.a = ', logEventMessages: ['x'] })),
      'InvalidParameterException',
      /Invalid filter pattern/,
    );
    await rejects(
      logs.send(new TestMetricFilterCommand({ filterPattern: 'x', logEventMessages: [] })),
      'InvalidParameterException',
      /at 'logEventMessages' failed to satisfy constraint/,
    );
  });
});

describe('what metric filters publish', () => {
  // eddy serves no CloudWatch metrics API yet: the datapoints are read where Auto Scaling and a future
  // CloudWatch service read them, the runtime's cloudMetrics port.
  const minute = Math.floor((Date.now() - 5 * 60_000) / 60_000) * 60_000;
  const read = (
    metricName: string,
    statistic: 'Sum' | 'SampleCount' | 'Average' | 'Maximum',
    dimensions = {},
  ) =>
    eddy.runtime.cloudMetrics.query({
      namespace: 'Shop',
      metricName,
      dimensions,
      start: minute - 60_000,
      end: minute + 10 * 60_000,
      periodSeconds: 3600,
      statistic,
    });

  test('counts, JSON values with dimensions, delimited fields, and the default value', async () => {
    await groupWithEvents(logs, 'mf/shop');
    const put = (filterName: string, filterPattern: string, transformation: Partial<MetricTransformation>) =>
      logs.send(
        new PutMetricFilterCommand({
          logGroupName: 'mf/shop',
          filterName,
          filterPattern,
          metricTransformations: [
            { metricName: filterName, metricNamespace: 'Shop', metricValue: '1', ...transformation },
          ],
        }),
      );
    await put('Orders', '{ $.type = "order" }', {
      metricValue: '$.amount',
      dimensions: { Region: '$.region' },
    });
    await put('Errors', 'ERROR', { defaultValue: 0 });
    await put('Bytes', '[ip, status, bytes]', { metricValue: '$bytes' });
    await putEvents(
      logs,
      'mf/shop',
      'main',
      [
        '{"type":"order","amount":30,"region":"eu"}',
        '{"type":"order","amount":12.5,"region":"eu"}',
        '{"type":"order","amount":7,"region":"us"}',
        '{"type":"order"}',
        '10.0.0.1 200 512',
        '10.0.0.2 404 128',
      ],
      minute,
    );
    assert.deepEqual(await read('Orders', 'Sum', { Region: 'eu' }), [
      { timestamp: minute - 60_000, value: 42.5 },
    ]);
    assert.deepEqual(await read('Orders', 'SampleCount', { Region: 'us' }), [
      { timestamp: minute - 60_000, value: 1 },
    ]);
    assert.deepEqual(await read('Bytes', 'Maximum'), [{ timestamp: minute - 60_000, value: 512 }]);
    // No event matched ERROR in that minute: the default value is reported once.
    assert.deepEqual(await read('Errors', 'Sum'), [{ timestamp: minute - 60_000, value: 0 }]);
    await putEvents(logs, 'mf/shop', 'main', ['ERROR boom', 'ERROR again'], minute + 60_000);
    assert.deepEqual(await read('Errors', 'SampleCount'), [{ timestamp: minute - 60_000, value: 3 }]);
    assert.deepEqual(await read('Errors', 'Sum'), [{ timestamp: minute - 60_000, value: 2 }]);
    assert.ok(eddy.runtime.cloudMetrics.namespaces().includes('Shop'));
  });
});
