// The 18 intrinsic functions of JSONPath states (States.Format, States.Array, States.Hash, …): a parser
// for their call syntax (string literals with \' \{ \} \\ escapes, numbers, booleans, null, paths,
// nested calls) and their evaluation with AWS's error texts.
import { createHash } from 'node:crypto';
import { StatesError } from './errors.ts';
import { compact, deepEqual, evaluatePath, isValidPath, type PathScope } from './jsonpath.ts';
import type { Json } from './types.ts';

export type Arg =
  | { kind: 'string'; value: string; raw: string }
  | { kind: 'literal'; value: Json }
  | { kind: 'path'; path: string }
  | { kind: 'call'; call: Call };

export interface Call {
  name: string;
  args: Arg[];
  text: string;
}

export const INTRINSICS: Record<string, [min: number, max: number]> = {
  'States.Format': [1, Number.POSITIVE_INFINITY],
  'States.StringToJson': [1, 1],
  'States.JsonToString': [1, 1],
  'States.Array': [0, Number.POSITIVE_INFINITY],
  'States.ArrayPartition': [2, 2],
  'States.ArrayContains': [2, 2],
  'States.ArrayRange': [3, 3],
  'States.ArrayGetItem': [2, 2],
  'States.ArrayLength': [1, 1],
  'States.ArrayUnique': [1, 1],
  'States.Base64Encode': [1, 1],
  'States.Base64Decode': [1, 1],
  'States.Hash': [2, 2],
  'States.JsonMerge': [3, 3],
  'States.MathRandom': [2, 3],
  'States.MathAdd': [2, 2],
  'States.StringSplit': [2, 2],
  'States.UUID': [0, 0],
};

export class IntrinsicSyntaxError extends Error {}

/** Does this `.$` value look like a function call rather than a path? */
export const looksLikeCall = (text: string): boolean => /^\s*States\.[A-Za-z0-9]+\s*\(/.test(text);

export function parseCall(text: string): Call {
  let i = 0;
  const fail = (why: string): never => {
    throw new IntrinsicSyntaxError(`${why} in '${text}'`);
  };
  const ws = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  function call(): Call {
    const start = i;
    const m = /^States\.[A-Za-z0-9]+/.exec(text.slice(i)) ?? fail('expected a function name');
    const name = m[0];
    if (!INTRINSICS[name]) fail(`unknown function ${name}`);
    i += name.length;
    ws();
    if (text[i] !== '(') fail('expected (');
    i++;
    const args: Arg[] = [];
    ws();
    if (text[i] === ')') i++;
    else {
      for (;;) {
        ws();
        args.push(arg());
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ')') {
          i++;
          break;
        }
        fail('expected , or )');
      }
    }
    const [min, max] = INTRINSICS[name]!;
    if (args.length < min || args.length > max) fail(`wrong number of arguments to ${name}`);
    return { name, args, text: text.slice(start, i) };
  }
  function arg(): Arg {
    const c = text[i];
    if (c === "'") {
      i++;
      let value = '';
      let raw = '';
      for (;;) {
        if (i >= text.length) fail('unterminated string');
        const ch = text[i]!;
        if (ch === '\\') {
          const nx = text[i + 1];
          if (nx === undefined) fail('unterminated string');
          raw += ch + nx;
          value += nx;
          i += 2;
          continue;
        }
        if (ch === "'") {
          i++;
          break;
        }
        raw += ch;
        value += ch;
        i++;
      }
      return { kind: 'string', value, raw };
    }
    if (text.startsWith('States.', i)) return { kind: 'call', call: call() };
    if (c === '$') {
      const start = i;
      let depth = 0;
      let quote: string | undefined;
      while (i < text.length) {
        const ch = text[i]!;
        if (quote) {
          if (ch === quote) quote = undefined;
        } else if (ch === "'" || ch === '"') quote = ch;
        else if (ch === '[' || ch === '(') depth++;
        else if (ch === ']' || (ch === ')' && depth > 0)) depth--;
        else if (depth === 0 && (ch === ',' || ch === ')')) break;
        i++;
      }
      const path = text.slice(start, i).trim();
      if (!isValidPath(path, { context: true, variables: true })) fail(`invalid path ${path}`);
      return { kind: 'path', path };
    }
    const lit = /^(-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i));
    if (lit) {
      i += lit[0].length;
      return { kind: 'literal', value: JSON.parse(lit[0]) as Json };
    }
    return fail('unexpected argument');
  }
  ws();
  const result = call();
  ws();
  if (i !== text.length) fail('unexpected text after the call');
  return result;
}

