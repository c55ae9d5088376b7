// Logs Insights values and expressions: how a record's values compare, print and combine, and the
// functions a query may call. Pure: no I/O.
//
// Functions: ispresent isempty isblank strlen toupper tolower trim ltrim rtrim concat substr replace
// strcontains abs ceil floor sqrt pow greatest least coalesce bin datefloor dateceil fromMillis toMillis.
import { type Expr, QuerySyntaxError } from './insights-parse.ts';

/** A timestamp keeps its kind so results show it as AWS does (`2024-05-01 12:00:00.000`). */
export type Value = string | number | boolean | null | { time: number };
export type LogRecord = Map<string, Value>;

const isTime = (value: Value | undefined): value is { time: number } =>
  typeof value === 'object' && value !== null && 'time' in value;

export function formatTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

export function show(value: Value): string {
  if (isTime(value)) return formatTime(value.time);
  if (value === null) return 'null';
  return String(value);
}

export function numberOf(value: Value | undefined): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (isTime(value)) return value.time;
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  const trimmed = value.trim();
  if (trimmed === '' || !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(trimmed)) return undefined;
  return Number(trimmed);
}

export const textOf = (value: Value | undefined) => (value === undefined ? undefined : show(value));

/** AWS's periods: `5m`, `1h`, `30s`, `100ms`, `1d`, `1w`. */
export function periodMs(text: string): number | undefined {
  const match = /^(\d+)(ms|s|m|h|d|w|mo|q|y)$/.exec(text);
  if (!match) return undefined;
  const units: Record<string, number> = { ms: 1, s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7, w: 6.048e8 };
  const unit = units[match[2]!];
  return unit === undefined ? undefined : Number(match[1]) * unit;
}

export function compare(left: Value | undefined, right: Value | undefined): number | undefined {
  const a = numberOf(left);
  const b = numberOf(right);
  if (a !== undefined && b !== undefined) return a - b;
  const x = textOf(left);
  const y = textOf(right);
  if (x === undefined || y === undefined) return undefined;
  return x < y ? -1 : x > y ? 1 : 0;
}

export const truthy = (value: Value | undefined) =>
  value !== undefined && value !== null && value !== false && value !== 0 && value !== '';

type Scalar = (args: Array<Value | undefined>, record: LogRecord, exprs: Expr[]) => Value | undefined;

const text1 =
  (transform: (text: string) => Value): Scalar =>
  ([value]) => {
    const text = textOf(value);
    return text === undefined ? undefined : transform(text);
  };
const number1 =
  (transform: (number: number) => number): Scalar =>
  ([value]) => {
    const number = numberOf(value);
    return number === undefined ? undefined : transform(number);
  };

function floorTo(value: Value | undefined, period: Expr | undefined, ceiling = false): Value | undefined {
  const ms = period?.kind === 'field' ? periodMs(period.name) : undefined;
  if (ms === undefined) throw new QuerySyntaxError('Expected a period such as 5m', 0, 0);
  const time = numberOf(value);
  if (time === undefined) return undefined;
  return { time: (ceiling ? Math.ceil(time / ms) : Math.floor(time / ms)) * ms };
}

