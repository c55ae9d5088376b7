// Validation: every way a pattern is refused, with AWS's reason, and the line and column of the fault.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Dialect, explain, PatternError, PatternSet, parsePattern } from './index.ts';

const NESTED = 'Filter policy scope MessageAttributes does not support nested filter policy';

function refused(pattern: string, reason: string, dialect: Dialect = 'eventbridge'): PatternError {
  try {
    parsePattern(pattern, dialect);
  } catch (error) {
    assert.ok(error instanceof PatternError, String(error));
    assert.equal(error.reason, reason, pattern);
    const prefix = dialect === 'eventbridge' ? 'Event pattern is not valid. Reason: ' : '';
    assert.ok(error.message.startsWith(`${prefix}${reason}`), error.message);
    return error;
  }
  assert.fail(`accepted ${pattern}`);
}

test('a JSON syntax error names the character and where it is', () => {
  const error = refused(
    '{\n  "source": ["a"]\n  "detail-type": ["b"]\n}',
    "Unexpected character ('\"' (code 34)): was expecting comma to separate Object entries",
  );
  assert.equal(error.line, 3);
  assert.equal(error.column, 3);
  assert.match(error.message, / at line 3 column 3$/);
  const comma = refused(
    '{"a": [1,,2]}',
    "Unexpected character (',' (code 44)): expected a valid value (JSON String, Number, Array, Object or token 'null', 'true' or 'false')",
  );
  assert.deepEqual([comma.line, comma.column], [1, 10]);
  refused(
    '{"a": [tru]}',
    "Unrecognized token 'tru': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')",
  );
  refused('{"a": ["x"]', 'Unexpected end-of-input: was expecting comma to separate Object entries');
  refused('{"a": ["x"]} x', "Unexpected character ('x' (code 120)): was expecting end of input");
});

test('structure', () => {
  refused('[]', 'Filter is not an object');
  refused('{}', 'Empty objects are not allowed');
  refused('{"a": {}}', 'Empty objects are not allowed');
  refused('{"a": []}', 'Empty arrays are not allowed');
  const error = refused('{"detail": {\n "state": "x"}}', '"state" must be an object or an array');
  assert.equal(error.path, 'detail.state');
  assert.deepEqual([error.line, error.column], [2, 11]);
  refused('{"a": [[1]]}', 'Match value must be String, number, true, false, or null');
  refused('{"a": [{}]}', 'Match expression name not found');
  refused('{"a": [{"regex": "x"}]}', 'Unrecognized match type regex');
  refused('{"a": [{"prefix": "x", "suffix": "y"}]}', 'Only one key allowed in match expression');
  refused(
    `{"a": ["${'x'.repeat(2100)}"]}`,
    'The pattern is 2111 characters long; the limit is 2048 characters',
  );
});

test('string operators', () => {
  refused('{"a": [{"prefix": 1}]}', 'prefix match pattern must be a string');
  refused('{"a": [{"suffix": null}]}', 'suffix match pattern must be a string');
  refused('{"a": [{"prefix": {"wildcard": "x"}}]}', 'Unsupported prefix pattern: wildcard');
  refused(
    '{"a": [{"prefix": {"equals-ignore-case": 1}}]}',
    'equals-ignore-case match pattern must be a string',
  );
  refused('{"a": [{"equals-ignore-case": ["x"]}]}', 'equals-ignore-case match pattern must be a string');
  refused('{"a": [{"wildcard": 1}]}', 'wildcard match pattern must be a string');
  refused('{"a": [{"wildcard": "abc**def"}]}', 'Consecutive wildcard characters at pos 4');
  refused('{"a": [{"wildcard": "a\\\\b"}]}', 'Invalid escape character at pos 2');
  refused(
    '{"a": [{"wildcard": "*a*b*c*d*e*"}]}',
    'Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character',
  );
});

