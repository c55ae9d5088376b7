// Pattern text → conditions on field paths. Validates with AWS's reasons (EventBridge event patterns
// and SNS filter policies share the language; the dialect decides what each allows). Pure.
import { PatternError, parseJsonWithPosition } from './errors.ts';
import { type CidrBlock, parseCidr, type Scalar, wildcardEnds, wildcardRegex } from './values.ts';

export type Dialect = 'eventbridge' | 'sns-attributes' | 'sns-body';

/** Joins the keys of a field's path; keys may hold dots (SNS attribute names), never this. */
export const PATH_SEPARATOR = '\u0000';
export const displayPath = (path: string) => path.split(PATH_SEPARATOR).join('.');

export interface Bound {
  value: number;
  inclusive: boolean;
}

export interface AnythingBut {
  values: Scalar[];
  prefix?: string;
  suffix?: string;
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
  conditions: Condition[];
}

/** A pattern matches when every field of one of its conjunctions passes ($or makes several). */
export interface CompiledPattern {
  conjunctions: FieldTest[][];
}

interface Limits {
  maxLength: number;
  numericRange: number;
  decimals: number;
  maxKeys?: number;
  maxCombinations?: number;
}

const LIMITS: Record<Dialect, Limits> = {
  eventbridge: { maxLength: 4096, numericRange: 5e9, decimals: 6 },
  'sns-attributes': {
    maxLength: 256 * 1024,
    numericRange: 1e9,
    decimals: 5,
    maxKeys: 5,
    maxCombinations: 150,
  },
  'sns-body': { maxLength: 256 * 1024, numericRange: 1e9, decimals: 5, maxKeys: 5, maxCombinations: 150 },
};

const PREFIX: Record<Dialect, string> = {
  eventbridge: 'Event pattern is not valid. Reason: ',
  'sns-attributes': '',
  'sns-body': '',
};

export function compilePattern(text: string, dialect: Dialect = 'eventbridge'): CompiledPattern {
  const limits = LIMITS[dialect];
  const fail = (reason: string): never => {
    throw new PatternError(`${PREFIX[dialect]}${reason}`);
  };
  if (text.length > limits.maxLength)
    fail(`The pattern is ${text.length} characters long; the limit is ${limits.maxLength}.`);
  const parsed = parseJsonWithPosition(text, PREFIX[dialect]);
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) fail('Filter is not an object');
  const conjunctions = compileObject(parsed as Record<string, unknown>, '', dialect, fail);
  if (conjunctions.every((fields) => fields.length === 0)) fail('Empty objects are not allowed');
  if (limits.maxKeys !== undefined) {
    const keys = new Set(conjunctions.flatMap((fields) => fields.map((field) => field.path)));
    if (keys.size > limits.maxKeys) fail(`Filter policy can not have more than ${limits.maxKeys} keys`);
  }
  if (limits.maxCombinations !== undefined) {
    const combinations = conjunctions.reduce(
      (sum, fields) => sum + fields.reduce((product, field) => product * field.conditions.length, 1),
      0,
    );
    if (combinations > limits.maxCombinations) fail('Filter policy is too complex');
  }
  return { conjunctions };
}

type Fail = (reason: string) => never;

function compileObject(
  pattern: Record<string, unknown>,
  prefix: string,
  dialect: Dialect,
  fail: Fail,
): FieldTest[][] {
  let conjunctions: FieldTest[][] = [[]];
  for (const [key, value] of Object.entries(pattern)) {
    if (key === '$or') {
      if (!Array.isArray(value) || value.length < 2) fail('$or must be an array of at least two objects');
      const alternatives = (value as unknown[]).flatMap((alternative) => {
        if (alternative === null || typeof alternative !== 'object' || Array.isArray(alternative)) {
          return fail('$or must be an array of at least two objects');
        }
        return compileObject(alternative as Record<string, unknown>, prefix, dialect, fail);
      });
      conjunctions = conjunctions.flatMap((fields) =>
        alternatives.map((alternative) => [...fields, ...alternative]),
      );
      continue;
    }
    const path = prefix === '' ? key : `${prefix}${PATH_SEPARATOR}${key}`;
    if (Array.isArray(value)) {
      if (value.length === 0) fail(`Empty arrays are not allowed (${displayPath(path)})`);
      const field: FieldTest = {
        path,
        conditions: value.map((item) => compileCondition(item, path, dialect, fail)),
      };
      conjunctions = conjunctions.map((fields) => [...fields, field]);
    } else if (value !== null && typeof value === 'object') {
      if (dialect === 'sns-attributes') {
        fail(
          `Filter policy scope MessageAttributes does not support nested filter policy (${displayPath(path)})`,
        );
      }
      const nested = compileObject(value as Record<string, unknown>, path, dialect, fail);
      if (nested.every((fields) => fields.length === 0))
        fail(`Empty objects are not allowed (${displayPath(path)})`);
      conjunctions = conjunctions.flatMap((fields) => nested.map((more) => [...fields, ...more]));
    } else {
      fail(`Match value must be an array or an object (${displayPath(path)}: ${JSON.stringify(value)})`);
    }
  }
  return conjunctions;
}

