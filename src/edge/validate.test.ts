import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type ServiceModel, ShapeResolver, violationMessage } from '../contract/index.ts';
import { InputValidator } from './validate.ts';

const model: ServiceModel = {
  metadata: { apiVersion: '2020-01-01', endpointPrefix: 'x', protocol: 'json', serviceId: 'X' },
  operations: { Put: { input: { shape: 'PutRequest' } } },
  shapes: {
    PutRequest: {
      type: 'structure',
      members: {
        Name: { shape: 'Name' },
        Limit: { shape: 'Limit' },
        State: { shape: 'State' },
        Entries: { shape: 'Entries' },
        Tags: { shape: 'Tags' },
        Next: { shape: 'PutRequest' },
        Free: { shape: 'Free' },
      },
    },
    Name: { type: 'string', min: 1, max: 8, pattern: '[a-z]+' },
    Limit: { type: 'integer', min: 1, max: 100 },
    State: { type: 'string', enum: ['ON', 'OFF'] },
    Entries: { type: 'list', member: { shape: 'Entry' }, min: 1, max: 2 },
    Entry: { type: 'structure', members: { Source: { shape: 'Name' } } },
    Tags: { type: 'map', key: { shape: 'Name' }, value: { shape: 'Free' } },
    Free: { type: 'string' },
  },
};

const validator = new InputValidator(new ShapeResolver(model.shapes));
const check = (input: Record<string, unknown>) => validator.violations(model.operations.Put?.input, input);

describe('model constraints', () => {
  test('valid input has no violations', () => {
    assert.deepEqual(check({ Name: 'abc', Limit: 5, State: 'ON', Entries: [{ Source: 'a' }], Free: '' }), []);
  });

  test('each broken constraint is reported in AWS words, with its path', () => {
    const found = check({
      Name: 'ABCDEFGHIJ',
      Limit: 0,
      State: 'MAYBE',
      Entries: [{ Source: 'ok' }, { Source: '' }, { Source: 'x' }],
      Tags: { UPPER: 'v' },
      Next: { Limit: 101 },
    });
    assert.deepEqual(
      found.map((violation) => `${violation.member}: ${violation.rule}`),
      [
        'name: Member must have length less than or equal to 8',
        'name: Member must satisfy regular expression pattern: [a-z]+',
        'limit: Member must have value greater than or equal to 1',
        'state: Member must satisfy enum value set: [ON, OFF]',
        'entries: Member must have length less than or equal to 2',
        'entries.2.member.source: Member must have length greater than or equal to 1',
        'entries.2.member.source: Member must satisfy regular expression pattern: [a-z]+',
        'tags: Member must satisfy regular expression pattern: [a-z]+',
        'next.limit: Member must have value less than or equal to 100',
      ],
    );
    assert.equal(
      violationMessage(found.slice(2, 5)),
      "3 validation errors detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1; " +
        "Value 'MAYBE' at 'state' failed to satisfy constraint: Member must satisfy enum value set: [ON, OFF]; " +
        "Value at 'entries' failed to satisfy constraint: Member must have length less than or equal to 2",
    );
  });
});
