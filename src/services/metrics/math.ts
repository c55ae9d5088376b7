// CloudWatch metric math, pure: parses an expression and evaluates it over the time series the other
// queries of the request returned. Supported: numbers, query ids, + - * / ^, comparisons (< <= > >=
// == !=), AND / OR / NOT, and the functions ABS, CEIL, FLOOR, SUM, AVG, MIN, MAX, FILL (a value,
// REPEAT or LINEAR), IF, DIFF, RATE, PERIOD, METRICS() and METRICS('filter'). Series combine on the
// timestamps both have, as CloudWatch does; a scalar applies to every datapoint.

export interface Series {
  /** Ascending period start times, ms since the epoch. */
  timestamps: number[];
  values: number[];
}

export interface LabeledSeries extends Series {
  id: string;
  label: string;
}

export interface MathContext {
  /** Every period's start time of the request, for FILL and for scalar results. */
  grid: number[];
  periodSeconds: number;
  /** A query's result by id; undefined when the request has no such query (yet). */
  lookup(id: string): LabeledSeries | undefined;
  /** The MetricStat queries' results in request order, for METRICS(). */
  metrics(): LabeledSeries[];
}

export class MathError extends Error {}

type Value =
  | { kind: 'scalar'; value: number }
  | { kind: 'series'; series: Series; label?: string }
  | { kind: 'array'; items: LabeledSeries[] }
  | { kind: 'string'; value: string }
  | { kind: 'keyword'; value: string };

type Node =
  | { type: 'number'; value: number }
  | { type: 'string'; value: string }
  | { type: 'name'; name: string }
  | { type: 'call'; name: string; args: Node[] }
  | { type: 'list'; items: Node[] }
  | { type: 'unary'; op: string; operand: Node }
  | { type: 'binary'; op: string; left: Node; right: Node };

const TOKEN =
  /\s*(?:(\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|'([^']*)'|"([^"]*)"|(<=|>=|==|!=|&&|\|\||[-+*/^()<>,[\]]))/y;

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  let index = 0;
  while (index < text.length) {
    if (/^\s*$/.test(text.slice(index))) break;
    TOKEN.lastIndex = index;
    const match = TOKEN.exec(text);
    if (!match) throw new MathError(`Syntax error at position ${index + 1} of the expression.`);
    const [, number, name, single, double, symbol] = match;
    if (number !== undefined) tokens.push(`#${number}`);
    else if (name !== undefined) tokens.push(name);
    else if (single !== undefined || double !== undefined) tokens.push(`'${single ?? double}`);
    else if (symbol !== undefined) tokens.push(symbol);
    index = TOKEN.lastIndex;
  }
  return tokens;
}

/** Parses an expression; throws MathError with what is wrong. */
export function parseExpression(text: string): Node {
  const tokens = tokenize(text);
  let at = 0;
  const peek = () => tokens[at];
  const take = (expected?: string) => {
    const token = tokens[at];
    if (token === undefined || (expected !== undefined && token !== expected))
      throw new MathError(
        expected
          ? `Syntax error: expected '${expected}'${token ? ` but found '${token.replace(/^[#']/, '')}'` : ' at the end'}.`
          : 'Syntax error: the expression ends too soon.',
      );
    at += 1;
    return token;
  };
  const binaryLevel = (ops: string[], next: () => Node) => (): Node => {
    let left = next();
    for (let op = peek(); op !== undefined && ops.includes(op.toUpperCase()); op = peek()) {
      take();
      left = { type: 'binary', op: normalOp(op), left, right: next() };
    }
    return left;
  };
  const primary = (): Node => {
    const token = take();
    if (token.startsWith('#')) return { type: 'number', value: Number(token.slice(1)) };
    if (token.startsWith("'")) return { type: 'string', value: token.slice(1) };
    if (token === '(') {
      const inner = or();
      take(')');
      return inner;
    }
    if (token === '[') {
      const items: Node[] = [];
      if (peek() !== ']') {
        items.push(or());
        while (peek() === ',') {
          take();
          items.push(or());
        }
      }
      take(']');
      return { type: 'list', items };
    }
    if (/^[A-Za-z_]/.test(token)) {
      if (peek() !== '(') return { type: 'name', name: token };
      take('(');
      const args: Node[] = [];
      if (peek() !== ')') {
        args.push(or());
        while (peek() === ',') {
          take();
          args.push(or());
        }
      }
      take(')');
      return { type: 'call', name: token.toUpperCase(), args };
    }
    throw new MathError(`Syntax error: unexpected '${token}'.`);
  };
  const power = (): Node => {
    const base = primary();
    if (peek() === '^') {
      take();
      return { type: 'binary', op: '^', left: base, right: unary() };
    }
    return base;
  };
  const unary = (): Node => {
    const token = peek();
    if (token === '-' || token?.toUpperCase() === 'NOT') {
      take();
      return { type: 'unary', op: token === '-' ? '-' : 'NOT', operand: unary() };
    }
    return power();
  };
  const product = binaryLevel(['*', '/'], unary);
  const sum = binaryLevel(['+', '-'], product);
  const comparison = binaryLevel(['<', '<=', '>', '>=', '==', '!='], sum);
  const and = binaryLevel(['AND', '&&'], comparison);
  const or = binaryLevel(['OR', '||'], and);
  const tree = or();
  if (at < tokens.length)
    throw new MathError(`Syntax error: unexpected '${tokens[at]?.replace(/^[#']/, '')}'.`);
  return tree;
}

