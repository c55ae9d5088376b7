// Pattern text → conditions on field paths. Validates with AWS's reasons (EventBridge event patterns
// and SNS filter policies share the language; the dialect decides what each allows). Pure.
import { PatternError } from './errors.ts';
import { JsonSyntaxError, lineAndColumn, type Offsets, parseJson } from './json.ts';
import { type CidrBlock, parseCidr, type Scalar, wildcardRegex } from './values.ts';

export type Dialect = 'eventbridge' | 'sns-attributes' | 'sns-body';

/**
 * Joins the keys of a field's path. AWS compares paths joined with dots, so a key that holds dots names
 * the same field as the keys it spells: `{"a": {"b": …}}` and `{"a.b": …}`, in a pattern or in an event.
 */
export const PATH_SEPARATOR = '.';

export interface Bound {
  value: number;
  inclusive: boolean;
}

export interface AnythingBut {
  values: Scalar[];
  prefixes?: string[];
  suffixes?: string[];
  wildcards?: RegExp[];
  /** Lower-cased values excluded whatever their case. */
  ignoreCase?: string[];
}

export type Condition =
  | { kind: 'exact'; value: Scalar }
  | { kind: 'prefix'; value: string; ignoreCase: boolean }
  | { kind: 'suffix'; value: string; ignoreCase: boolean }
  | { kind: 'equals-ignore-case'; value: string }
  | { kind: 'wildcard'; pattern: string; regex: RegExp }
  | { kind: 'anything-but'; exclude: AnythingBut }
  | { kind: 'numeric'; lower?: Bound; upper?: Bound }
  | { kind: 'exists'; exists: boolean }
  | { kind: 'cidr'; text: string; block: CidrBlock };

/** A field passes when any of its conditions holds for any of its values. */
export interface FieldTest {
  path: string;
  /** How many objects deep the pattern writes the key (1 at the top); SNS weighs complexity by it. */
  depth: number;
  conditions: Condition[];
}

/** A pattern matches when every field of one of its conjunctions passes ($or makes several). */
export interface CompiledPattern {
  conjunctions: FieldTest[][];
}

interface Limits {
  /** The longest text: in characters for EventBridge, in UTF-8 bytes for SNS. */
  maxLength: number;
  numericRange: number;
  /** Digits after the point a number may have (EventBridge refuses more); SNS takes any and keeps five. */
  decimals?: number;
  maxKeys?: number;
  maxCombinations?: number;
  maxConjunctions: number;
}

// SNS filter policy constraints: 256 KB of UTF-8, numbers within ±1e9 (matched to five digits after
// the point, more are accepted), at most five keys and 150 combinations.
const SNS_LIMITS: Limits = {
  maxLength: 256 * 1024,
  numericRange: 1e9,
  maxKeys: 5,
  maxCombinations: 150,
  maxConjunctions: 150,
};

const LIMITS: Record<Dialect, Limits> = {
  // EventBridge quotas: an event pattern is at most 2048 characters; numbers within ±5.0e9 with six
  // digits after the point; a $or may expand to at most 1000 combinations.
  eventbridge: { maxLength: 2048, numericRange: 5e9, decimals: 6, maxConjunctions: 1000 },
  'sns-attributes': SNS_LIMITS,
  'sns-body': SNS_LIMITS,
};

/** SNS's reason for a nested attribute policy (SNS words it without the "FilterPolicy: " of the others). */
export const NESTED_ATTRIBUTE_POLICY =
  'Filter policy scope MessageAttributes does not support nested filter policy';

const PREFIX: Record<Dialect, string> = {
  eventbridge: 'Event pattern is not valid. Reason: ',
  'sns-attributes': '',
  'sns-body': '',
};

/** Where the member being compiled sits: its dotted path and its value's offset in the text. */
interface Place {
  path: string;
  offset?: number;
}

type Fail = (reason: string, place?: Place) => never;

export interface CompileOptions {
  /**
   * The pattern was stored by an earlier eddy that accepted it: compile it to match as it did, without
   * the acceptance rules that have since grown stricter (SNS's weighted complexity and key count, its
   * anything-but forms, its 256 KB counted in bytes), so that a stored filter policy cannot stop a
   * restart. Syntax and operands are still checked.
   */
  stored?: boolean;
}

interface Context {
  dialect: Dialect;
  stored: boolean;
  offsets: Offsets;
  fail: Fail;
}

