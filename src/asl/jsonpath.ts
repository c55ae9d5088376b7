// JSONPath as Step Functions reads it (Jayway's dialect): paths `$…`, context paths `$$…` and variable
// paths `$name…`; reference paths (definite: names and indexes only); ResultPath's merge.
import { StatesError } from './errors.ts';
import type { Json, JsonObject } from './types.ts';

export type Step =
  | { kind: 'name'; name: string }
  | { kind: 'index'; index: number }
  | { kind: 'wildcard' }
  | { kind: 'names'; names: string[] }
  | { kind: 'indexes'; indexes: number[] }
  | { kind: 'slice'; start?: number; end?: number; step?: number }
  | { kind: 'descendant'; name?: string }
  | { kind: 'filter'; expr: FilterExpr }
  | { kind: 'length' };

type FilterExpr =
  | { op: 'exists'; path: Step[] }
  | { op: '==' | '!=' | '<' | '<=' | '>' | '>='; path: Step[]; value: Json }
  | { op: '&&' | '||'; left: FilterExpr; right: FilterExpr };

export interface ParsedPath {
  /** '$' the input, '$$' the context object, or a variable name. */
  root: '$' | '$$' | { variable: string };
  steps: Step[];
  /** A definite path names one value; others return the list of matches. */
  definite: boolean;
  text: string;
}

export class PathSyntaxError extends Error {}

const IDENT = /^[^\s.[\]()'"*,?@$&|=!<>]+/;
const VARIABLE = /^[A-Za-z_][A-Za-z0-9_]*/;

export function parsePath(text: string): ParsedPath {
  let rest: string;
  let root: ParsedPath['root'];
  if (text.startsWith('$$')) {
    root = '$$';
    rest = text.slice(2);
  } else if (text.startsWith('$')) {
    const v = VARIABLE.exec(text.slice(1));
    if (v) {
      root = { variable: v[0] };
      rest = text.slice(1 + v[0].length);
    } else {
      root = '$';
      rest = text.slice(1);
    }
  } else throw new PathSyntaxError(`path must start with $: ${text}`);
  const steps = parseSteps(rest, text);
  const definite = steps.every((s) => s.kind === 'name' || s.kind === 'index' || s.kind === 'length');
  return { root, steps, definite, text };
}

function parseSteps(input: string, whole: string): Step[] {
  const steps: Step[] = [];
  let s = input;
  const fail = (): never => {
    throw new PathSyntaxError(`invalid path: ${whole}`);
  };
  while (s.length > 0) {
    if (s.startsWith('..')) {
      s = s.slice(2);
      if (s.startsWith('*')) {
        steps.push({ kind: 'descendant' });
        s = s.slice(1);
        continue;
      }
      if (s.startsWith('[')) {
        steps.push({ kind: 'descendant' });
        continue;
      }
      const m = IDENT.exec(s) ?? fail();
      steps.push({ kind: 'descendant', name: m[0] });
      s = s.slice(m[0].length);
    } else if (s.startsWith('.')) {
      s = s.slice(1);
      if (s.startsWith('*')) {
        steps.push({ kind: 'wildcard' });
        s = s.slice(1);
        continue;
      }
      if (s.startsWith('length()') && s.length === 8) {
        steps.push({ kind: 'length' });
        s = '';
        continue;
      }
      const m = IDENT.exec(s) ?? fail();
      steps.push({ kind: 'name', name: m[0] });
      s = s.slice(m[0].length);
    } else if (s.startsWith('[')) {
      const close = findClose(s) ?? fail();
      const inner = s.slice(1, close).trim();
      s = s.slice(close + 1);
      steps.push(parseBracket(inner, fail));
    } else fail();
  }
  return steps;
}

function findClose(s: string): number | undefined {
  let depth = 0;
  let quote: string | undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '[') depth++;
    else if (c === ']') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return undefined;
}

function parseBracket(inner: string, fail: () => never): Step {
  if (inner === '*') return { kind: 'wildcard' };
  if (inner.startsWith('?')) {
    const m = /^\?\s*\((.*)\)$/s.exec(inner) ?? fail();
    return { kind: 'filter', expr: parseFilter(m[1]!.trim(), fail) };
  }
  if (inner.startsWith("'") || inner.startsWith('"')) {
    const names: string[] = [];
    let s = inner;
    while (s.length > 0) {
      const q = s[0]!;
      if (q !== "'" && q !== '"') fail();
      let i = 1;
      let name = '';
      while (i < s.length && s[i] !== q) {
        if (s[i] === '\\' && i + 1 < s.length) i++;
        name += s[i];
        i++;
      }
      if (i >= s.length) fail();
      names.push(name);
      s = s.slice(i + 1).trim();
      if (s.startsWith(',')) s = s.slice(1).trim();
      else if (s.length > 0) fail();
    }
    return names.length === 1 ? { kind: 'name', name: names[0]! } : { kind: 'names', names };
  }
  if (/^-?\d+$/.test(inner)) return { kind: 'index', index: Number(inner) };
  if (/^-?\d+(\s*,\s*-?\d+)+$/.test(inner))
    return { kind: 'indexes', indexes: inner.split(',').map((x) => Number(x.trim())) };
  const slice = /^(-?\d+)?\s*:\s*(-?\d+)?(?:\s*:\s*(-?\d+)?)?$/.exec(inner);
  if (slice) {
    const step: Step = { kind: 'slice' };
    if (slice[1] !== undefined) step.start = Number(slice[1]);
    if (slice[2] !== undefined) step.end = Number(slice[2]);
    if (slice[3] !== undefined) step.step = Number(slice[3]);
    return step;
  }
  return fail();
}