function normalOp(op: string): string {
  const upper = op.toUpperCase();
  return upper === '&&' ? 'AND' : upper === '||' ? 'OR' : upper;
}

/** The ids an expression refers to (other queries it depends on). */
export function referencedIds(node: Node): string[] {
  switch (node.type) {
    case 'name':
      return [node.name];
    case 'call':
      return node.args.flatMap(referencedIds);
    case 'list':
      return node.items.flatMap(referencedIds);
    case 'unary':
      return referencedIds(node.operand);
    case 'binary':
      return [...referencedIds(node.left), ...referencedIds(node.right)];
    default:
      return [];
  }
}

function applyOp(op: string, a: number, b: number): number {
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      return a / b;
    case '^':
      return a ** b;
    case '<':
      return a < b ? 1 : 0;
    case '<=':
      return a <= b ? 1 : 0;
    case '>':
      return a > b ? 1 : 0;
    case '>=':
      return a >= b ? 1 : 0;
    case '==':
      return a === b ? 1 : 0;
    case '!=':
      return a !== b ? 1 : 0;
    case 'AND':
      return a !== 0 && b !== 0 ? 1 : 0;
    case 'OR':
      return a !== 0 || b !== 0 ? 1 : 0;
    default:
      throw new MathError(`Unknown operator ${op}.`);
  }
}

/** Pairs two series on the timestamps both have. */
function combine(a: Series, b: Series, f: (x: number, y: number) => number): Series {
  const other = new Map(b.timestamps.map((t, i) => [t, b.values[i] as number]));
  const out: Series = { timestamps: [], values: [] };
  a.timestamps.forEach((t, i) => {
    const y = other.get(t);
    if (y === undefined) return;
    out.timestamps.push(t);
    out.values.push(f(a.values[i] as number, y));
  });
  return out;
}

const mapSeries = (s: Series, f: (x: number) => number): Series => ({
  timestamps: [...s.timestamps],
  values: s.values.map(f),
});

function binary(op: string, left: Value, right: Value): Value {
  const f = (x: number, y: number) => applyOp(op, x, y);
  if (left.kind === 'scalar' && right.kind === 'scalar')
    return { kind: 'scalar', value: f(left.value, right.value) };
  if (left.kind === 'array' || right.kind === 'array') {
    const items = left.kind === 'array' ? left.items : (right as { items: LabeledSeries[] }).items;
    return {
      kind: 'array',
      items: items.map((item) => {
        const result = binary(
          op,
          left.kind === 'array' ? { kind: 'series', series: item } : left,
          right.kind === 'array' ? { kind: 'series', series: item } : right,
        );
        return { ...(result as { series: Series }).series, id: item.id, label: item.label };
      }),
    };
  }
  if (left.kind === 'series' && right.kind === 'scalar')
    return { kind: 'series', series: mapSeries(left.series, (x) => f(x, right.value)) };
  if (left.kind === 'scalar' && right.kind === 'series')
    return { kind: 'series', series: mapSeries(right.series, (y) => f(left.value, y)) };
  if (left.kind === 'series' && right.kind === 'series')
    return { kind: 'series', series: combine(left.series, right.series, f) };
  throw new MathError(`The operator ${op} cannot be applied to a string.`);
}

