// Table tests written by hand from the examples of the AWS documentation: EventBridge "Event
// patterns", "Content filtering in event patterns", arrays and null values, and SNS "Subscription
// filter policies" (attribute and body scopes). Each row: pattern, event, expected.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Dialect, matchesPattern, PatternSet, snsAttributesToEvent } from './index.ts';

type Row = [name: string, pattern: unknown, event: unknown, expected: boolean];

const EC2 = {
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '111122223333',
  time: '2017-12-22T18:43:48Z',
  region: 'us-west-1',
  resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0'],
  detail: { 'instance-id': 'i-1234567890abcdef0', state: 'terminated' },
};

/** The example event of "Matching null values and empty strings in Amazon EventBridge event patterns". */
const NULL_VALUES = {
  version: '0',
  id: '3e3c153a-8339-4e30-8c35-687ebef853fe',
  'detail-type': 'EC2 Instance Launch Successful',
  source: 'aws.autoscaling',
  account: '123456789012',
  time: '2015-11-11T21:31:47Z',
  region: 'us-east-1',
  resources: [],
  detail: { eventVersion: '', responseElements: null },
};

const eventbridge: Row[] = [
  [
    'EC2 termination pattern',
    {
      source: ['aws.ec2'],
      'detail-type': ['EC2 Instance State-change Notification'],
      detail: { state: ['terminated'] },
    },
    EC2,
    true,
  ],
  ['EC2 pattern, other state', { source: ['aws.ec2'], detail: { state: ['running'] } }, EC2, false],
  [
    'a value in the event array',
    {
      resources: [
        'arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0',
        'arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f',
      ],
    },
    EC2,
    true,
  ],
  ['case-sensitive', { source: ['AWS.EC2'] }, EC2, false],
  ['prefix on time', { time: [{ prefix: '2017-12-22' }] }, EC2, true],
  ['prefix, no match', { time: [{ prefix: '2017-10-02' }] }, EC2, false],
  [
    'prefix ignoring case',
    { detail: { service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] } },
    { detail: { service: 'eventbridge' } },
    true,
  ],
  ['suffix', { FileName: [{ suffix: '.png' }] }, { FileName: 'image.png' }, true],
  ['suffix is case-sensitive', { FileName: [{ suffix: '.png' }] }, { FileName: 'image.PNG' }, false],
  [
    'suffix ignoring case',
    { detail: { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] } },
    { detail: { FileName: 'image.PNG' } },
    true,
  ],
  [
    'equals-ignore-case',
    { detail: { 'detail-type': [{ 'equals-ignore-case': 'ec2 instance state-change notification' }] } },
    { detail: { 'detail-type': 'EC2 Instance State-change Notification' } },
    true,
  ],
  [
    'anything-but a string',
    { detail: { state: [{ 'anything-but': 'initializing' }] } },
    { detail: { state: 'running' } },
    true,
  ],
  [
    'anything-but the same string',
    { detail: { state: [{ 'anything-but': 'initializing' }] } },
    { detail: { state: 'initializing' } },
    false,
  ],
  [
    'anything-but a number',
    { detail: { 'x-limit': [{ 'anything-but': 123 }] } },
    { detail: { 'x-limit': 123 } },
    false,
  ],
  [
    'anything-but a number, other',
    { detail: { 'x-limit': [{ 'anything-but': 123 }] } },
    { detail: { 'x-limit': 124 } },
    true,
  ],
  [
    'anything-but a list of strings',
    { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } },
    { detail: { state: 'stopped' } },
    false,
  ],
  [
    'anything-but a list of strings, other',
    { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } },
    { detail: { state: 'running' } },
    true,
  ],
  [
    'anything-but a list of numbers',
    { detail: { 'x-limit': [{ 'anything-but': [100, 200, 300] }] } },
    { detail: { 'x-limit': 3.0e2 } },
    false,
  ],
  [
    'anything-but prefix',
    { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } },
    { detail: { state: 'initializing' } },
    false,
  ],
  [
    'anything-but prefix, other',
    { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } },
    { detail: { state: 'running' } },
    true,
  ],
  [
    'anything-but suffix',
    { detail: { FileName: [{ 'anything-but': { suffix: '.txt' } }] } },
    { detail: { FileName: 'notes.txt' } },
    false,
  ],
  // Lists of prefixes and of suffixes, from the event-ruler README ("Anything-but prefix list",
  // "Anything-but suffix list"): the value starts (ends) with none of them.
  [
    'anything-but a list of prefixes',
    { detail: { state: [{ 'anything-but': { prefix: ['init', 'error'] } }] } },
    { detail: { state: 'error-recovery' } },
    false,
  ],
  [
    'anything-but a list of prefixes, other',
    { detail: { state: [{ 'anything-but': { prefix: ['init', 'error'] } }] } },
    { detail: { state: 'running' } },
    true,
  ],
  [
    'anything-but a list of suffixes',
    { detail: { 'instance-id': [{ 'anything-but': { suffix: ['1234', '6789'] } }] } },
    { detail: { 'instance-id': 'i-000000aaaaaa06789' } },
    false,
  ],
  [
    'anything-but a list of suffixes, other',
    { detail: { 'instance-id': [{ 'anything-but': { suffix: ['1234', '6789'] } }] } },
    { detail: { 'instance-id': 'i-000000aaaaaa00000' } },
    true,
  ],
  [
    'anything-but ignoring case',
    { detail: { state: [{ 'anything-but': { 'equals-ignore-case': ['Stopped', 'OverLoaded'] } }] } },
    { detail: { state: 'STOPPED' } },
    false,
  ],
  [
    'anything-but wildcard',
    { detail: { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] } },
    { detail: { FilePath: 'dir/lib/file' } },
    false,
  ],
  [
    'anything-but wildcard, other',
    { detail: { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] } },
    { detail: { FilePath: 'dir/src/file' } },
    true,
  ],
  [
    'anything-but needs the field',
    { detail: { state: [{ 'anything-but': 'initializing' }] } },
    { detail: {} },
    false,
  ],
  [
    'numeric range',
    {
      detail: {
        'c-count': [{ numeric: ['>', 0, '<=', 5] }],
        'd-count': [{ numeric: ['<', 10] }],
        'x-limit': [{ numeric: ['=', 3.018e2] }],
      },
    },
    { detail: { 'c-count': 5, 'd-count': 9.99, 'x-limit': 301.8 } },
    true,
  ],
  [
    'numeric range, out',
    { detail: { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] } },
    { detail: { 'c-count': 0 } },
    false,
  ],
  [
    'numeric does not match strings',
    { detail: { 'c-count': [{ numeric: ['>', 0] }] } },
    { detail: { 'c-count': '5' } },
    false,
  ],
  [
    'IPv4 cidr',
    { detail: { sourceIPAddress: [{ cidr: '10.0.0.0/24' }] } },
    { detail: { sourceIPAddress: '10.0.0.255' } },
    true,
  ],
  [
    'IPv4 cidr, out',
    { detail: { sourceIPAddress: [{ cidr: '10.0.0.0/24' }] } },
    { detail: { sourceIPAddress: '10.0.1.0' } },
    false,
  ],
  [
    'IPv6 cidr',
    { detail: { sourceIPAddress: [{ cidr: '2001:db8::/64' }] } },
    { detail: { sourceIPAddress: '2001:db8::1' } },
    true,
  ],
  [
    'IPv6 cidr, out',
    { detail: { sourceIPAddress: [{ cidr: '2001:db8::/64' }] } },
    { detail: { sourceIPAddress: '2001:db9::1' } },
    false,
  ],
  [
    'exists false, absent',
    { detail: { 'c-count': [{ exists: false }] } },
    { detail: { state: ['initializing', 'running'] } },
    true,
  ],
  [
    'exists false, c-count is not a leaf',
    { detail: { 'c-count': [{ exists: false }] } },
    { detail: { state: 'running', 'c-count': { c1: 100 } } },
    true,
  ],
  ['exists true', { detail: { state: [{ exists: true }] } }, { detail: { state: 'running' } }, true],
  ['exists true, absent', { detail: { state: [{ exists: true }] } }, { detail: {} }, false],
  [
    'exists true, null is a value',
    { detail: { state: [{ exists: true }] } },
    { detail: { state: null } },
    true,
  ],
  [
    'exists inside an array of objects',
    { detail: { items: { id: [{ exists: true }] } } },
    { detail: { items: [{ name: 'a' }, { id: 1 }] } },
    true,
  ],
  [
    'wildcard',
    { EventBusArn: [{ wildcard: 'arn:aws:events:us-east-1:*:event-bus/*' }] },
    { EventBusArn: 'arn:aws:events:us-east-1:123456789012:event-bus/default' },
    true,
  ],
  [
    'wildcard, other region',
    { EventBusArn: [{ wildcard: 'arn:aws:events:us-east-1:*:event-bus/*' }] },
    { EventBusArn: 'arn:aws:events:us-west-2:123456789012:event-bus/default' },
    false,
  ],
  [
    'wildcard in S3 keys',
    { detail: { object: { key: [{ wildcard: 'uploads/*/reports/*.csv' }] } } },
    { detail: { object: { key: 'uploads/2024/reports/q1.csv' } } },
    true,
  ],
  ['escaped star', { key: [{ wildcard: 'a\\*b' }] }, { key: 'a*b' }, true],
  ['escaped star is literal', { key: [{ wildcard: 'a\\*b' }] }, { key: 'axb' }, false],
  [
    '$or across fields',
    { $or: [{ 'c-count': [{ numeric: ['>', 0, '<=', 5] }] }, { 'd-count': [{ numeric: ['<', 10] }] }] },
    { 'd-count': 3 },
    true,
  ],
  [
    '$or, neither',
    { $or: [{ 'c-count': [{ numeric: ['>', 0, '<=', 5] }] }, { 'd-count': [{ numeric: ['<', 10] }] }] },
    { 'c-count': 9, 'd-count': 30 },
    false,
  ],
  [
    '$or nested with a field',
    { source: ['aws.ec2'], $or: [{ 'detail-type': ['x'] }, { detail: { state: ['terminated'] } }] },
    EC2,
    true,
  ],
  // anything-but and values that are not strings: the operator matches "anything except what's provided in
  // the rule"; null is a value that is none of the strings listed, and a number (x-limit in the event-ruler
  // README's example event) is not a string that starts, ends or matches as the string forms say.
  ...(
    [
      ['a string', { 'anything-but': 'initializing' }],
      ['a list of strings', { 'anything-but': ['stopped', 'overloaded'] }],
      ['a number', { 'anything-but': 123 }],
      ['prefix', { 'anything-but': { prefix: 'init' } }],
      ['suffix', { 'anything-but': { suffix: '.txt' } }],
      ['equals-ignore-case', { 'anything-but': { 'equals-ignore-case': ['Stopped', 'OverLoaded'] } }],
      ['wildcard', { 'anything-but': { wildcard: '*/lib/*' } }],
    ] as const
  ).flatMap(([name, condition]): Row[] => [
    [`anything-but ${name} matches null`, { detail: { responseElements: [condition] } }, NULL_VALUES, true],
    [`anything-but ${name} needs the field`, { detail: { absent: [condition] } }, NULL_VALUES, false],
  ]),
  ...(['prefix', 'suffix', 'wildcard', 'equals-ignore-case'] as const).map(
    (form): Row => [
      `anything-but ${form} matches a number`,
      { detail: { 'x-limit': [{ 'anything-but': { [form]: form === 'wildcard' ? '3*' : '301.8' } }] } },
      { detail: { 'x-limit': 301.8 } },
      true,
    ],
  ),
  [
    'anything-but prefix still refuses the string',
    { detail: { 'x-limit': [{ 'anything-but': { prefix: '301' } }] } },
    { detail: { 'x-limit': '301.8' } },
    false,
  ],
  [
    'anything-but prefix matches a boolean',
    { detail: { enabled: [{ 'anything-but': { prefix: 'tr' } }] } },
    { detail: { enabled: true } },
    true,
  ],
  // Keys with dots: paths are joined with dots before they are compared, so these two rules and these two
  // events are the same to the matcher (event-ruler README, "Compiled rules and JSON keys with dots").
  ...[{ detail: { state: { status: ['running'] } } }, { detail: { 'state.status': ['running'] } }].flatMap(
    (pattern, index): Row[] => [
      [
        `dotted keys: rule ${index + 1}, nested event`,
        pattern,
        { detail: { state: { status: 'running' } } },
        true,
      ],
      [
        `dotted keys: rule ${index + 1}, dotted event`,
        pattern,
        { detail: { 'state.status': 'running' } },
        true,
      ],
      [
        `dotted keys: rule ${index + 1}, other value`,
        pattern,
        { detail: { 'state.status': 'stopped' } },
        false,
      ],
    ],
  ),
  [
    'dotted keys across arrays',
    { 'detail.items.id': [2] },
    { detail: [{ 'items.id': 1 }, { items: [{ id: 2 }] }] },
    true,
  ],
  ['an empty key is a key', { '': { a: ['x'] } }, { '': { a: 'x' } }, true],
  ['an empty key is not the top level', { '': { a: ['x'] } }, { a: 'x' }, false],
  [
    'a dotted key is not a prefix of its name',
    { detail: { state: ['running'] } },
    { detail: { 'state.status': 'running' } },
    false,
  ],
  ['null values', { detail: { responseElements: [null] } }, { detail: { responseElements: null } }, true],
  ['null is not absent', { detail: { responseElements: [null] } }, { detail: {} }, false],
  ['empty string', { detail: { eventVersion: [''] } }, { detail: { eventVersion: '' } }, true],
  ['empty string is not null', { detail: { eventVersion: [''] } }, { detail: { eventVersion: null } }, false],
  ['booleans', { detail: { enabled: [true] } }, { detail: { enabled: true } }, true],
  ['booleans are not strings', { detail: { enabled: [true] } }, { detail: { enabled: 'true' } }, false],
  ['numbers by value', { detail: { count: [300] } }, { detail: { count: 3.0e2 } }, true],
  [
    'arrays: any element',
    { resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f'] },
    {
      resources: [
        'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
        'arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f',
      ],
    },
    true,
  ],
  ['arrays: none', { resources: ['x'] }, { resources: ['y', 'z'] }, false],
  ['a field missing', { detail: { state: ['terminated'] } }, { source: 'aws.ec2' }, false],
];