export function compilePattern(
  text: string,
  dialect: Dialect = 'eventbridge',
  options: CompileOptions = {},
): CompiledPattern {
  const stored = options.stored === true;
  const limits = LIMITS[dialect];
  const fail: Fail = (reason, place) => {
    const position = place?.offset === undefined ? {} : lineAndColumn(text, place.offset);
    const path = place && place.path !== '' ? place.path : undefined;
    throw new PatternError(`${PREFIX[dialect]}${reason}`, { ...position, path }, reason);
  };
  if (dialect === 'eventbridge' && text.length > limits.maxLength) {
    fail(`The pattern is ${text.length} characters long; the limit is ${limits.maxLength} characters`);
  }
  const bytes = dialect === 'eventbridge' || stored ? 0 : Buffer.byteLength(text);
  if (bytes > limits.maxLength) {
    fail(`The filter policy is ${bytes} bytes long; the limit is ${limits.maxLength} bytes (256 KB)`);
  }
  let parsed: { value: unknown; offsets: Offsets };
  try {
    parsed = parseJson(text);
  } catch (error) {
    if (!(error instanceof JsonSyntaxError)) throw error;
    const position = lineAndColumn(text, error.offset);
    throw new PatternError(`${PREFIX[dialect]}${error.message}`, position, error.message);
  }
  const { value } = parsed;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail('Filter is not an object');
  const context: Context = { dialect, stored, offsets: parsed.offsets, fail };
  const root = value as Record<string, unknown>;
  if (Object.keys(root).length === 0) fail('Empty objects are not allowed');
  const conjunctions = compileObject(root, '', 1, context, limits.maxConjunctions);
  if (dialect !== 'eventbridge' && !stored) checkSnsLimits(root, conjunctions, dialect, limits, fail);
  return { conjunctions };
}

/**
 * SNS's limits, checked once the whole policy has parsed (so a fault inside a nested attribute policy is
 * reported first), and reported without a place, as SNS reports them:
 * - an attribute policy cannot nest;
 * - at most five keys: the names of an attribute policy, the top-level keys of a body policy (nested keys
 *   do not count; the keys of a top-level `$or`'s alternatives are top-level keys);
 * - at most 150 combinations: summed over the alternatives `$or`s make, the product over the fields of
 *   the number of values times the depth of the key ("multiplying the number of nested keys with the
 *   values in each array": `{"a": {"b": {"c": [4 values]}}, "d": {"e": [3 values]}}` is 3×4 × 2×3 = 72).
 */
function checkSnsLimits(
  root: Record<string, unknown>,
  conjunctions: FieldTest[][],
  dialect: Dialect,
  limits: Limits,
  fail: Fail,
): void {
  if (
    dialect === 'sns-attributes' &&
    conjunctions.some((fields) => fields.some((field) => field.depth > 1))
  ) {
    fail(NESTED_ATTRIBUTE_POLICY);
  }
  const keys = new Set<string>();
  const topLevel = (object: Record<string, unknown>) => {
    for (const [key, value] of Object.entries(object)) {
      if (key === '$or' && Array.isArray(value))
        for (const item of value) topLevel(item as Record<string, unknown>);
      else keys.add(key);
    }
  };
  topLevel(root);
  if (keys.size > limits.maxKeys!) fail(`Filter policy can not have more than ${limits.maxKeys} keys`);
  let combinations = 0;
  for (const fields of conjunctions) {
    let product = 1;
    for (const field of fields) product *= field.conditions.length * field.depth;
    combinations += product;
  }
  if (combinations > limits.maxCombinations!) fail('Filter policy is too complex');
}

