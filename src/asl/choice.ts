// Choice rules: every comparison operator (and its …Path variant), the Is* tests, And / Or / Not.
import { StatesError } from './errors.ts';
import { evaluatePath, type PathScope } from './jsonpath.ts';
import type { Json, JsonObject } from './types.ts';

export const COMPARISONS = [
  'StringEquals',
  'StringLessThan',
  'StringGreaterThan',
  'StringLessThanEquals',
  'StringGreaterThanEquals',
  'StringMatches',
  'NumericEquals',
  'NumericLessThan',
  'NumericGreaterThan',
  'NumericLessThanEquals',
  'NumericGreaterThanEquals',
  'BooleanEquals',
  'TimestampEquals',
  'TimestampLessThan',
  'TimestampGreaterThan',
  'TimestampLessThanEquals',
  'TimestampGreaterThanEquals',
];
export const PATH_COMPARISONS = COMPARISONS.filter((c) => c !== 'StringMatches').map((c) => `${c}Path`);
export const TYPE_TESTS = ['IsNull', 'IsPresent', 'IsNumeric', 'IsString', 'IsBoolean', 'IsTimestamp'];
export const ALL_OPERATORS = [...COMPARISONS, ...PATH_COMPARISONS, ...TYPE_TESTS];

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** RFC 3339 with an uppercase T and Z, as Step Functions requires; milliseconds since the epoch. */
export function parseTimestamp(v: Json | undefined): number | undefined {
  if (typeof v !== 'string') return undefined;
  const m = TIMESTAMP.exec(v);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m;
  if (
    Number(mo) < 1 ||
    Number(mo) > 12 ||
    Number(d) < 1 ||
    Number(d) > 31 ||
    Number(h) > 23 ||
    Number(mi) > 59 ||
    Number(s) > 60
  )
    return undefined;
  const t = Date.parse(v);
  if (Number.isNaN(t)) return undefined;
  void y;
  return t;
}

/** StringMatches: `*` matches any run of characters; `\*` and `\\` are a literal star and backslash. */
export function stringMatches(value: string, pattern: string): boolean {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\' && (pattern[i + 1] === '*' || pattern[i + 1] === '\\')) {
      re += `\\${pattern[i + 1]}`;
      i++;
    } else if (c === '*') re += '[\\s\\S]*';
    else re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`${re}$`).test(value);
}

function compare(op: string, a: Json, b: Json): boolean {
  const base = op.endsWith('Path') ? op.slice(0, -4) : op;
  const rel = (x: number | string, y: number | string): boolean => {
    if (base.endsWith('LessThanEquals')) return x <= y;
    if (base.endsWith('GreaterThanEquals')) return x >= y;
    if (base.endsWith('LessThan')) return x < y;
    if (base.endsWith('GreaterThan')) return x > y;
    return x === y;
  };
  if (base === 'StringMatches') return typeof a === 'string' && typeof b === 'string' && stringMatches(a, b);
  if (base.startsWith('String')) return typeof a === 'string' && typeof b === 'string' && rel(a, b);
  if (base.startsWith('Numeric')) return typeof a === 'number' && typeof b === 'number' && rel(a, b);
  if (base === 'BooleanEquals') return typeof a === 'boolean' && typeof b === 'boolean' && a === b;
  if (base.startsWith('Timestamp')) {
    const x = parseTimestamp(a);
    const y = parseTimestamp(b);
    return x !== undefined && y !== undefined && rel(x, y);
  }
  return false;
}

const invalidPath = (path: string): StatesError =>
  new StatesError(
    'States.Runtime',
    `Invalid path '${path}': The choice state's condition path references an invalid value.`,
  );

/** Evaluates one (JSONPath) choice rule against the state's effective input. */
export function evaluateRule(rule: JsonObject, scope: PathScope): boolean {
  if (Array.isArray(rule.And)) return rule.And.every((r) => evaluateRule(r as JsonObject, scope));
  if (Array.isArray(rule.Or)) return rule.Or.some((r) => evaluateRule(r as JsonObject, scope));
  if (rule.Not !== undefined) return !evaluateRule(rule.Not as JsonObject, scope);
  const variable = rule.Variable as string;
  const op = Object.keys(rule).find((k) => ALL_OPERATORS.includes(k));
  if (!op) return false;
  const value = evaluatePath(variable, scope);
  if (op === 'IsPresent') return (value !== undefined) === rule.IsPresent;
  if (value === undefined) throw invalidPath(variable);
  const expected = rule[op]!;
  switch (op) {
    case 'IsNull':
      return (value === null) === expected;
    case 'IsNumeric':
      return (typeof value === 'number') === expected;
    case 'IsString':
      return (typeof value === 'string') === expected;
    case 'IsBoolean':
      return (typeof value === 'boolean') === expected;
    case 'IsTimestamp':
      return (parseTimestamp(value) !== undefined) === expected;
  }
  if (op.endsWith('Path')) {
    const other = evaluatePath(expected as string, scope);
    if (other === undefined) throw invalidPath(expected as string);
    return compare(op, value, other);
  }
  return compare(op, value, expected);
}