function run(rows: Row[], dialect: Dialect) {
  for (const [name, pattern, event, expected] of rows) {
    test(name, () => {
      assert.equal(matchesPattern(JSON.stringify(pattern), JSON.stringify(event), dialect), expected);
      const set = new PatternSet(dialect);
      set.add('rule', JSON.stringify(pattern));
      assert.deepEqual(set.matchesValue(event), expected ? ['rule'] : []);
    });
  }
}

describe('EventBridge documentation examples', () => run(eventbridge, 'eventbridge'));

const attributes = (values: Record<string, [string, string]>) =>
  snsAttributesToEvent(
    Object.fromEntries(Object.entries(values).map(([key, [Type, Value]]) => [key, { Type, Value }])),
  );

const snsMessage = attributes({
  customer_interests: ['String.Array', '["soccer", "rugby", "hockey"]'],
  store: ['String', 'example_corp'],
  event: ['String', 'order_placed'],
  price_usd: ['Number', '210.75'],
});

const snsAttributeRows: Row[] = [
  [
    'the documentation policy',
    {
      store: ['example_corp'],
      event: [{ 'anything-but': 'order_cancelled' }],
      customer_interests: ['rugby', 'football', 'baseball'],
      price_usd: [{ numeric: ['>=', 100] }],
    },
    snsMessage,
    true,
  ],
  ['String.Array: any element', { customer_interests: ['rugby'] }, snsMessage, true],
  ['String.Array: none', { customer_interests: ['tennis'] }, snsMessage, false],
  ['Number compared numerically', { price_usd: [210.75] }, snsMessage, true],
  ['Number range', { price_usd: [{ numeric: ['>', 0, '<=', 150] }] }, snsMessage, false],
  ['exists', { store: [{ exists: true }] }, snsMessage, true],
  ['exists false', { encrypted: [{ exists: false }] }, snsMessage, true],
  ['anything-but', { event: [{ 'anything-but': ['order_cancelled', 'order_failed'] }] }, snsMessage, true],
  ['anything-but prefix', { event: [{ 'anything-but': { prefix: 'order-' } }] }, snsMessage, true],
  ['prefix', { event: [{ prefix: 'order' }] }, snsMessage, true],
  ['suffix', { event: [{ suffix: '_placed' }] }, snsMessage, true],
  ['equals-ignore-case', { store: [{ 'equals-ignore-case': 'EXAMPLE_CORP' }] }, snsMessage, true],
  [
    'cidr',
    { source_ip: [{ cidr: '10.0.0.0/24' }] },
    attributes({ source_ip: ['String', '10.0.0.12'] }),
    true,
  ],
  ['$or', { $or: [{ store: ['other'] }, { price_usd: [{ numeric: ['>', 200] }] }] }, snsMessage, true],
  [
    'an attribute name with dots',
    { 'store.name': ['example_corp'] },
    attributes({ 'store.name': ['String', 'example_corp'] }),
    true,
  ],
];