const typeName = (v: Json): string =>
  v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'object' ? 'object' : typeof v;

export interface IntrinsicEnv extends PathScope {
  random: () => number;
}

export function evaluateCall(call: Call, env: IntrinsicEnv): Json {
  const failure = (detail: string): never => {
    throw new StatesError(
      'States.IntrinsicFailure',
      `The function '${call.text}' had the following error: ${detail}`,
    );
  };
  const values: Json[] = call.args.map((a) => {
    if (a.kind === 'string') return a.value;
    if (a.kind === 'literal') return a.value;
    if (a.kind === 'call') return evaluateCall(a.call, env);
    const v = evaluatePath(a.path, env);
    if (v === undefined) {
      const where = a.path.startsWith('$$')
        ? env.context
        : a.path.startsWith('$.') || a.path === '$'
          ? env.input
          : env.vars;
      throw new StatesError(
        'States.Runtime',
        `The function '${call.text}' had the following error: The JsonPath argument for the field '${a.path}' could not be found in the input '${compact(where as Json)}'`,
      );
    }
    return v;
  });
  const arg = (n: number) => values[n]!;
  const needString = (n: number, what = 'string'): string => {
    const v = arg(n);
    if (typeof v !== 'string')
      failure(`The value of argument ${n + 1} must be a ${what}, not ${typeName(v)}`);
    return v as string;
  };
  const needArray = (n: number): Json[] => {
    const v = arg(n);
    if (!Array.isArray(v)) failure(`The value of argument ${n + 1} must be an array, not ${typeName(v)}`);
    return v as Json[];
  };
  const needInteger = (n: number): number => {
    const v = arg(n);
    if (typeof v !== 'number' || !Number.isInteger(v))
      failure(`The value of argument ${n + 1} must be an integer, not ${JSON.stringify(v)}`);
    return v as number;
  };
  const needNumber = (n: number): number => {
    const v = arg(n);
    if (typeof v !== 'number') failure(`The value of argument ${n + 1} must be a number, not ${typeName(v)}`);
    return v as number;
  };
  switch (call.name) {
    case 'States.Format': {
      const first = call.args[0]!;
      if (typeof arg(0) !== 'string') failure('The first argument must be a string');
      // Placeholders are unescaped {}; an escaped \{ or \} is a literal brace.
      const raw = first.kind === 'string' ? first.raw : (arg(0) as string);
      const parts: string[] = [];
      let current = '';
      for (let i = 0; i < raw.length; i++) {
        const ch = raw[i]!;
        if (first.kind === 'string' && ch === '\\') {
          current += raw[i + 1] ?? '';
          i++;
        } else if (ch === '{' && raw[i + 1] === '}') {
          parts.push(current);
          current = '';
          i++;
        } else current += ch;
      }
      parts.push(current);
      const rest = values.slice(1);
      if (rest.length !== parts.length - 1)
        failure(`Number of arguments in the format string do not match the number of placeholders`);
      let out = parts[0]!;
      rest.forEach((v, i) => {
        if (typeof v === 'object' && v !== null)
          failure(
            `The value of argument ${i + 2} must be a string, number, boolean or null, not ${typeName(v)}`,
          );
        out += (typeof v === 'string' ? v : JSON.stringify(v)) + parts[i + 1]!;
      });
      return out;
    }
    case 'States.StringToJson': {
      const s = needString(0);
      try {
        return JSON.parse(s) as Json;
      } catch {
        return failure(`The string '${s}' is not valid JSON`);
      }
    }
    case 'States.JsonToString':
      return JSON.stringify(arg(0));
    case 'States.Array':
      return values;
    case 'States.ArrayPartition': {
      const a = needArray(0);
      const size = needInteger(1);
      if (size <= 0) failure('The chunk size must be a positive integer');
      const out: Json[] = [];
      for (let i = 0; i < a.length; i += size) out.push(a.slice(i, i + size));
      return out;
    }
    case 'States.ArrayContains': {
      const a = needArray(0);
      return a.some((x) => deepEqual(x, arg(1)));
    }
    case 'States.ArrayRange': {
      const start = needInteger(0);
      const end = needInteger(1);
      const step = needInteger(2);
      if (step === 0) failure('The step must not be zero');
      const count = Math.floor((end - start) / step) + 1;
      if (count > 1000) failure('The array cannot contain more than 1000 items');
      const out: number[] = [];
      for (let v = start; step > 0 ? v <= end : v >= end; v += step) out.push(v);
      return out;
    }
    case 'States.ArrayGetItem': {
      const a = needArray(0);
      const i = needInteger(1);
      if (i < 0 || i >= a.length)
        failure(`The index ${i} is out of bounds for an array of length ${a.length}`);
      return a[i]!;
    }
    case 'States.ArrayLength':
      return needArray(0).length;
    case 'States.ArrayUnique': {
      const out: Json[] = [];
      for (const x of needArray(0)) if (!out.some((y) => deepEqual(x, y))) out.push(x);
      return out;
    }
    case 'States.Base64Encode': {
      const s = needString(0);
      if (s.length > 10000) failure('The input string cannot be longer than 10000 characters');
      return Buffer.from(s, 'utf8').toString('base64');
    }
    case 'States.Base64Decode': {
      const s = needString(0);
      if (s.length > 10000) failure('The input string cannot be longer than 10000 characters');
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 === 1)
        failure(`The string '${s}' is not valid base64`);
      return Buffer.from(s, 'base64').toString('utf8');
    }
    case 'States.Hash': {
      const data = arg(0);
      if (data === null) failure('The input data cannot be null');
      const text = typeof data === 'string' ? data : JSON.stringify(data);
      if (text.length > 10000) failure('The input data cannot be longer than 10000 characters');
      const alg = needString(1);
      const algorithms: Record<string, string> = {
        MD5: 'md5',
        'SHA-1': 'sha1',
        'SHA-256': 'sha256',
        'SHA-384': 'sha384',
        'SHA-512': 'sha512',
      };
      const a = algorithms[alg];
      if (!a)
        failure(
          `The hash algorithm '${alg}' is not supported; use one of MD5, SHA-1, SHA-256, SHA-384, SHA-512`,
        );
      return createHash(a!).update(text, 'utf8').digest('hex');
    }
    case 'States.JsonMerge': {
      const a = arg(0);
      const b = arg(1);
      const deep = arg(2);
      if (typeof a !== 'object' || a === null || Array.isArray(a))
        failure('The first argument must be a JSON object');
      if (typeof b !== 'object' || b === null || Array.isArray(b))
        failure('The second argument must be a JSON object');
      if (typeof deep !== 'boolean') failure('The third argument must be a boolean');
      if (deep) failure('Deep merging is not supported: the third argument must be false');
      return { ...(a as object), ...(b as object) } as Json;
    }
    case 'States.MathRandom': {
      const start = needInteger(0);
      const end = needInteger(1);
      if (end <= start) failure('The end of the range must be greater than the start');
      const r = call.args.length === 3 ? seeded(needInteger(2)) : env.random();
      return start + Math.floor(r * (end - start));
    }
    case 'States.MathAdd': {
      const a = needNumber(0);
      const b = needNumber(1);
      return a + b;
    }
    case 'States.StringSplit': {
      const s = needString(0);
      const delims = needString(1);
      if (delims === '') return [s];
      const out: string[] = [];
      let cur = '';
      for (const ch of s) {
        if (delims.includes(ch)) {
          if (cur !== '') out.push(cur);
          cur = '';
        } else cur += ch;
      }
      if (cur !== '') out.push(cur);
      return out;
    }
    case 'States.UUID':
      return uuid(env.random);
  }
  return failure('unknown function');
}

/** A deterministic [0, 1) for MathRandom's seed (mulberry32). */
function seeded(seed: number): number {
  let t = (seed + 0x6d2b79f5) | 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

/** A version-4 UUID from the caller's random source. */
export function uuid(random: () => number): string {
  const b = Array.from({ length: 16 }, () => Math.floor(random() * 256) & 0xff);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