/** Per-timestamp reduction over several series (each timestamp over the series that have it). */
function reduceAcross(items: Series[], reduce: (values: number[]) => number): Series {
  const byTime = new Map<number, number[]>();
  for (const item of items)
    item.timestamps.forEach((t, i) => {
      const values = byTime.get(t) ?? [];
      values.push(item.values[i] as number);
      byTime.set(t, values);
    });
  const timestamps = [...byTime.keys()].sort((a, b) => a - b);
  return { timestamps, values: timestamps.map((t) => reduce(byTime.get(t) as number[])) };
}

const REDUCERS: Record<string, (values: number[]) => number> = {
  SUM: (v) => v.reduce((a, b) => a + b, 0),
  AVG: (v) => v.reduce((a, b) => a + b, 0) / v.length,
  MIN: (v) => Math.min(...v),
  MAX: (v) => Math.max(...v),
};

const ELEMENTWISE: Record<string, (x: number) => number> = {
  ABS: Math.abs,
  CEIL: Math.ceil,
  FLOOR: Math.floor,
};

function fill(series: Series, grid: number[], how: Value): Series {
  const known = new Map(series.timestamps.map((t, i) => [t, series.values[i] as number]));
  const values: number[] = [];
  const timestamps: number[] = [];
  const points = series.timestamps.map((t, i) => [t, series.values[i] as number] as const);
  for (const t of grid) {
    const value = known.get(t);
    if (value !== undefined) {
      timestamps.push(t);
      values.push(value);
      continue;
    }
    let filled: number | undefined;
    if (how.kind === 'scalar') filled = how.value;
    else if (how.kind === 'keyword' && how.value === 'REPEAT') {
      const before = points.filter(([pt]) => pt < t).at(-1) ?? points.find(([pt]) => pt > t);
      filled = before?.[1];
    } else if (how.kind === 'keyword' && how.value === 'LINEAR') {
      const before = points.filter(([pt]) => pt < t).at(-1);
      const after = points.find(([pt]) => pt > t);
      if (before && after)
        filled = before[1] + ((after[1] - before[1]) * (t - before[0])) / (after[0] - before[0]);
    } else throw new MathError('FILL takes a number, REPEAT or LINEAR as its second argument.');
    if (filled === undefined) continue;
    timestamps.push(t);
    values.push(filled);
  }
  return { timestamps, values };
}

function asSeries(value: Value, context: MathContext, what: string): Series {
  if (value.kind === 'series') return value.series;
  if (value.kind === 'scalar')
    return { timestamps: [...context.grid], values: context.grid.map(() => value.value) };
  throw new MathError(`${what} needs a time series.`);
}