function compileObject(
  pattern: Record<string, unknown>,
  prefix: string,
  depth: number,
  context: Context,
  maxConjunctions: number,
): FieldTest[][] {
  const { fail, offsets } = context;
  const where = offsets.get(pattern);
  let conjunctions: FieldTest[][] = [[]];
  const grow = (next: FieldTest[][], place: Place) => {
    if (next.length > maxConjunctions) {
      fail(
        context.dialect === 'eventbridge'
          ? `Event pattern contains more than ${maxConjunctions} rule combinations`
          : 'Filter policy is too complex',
        place,
      );
    }
    conjunctions = next;
  };
  for (const [key, value] of Object.entries(pattern)) {
    // The depth, not the prefix, tells the top level: an empty key is a key, and `{"": {"a": …}}` is ".a".
    const path = depth === 1 ? key : `${prefix}${PATH_SEPARATOR}${key}`;
    const place: Place = { path: key === '$or' ? prefix : path, offset: where?.get(key) };
    if (
      key === '$or' &&
      Array.isArray(value) &&
      value.every((item) => item !== null && typeof item === 'object')
    ) {
      if (value.length < 2) fail('There must have at least 2 Objects in $or relationship.', place);
      const alternatives = value.flatMap((alternative) => {
        if (Array.isArray(alternative))
          return fail('Only JSON object is allowed in array of $or relationship.', place);
        const members = alternative as Record<string, unknown>;
        if (Object.keys(members).length === 0) return fail('Empty objects are not allowed', place);
        return compileObject(members, prefix, depth, context, maxConjunctions);
      });
      grow(
        conjunctions.flatMap((fields) => alternatives.map((alternative) => [...fields, ...alternative])),
        place,
      );
      continue;
    }
    if (key === '$or' && !Array.isArray(value)) fail('It must be an Array followed with $or.', place);
    if (key === '$or') fail('Only JSON object is allowed in array of $or relationship.', place);
    if (Array.isArray(value)) {
      if (value.length === 0) fail('Empty arrays are not allowed', place);
      const field: FieldTest = {
        path,
        depth,
        conditions: value.map((item) => compileCondition(item, place, context)),
      };
      conjunctions = conjunctions.map((fields) => [...fields, field]);
    } else if (value !== null && typeof value === 'object') {
      if (Object.keys(value).length === 0) fail('Empty objects are not allowed', place);
      const nested = compileObject(
        value as Record<string, unknown>,
        path,
        depth + 1,
        context,
        maxConjunctions,
      );
      grow(
        conjunctions.flatMap((fields) => nested.map((more) => [...fields, ...more])),
        place,
      );
    } else {
      fail(`"${key}" must be an object or an array`, place);
    }
  }
  return conjunctions;
}