describe('SNS attribute-scope documentation examples', () => run(snsAttributeRows, 'sns-attributes'));

const snsBody = {
  Store: 'example_corp',
  Event: 'order-placed',
  Customer: { Interests: ['basketball', 'rugby', 'soccer'], Name: 'John' },
  Price: 500.5,
  Payment: { method: 'card' },
};

const snsBodyRows: Row[] = [
  ['nested policy', { Customer: { Interests: ['rugby', 'football', 'baseball'] } }, snsBody, true],
  [
    'nested policy, several keys',
    { Store: ['example_corp'], Price: [{ numeric: ['>=', 100] }], Payment: { method: ['card'] } },
    snsBody,
    true,
  ],
  ['nested policy, no match', { Customer: { Name: ['Jane'] } }, snsBody, false],
  // A dotted key names the nested property, as in the event patterns SNS shares its matcher with.
  ['dotted key for a nested property', { 'Customer.Interests': ['rugby'] }, snsBody, true],
  ['dotted key, no match', { 'Customer.Name': ['Jane'] }, snsBody, false],
  [
    'nested policy, dotted property',
    { Customer: { Interests: ['rugby'] } },
    { 'Customer.Interests': ['rugby', 'soccer'] },
    true,
  ],
  ['nested exists false', { Customer: { Age: [{ exists: false }] } }, snsBody, true],
];

describe('SNS body-scope documentation examples', () => run(snsBodyRows, 'sns-body'));
