// CloudWatch metrics through boto3 (Smithy RPC v2 CBOR), the AWS CLI v1 (also CBOR: its botocore
// picks it), AWS JSON 1.0 and Query by hand: PutMetricData's forms and limits, GetMetricStatistics,
// GetMetricData with metric math, ListMetrics, and a malformed CBOR body.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CloudWatchClient,
  DeleteDashboardsCommand,
  GetDashboardCommand,
  GetMetricDataCommand,
  InvalidParameterValueException,
  ListDashboardsCommand,
  PutDashboardCommand,
  PutMetricDataCommand,
} from '@aws-sdk/client-cloudwatch';
import { encodeCbor } from '../src/edge/codecs/cbor.ts';
import { ManualClock } from '../src/runtime/index.ts';
import { boto3, boto3Ok } from './boto3.ts';
import { startTestEddy, type TestEddy } from './harness.ts';

const T0 = Date.parse('2026-12-07T12:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

let eddy: TestEddy;
before(async () => {
  eddy = await startTestEddy({ clock: new ManualClock(T0 + 30 * 60_000) });
});
after(() => eddy.stop());

const cw = (operation: string, params: Record<string, unknown>) =>
  boto3Ok(eddy.url, 'cloudwatch', operation, params);

describe('PutMetricData and GetMetricStatistics', () => {
  test('Value, StatisticValues and Values/Counts fold into per-minute statistics', async () => {
    const dims = [{ Name: 'Queue', Value: 'orders' }];
    await cw('PutMetricData', {
      Namespace: 'Shop',
      MetricData: [
        { MetricName: 'Latency', Dimensions: dims, Timestamp: iso(T0), Value: 10, Unit: 'Milliseconds' },
        {
          MetricName: 'Latency',
          Dimensions: dims,
          Timestamp: iso(T0 + 10_000),
          Value: 30,
          Unit: 'Milliseconds',
        },
        {
          MetricName: 'Latency',
          Dimensions: dims,
          Timestamp: iso(T0 + 60_000),
          StatisticValues: { SampleCount: 4, Sum: 100, Minimum: 5, Maximum: 50 },
          Unit: 'Milliseconds',
        },
        {
          MetricName: 'Latency',
          Dimensions: dims,
          Timestamp: iso(T0 + 120_000),
          Values: [1, 2, 3],
          Counts: [1, 1, 2],
          Unit: 'Milliseconds',
          StorageResolution: 1,
        },
      ],
    });
    const out = await cw('GetMetricStatistics', {
      Namespace: 'Shop',
      MetricName: 'Latency',
      Dimensions: dims,
      StartTime: iso(T0),
      EndTime: iso(T0 + 180_000),
      Period: 60,
      Statistics: ['SampleCount', 'Sum', 'Average', 'Minimum', 'Maximum'],
    });
    const points = (out.Datapoints as Array<Record<string, unknown>>).sort((a, b) =>
      String(a.Timestamp).localeCompare(String(b.Timestamp)),
    );
    assert.deepEqual(
      points.map((p) => [p.SampleCount, p.Sum, p.Average, p.Minimum, p.Maximum, p.Unit]),
      [
        [2, 40, 20, 10, 30, 'Milliseconds'],
        [4, 100, 25, 5, 50, 'Milliseconds'],
        [4, 9, 2.25, 1, 3, 'Milliseconds'],
      ],
    );
    // A five-minute period adds them up; another dimension order names the same series.
    const wide = await cw('GetMetricStatistics', {
      Namespace: 'Shop',
      MetricName: 'Latency',
      Dimensions: dims,
      StartTime: iso(T0),
      EndTime: iso(T0 + 300_000),
      Period: 300,
      Statistics: ['Sum', 'Maximum'],
    });
    assert.deepEqual(
      (wide.Datapoints as Array<Record<string, unknown>>).map((p) => [p.Sum, p.Maximum]),
      [[149, 50]],
    );
  });

  test('the documented limits and errors, with their codes and messages', async () => {
    const results = await boto3(eddy.url, [
      {
        service: 'cloudwatch',
        operation: 'PutMetricData',
        params: { Namespace: 'AWS/SQS', MetricData: [{ MetricName: 'x', Value: 1 }] },
      },
      {
        service: 'cloudwatch',
        operation: 'PutMetricData',
        params: {
          Namespace: 'Shop',
          MetricData: [
            {
              MetricName: 'x',
              Value: 1,
              StatisticValues: { SampleCount: 1, Sum: 1, Minimum: 1, Maximum: 1 },
            },
          ],
        },
      },
      {
        service: 'cloudwatch',
        operation: 'PutMetricData',
        params: { Namespace: 'Shop', MetricData: [{ MetricName: 'x', Values: [1, 2], Counts: [1] }] },
      },
      {
        service: 'cloudwatch',
        operation: 'PutMetricData',
        params: { Namespace: 'Shop', MetricData: [{ MetricName: 'x', Value: 1, StorageResolution: 5 }] },
      },
      {
        service: 'cloudwatch',
        operation: 'PutMetricData',
        params: {
          Namespace: 'Shop',
          MetricData: [{ MetricName: 'x', Value: 1, Timestamp: iso(T0 - 20 * 86_400_000) }],
        },
      },
      {
        service: 'cloudwatch',
        operation: 'PutMetricData',
        params: {
          Namespace: 'Shop',
          MetricData: [{ MetricName: 'x', Values: Array.from({ length: 151 }, (_, i) => i) }],
        },
      },
      {
        service: 'cloudwatch',
        operation: 'GetMetricStatistics',
        params: {
          Namespace: 'Shop',
          MetricName: 'x',
          StartTime: iso(T0),
          EndTime: iso(T0 + 60_000),
          Period: 45,
          Statistics: ['Sum'],
        },
      },
      {
        service: 'cloudwatch',
        operation: 'GetMetricStatistics',
        params: {
          Namespace: 'Shop',
          MetricName: 'x',
          StartTime: iso(T0 - 86_400_000 * 2),
          EndTime: iso(T0),
          Period: 60,
          Statistics: ['Sum'],
        },
      },
      {
        service: 'cloudwatch',
        operation: 'GetMetricStatistics',
        params: {
          Namespace: 'Shop',
          MetricName: 'x',
          StartTime: iso(T0),
          EndTime: iso(T0 + 60_000),
          Period: 60,
          ExtendedStatistics: ['p99'],
        },
      },
    ]);
    const codes = results.map((r) => (r.ok ? 'ok' : `${r.status} ${r.code}`));
    assert.deepEqual(codes, [
      '400 InvalidParameterValue',
      '400 InvalidParameterCombination',
      '400 InvalidParameterValue',
      '400 InvalidParameterValue',
      '400 InvalidParameterValue',
      '400 InvalidParameterValue',
      '400 InvalidParameterValue',
      '400 InvalidParameterCombination',
      '400 InvalidParameterValue',
    ]);
    const first = results[0];
    assert.ok(first && !first.ok);
    assert.equal(first.message, 'The value AWS/ for parameter Namespace is invalid.');
    assert.equal(first.queryError, 'InvalidParameterValue;Sender');
    const mismatch = results[2];
    assert.ok(mismatch && !mismatch.ok);
    assert.match(mismatch.message, /Values and .*Counts must be of the same size/);
  });
});

describe('GetMetricData', () => {
  test('MetricStat queries and metric math: arithmetic, SUM/AVG/MIN/MAX, FILL, IF, METRICS()', async () => {
    const put = (name: string, values: Array<[number, number]>) =>
      cw('PutMetricData', {
        Namespace: 'Math',
        MetricData: values.map(([minute, value]) => ({
          MetricName: name,
          Timestamp: iso(T0 + minute * 60_000),
          Value: value,
        })),
      });
    await put('A', [
      [0, 1],
      [1, 2],
      [2, 3],
      [3, 4],
    ]);
    await put('B', [
      [0, 10],
      [1, 20],
      [3, 40],
    ]);
    const stat = (id: string, name: string, returnData = false) => ({
      Id: id,
      MetricStat: { Metric: { Namespace: 'Math', MetricName: name }, Period: 60, Stat: 'Sum' },
      ReturnData: returnData,
    });
    const out = await cw('GetMetricData', {
      StartTime: iso(T0),
      EndTime: iso(T0 + 4 * 60_000),
      ScanBy: 'TimestampAscending',
      MetricDataQueries: [
        stat('a', 'A', true),
        stat('b', 'B'),
        { Id: 'sum', Expression: 'a + b' },
        { Id: 'ratio', Expression: '(b - a) / a * 2', Label: 'ratio' },
        { Id: 'total', Expression: 'SUM(METRICS())' },
        { Id: 'avg', Expression: 'AVG(a)' },
        { Id: 'maxab', Expression: 'MAX([a, b])' },
        { Id: 'minab', Expression: 'MIN(METRICS("b"))' },
        { Id: 'filled', Expression: 'FILL(b, 0)' },
        { Id: 'repeat', Expression: 'FILL(b, REPEAT)' },
        { Id: 'linear', Expression: 'FILL(b, LINEAR)' },
        { Id: 'big', Expression: 'IF(a >= 3, a * 100, a)' },
        { Id: 'both', Expression: 'IF(a > 1 AND a < 4, 1, 0)' },
      ],
    });
    const results = Object.fromEntries(
      (
        out.MetricDataResults as Array<{ Id: string; Values: number[]; Label: string; StatusCode: string }>
      ).map((r) => [r.Id, r.Values]),
    );
    assert.deepEqual(results, {
      a: [1, 2, 3, 4],
      sum: [11, 22, 44],
      ratio: [18, 18, 18],
      total: [11, 22, 3, 44],
      avg: [2.5, 2.5, 2.5, 2.5],
      maxab: [10, 20, 3, 40],
      minab: [10, 20, 40],
      filled: [10, 20, 0, 40],
      repeat: [10, 20, 20, 40],
      linear: [10, 20, 30, 40],
      big: [1, 2, 300, 400],
      both: [0, 1, 1, 0],
    });
    // Newest first by default, and timestamps are the periods' starts.
    const descending = await cw('GetMetricData', {
      StartTime: iso(T0),
      EndTime: iso(T0 + 4 * 60_000),
      MetricDataQueries: [stat('a', 'A', true)],
    });
    const [only] = descending.MetricDataResults as Array<{ Values: number[]; Timestamps: string[] }>;
    assert.deepEqual(only?.Values, [4, 3, 2, 1]);
    assert.equal(only?.Timestamps[0], '2026-12-07T12:03:00+00:00');
  });

  test('a bad expression or query names the query and the rule', async () => {
    const results = await boto3(eddy.url, [
      {
        service: 'cloudwatch',
        operation: 'GetMetricData',
        params: {
          StartTime: iso(T0),
          EndTime: iso(T0 + 60_000),
          MetricDataQueries: [{ Id: 'e1', Expression: 'a +' }],
        },
      },
      {
        service: 'cloudwatch',
        operation: 'GetMetricData',
        params: {
          StartTime: iso(T0),
          EndTime: iso(T0 + 60_000),
          MetricDataQueries: [{ Id: 'e1', Expression: 'nope * 2' }],
        },
      },
      {
        service: 'cloudwatch',
        operation: 'GetMetricData',
        params: {
          StartTime: iso(T0),
          EndTime: iso(T0 + 60_000),
          MetricDataQueries: [{ Id: 'E1', Expression: '1' }],
        },
      },
    ]);
    assert.deepEqual(
      results.map((r) => (r.ok ? 'ok' : r.code)),
      ['InvalidParameterValue', 'InvalidParameterValue', 'InvalidParameterValue'],
    );
    assert.match(
      (results[1] as { message: string }).message,
      /Error in expression 'e1': Unrecognized metric or expression id: nope/,
    );
  });
});

describe('ListMetrics, the AWS CLI, JSON 1.0, Query and bad CBOR', () => {
  test('ListMetrics filters by namespace, name and dimensions', async () => {
    await cw('PutMetricData', {
      Namespace: 'Listed',
      MetricData: [
        { MetricName: 'Depth', Dimensions: [{ Name: 'Queue', Value: 'a' }], Value: 1 },
        { MetricName: 'Depth', Dimensions: [{ Name: 'Queue', Value: 'b' }], Value: 1 },
        {
          MetricName: 'Age',
          Dimensions: [
            { Name: 'Queue', Value: 'a' },
            { Name: 'Stage', Value: 'prod' },
          ],
          Value: 1,
        },
      ],
    });
    const all = await cw('ListMetrics', { Namespace: 'Listed' });
    assert.equal((all.Metrics as unknown[]).length, 3);
    const depth = await cw('ListMetrics', { Namespace: 'Listed', MetricName: 'Depth' });
    assert.equal((depth.Metrics as unknown[]).length, 2);
    const queueA = await cw('ListMetrics', {
      Namespace: 'Listed',
      Dimensions: [{ Name: 'Queue', Value: 'a' }],
    });
    assert.deepEqual((queueA.Metrics as Array<{ MetricName: string }>).map((m) => m.MetricName).sort(), [
      'Age',
      'Depth',
    ]);
    const staged = await cw('ListMetrics', {
      Namespace: 'Listed',
      Dimensions: [{ Name: 'Stage' }],
      RecentlyActive: 'PT3H',
    });
    assert.deepEqual(
      (staged.Metrics as Array<{ MetricName: string }>).map((m) => m.MetricName),
      ['Age'],
    );
  });

  test('the AWS CLI v1 puts and reads a metric', async () => {
    const put = await eddy.aws([
      'cloudwatch',
      'put-metric-data',
      '--namespace',
      'Cli',
      '--metric-name',
      'Runs',
      '--value',
      '7',
      '--timestamp',
      iso(T0),
    ]);
    assert.equal(put.code, 0, put.stderr);
    const get = await eddy.aws([
      'cloudwatch',
      'get-metric-statistics',
      '--namespace',
      'Cli',
      '--metric-name',
      'Runs',
      '--start-time',
      iso(T0),
      '--end-time',
      iso(T0 + 60_000),
      '--period',
      '60',
      '--statistics',
      'Sum',
    ]);
    assert.equal(get.code, 0, get.stderr);
    assert.equal(JSON.parse(get.stdout).Datapoints[0].Sum, 7);
    const bad = await eddy.aws([
      'cloudwatch',
      'put-metric-data',
      '--namespace',
      'AWS/EC2',
      '--metric-name',
      'x',
      '--value',
      '1',
    ]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /InvalidParameterValue/);
  });

  test('AWS JSON 1.0 and Query answer the same store', async () => {
    const json = await fetch(eddy.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'GraniteServiceVersion20100801.PutMetricData',
      },
      body: JSON.stringify({
        Namespace: 'Wire',
        MetricData: [{ MetricName: 'Hits', Value: 5, Timestamp: T0 / 1000 }],
      }),
    });
    assert.equal(json.status, 200, await json.clone().text());
    const form = new URLSearchParams({
      Action: 'GetMetricStatistics',
      Version: '2010-08-01',
      Namespace: 'Wire',
      MetricName: 'Hits',
      StartTime: iso(T0),
      EndTime: iso(T0 + 60_000),
      Period: '60',
      'Statistics.member.1': 'Sum',
    });
    const query = await fetch(eddy.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form,
    });
    const xml = await query.text();
    assert.equal(query.status, 200, xml);
    assert.match(xml, /<GetMetricStatisticsResult>.*<Sum>5(\.0)?<\/Sum>/s);
    const error = await fetch(eddy.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        Action: 'PutMetricData',
        Version: '2010-08-01',
        Namespace: 'AWS/X',
        'MetricData.member.1.MetricName': 'x',
        'MetricData.member.1.Value': '1',
      }),
    });
    assert.equal(error.status, 400);
    assert.match(await error.text(), /<Code>InvalidParameterValue<\/Code>/);
  });

  test('a malformed CBOR body is a 400 SerializationException in CBOR, and eddy keeps serving', async () => {
    const post = (body: Uint8Array) =>
      fetch(`${eddy.url}/service/GraniteServiceVersion20100801/operation/PutMetricData`, {
        method: 'POST',
        headers: { 'content-type': 'application/cbor', 'smithy-protocol': 'rpc-v2-cbor' },
        body,
      });
    for (const body of [Uint8Array.from([0xbf, 0x61]), Uint8Array.from([0x1c]), encodeCbor([1, 2])]) {
      const response = await post(body);
      assert.equal(response.status, 400);
      assert.equal(response.headers.get('smithy-protocol'), 'rpc-v2-cbor');
      const { decodeCbor } = await import('../src/edge/codecs/cbor.ts');
      const decoded = decodeCbor(new Uint8Array(await response.arrayBuffer())) as Record<string, string>;
      assert.match(decoded.__type ?? '', /SerializationException$/);
    }
    const typed = await post(encodeCbor({ Namespace: 5 }));
    assert.equal(typed.status, 400);
    const good = await post(encodeCbor({ Namespace: 'Raw', MetricData: [{ MetricName: 'm', Value: 1.5 }] }));
    assert.equal(good.status, 200);
  });
});