function parseFilter(text: string, fail: () => never): FilterExpr {
  // Split on top-level || then &&.
  for (const op of ['||', '&&'] as const) {
    const at = topLevelIndex(text, op);
    if (at >= 0)
      return {
        op,
        left: parseFilter(text.slice(0, at).trim(), fail),
        right: parseFilter(text.slice(at + 2).trim(), fail),
      };
  }
  if (text.startsWith('(') && text.endsWith(')')) return parseFilter(text.slice(1, -1).trim(), fail);
  const m = /^@((?:\.[^\s.[\]()=!<>]+|\[[^\]]*\])*)\s*(?:(==|!=|<=|>=|<|>)\s*(.+))?$/s.exec(text) ?? fail();
  const path = parseSteps(m[1]!, text);
  if (!m[2]) return { op: 'exists', path };
  let raw = m[3]!.trim();
  if (raw.startsWith("'") && raw.endsWith("'")) raw = JSON.stringify(raw.slice(1, -1));
  let value: Json;
  try {
    value = JSON.parse(raw) as Json;
  } catch {
    return fail();
  }
  return { op: m[2] as '==', path, value };
}

function topLevelIndex(text: string, op: string): number {
  let depth = 0;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    else if (depth === 0 && text.startsWith(op, i)) return i;
  }
  return -1;
}

/** Is `text` a syntactically valid JSONPath (input `$…`; with `context`, `$$…` too; with `variables`, `$name…`)? */
export function isValidPath(text: string, options: { context?: boolean; variables?: boolean } = {}): boolean {
  try {
    const p = parsePath(text);
    if (p.root === '$$' && !options.context) return false;
    if (typeof p.root === 'object' && !options.variables) return false;
    return true;
  } catch {
    return false;
  }
}

/** A reference path: definite, names and indexes only. */
export function isReferencePath(
  text: string,
  options: { context?: boolean; variables?: boolean } = {},
): boolean {
  if (!isValidPath(text, options)) return false;
  const p = parsePath(text);
  return p.steps.every((s) => s.kind === 'name' || s.kind === 'index');
}

const isObject = (v: Json | undefined): v is JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const NOT_FOUND = Symbol('not found');

function stepDefinite(value: Json, step: Step): Json | typeof NOT_FOUND {
  if (step.kind === 'name') {
    if (isObject(value) && Object.hasOwn(value, step.name)) return value[step.name]!;
    return NOT_FOUND;
  }
  if (step.kind === 'index') {
    if (!Array.isArray(value)) return NOT_FOUND;
    const i = step.index < 0 ? value.length + step.index : step.index;
    return i >= 0 && i < value.length ? value[i]! : NOT_FOUND;
  }
  if (step.kind === 'length') {
    if (Array.isArray(value)) return value.length;
    if (typeof value === 'string') return value.length;
    return NOT_FOUND;
  }
  return NOT_FOUND;
}

function children(value: Json): Json[] {
  if (Array.isArray(value)) return value;
  if (isObject(value)) return Object.values(value);
  return [];
}

function applyStep(values: Json[], step: Step): Json[] {
  const out: Json[] = [];
  for (const v of values) {
    switch (step.kind) {
      case 'name':
      case 'index':
      case 'length': {
        const r = stepDefinite(v, step);
        if (r !== NOT_FOUND) out.push(r);
        break;
      }
      case 'wildcard':
        out.push(...children(v));
        break;
      case 'names':
        if (isObject(v)) for (const n of step.names) if (Object.hasOwn(v, n)) out.push(v[n]!);
        break;
      case 'indexes':
        for (const i of step.indexes) {
          const r = stepDefinite(v, { kind: 'index', index: i });
          if (r !== NOT_FOUND) out.push(r);
        }
        break;
      case 'slice': {
        if (!Array.isArray(v)) break;
        const n = v.length;
        const by = step.step ?? 1;
        if (by <= 0) break;
        const norm = (x: number) => (x < 0 ? Math.max(0, n + x) : Math.min(n, x));
        const start = norm(step.start ?? 0);
        const end = norm(step.end ?? n);
        for (let i = start; i < end; i += by) out.push(v[i]!);
        break;
      }
      case 'descendant': {
        const walk = (x: Json) => {
          if (step.name === undefined) out.push(...children(x));
          else if (isObject(x) && Object.hasOwn(x, step.name)) out.push(x[step.name]!);
          for (const c of children(x)) walk(c);
        };
        walk(v);
        break;
      }
      case 'filter':
        for (const c of children(v)) if (testFilter(step.expr, c)) out.push(c);
        break;
    }
  }
  return out;
}

