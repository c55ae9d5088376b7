// Whether one condition holds for one value: the meaning of each operator, in one place. Pure.
import type { AnythingBut, Bound, Condition } from './compile.ts';
import { inCidr, type Scalar } from './values.ts';

function equal(a: Scalar, b: Scalar): boolean {
  return a === b || (typeof a === 'number' && typeof b === 'number' && a === b);
}

export function inRange(value: number, lower: Bound | undefined, upper: Bound | undefined): boolean {
  if (lower && (lower.inclusive ? value < lower.value : value <= lower.value)) return false;
  if (upper && (upper.inclusive ? value > upper.value : value >= upper.value)) return false;
  return true;
}

export function excluded(exclude: AnythingBut, value: Scalar): boolean {
  if (exclude.values.some((item) => equal(item, value))) return true;
  // The string forms (prefix, suffix, wildcard, ignoring case) exclude strings only: a number, a boolean or
  // null is anything but a string that starts with the prefix, as in AWS's event-ruler.
  if (typeof value !== 'string') return false;
  if (exclude.prefixes?.some((prefix) => value.startsWith(prefix))) return true;
  if (exclude.suffixes?.some((suffix) => value.endsWith(suffix))) return true;
  if (exclude.wildcards?.some((regex) => regex.test(value))) return true;
  if (exclude.ignoreCase?.includes(value.toLowerCase())) return true;
  return false;
}

/** Whether the condition holds for one of a field's values (exists is decided by the caller). */
export function holds(condition: Condition, value: Scalar): boolean {
  switch (condition.kind) {
    case 'exact':
      return equal(condition.value, value);
    case 'prefix':
      return (
        typeof value === 'string' &&
        (condition.ignoreCase
          ? value.toLowerCase().startsWith(condition.value.toLowerCase())
          : value.startsWith(condition.value))
      );
    case 'suffix':
      return (
        typeof value === 'string' &&
        (condition.ignoreCase
          ? value.toLowerCase().endsWith(condition.value.toLowerCase())
          : value.endsWith(condition.value))
      );
    case 'equals-ignore-case':
      return typeof value === 'string' && value.toLowerCase() === condition.value.toLowerCase();
    case 'wildcard':
      return typeof value === 'string' && condition.regex.test(value);
    case 'anything-but':
      // null is a value, and anything but the values listed.
      return !excluded(condition.exclude, value);
    case 'numeric':
      return typeof value === 'number' && inRange(value, condition.lower, condition.upper);
    case 'exists':
      return condition.exists;
    case 'cidr':
      return typeof value === 'string' && inCidr(condition.block, value);
  }
}

/** Whether a field passes given its values (none: the field is absent from the event). */
export function fieldPasses(conditions: Condition[], values: Scalar[] | undefined): boolean {
  if (values === undefined || values.length === 0) {
    return conditions.some((condition) => condition.kind === 'exists' && !condition.exists);
  }
  return conditions.some((condition) => values.some((value) => holds(condition, value)));
}

/** Words for a condition, for explanations. */
export function describe(condition: Condition): string {
  switch (condition.kind) {
    case 'exact':
      return JSON.stringify(condition.value);
    case 'prefix':
    case 'suffix':
      return `${condition.kind}${condition.ignoreCase ? ' (ignoring case)' : ''} ${JSON.stringify(condition.value)}`;
    case 'equals-ignore-case':
      return `equal ignoring case to ${JSON.stringify(condition.value)}`;
    case 'wildcard':
      return `wildcard ${JSON.stringify(condition.pattern)}`;
    case 'anything-but': {
      const { values, prefixes, suffixes, wildcards, ignoreCase } = condition.exclude;
      const oneOf = (items: string[]) =>
        items.length === 1 ? JSON.stringify(items[0]) : `one of ${JSON.stringify(items)}`;
      if (prefixes) return `anything but a string starting with ${oneOf(prefixes)}`;
      if (suffixes) return `anything but a string ending with ${oneOf(suffixes)}`;
      if (wildcards)
        return `anything but a string matching ${wildcards.map((regex) => regex.source).join(', ')}`;
      if (ignoreCase) return `anything but ${JSON.stringify(ignoreCase)} (ignoring case)`;
      return `anything but ${values.length === 1 ? JSON.stringify(values[0]) : JSON.stringify(values)}`;
    }
    case 'numeric': {
      const parts = [];
      if (condition.lower) parts.push(`${condition.lower.inclusive ? '>=' : '>'} ${condition.lower.value}`);
      if (condition.upper) parts.push(`${condition.upper.inclusive ? '<=' : '<'} ${condition.upper.value}`);
      return `a number ${parts.join(' and ')}`;
    }
    case 'exists':
      return condition.exists ? 'present' : 'absent';
    case 'cidr':
      return `an address in ${condition.text}`;
  }
}