test('anything-but', () => {
  refused(
    '{"a": [{"anything-but": null}]}',
    'Value of anything-but must be an array or single string/number value.',
  );
  refused(
    '{"a": [{"anything-but": [true]}]}',
    'Inside anything but list, start|null|boolean is not supported.',
  );
  refused(
    '{"a": [{"anything-but": ["a", 1]}]}',
    'Inside anything but list, either all values are number or string, mixed type is not supported',
  );
  refused('{"a": [{"anything-but": {"numeric": [">", 1]}}]}', 'Unsupported anything-but pattern: numeric');
  refused('{"a": [{"anything-but": {"prefix": ""}}]}', 'Null prefix/suffix not allowed');
  refused('{"a": [{"anything-but": {"suffix": ["x", ""]}}]}', 'Null prefix/suffix not allowed');
  refused('{"a": [{"anything-but": {"prefix": 1}}]}', 'prefix/suffix match pattern must be a string');
  refused(
    '{"a": [{"anything-but": {"equals-ignore-case": [1]}}]}',
    'Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.',
  );
  refused('{"a": [{"anything-but": {"wildcard": "a**"}}]}', 'Consecutive wildcard characters at pos 2');
  // event-ruler reads the operand of a form as a string, a number or a list; anything else (an object,
  // null, a boolean) is not an operand of anything-but at all.
  for (const operand of ['{"equals-ignore-case": "x"}', 'null', 'true']) {
    for (const form of ['prefix', 'suffix', 'wildcard', 'equals-ignore-case']) {
      refused(
        `{"a": [{"anything-but": {"${form}": ${operand}}}]}`,
        'Value of anything-but must be an array or single string/number value.',
      );
    }
  }
  // A list member that is not a string is refused in the form's own words.
  refused(
    '{"a": [{"anything-but": {"suffix": ["x", null]}}]}',
    'prefix/suffix match pattern must be a string',
  );
  refused('{"a": [{"anything-but": {"prefix": ["x", 1]}}]}', 'prefix/suffix match pattern must be a string');
  refused('{"a": [{"anything-but": {"wildcard": ["x", null]}}]}', 'wildcard match pattern must be a string');
  refused(
    '{"a": [{"anything-but": {"equals-ignore-case": ["x", null]}}]}',
    'Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.',
  );
  refused(
    '{"a": [{"anything-but": {"prefix": "x", "suffix": "y"}}]}',
    'Too many elements in numeric expression',
  );
  parsePattern('{"a": [{"anything-but": {"prefix": ["init", "error"]}}]}');
  parsePattern('{"a": [{"anything-but": {"suffix": ["1234", "6789"]}}]}');
});

test('numeric', () => {
  refused('{"a": [{"numeric": 5}]}', 'Value of numeric must be an array.');
  refused('{"a": [{"numeric": []}]}', 'Invalid member in numeric match: ]');
  refused('{"a": [{"numeric": [5]}]}', 'Invalid member in numeric match: 5');
  refused('{"a": [{"numeric": ["!=", 5]}]}', 'Unrecognized numeric range operator: !=');
  refused('{"a": [{"numeric": ["=", "5"]}]}', 'Value of equals must be numeric');
  refused('{"a": [{"numeric": ["<", 5, ">", 1]}]}', 'Too many elements in numeric expression');
  refused('{"a": [{"numeric": [">", 1, ">", 5]}]}', 'Bad numeric range operator: >');
  refused('{"a": [{"numeric": [">", 1, 5]}]}', 'Bad value in numeric range: 5');
  refused('{"a": [{"numeric": [">", 1, "<", 5, "<", 6]}]}', 'Too many terms in numeric range expression');
  refused('{"a": [{"numeric": [">", 5, "<", 5]}]}', 'Bottom must be less than top');
  refused(
    '{"a": [{"numeric": [">", 6e9]}]}',
    'Value 6000000000 is out of the range of numbers a pattern can hold (-5000000000 to 5000000000)',
  );
  refused(
    '{"a": [{"numeric": [">", 0.0000001]}]}',
    'Value 1e-7 has more than 6 digits after the decimal point',
  );
  parsePattern('{"a": [{"numeric": [">", -5e9, "<=", 5e9]}]}');
});

test('exists, cidr and $or', () => {
  refused('{"a": [{"exists": "yes"}]}', 'exists match pattern must be either true or false.');
  refused('{"a": [{"cidr": "10.0.0.0"}]}', "Malformed CIDR, one '/' required");
  refused('{"a": [{"cidr": "10.0.0.0/x"}]}', 'Malformed CIDR, mask bits must be an integer');
  refused('{"a": [{"cidr": "example/8"}]}', 'Nonstandard IP address: example');
  refused('{"a": [{"cidr": "10.0.0.0/40"}]}', 'IPv4 mask bits must be < 32');
  refused('{"a": [{"cidr": "10.0.0.300/8"}]}', 'Invalid IP address: 10.0.0.300');
  refused('{"$or": [{"a": ["x"]}]}', 'There must have at least 2 Objects in $or relationship.');
  refused('{"$or": [{"a": ["x"]}, ["b"]]}', 'Only JSON object is allowed in array of $or relationship.');
  const alternatives = (n: number) =>
    JSON.stringify(Array.from({ length: n }, (_, index) => ({ [`k${index}`]: ['v'] })));
  refused(
    `{"$or": ${alternatives(11)}, "b": {"$or": ${alternatives(11)}}, "c": {"$or": ${alternatives(11)}}}`,
    'Event pattern contains more than 1000 rule combinations',
  );
});