function isScalar(value: unknown): value is Scalar {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

function compileCondition(item: unknown, place: Place, context: Context): Condition {
  const { fail } = context;
  if (isScalar(item)) {
    if (typeof item === 'number') checkNumber(item, place, context);
    return { kind: 'exact', value: item };
  }
  if (Array.isArray(item)) fail('Match value must be String, number, true, false, or null', place);
  const entries = Object.entries(item as Record<string, unknown>);
  if (entries.length === 0) fail('Match expression name not found', place);
  const [operator, operand] = entries[0]!;
  const condition = compileOperator(operator, operand, place, context);
  if (entries.length > 1) {
    fail(
      operator === 'numeric' || operator === 'anything-but'
        ? 'Too many elements in numeric expression'
        : 'Only one key allowed in match expression',
      place,
    );
  }
  return condition;
}

function compileOperator(operator: string, operand: unknown, place: Place, context: Context): Condition {
  const { fail } = context;
  const needString = (value: unknown, message: string): string =>
    typeof value === 'string' ? value : fail(message, place);
  switch (operator) {
    case 'prefix':
    case 'suffix': {
      if (operand !== null && typeof operand === 'object' && !Array.isArray(operand)) {
        const inner = Object.entries(operand as Record<string, unknown>);
        if (inner.length === 0)
          fail(`${operator[0]!.toUpperCase()}${operator.slice(1)} expression name not found`, place);
        if (inner[0]![0] !== 'equals-ignore-case')
          fail(`Unsupported ${operator} pattern: ${inner[0]![0]}`, place);
        if (inner.length > 1) fail('Only one key allowed in match expression', place);
        const value = needString(inner[0]![1], 'equals-ignore-case match pattern must be a string');
        return { kind: operator, value, ignoreCase: true };
      }
      return {
        kind: operator,
        value: needString(operand, `${operator} match pattern must be a string`),
        ignoreCase: false,
      };
    }
    case 'equals-ignore-case':
      return {
        kind: 'equals-ignore-case',
        value: needString(operand, 'equals-ignore-case match pattern must be a string'),
      };
    case 'wildcard': {
      // SNS's operator set has no wildcard.
      if (context.dialect !== 'eventbridge') fail('Unrecognized match type wildcard', place);
      const pattern = needString(operand, 'wildcard match pattern must be a string');
      checkWildcard(pattern, place, fail);
      return { kind: 'wildcard', pattern, regex: wildcardRegex(pattern) };
    }
    case 'anything-but':
      return { kind: 'anything-but', exclude: compileAnythingBut(operand, place, context) };
    case 'numeric':
      return compileNumeric(operand, place, context);
    case 'exists':
      if (typeof operand !== 'boolean') fail('exists match pattern must be either true or false.', place);
      return { kind: 'exists', exists: operand as boolean };
    case 'cidr':
      return compileCidr(needString(operand, 'prefix match pattern must be a string'), place, fail);
    default:
      return fail(`Unrecognized match type ${operator}`, place);
  }
}

function compileCidr(text: string, place: Place, fail: Fail): Condition {
  const parts = text.split('/');
  if (parts.length !== 2 || parts[1] === '') fail("Malformed CIDR, one '/' required", place);
  const [address, mask] = parts as [string, string];
  if (!/^[+-]?\d+$/.test(mask)) fail('Malformed CIDR, mask bits must be an integer', place);
  if (Number(mask) < 0) fail('Malformed CIDR, mask bits must not be negative', place);
  const looksV4 = /^\d+\.\d+\.\d+\.\d+$/.test(address);
  const looksV6 = address.includes(':') && /^[0-9a-fA-F:]+$/.test(address);
  if (!looksV4 && !looksV6) fail(`Nonstandard IP address: ${address}`, place);
  const block = parseCidr(`${address}/${Number(mask)}`);
  if (!block) {
    if (looksV4 && Number(mask) > 32) fail('IPv4 mask bits must be < 32', place);
    if (looksV6 && Number(mask) > 128) fail('IPv6 mask bits must be < 128', place);
    fail(`Invalid IP address: ${address}`, place);
  }
  return { kind: 'cidr', text, block: block! };
}

function compileAnythingBut(operand: unknown, place: Place, context: Context): AnythingBut {
  const { fail } = context;
  if (typeof operand === 'string') return { values: [operand] };
  if (typeof operand === 'number') {
    checkNumber(operand, place, context);
    return { values: [operand] };
  }
  if (Array.isArray(operand)) {
    if (operand.some((value) => value === null || typeof value === 'boolean' || typeof value === 'object')) {
      fail('Inside anything but list, start|null|boolean is not supported.', place);
    }
    const allStrings = operand.every((value) => typeof value === 'string');
    const allNumbers = operand.every((value) => typeof value === 'number');
    if (operand.length === 0 || (!allStrings && !allNumbers)) {
      fail(
        'Inside anything but list, either all values are number or string, mixed type is not supported',
        place,
      );
    }
    for (const value of operand) if (typeof value === 'number') checkNumber(value, place, context);
    return { values: operand as Scalar[] };
  }
  if (operand === null || typeof operand !== 'object') {
    return fail('Value of anything-but must be an array or single string/number value.', place);
  }
  const inner = Object.entries(operand as Record<string, unknown>);
  if (inner.length === 0) fail('Anything-But expression name not found', place);
  const [operator, value] = inner[0]!;
  const forms =
    context.stored && context.dialect !== 'eventbridge'
      ? STORED_SNS_FORMS
      : ANYTHING_BUT_FORMS[context.dialect];
  if (!forms.includes(operator)) {
    fail(`Unsupported anything-but pattern: ${operator}`, place);
  }
  const exclude =
    context.dialect === 'eventbridge' || context.stored
      ? anythingButForm(operator, value, place, fail)
      : snsAnythingButPrefix(value, place, fail);
  // event-ruler reads the operand before it finds the object has another member, and words that as it
  // words a numeric expression with too many members.
  if (inner.length > 1) {
    fail(
      context.dialect === 'eventbridge'
        ? 'Too many elements in numeric expression'
        : 'Only one key allowed in match expression',
      place,
    );
  }
  return exclude;
}

/** The forms anything-but takes an object of: SNS's operator set has the prefix form only. */
const ANYTHING_BUT_FORMS: Record<Dialect, readonly string[]> = {
  eventbridge: ['prefix', 'suffix', 'equals-ignore-case', 'wildcard'],
  'sns-attributes': ['prefix'],
  'sns-body': ['prefix'],
};
/** The forms earlier eddys accepted in filter policies. */
const STORED_SNS_FORMS = ['prefix', 'suffix', 'equals-ignore-case'];

/**
 * EventBridge's `{"anything-but": {form: operand}}`: the operand is a string or a list of strings. Anything
 * else that is not a number is refused as an operand of anything-but; a number, or a list member that is
 * not a string, is refused in the words of the form.
 */
function anythingButForm(operator: string, operand: unknown, place: Place, fail: Fail): AnythingBut {
  if (typeof operand !== 'string' && typeof operand !== 'number' && !Array.isArray(operand)) {
    fail('Value of anything-but must be an array or single string/number value.', place);
  }
  const items: unknown[] = Array.isArray(operand) ? operand : [operand];
  if (items.length === 0) fail('Empty arrays are not allowed', place);
  const notString =
    operator === 'equals-ignore-case'
      ? 'Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.'
      : operator === 'wildcard'
        ? 'wildcard match pattern must be a string'
        : 'prefix/suffix match pattern must be a string';
  for (const item of items) {
    if (typeof item !== 'string') fail(notString, place);
    if (item === '' && (operator === 'prefix' || operator === 'suffix'))
      fail('Null prefix/suffix not allowed', place);
  }
  const strings = items as string[];
  switch (operator) {
    case 'prefix':
      return { values: [], prefixes: strings };
    case 'suffix':
      return { values: [], suffixes: strings };
    case 'equals-ignore-case':
      return { values: [], ignoreCase: strings.map((item) => item.toLowerCase()) };
    default:
      for (const item of strings) checkWildcard(item, place, fail);
      return { values: [], wildcards: strings.map(wildcardRegex) };
  }
}

/** SNS's `{"anything-but": {"prefix": "x"}}`: one prefix, checked as the prefix operator checks its operand. */
function snsAnythingButPrefix(operand: unknown, place: Place, fail: Fail): AnythingBut {
  if (typeof operand !== 'string') return fail('prefix match pattern must be a string', place);
  if (operand === '') fail('Null prefix/suffix not allowed', place);
  return { values: [], prefixes: [operand] };
}

const OPERATOR_NAMES: Record<string, string> = { '=': 'equals', '>': '>', '>=': '>=', '<': '<', '<=': '<=' };
const token = (value: unknown) =>
  Array.isArray(value) ? '[' : value !== null && typeof value === 'object' ? '{' : String(value);

/** `numeric` is a small grammar: one comparison, or a lower bound followed by an upper bound. */
function compileNumeric(operand: unknown, place: Place, context: Context): Condition {
  const { fail } = context;
  if (!Array.isArray(operand)) return fail('Value of numeric must be an array.', place);
  if (operand.length === 0) fail('Invalid member in numeric match: ]', place);
  const bound = (operator: string, value: unknown): number => {
    if (typeof value !== 'number') return fail(`Value of ${OPERATOR_NAMES[operator]} must be numeric`, place);
    checkNumber(value, place, context);
    return value;
  };
  const first = operand[0];
  if (typeof first !== 'string') fail(`Invalid member in numeric match: ${token(first)}`, place);
  if (!(first in OPERATOR_NAMES)) fail(`Unrecognized numeric range operator: ${first}`, place);
  const lowValue = bound(first as string, operand[1]);
  if (operand.length === 2) {
    if (first === '=')
      return {
        kind: 'numeric',
        lower: { value: lowValue, inclusive: true },
        upper: { value: lowValue, inclusive: true },
      };
    if (first === '>' || first === '>=')
      return { kind: 'numeric', lower: { value: lowValue, inclusive: first === '>=' } };
    return { kind: 'numeric', upper: { value: lowValue, inclusive: first === '<=' } };
  }
  if (first !== '>' && first !== '>=') fail('Too many elements in numeric expression', place);
  if (operand.length > 4) fail('Too many terms in numeric range expression', place);
  const second = operand[2];
  if (typeof second !== 'string') fail(`Bad value in numeric range: ${token(second)}`, place);
  if (second !== '<' && second !== '<=') fail(`Bad numeric range operator: ${second}`, place);
  const highValue = bound(second as string, operand[3]);
  if (!(lowValue < highValue)) fail('Bottom must be less than top', place);
  return {
    kind: 'numeric',
    lower: { value: lowValue, inclusive: first === '>=' },
    upper: { value: highValue, inclusive: second === '<=' },
  };
}

function checkNumber(value: number, place: Place, context: Context): void {
  const { numericRange, decimals } = LIMITS[context.dialect];
  if (!Number.isFinite(value) || Math.abs(value) > numericRange) {
    context.fail(
      `Value ${value} is out of the range of numbers a pattern can hold (-${numericRange} to ${numericRange})`,
      place,
    );
  }
  // Precision: a value with more digits after the point than the service keeps cannot be matched exactly.
  if (decimals !== undefined && Number(value.toFixed(decimals)) !== value) {
    context.fail(`Value ${value} has more than ${decimals} digits after the decimal point`, place);
  }
}

/** A `*` matches any run of characters; `\*` and `\\` are the only escapes. */
function checkWildcard(pattern: string, place: Place, fail: Fail): void {
  let stars = 0;
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index];
    if (char === '\\') {
      const next = pattern[index + 1];
      if (next !== '*' && next !== '\\')
        fail(`Invalid escape character at pos ${position(pattern, index)}`, place);
      index++;
    } else if (char === '*') {
      if (pattern[index + 1] === '*')
        fail(`Consecutive wildcard characters at pos ${position(pattern, index)}`, place);
      stars++;
    }
  }
  if (stars > 5) {
    fail(
      'Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character',
      place,
    );
  }
}

/** AWS counts a wildcard fault's position in UTF-8 bytes of the quoted operand. */
const position = (pattern: string, index: number) => Buffer.byteLength(pattern.slice(0, index)) + 1;