function compare(a: Json, op: string, b: Json): boolean {
  if (op === '==') return deepEqual(a, b);
  if (op === '!=') return !deepEqual(a, b);
  if (typeof a === 'number' && typeof b === 'number') {
    if (op === '<') return a < b;
    if (op === '<=') return a <= b;
    if (op === '>') return a > b;
    return a >= b;
  }
  if (typeof a === 'string' && typeof b === 'string') {
    if (op === '<') return a < b;
    if (op === '<=') return a <= b;
    if (op === '>') return a > b;
    return a >= b;
  }
  return false;
}

function testFilter(expr: FilterExpr, item: Json): boolean {
  if (expr.op === '&&' || expr.op === '||') {
    const l = testFilter(expr.left, item);
    return expr.op === '&&' ? l && testFilter(expr.right, item) : l || testFilter(expr.right, item);
  }
  const leaf = expr as Extract<FilterExpr, { path: Step[] }>;
  let values: Json[] = [item];
  for (const s of leaf.path) values = applyStep(values, s);
  if (leaf.op === 'exists') return values.length > 0;
  if (values.length === 0) return false;
  return compare(values[0]!, leaf.op, leaf.value);
}

export function deepEqual(a: Json | undefined, b: Json | undefined): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => deepEqual(x, b[i]));
  }
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b as JsonObject);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.hasOwn(b as JsonObject, k) && deepEqual(a[k], (b as JsonObject)[k]));
}

/** Jayway's rendering of a definite path in its "No results for path" message: $['a']['b'][0]. */
export function canonicalPath(p: ParsedPath): string {
  const root = p.root === '$$' ? '$$' : typeof p.root === 'object' ? `$${p.root.variable}` : '$';
  return (
    root +
    p.steps
      .map((s) =>
        s.kind === 'name'
          ? `['${s.name}']`
          : s.kind === 'index'
            ? `[${s.index}]`
            : s.kind === 'length'
              ? '.length()'
              : '',
      )
      .join('')
  );
}

export interface PathScope {
  input: Json;
  context?: Json;
  vars?: Record<string, Json>;
}

/** Evaluates a path; undefined when a definite path finds nothing (an indefinite one gives []). */
export function evaluatePath(path: string | ParsedPath, scope: PathScope): Json | undefined {
  const p = typeof path === 'string' ? parsePath(path) : path;
  let start: Json | undefined;
  if (p.root === '$') start = scope.input;
  else if (p.root === '$$') start = scope.context ?? null;
  else {
    const vars = scope.vars ?? {};
    if (!Object.hasOwn(vars, p.root.variable)) return undefined;
    start = vars[p.root.variable]!;
  }
  if (p.definite) {
    let v: Json = start;
    for (const s of p.steps) {
      const r = stepDefinite(v, s);
      if (r === NOT_FOUND) return undefined;
      v = r;
    }
    return v;
  }
  let values: Json[] = [start];
  for (const s of p.steps) values = applyStep(values, s);
  return values;
}

export const compact = (v: Json | undefined): string => (v === undefined ? 'null' : JSON.stringify(v));

/** InputPath / OutputPath / ItemsPath-style selection, with AWS's States.Runtime text when nothing matches. */
export function selectPath(path: string, scope: PathScope): Json {
  const p = parsePath(path);
  const v = evaluatePath(p, scope);
  if (v === undefined)
    throw new StatesError(
      'States.Runtime',
      `Invalid path '${path}' : No results for path: ${canonicalPath(p)}`,
    );
  return v;
}

/** ResultPath: puts result into a copy of input at a reference path (creating objects on the way). */
export function applyResultPath(input: Json, path: string | null | undefined, result: Json): Json {
  if (path === null) return input;
  if (path === undefined || path === '$') return result;
  const p = parsePath(path);
  if (p.root !== '$' || p.steps.length === 0) return result;
  const fail = (): never => {
    throw new StatesError(
      'States.Runtime',
      `Unable to apply ReferencePath ${path} to input ${compact(input)}`,
    );
  };
  const root: Json = structuredClone(input);
  if (!isObject(root) && !Array.isArray(root)) fail();
  let node: JsonObject | Json[] = root as JsonObject | Json[];
  p.steps.forEach((s, i) => {
    const last = i === p.steps.length - 1;
    if (s.kind === 'name') {
      if (!isObject(node)) fail();
      const obj = node as JsonObject;
      if (last) obj[s.name] = result;
      else {
        const next = obj[s.name];
        if (next === undefined || next === null) obj[s.name] = {};
        else if (typeof next !== 'object') fail();
        node = obj[s.name] as JsonObject;
      }
    } else if (s.kind === 'index') {
      if (!Array.isArray(node)) fail();
      const arr = node as Json[];
      const idx = s.index < 0 ? arr.length + s.index : s.index;
      if (idx < 0 || idx >= arr.length) fail();
      if (last) arr[idx] = result;
      else {
        const next = arr[idx];
        if (typeof next !== 'object' || next === null) fail();
        node = next as JsonObject;
      }
    } else fail();
  });
  return root;
}
