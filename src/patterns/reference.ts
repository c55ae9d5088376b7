// A small matcher written straight from the AWS documentation, for tests only: the compiled index
// must agree with it on every pattern and event. Slow and obvious on purpose.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every leaf value of the event and the path it sits at: keys joined with dots, arrays flattened at every level. */
function flatten(event: Json, path: string | undefined, out: Array<[string, Json]>): Array<[string, Json]> {
  if (Array.isArray(event)) for (const item of event) flatten(item, path, out);
  else if (event !== null && typeof event === 'object') {
    for (const [key, value] of Object.entries(event))
      flatten(value, path === undefined ? key : `${path}.${key}`, out);
  } else if (path !== undefined) out.push([path, event]);
  return out;
}

/** The leaf values whose dotted path is the pattern's path (its keys joined with dots). */
function leaves(event: Json, keys: string[]): Json[] {
  const path = keys.join('.');
  return flatten(event, undefined, [])
    .filter(([at]) => at === path)
    .map(([, value]) => value);
}

function wildcard(pattern: string, text: string): boolean {
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`, 's').test(text);
}

function ipBits(text: string): string | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || parts.some((part) => !/^\d{1,3}$/.test(part) || Number(part) > 255))
    return undefined;
  return parts.map((part) => Number(part).toString(2).padStart(8, '0')).join('');
}

function matchesOne(condition: Json, value: Json): boolean {
  if (condition === null || typeof condition !== 'object') return condition === value;
  const [operator, operand] = Object.entries(condition as Record<string, Json>)[0]!;
  const isString = typeof value === 'string';
  switch (operator) {
    case 'prefix':
      if (typeof operand === 'object' && operand !== null) {
        return (
          isString &&
          value
            .toLowerCase()
            .startsWith(String((operand as Record<string, Json>)['equals-ignore-case']).toLowerCase())
        );
      }
      return isString && value.startsWith(operand as string);
    case 'suffix':
      if (typeof operand === 'object' && operand !== null) {
        return (
          isString &&
          value
            .toLowerCase()
            .endsWith(String((operand as Record<string, Json>)['equals-ignore-case']).toLowerCase())
        );
      }
      return isString && value.endsWith(operand as string);
    case 'equals-ignore-case':
      return isString && value.toLowerCase() === (operand as string).toLowerCase();
    case 'wildcard':
      return isString && wildcard(operand as string, value);
    case 'anything-but': {
      // Anything but the values listed: null too, and any value that is not a string is anything but a
      // string form (prefix, suffix, wildcard, ignoring case).
      if (Array.isArray(operand)) return !operand.includes(value);
      if (typeof operand !== 'object' || operand === null) return operand !== value;
      if (!isString) return true;
      const [kind, text] = Object.entries(operand)[0]!;
      const list = (Array.isArray(text) ? text : [text]) as string[];
      if (kind === 'prefix') return !list.some((item) => value.startsWith(item));
      if (kind === 'suffix') return !list.some((item) => value.endsWith(item));
      if (kind === 'wildcard') return !list.some((item) => wildcard(item, value));
      return !list.some((item) => item.toLowerCase() === value.toLowerCase());
    }
    case 'numeric': {
      if (typeof value !== 'number') return false;
      const terms = operand as Json[];
      for (let index = 0; index < terms.length; index += 2) {
        const bound = terms[index + 1] as number;
        const ok = {
          '<': value < bound,
          '<=': value <= bound,
          '=': value === bound,
          '>': value > bound,
          '>=': value >= bound,
        }[terms[index] as string];
        if (!ok) return false;
      }
      return true;
    }
    case 'exists':
      return operand === true;
    case 'cidr': {
      const [network, length] = (operand as string).split('/');
      const address = isString ? ipBits(value) : undefined;
      const base = ipBits(network!);
      return (
        address !== undefined &&
        base !== undefined &&
        address.slice(0, Number(length)) === base.slice(0, Number(length))
      );
    }
    default:
      throw new Error(`the reference does not know ${operator}`);
  }
}

function fieldMatches(conditions: Json[], values: Json[]): boolean {
  if (values.length === 0) {
    return conditions.some(
      (condition) =>
        typeof condition === 'object' &&
        condition !== null &&
        (condition as Record<string, Json>).exists === false,
    );
  }
  return conditions.some((condition) => values.some((value) => matchesOne(condition, value)));
}

export function referenceMatches(pattern: Record<string, Json>, event: Json, prefix: string[] = []): boolean {
  return Object.entries(pattern).every(([key, value]) => {
    if (key === '$or')
      return (value as Record<string, Json>[]).some((alternative) =>
        referenceMatches(alternative, event, prefix),
      );
    const path = [...prefix, key];
    if (Array.isArray(value)) return fieldMatches(value, leaves(event, path));
    return referenceMatches(value as Record<string, Json>, event, path);
  });
}