describe('the v3 JavaScript SDK (Smithy RPC v2 CBOR)', () => {
  test('puts, reads with metric math, gets the error shape, and keeps dashboards', async () => {
    const client = eddy.client(CloudWatchClient);
    await client.send(
      new PutMetricDataCommand({
        Namespace: 'Sdk',
        MetricData: [
          { MetricName: 'Orders', Value: 4, Timestamp: new Date(T0), Unit: 'Count' },
          { MetricName: 'Orders', Value: 6, Timestamp: new Date(T0 + 60_000), Unit: 'Count' },
        ],
      }),
    );
    const out = await client.send(
      new GetMetricDataCommand({
        StartTime: new Date(T0),
        EndTime: new Date(T0 + 120_000),
        ScanBy: 'TimestampAscending',
        MetricDataQueries: [
          {
            Id: 'orders',
            MetricStat: { Metric: { Namespace: 'Sdk', MetricName: 'Orders' }, Period: 60, Stat: 'Sum' },
          },
          { Id: 'doubled', Expression: 'orders * 2' },
        ],
      }),
    );
    assert.deepEqual(
      out.MetricDataResults?.map((r) => [r.Id, r.Values, r.Timestamps?.map((t) => t.getTime())]),
      [
        ['orders', [4, 6], [T0, T0 + 60_000]],
        ['doubled', [8, 12], [T0, T0 + 60_000]],
      ],
    );
    await assert.rejects(
      client.send(
        new PutMetricDataCommand({ Namespace: 'AWS/Lambda', MetricData: [{ MetricName: 'x', Value: 1 }] }),
      ),
      (error: unknown) =>
        error instanceof InvalidParameterValueException && error.$metadata.httpStatusCode === 400,
    );
    await client.send(
      new PutDashboardCommand({ DashboardName: 'ops', DashboardBody: JSON.stringify({ widgets: [] }) }),
    );
    assert.equal(
      (await client.send(new GetDashboardCommand({ DashboardName: 'ops' }))).DashboardBody,
      '{"widgets":[]}',
    );
    assert.deepEqual(
      (await client.send(new ListDashboardsCommand({}))).DashboardEntries?.map((d) => d.DashboardName),
      ['ops'],
    );
    await client.send(new DeleteDashboardsCommand({ DashboardNames: ['ops'] }));
    await assert.rejects(
      client.send(new GetDashboardCommand({ DashboardName: 'ops' })),
      (error: unknown) => error instanceof Error && error.name === 'DashboardNotFoundError',
    );
    client.destroy();
  });
});
