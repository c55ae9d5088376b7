import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkTargetInput, readPath, transformInput } from './transform.ts';

const event = JSON.stringify({
  version: '0',
  id: 'e-1',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  time: '2026-01-01T00:00:00Z',
  resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-1'],
  detail: { 'instance-id': 'i-0123456789', state: 'RUNNING', count: 3, tags: { team: 'a "quoted" team' } },
});
const context = {
  ruleArn: 'arn:aws:events:us-east-1:000000000000:rule/r',
  ruleName: 'r',
  ingestionTime: '2026-01-01T00:00:01Z',
};

describe('target input', () => {
  it('passes the event, a constant, or a path', () => {
    assert.equal(transformInput({}, event, context), event);
    assert.equal(transformInput({ Input: '{"fixed":true}' }, event, context), '{"fixed":true}');
    assert.equal(transformInput({ InputPath: '$.detail.state' }, event, context), '"RUNNING"');
    assert.equal(
      transformInput({ InputPath: '$.resources[0]' }, event, context),
      '"arn:aws:ec2:us-east-1:123456789012:instance/i-1"',
    );
  });

  it('fills a JSON template: quoted placeholders as string content, bare ones as JSON (AWS docs example)', () => {
    const output = transformInput(
      {
        InputTransformer: {
          InputPathsMap: {
            instance: '$.detail.instance-id',
            state: '$.detail.state',
            count: '$.detail.count',
            team: '$.detail.tags.team',
          },
          InputTemplate:
            '{"instance": <instance>, "state": "<state>", "n": <count>, "msg": "<instance> is <state>", "team": "<team>", "missing": <nope>}',
        },
      },
      event,
      context,
    );
    assert.deepEqual(JSON.parse(output.replace('<nope>', 'null')), {
      instance: 'i-0123456789',
      state: 'RUNNING',
      n: 3,
      msg: 'i-0123456789 is RUNNING',
      team: 'a "quoted" team',
      missing: null,
    });
  });

  it('fills a text template with raw values and the predefined variables', () => {
    const output = transformInput(
      {
        InputTransformer: {
          InputPathsMap: { instance: '$.detail.instance-id' },
          InputTemplate:
            'Instance <instance> changed; rule <aws.events.rule-name> at <aws.events.event.ingestion-time>',
        },
      },
      event,
      context,
    );
    assert.equal(output, 'Instance i-0123456789 changed; rule r at 2026-01-01T00:00:01Z');
    const whole = transformInput(
      { InputTransformer: { InputTemplate: '{"original": <aws.events.event.json>}' } },
      event,
      context,
    );
    assert.deepEqual(JSON.parse(whole).original, JSON.parse(event));
  });

  it('rejects conflicting or invalid input settings with the rule broken', () => {
    assert.match(checkTargetInput({ Input: '{}', InputPath: '$.a' }) ?? '', /Only one of/);
    assert.match(checkTargetInput({ Input: '{not json' }) ?? '', /not valid JSON/);
    assert.match(checkTargetInput({ InputPath: 'detail' }) ?? '', /not a valid JSON path/);
    assert.match(
      checkTargetInput({
        InputTransformer: { InputPathsMap: { 'aws.events.x': '$.a' }, InputTemplate: '<x>' },
      }) ?? '',
      /reserved prefix/,
    );
    assert.equal(
      checkTargetInput({ InputTransformer: { InputPathsMap: { a: '$.detail' }, InputTemplate: '<a>' } }),
      undefined,
    );
    assert.equal(readPath({ a: [{ b: 1 }] }, '$.a[0].b'), 1);
    assert.equal(readPath({ a: 1 }, '$.a.b'), undefined);
  });
});
