// JSONPath payload templates (Parameters, ResultSelector, ItemSelector, Assign): fields whose names end
// in `.$` take the value of a path (`$.…`, `$$.…`, `$name…`) or of an intrinsic function call.
import { StatesError } from './errors.ts';
import { evaluateCall, type IntrinsicEnv, looksLikeCall, parseCall } from './intrinsics.ts';
import { compact, evaluatePath } from './jsonpath.ts';
import type { Json, JsonObject } from './types.ts';

/** The value of one `.$` field (a path or an intrinsic call). */
export function dynamicValue(expr: string, field: string, env: IntrinsicEnv): Json {
  if (looksLikeCall(expr)) return evaluateCall(parseCall(expr), env);
  const v = evaluatePath(expr, env);
  if (v === undefined) {
    const source = expr.startsWith('$$')
      ? env.context
      : expr.startsWith('$.') || expr === '$'
        ? env.input
        : env.vars;
    throw new StatesError(
      'States.Runtime',
      `The JSONPath '${expr}' specified for the field '${field}' could not be found in the input '${compact(source as Json)}'`,
    );
  }
  return v;
}

export function applyTemplate(template: Json, env: IntrinsicEnv): Json {
  if (Array.isArray(template)) return template.map((t) => applyTemplate(t, env));
  if (typeof template !== 'object' || template === null) return template;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(template)) {
    if (k.endsWith('.$') && typeof v === 'string') out[k.slice(0, -2)] = dynamicValue(v, k, env);
    else out[k] = applyTemplate(v, env);
  }
  return out;
}