test('SNS filter policies have their own limits and dialect', () => {
  refused(
    '{"a": ["1"], "b": ["2"], "c": ["3"], "d": ["4"], "e": ["5"], "f": ["6"]}',
    'Filter policy can not have more than 5 keys',
    'sns-attributes',
  );
  refused('{"a": {"b": ["1"]}}', NESTED, 'sns-attributes');
  const values = (n: number) => JSON.stringify(Array.from({ length: n }, (_, index) => `v${index}`));
  refused(
    `{"a": ${values(10)}, "b": ${values(10)}, "c": ${values(2)}}`,
    'Filter policy is too complex',
    'sns-attributes',
  );
  parsePattern(`{"a": ${values(10)}, "b": ${values(15)}}`, 'sns-attributes');
  // An attribute policy's nesting is refused once the policy has parsed: a fault inside comes first.
  refused('{"store": {"prefix": "x"}}', '"prefix" must be an object or an array', 'sns-attributes');
  refused(
    '{"store": {"name": [{"exists": "yes"}]}}',
    'exists match pattern must be either true or false.',
    'sns-attributes',
  );
  refused('{"$or": [{"a": ["1"]}, {"b": {"c": ["2"]}}]}', NESTED, 'sns-attributes');
  refused('{"a": [{"wildcard": "x*"}]}', 'Unrecognized match type wildcard', 'sns-attributes');
  // SNS's operators: anything-but of values, and of a prefix ("String matching using a prefix with the
  // anything-but operator"); EventBridge's suffix, wildcard and ignore-case forms are not among them.
  parsePattern('{"event": [{"anything-but": {"prefix": "order-"}}]}', 'sns-attributes');
  for (const form of ['suffix', 'wildcard', 'equals-ignore-case']) {
    for (const dialect of ['sns-attributes', 'sns-body'] as const) {
      refused(
        `{"a": [{"anything-but": {"${form}": "test"}}]}`,
        `Unsupported anything-but pattern: ${form}`,
        dialect,
      );
    }
  }
  refused(
    '{"a": [{"anything-but": {"exists": false}}]}',
    'Unsupported anything-but pattern: exists',
    'sns-body',
  );
  refused(
    '{"a": [{"anything-but": {"prefix": false}}]}',
    'prefix match pattern must be a string',
    'sns-body',
  );
  refused(
    '{"a": [{"anything-but": {"prefix": ["a", "b"]}}]}',
    'prefix match pattern must be a string',
    'sns-body',
  );
  refused(
    '{"a": [{"numeric": [">", 2e9]}]}',
    'Value 2000000000 is out of the range of numbers a pattern can hold (-1000000000 to 1000000000)',
    'sns-body',
  );
  // SNS matches numbers to five digits after the point, and takes policies with more.
  assert.doesNotThrow(() => parsePattern('{"a": [{"numeric": [">", 0.1234567]}]}', 'sns-body'));
  refused(
    '{"a": [',
    "Unexpected end-of-input: expected a valid value (JSON String, Number, Array, Object or token 'null', 'true' or 'false')",
    'sns-attributes',
  );
});

