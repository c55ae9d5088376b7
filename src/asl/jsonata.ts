// JSONata in Step Functions: `{% … %}` strings anywhere in a JSONata field, evaluated with `$states`
// (input, result, errorOutput, context), the variables in scope, and Step Functions' own functions
// ($partition, $range, $hash, $random, $uuid, $parse); $now and $millis read the caller's clock.
import { createHash } from 'node:crypto';
import jsonata from 'jsonata';
import { StatesError } from './errors.ts';
import { uuid } from './intrinsics.ts';
import type { Json, JsonObject } from './types.ts';

const EXPRESSION = /^\{%([\s\S]*)%\}$/;

export const isExpression = (v: unknown): v is string => typeof v === 'string' && EXPRESSION.test(v);
export const expressionBody = (v: string): string => EXPRESSION.exec(v)![1]!;

const cache = new Map<string, jsonata.Expression>();

export function compile(body: string): jsonata.Expression {
  let e = cache.get(body);
  if (!e) {
    e = jsonata(body);
    if (cache.size > 5000) cache.clear();
    cache.set(body, e);
  }
  return e;
}

/** A parse error message for the expression, or undefined when it parses. */
export function syntaxError(text: string): string | undefined {
  try {
    compile(expressionBody(text));
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

export interface JsonataScope {
  states: JsonObject;
  vars: Record<string, Json>;
  now: Date;
  random: () => number;
}

const fromMillis = jsonata('$fromMillis(m, p, t)');

function seededRandom(seed: number): number {
  let t = (Math.trunc(seed) + 0x6d2b79f5) | 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

const queryError = (detail: string): StatesError => new StatesError('States.QueryEvaluationError', detail);

function bindings(scope: JsonataScope): Record<string, unknown> {
  const b: Record<string, unknown> = { ...scope.vars };
  b.states = scope.states;
  b.now = (picture?: string, tz?: string) =>
    picture === undefined && tz === undefined
      ? scope.now.toISOString()
      : fromMillis.evaluate({}, { m: scope.now.getTime(), p: picture, t: tz });
  b.millis = () => scope.now.getTime();
  b.random = (seed?: number) => (seed === undefined ? scope.random() : seededRandom(seed));
  b.uuid = () => uuid(scope.random);
  b.parse = (text: unknown) => {
    if (typeof text !== 'string')
      throw queryError(`The function $parse expects a string, not ${typeof text}`);
    try {
      return JSON.parse(text);
    } catch (e) {
      throw queryError(`The function $parse could not parse '${text}': ${(e as Error).message}`);
    }
  };
  b.partition = (array: unknown, size: unknown) => {
    if (!Array.isArray(array)) throw queryError('The first argument of $partition must be an array');
    if (typeof size !== 'number' || !Number.isInteger(size) || size <= 0)
      throw queryError('The second argument of $partition must be a positive integer');
    const out: unknown[] = [];
    for (let i = 0; i < array.length; i += size) out.push(array.slice(i, i + size));
    return out;
  };
  b.range = (start: unknown, end: unknown, step: unknown) => {
    if (typeof start !== 'number' || typeof end !== 'number' || typeof step !== 'number' || step === 0)
      throw queryError('The arguments of $range must be numbers and the step not zero');
    if (Math.floor((end - start) / step) + 1 > 1000)
      throw queryError('$range cannot produce more than 1000 items');
    const out: number[] = [];
    for (let v = start; step > 0 ? v <= end : v >= end; v += step) out.push(v);
    return out;
  };
  b.hash = (value: unknown, algorithm: unknown) => {
    const algorithms: Record<string, string> = {
      MD5: 'md5',
      'SHA-1': 'sha1',
      'SHA-256': 'sha256',
      'SHA-384': 'sha384',
      'SHA-512': 'sha512',
    };
    const a = typeof algorithm === 'string' ? algorithms[algorithm] : undefined;
    if (!a) throw queryError(`The hash algorithm '${String(algorithm)}' is not supported`);
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    return createHash(a).update(text, 'utf8').digest('hex');
  };
  return b;
}

/** JSONata values back to JSON (sequences become arrays; functions and undefined are errors). */
function toJson(v: unknown): Json | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'function') throw queryError('The expression returned a function');
  return JSON.parse(JSON.stringify(v)) as Json;
}

/** Evaluates one expression string (`{% … %}`); `field` names it in error texts. */
export async function evaluateExpression(
  text: string,
  scope: JsonataScope,
  field: string,
): Promise<Json | undefined> {
  const body = expressionBody(text);
  let expr: jsonata.Expression;
  try {
    expr = compile(body);
  } catch (e) {
    throw queryError(
      `The JSONata expression '${body.trim()}' specified for the field '${field}' is invalid: ${(e as Error).message}`,
    );
  }
  let value: unknown;
  try {
    value = await expr.evaluate(scope.states.input ?? null, bindings(scope));
  } catch (e) {
    if (e instanceof StatesError) throw e;
    throw queryError(
      `An error occurred while evaluating the JSONata expression '${body.trim()}' specified for the field '${field}': ${(e as Error).message}`,
    );
  }
  return toJson(value);
}

/** Evaluates a JSONata field's value: expressions in strings at any depth of objects and arrays. */
export async function evaluateTemplate(value: Json, scope: JsonataScope, field: string): Promise<Json> {
  if (isExpression(value)) {
    const r = await evaluateExpression(value, scope, field);
    if (r === undefined)
      throw queryError(
        `The JSONata expression '${expressionBody(value).trim()}' specified for the field '${field}' returned nothing (undefined).`,
      );
    return r;
  }
  if (Array.isArray(value)) {
    const out: Json[] = [];
    for (const [i, v] of value.entries()) out.push(await evaluateTemplate(v, scope, `${field}[${i}]`));
    return out;
  }
  if (typeof value === 'object' && value !== null) {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) {
      // A nested expression that yields nothing drops its key, as JSONata's object constructors do.
      if (isExpression(v)) {
        const r = await evaluateExpression(v, scope, `${field}/${k}`);
        if (r !== undefined) out[k] = r;
      } else out[k] = await evaluateTemplate(v, scope, `${field}/${k}`);
    }
    return out;
  }
  return value;
}
