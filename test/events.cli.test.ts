// `eddy events explain` and `eddy events trace` against a real server, run as the real CLI.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import {
  EventBridgeClient,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startTestEddy, type TestEddy } from './harness.ts';
import { eventually } from './helpers.ts';

const BIN = resolve(import.meta.dirname, '../bin/eddy.js');
let eddy: TestEddy;
let events: EventBridgeClient;

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  await new Promise((done) => server.close(done));
  return port;
}

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [BIN, 'events', ...args], (error, stdout, stderr) =>
      done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

before(async () => {
  eddy = await startTestEddy();
  events = eddy.client(EventBridgeClient);
  await events.send(
    new PutRuleCommand({
      Name: 'asia-pacific',
      EventPattern: JSON.stringify({ source: ['com.flix'], detail: { data: { region: ['AU', 'NZ'] } } }),
    }),
  );
  await events.send(
    new PutRuleCommand({ Name: 'any-flix', EventPattern: JSON.stringify({ source: ['com.flix'] }) }),
  );
  await events.send(new PutRuleCommand({ Name: 'nightly', ScheduleExpression: 'rate(1 day)' }));
});
after(async () => {
  events?.destroy();
  await eddy?.stop();
});

test('explain: each rule matched, or the field that failed and why', async () => {
  const file = join(eddy.dataDir, 'event.json');
  writeFileSync(
    file,
    JSON.stringify({
      version: '0',
      id: '1',
      'detail-type': 'ChannelCreated',
      source: 'com.flix',
      account: '000000000000',
      time: '2026-11-24T10:00:00Z',
      region: 'us-east-1',
      resources: [],
      detail: { data: { region: 'Asia', name: 'flix-asia' } },
    }),
  );
  const result = await cli(['explain', '--endpoint', eddy.url, '--event', file]);
  assert.equal(result.code, 0, result.stderr);
  const lines = result.stdout.split('\n');
  assert.match(lines[0]!, /event-bus\/default: 3 rule\(s\), 1 matched/);
  assert.ok(lines.some((line) => /match\s+any-flix/.test(line)));
  assert.ok(
    lines.some((line) =>
      /no\s+asia-pacific\s+detail\.data\.region: 'Asia' is not one of \['AU','NZ'\]/.test(line),
    ),
    result.stdout,
  );
  assert.ok(lines.some((line) => /no\s+nightly\s+scheduled rule \(rate\(1 day\)\)/.test(line)));

  const json = await cli(['explain', '--endpoint', eddy.url, '--event', file, '--json']);
  const answer = JSON.parse(json.stdout) as { rules: { rule: string; matched: boolean }[] };
  assert.deepEqual(
    answer.rules.map((rule) => [rule.rule, rule.matched]),
    [
      ['any-flix', true],
      ['asia-pacific', false],
      ['nightly', false],
    ],
  );
});

test('trace: the rules an event matched and each delivery attempt', async () => {
  const sqs = eddy.client(SQSClient);
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'cli-trace' }));
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  await events.send(
    new PutTargetsCommand({ Rule: 'any-flix', Targets: [{ Id: 'queue', Arn: Attributes!.QueueArn }] }),
  );
  const { Entries } = await events.send(
    new PutEventsCommand({ Entries: [{ Source: 'com.flix', DetailType: 'ChannelCreated', Detail: '{}' }] }),
  );
  const eventId = Entries![0]!.EventId!;
  let result = await cli(['trace', eventId, '--endpoint', eddy.url]);
  await eventually(async () => {
    if (/delivered/.test(result.stdout)) return true;
    result = await cli(['trace', eventId, '--endpoint', eddy.url]);
    return /delivered/.test(result.stdout);
  }).catch(() => {});
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, new RegExp(`event ${eventId} on arn:aws:events:`));
  assert.match(result.stdout, /matched arn:aws:events:us-east-1:000000000000:rule\/any-flix/);
  assert.match(result.stdout, /queue → arn:aws:sqs:us-east-1:000000000000:cli-trace {2}attempt 1: delivered/);
  sqs.destroy();
});

test('errors: an unknown event, a bad file, no server — each a clear message and exit 1', async () => {
  const unknown = await cli(['trace', 'no-such-event', '--endpoint', eddy.url]);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /ResourceNotFoundException: No trace is kept for this event id/);

  const missing = await cli(['explain', '--endpoint', eddy.url, '--event', '/no/such/file.json']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /cannot read the event file \/no\/such\/file\.json \(ENOENT\)/);

  const event = join(eddy.dataDir, 'down.json');
  writeFileSync(event, '{"source": "x"}');
  const closed = await closedPort();
  const down = await cli(['explain', '--endpoint', `http://127.0.0.1:${closed}`, '--event', event]);
  assert.equal(down.code, 1);
  assert.match(
    down.stderr,
    new RegExp(`cannot reach eddy at http://127.0.0.1:${closed} \\(ECONNREFUSED\\); start it`),
  );
});