test('SNS counts keys and combinations as its constraints page does', () => {
  const values = (n: number) => JSON.stringify(Array.from({ length: n }, (_, index) => `v${index}`));
  // "Calculate the total combination by multiplying the number of values in each array": 3 x 1 x 2 = 6.
  const flat =
    '{"key_a": ["value_one", "value_two", "value_three"], "key_b": ["value_one"], "key_c": ["value_one", "value_two"]}';
  parsePattern(flat, 'sns-attributes');
  parsePattern(flat, 'sns-body');
  // Payload-based: "multiplying the number of nested keys with the values in each array": four values
  // three keys deep and three values two keys deep are 3 x 4 x 2 x 3 = 72 combinations...
  const nested = {
    key_a: { key_b: { key_c: ['value_one', 'value_two', 'value_three', 'value_four'] } },
    key_d: { key_e: ['value_one', 'value_two', 'value_three'] },
  };
  parsePattern(JSON.stringify(nested), 'sns-body');
  // ...so a third top-level key of three values makes 72 x 1 x 3 = 216, too many.
  refused(
    JSON.stringify({ ...nested, key_f: ['value_one', 'value_two', 'value_three'] }),
    'Filter policy is too complex',
    'sns-body',
  );
  // $or: the combinations of each alternative are added up (5 x 10 + 5 x 10 + 5 x 10 = 150).
  parsePattern(
    `{"a": ${values(5)}, "$or": [{"b": ${values(10)}}, {"c": ${values(10)}}, {"d": ${values(10)}}]}`,
    'sns-attributes',
  );
  refused(
    `{"a": ${values(5)}, "$or": [{"b": ${values(10)}}, {"c": ${values(10)}}, {"d": ${values(11)}}]}`,
    'Filter policy is too complex',
    'sns-attributes',
  );
  // Inside a nested $or the keys keep their depth: (2 x 2) x (9 x 2) twice is 144; one more value, 152.
  parsePattern(
    `{"detail": {"scope": ${values(2)}, "$or": [{"source": ${values(9)}}, {"type": ${values(9)}}]}}`,
    'sns-body',
  );
  refused(
    `{"detail": {"scope": ${values(2)}, "$or": [{"source": ${values(9)}}, {"type": ${values(10)}}]}}`,
    'Filter policy is too complex',
    'sns-body',
  );
  // Keys: "only top-level keys count toward the limit" in a body policy; an attribute policy's every name.
  const payload = {
    state: ['SUCCESS'],
    severity: [{ exists: true }],
    message: [{ exists: true }],
    finding: {
      standard_control: [{ exists: true }],
      region: [{ exists: true }],
      account: [{ exists: true }],
    },
  };
  parsePattern(JSON.stringify(payload), 'sns-body');
  refused(JSON.stringify(payload), NESTED, 'sns-attributes');
  refused(
    JSON.stringify({ ...payload, a: ['1'], b: ['2'] }),
    'Filter policy can not have more than 5 keys',
    'sns-body',
  );
  refused(
    '{"a": ["1"], "b": ["2"], "c": ["3"], "$or": [{"d": ["4"]}, {"e": ["5"]}, {"f": ["6"]}]}',
    'Filter policy can not have more than 5 keys',
    'sns-attributes',
  );
  parsePattern(
    '{"a": {"b": ["1"], "c": ["2"], "d": ["3"]}, "e": {"f": ["4"], "g": ["5"], "h": ["6"]}}',
    'sns-body',
  );
  // "The maximum size of a filter policy is 256 KB", of the UTF-8 the API takes.
  const big = (length: number) => `{"a": ["${'é'.repeat(length)}"]}`;
  parsePattern(big(100_000), 'sns-body');
  refused(
    big(140_000),
    'The filter policy is 280011 bytes long; the limit is 262144 bytes (256 KB)',
    'sns-body',
  );
});

test('explain names the first field that failed and why', () => {
  const set = new PatternSet();
  set.add('flix', JSON.stringify({ source: ['com.flix'], detail: { data: { region: ['AU', 'NZ'] } } }));
  set.add('missing', JSON.stringify({ source: ['com.flix'], detail: { data: { country: ['AU'] } } }));
  set.add('numbers', JSON.stringify({ detail: { data: { size: [{ numeric: ['>', 10] }] } } }));
  set.add('match', JSON.stringify({ source: [{ prefix: 'com.' }] }));
  const event = JSON.stringify({ source: 'com.flix', detail: { data: { region: 'Asia', size: 3 } } });
  assert.deepEqual(explain(set, event), [
    {
      id: 'flix',
      matched: false,
      field: 'detail.data.region',
      reason: "detail.data.region: 'Asia' is not one of ['AU','NZ']",
    },
    {
      id: 'missing',
      matched: false,
      field: 'detail.data.country',
      reason: 'detail.data.country: field is missing',
    },
    {
      id: 'numbers',
      matched: false,
      field: 'detail.data.size',
      reason: 'detail.data.size: 3 is not a number > 10',
    },
    { id: 'match', matched: true },
  ]);
  assert.deepEqual(
    explain([{ id: 'flix', pattern: set.pattern('flix')!.text }], event).map((item) => item.reason),
    ["detail.data.region: 'Asia' is not one of ['AU','NZ']"],
  );
});