function isScalar(value: unknown): value is Scalar {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

function compileCondition(item: unknown, path: string, dialect: Dialect, fail: Fail): Condition {
  if (isScalar(item)) {
    if (typeof item === 'number') checkNumber(item, path, dialect, fail);
    return { kind: 'exact', value: item };
  }
  if (Array.isArray(item))
    fail(`Match value must be String, number, true, false, or null (${displayPath(path)})`);
  const entries = Object.entries(item as Record<string, unknown>);
  if (entries.length !== 1)
    fail(`Match pattern must be an object with exactly one key (${displayPath(path)})`);
  const [operator, operand] = entries[0]!;
  const needString = (value: unknown, what: string): string =>
    typeof value === 'string'
      ? value
      : fail(`"${what}" match pattern must be a string (${displayPath(path)})`);
  switch (operator) {
    case 'prefix':
    case 'suffix': {
      if (operand !== null && typeof operand === 'object' && !Array.isArray(operand)) {
        const inner = Object.entries(operand as Record<string, unknown>);
        if (inner.length !== 1 || inner[0]![0] !== 'equals-ignore-case') {
          fail(
            `Unsupported ${operator} pattern: only equals-ignore-case may be nested (${displayPath(path)})`,
          );
        }
        return { kind: operator, value: needString(inner[0]![1], 'equals-ignore-case'), ignoreCase: true };
      }
      return { kind: operator, value: needString(operand, operator), ignoreCase: false };
    }
    case 'equals-ignore-case':
      return { kind: 'equals-ignore-case', value: needString(operand, 'equals-ignore-case') };
    case 'wildcard': {
      if (dialect !== 'eventbridge') fail(`Unrecognized match type wildcard (${displayPath(path)})`);
      const pattern = needString(operand, 'wildcard');
      checkWildcard(pattern, path, fail);
      return { kind: 'wildcard', pattern, regex: wildcardRegex(pattern) };
    }
    case 'anything-but':
      return { kind: 'anything-but', exclude: compileAnythingBut(operand, path, dialect, fail) };
    case 'numeric':
      return compileNumeric(operand, path, dialect, fail);
    case 'exists':
      if (typeof operand !== 'boolean')
        fail(`exists match pattern must be either true or false (${displayPath(path)})`);
      return { kind: 'exists', exists: operand as boolean };
    case 'cidr': {
      const text = needString(operand, 'cidr');
      const block = parseCidr(text);
      if (!block) fail(`Malformed CIDR, one '/' required (${displayPath(path)}: ${text})`);
      return { kind: 'cidr', text, block: block! };
    }
    default:
      return fail(`Unrecognized match type ${operator} (${displayPath(path)})`);
  }
}

function compileAnythingBut(operand: unknown, path: string, dialect: Dialect, fail: Fail): AnythingBut {
  if (typeof operand === 'string' || typeof operand === 'number') {
    if (typeof operand === 'number') checkNumber(operand, path, dialect, fail);
    return { values: [operand] };
  }
  if (Array.isArray(operand)) {
    if (operand.length === 0) fail(`Empty arrays are not allowed (${displayPath(path)} anything-but)`);
    const allStrings = operand.every((value) => typeof value === 'string');
    const allNumbers = operand.every((value) => typeof value === 'number');
    if (!allStrings && !allNumbers)
      fail(`Inside anything but list, start|null|boolean is not supported (${displayPath(path)})`);
    return { values: operand as Scalar[] };
  }
  if (operand !== null && typeof operand === 'object') {
    const inner = Object.entries(operand as Record<string, unknown>);
    if (inner.length !== 1)
      fail(`anything-but takes one of prefix, suffix, wildcard or equals-ignore-case (${displayPath(path)})`);
    const [operator, value] = inner[0]!;
    const strings = (typeof value === 'string' ? [value] : Array.isArray(value) ? value : []) as unknown[];
    if (strings.length === 0 || !strings.every((item) => typeof item === 'string')) {
      fail(`Value of anything-but ${operator} must be a string or a list of strings (${displayPath(path)})`);
    }
    switch (operator) {
      case 'prefix':
      case 'suffix':
        if (typeof value !== 'string')
          fail(`Value of anything-but ${operator} must be a string (${displayPath(path)})`);
        return { values: [], [operator]: value as string };
      case 'wildcard':
        if (dialect !== 'eventbridge')
          fail(`Unsupported anything-but pattern: wildcard (${displayPath(path)})`);
        for (const pattern of strings as string[]) checkWildcard(pattern, path, fail);
        return { values: [], wildcards: (strings as string[]).map(wildcardRegex) };
      case 'equals-ignore-case':
        return { values: [], ignoreCase: (strings as string[]).map((item) => item.toLowerCase()) };
      default:
        return fail(`Unsupported anything-but pattern: ${operator} (${displayPath(path)})`);
    }
  }
  return fail(`Value of anything-but must be an array or single string/number value (${displayPath(path)})`);
}

function compileNumeric(operand: unknown, path: string, dialect: Dialect, fail: Fail): Condition {
  if (!Array.isArray(operand) || operand.length === 0 || operand.length % 2 !== 0 || operand.length > 4) {
    fail(`Value of numeric must be an array of operator and number pairs (${displayPath(path)})`);
  }
  const items = operand as unknown[];
  const condition: { kind: 'numeric'; lower?: Bound; upper?: Bound } = { kind: 'numeric' };
  for (let index = 0; index < items.length; index += 2) {
    const operator = items[index];
    const value = items[index + 1];
    if (typeof value !== 'number')
      fail(`Value of ${String(operator)} must be numeric (${displayPath(path)})`);
    checkNumber(value as number, path, dialect, fail);
    switch (operator) {
      case '=':
        if (items.length !== 2)
          fail(`"=" must be the only operator in a numeric pattern (${displayPath(path)})`);
        return {
          kind: 'numeric',
          lower: { value: value as number, inclusive: true },
          upper: { value: value as number, inclusive: true },
        };
      case '>':
      case '>=':
        if (condition.lower) fail(`Bad numeric range: two lower bounds (${displayPath(path)})`);
        condition.lower = { value: value as number, inclusive: operator === '>=' };
        break;
      case '<':
      case '<=':
        if (condition.upper) fail(`Bad numeric range: two upper bounds (${displayPath(path)})`);
        condition.upper = { value: value as number, inclusive: operator === '<=' };
        break;
      default:
        fail(`Unrecognized numeric range operator: ${String(operator)} (${displayPath(path)})`);
    }
  }
  if (condition.lower && condition.upper && condition.lower.value >= condition.upper.value) {
    const equalAllowed =
      condition.lower.value === condition.upper.value &&
      condition.lower.inclusive &&
      condition.upper.inclusive;
    if (!equalAllowed)
      fail(`Bad numeric range: the lower bound must be smaller than the upper bound (${displayPath(path)})`);
  }
  return condition;
}

function checkNumber(value: number, path: string, dialect: Dialect, fail: Fail): void {
  const { numericRange, decimals } = LIMITS[dialect];
  if (!Number.isFinite(value) || Math.abs(value) > numericRange) {
    fail(
      `Value ${value} is outside the numeric range -${numericRange.toExponential()}..${numericRange.toExponential()} (${displayPath(path)})`,
    );
  }
  const fraction = String(value).split('.')[1];
  if (fraction && !String(value).includes('e') && fraction.length > decimals) {
    fail(`Value ${value} has more than ${decimals} digits after the decimal point (${displayPath(path)})`);
  }
}

function checkWildcard(pattern: string, path: string, fail: Fail): void {
  const position = pattern.indexOf('**');
  if (position >= 0) fail(`Consecutive wildcard characters at pos ${position + 1} (${displayPath(path)})`);
  if (wildcardEnds(pattern).stars > 100) fail(`Wildcard pattern is too complex (${displayPath(path)})`);
}