function call(name: string, args: Value[], context: MathContext): Value {
  const arity = (min: number, max = min) => {
    if (args.length < min || args.length > max)
      throw new MathError(
        `${name} takes ${min === max ? min : `${min} to ${max}`} argument(s), not ${args.length}.`,
      );
  };
  const reducer = REDUCERS[name];
  if (reducer) {
    arity(1);
    const arg = args[0] as Value;
    if (arg.kind === 'array') return { kind: 'series', series: reduceAcross(arg.items, reducer) };
    if (arg.kind === 'series')
      return arg.series.values.length === 0
        ? { kind: 'series', series: { timestamps: [], values: [] } }
        : { kind: 'scalar', value: reducer(arg.series.values) };
    if (arg.kind === 'scalar') return arg;
    throw new MathError(`${name} needs a time series or an array of them.`);
  }
  const elementwise = ELEMENTWISE[name];
  if (elementwise) {
    arity(1);
    return binary('+', mapValue(args[0] as Value, elementwise), { kind: 'scalar', value: 0 });
  }
  switch (name) {
    case 'METRICS': {
      arity(0, 1);
      const filter = args[0];
      if (filter && filter.kind !== 'string')
        throw new MathError("METRICS takes a string: METRICS('filter').");
      const items = context.metrics().filter((item) => !filter || item.id.includes(filter.value));
      return { kind: 'array', items };
    }
    case 'FILL': {
      arity(2);
      const [target, how] = args as [Value, Value];
      if (target.kind === 'array')
        return {
          kind: 'array',
          items: target.items.map((item) => ({
            ...fill(item, context.grid, how),
            id: item.id,
            label: item.label,
          })),
        };
      return { kind: 'series', series: fill(asSeries(target, context, 'FILL'), context.grid, how) };
    }
    case 'IF': {
      arity(2, 3);
      const [condition, then, otherwise] = args as [Value, Value, Value | undefined];
      const cond = asSeries(condition, context, 'IF');
      const pick = (value: Value | undefined, t: number): number | undefined => {
        if (value === undefined) return undefined;
        if (value.kind === 'scalar') return value.value;
        const series = asSeries(value, context, 'IF');
        const i = series.timestamps.indexOf(t);
        return i < 0 ? undefined : series.values[i];
      };
      const out: Series = { timestamps: [], values: [] };
      cond.timestamps.forEach((t, i) => {
        const value = (cond.values[i] as number) !== 0 ? pick(then, t) : pick(otherwise, t);
        if (value === undefined) return;
        out.timestamps.push(t);
        out.values.push(value);
      });
      return { kind: 'series', series: out };
    }
    case 'DIFF':
    case 'RATE': {
      arity(1);
      const series = asSeries(args[0] as Value, context, name);
      const out: Series = { timestamps: [], values: [] };
      for (let i = 1; i < series.timestamps.length; i++) {
        const change = (series.values[i] as number) - (series.values[i - 1] as number);
        const seconds = ((series.timestamps[i] as number) - (series.timestamps[i - 1] as number)) / 1000;
        out.timestamps.push(series.timestamps[i] as number);
        out.values.push(name === 'DIFF' ? change : change / seconds);
      }
      return { kind: 'series', series: out };
    }
    case 'PERIOD':
      arity(1);
      return { kind: 'scalar', value: context.periodSeconds };
    default:
      throw new MathError(
        `Unknown function ${name}: eddy's metric math has ABS, AVG, CEIL, DIFF, FILL, FLOOR, IF, MAX, METRICS, MIN, PERIOD, RATE and SUM.`,
      );
  }
}

function mapValue(value: Value, f: (x: number) => number): Value {
  if (value.kind === 'scalar') return { kind: 'scalar', value: f(value.value) };
  if (value.kind === 'series') return { kind: 'series', series: mapSeries(value.series, f) };
  if (value.kind === 'array')
    return { kind: 'array', items: value.items.map((item) => ({ ...item, ...mapSeries(item, f) })) };
  throw new MathError('A function of numbers was given a string.');
}

function evaluate(node: Node, context: MathContext): Value {
  switch (node.type) {
    case 'number':
      return { kind: 'scalar', value: node.value };
    case 'string':
      return { kind: 'string', value: node.value };
    case 'name': {
      const upper = node.name.toUpperCase();
      if (upper === 'REPEAT' || upper === 'LINEAR') return { kind: 'keyword', value: upper };
      const found = context.lookup(node.name);
      if (!found) throw new MathError(`Unrecognized metric or expression id: ${node.name}.`);
      return { kind: 'series', series: found, label: found.label };
    }
    case 'list': {
      const items = node.items.flatMap((item, index): LabeledSeries[] => {
        const value = evaluate(item, context);
        if (value.kind === 'array') return value.items;
        const id = item.type === 'name' ? item.name : `[${index}]`;
        return [{ ...asSeries(value, context, 'An array'), id, label: id }];
      });
      return { kind: 'array', items };
    }
    case 'call':
      return call(
        node.name,
        node.args.map((arg) => evaluate(arg, context)),
        context,
      );
    case 'unary': {
      const operand = evaluate(node.operand, context);
      return node.op === '-' ? mapValue(operand, (x) => -x) : mapValue(operand, (x) => (x === 0 ? 1 : 0));
    }
    case 'binary':
      return binary(node.op, evaluate(node.left, context), evaluate(node.right, context));
  }
}

/** Evaluates an expression to one or several series (a scalar becomes a series over the grid). */
export function evaluateExpression(text: string, context: MathContext): Series[] {
  const value = evaluate(parseExpression(text), context);
  if (value.kind === 'array') return value.items;
  if (value.kind === 'string' || value.kind === 'keyword')
    throw new MathError('The expression must give numbers, not a string.');
  const series = asSeries(value, context, 'The expression');
  // NaN and infinities (a division by zero) are dropped, as CloudWatch drops them.
  const out: Series = { timestamps: [], values: [] };
  series.timestamps.forEach((t, i) => {
    const v = series.values[i] as number;
    if (!Number.isFinite(v)) return;
    out.timestamps.push(t);
    out.values.push(v);
  });
  return [out];
}