export const FUNCTIONS: Record<string, Scalar> = {
  ispresent: (_args, record, [expr]) => (expr?.kind === 'field' && record.has(expr.name) ? 1 : 0),
  isempty: ([value]) => (value === undefined || value === null || value === '' ? 1 : 0),
  isblank: ([value]) => (value === undefined || value === null || textOf(value)!.trim() === '' ? 1 : 0),
  strlen: text1((text) => text.length),
  toupper: text1((text) => text.toUpperCase()),
  tolower: text1((text) => text.toLowerCase()),
  trim: text1((text) => text.trim()),
  ltrim: text1((text) => text.trimStart()),
  rtrim: text1((text) => text.trimEnd()),
  concat: (args) => args.map((value) => textOf(value) ?? '').join(''),
  substr: ([value, start, length]) => {
    const text = textOf(value);
    const from = numberOf(start) ?? 0;
    if (text === undefined) return undefined;
    const count = numberOf(length);
    return count === undefined ? text.slice(from) : text.slice(from, from + count);
  },
  replace: ([value, find, by]) =>
    textOf(value)
      ?.split(textOf(find) ?? '')
      .join(textOf(by) ?? ''),
  strcontains: ([value, part]) => ((textOf(value) ?? '').includes(textOf(part) ?? '\u0000') ? 1 : 0),
  abs: number1(Math.abs),
  ceil: number1(Math.ceil),
  floor: number1(Math.floor),
  sqrt: number1(Math.sqrt),
  pow: ([base, exponent]) => {
    const a = numberOf(base);
    const b = numberOf(exponent);
    return a === undefined || b === undefined ? undefined : a ** b;
  },
  greatest: (args) => {
    const numbers = args.map(numberOf).filter((number) => number !== undefined);
    return numbers.length === 0 ? undefined : Math.max(...numbers);
  },
  least: (args) => {
    const numbers = args.map(numberOf).filter((number) => number !== undefined);
    return numbers.length === 0 ? undefined : Math.min(...numbers);
  },
  coalesce: (args) => args.find((value) => value !== undefined && value !== null),
  bin: (_args, record, [period]) => floorTo(record.get('@timestamp'), period),
  datefloor: ([value], _record, [, period]) => floorTo(value, period),
  dateceil: ([value], _record, [, period]) => floorTo(value, period, true),
  frommillis: ([value]) => {
    const ms = numberOf(value);
    return ms === undefined ? undefined : { time: ms };
  },
  tomillis: ([value]) => numberOf(value),
};

export const AGGREGATES = new Set([
  'count',
  'count_distinct',
  'sum',
  'avg',
  'min',
  'max',
  'earliest',
  'latest',
  'pct',
  'stddev',
]);

export function evaluate(expr: Expr, record: LogRecord): Value | undefined {
  switch (expr.kind) {
    case 'field':
      return record.get(expr.name);
    case 'number':
      return expr.value;
    case 'string':
      return expr.value;
    case 'regex':
      return expr.regex.source;
    case 'list':
      return expr.items.map((item) => show(evaluate(item, record) ?? null)).join(',');
    case 'unary': {
      if (expr.op === 'not') return truthy(evaluate(expr.operand, record)) ? 0 : 1;
      const number = numberOf(evaluate(expr.operand, record));
      return number === undefined ? undefined : -number;
    }
    case 'call': {
      const fn = FUNCTIONS[expr.name];
      if (!fn) throw new QuerySyntaxError(`Unknown function ${expr.name}`, 0, 0);
      const lazy = expr.name === 'ispresent' || expr.name === 'bin';
      return fn(lazy ? [] : expr.args.map((arg) => evaluate(arg, record)), record, expr.args);
    }
    case 'binary':
      return binary(expr, record);
  }
}

function binary(expr: Extract<Expr, { kind: 'binary' }>, record: LogRecord): Value | undefined {
  const { op } = expr;
  if (op === 'and')
    return truthy(evaluate(expr.left, record)) && truthy(evaluate(expr.right, record)) ? 1 : 0;
  if (op === 'or') return truthy(evaluate(expr.left, record)) || truthy(evaluate(expr.right, record)) ? 1 : 0;
  const left = evaluate(expr.left, record);
  if (op === 'like' || op === '=~') {
    const text = textOf(left);
    if (text === undefined) return 0;
    if (expr.right.kind === 'regex') return expr.right.regex.test(text) ? 1 : 0;
    return text.includes(textOf(evaluate(expr.right, record)) ?? '\u0000') ? 1 : 0;
  }
  if (op === 'in') {
    if (left === undefined) return 0;
    const items = expr.right.kind === 'list' ? expr.right.items : [expr.right];
    return items.some((item) => compare(left, evaluate(item, record)) === 0) ? 1 : 0;
  }
  const right = evaluate(expr.right, record);
  if (['+', '-', '*', '/', '%'].includes(op)) {
    const a = numberOf(left);
    const b = numberOf(right);
    if (a === undefined || b === undefined) return undefined;
    const result = op === '+' ? a + b : op === '-' ? a - b : op === '*' ? a * b : op === '/' ? a / b : a % b;
    return isTime(left) && (op === '+' || op === '-') ? { time: result } : result;
  }
  const order = compare(left, right);
  if (order === undefined) return op === '!=' && left !== right ? 1 : 0;
  const results: Record<string, boolean> = {
    '=': order === 0,
    '!=': order !== 0,
    '<': order < 0,
    '<=': order <= 0,
    '>': order > 0,
    '>=': order >= 0,
  };
  return results[op] ? 1 : 0;
}
