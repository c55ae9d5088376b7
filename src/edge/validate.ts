// The model's constraints (length, value range, pattern, enum), checked once for every operation
// before its handler runs, and worded as AWS's front end words them ("Value 'x' at 'name' failed to
// satisfy constraint: Member must satisfy regular expression pattern: …").
import type { Shape, ShapeResolver, Violation } from '../contract/index.ts';

type Check = (value: unknown, path: string, found: Violation[]) => void;

/** AWS names members lowerCamelCase and list items `items.1.member`. */
const memberPath = (parent: string, name: string) => {
  const lowered = name.charAt(0).toLowerCase() + name.slice(1);
  return parent === '' ? lowered : `${parent}.${lowered}`;
};

/** Java's POSIX character classes (ASCII by default), which JavaScript names otherwise or not at all. */
const JAVA_POSIX_CLASSES: Record<string, string> = {
  Print: '\\x20-\\x7E',
  Graph: '\\x21-\\x7E',
  Alpha: 'A-Za-z',
  Digit: '0-9',
  Alnum: 'A-Za-z0-9',
  Upper: 'A-Z',
  Lower: 'a-z',
  Punct: '!-\\/:-@\\[-`{-~',
  Space: ' \\t\\n\\x0B\\f\\r',
};

/** Java patterns as JavaScript ones, anchored as Java's `matches()` is; undefined when JS cannot read one. */
function compilePattern(pattern: string): RegExp | undefined {
  const translated = pattern.replace(/\\([pP])\{(\w+)\}/g, (whole, p: string, name: string) => {
    const members = JAVA_POSIX_CLASSES[name];
    if (members === undefined) return whole;
    return p === 'p' ? `[${members}]` : `[^${members}]`;
  });
  for (const flags of ['u', '']) {
    try {
      return new RegExp(`^(?:${translated})$`, flags);
    } catch {}
  }
  return undefined;
}

export class InputValidator {
  private readonly checks = new Map<string, Check | undefined>();
  private readonly compiling = new Set<string>();

  constructor(private readonly resolver: ShapeResolver) {}

  /** Every constraint the input breaks; an empty list when it keeps them all. */
  violations(inputShape: Shape | undefined, input: Record<string, unknown>): Violation[] {
    if (!inputShape) return [];
    const check = this.checkFor(inputShape);
    if (!check) return [];
    const found: Violation[] = [];
    check(input, '', found);
    return found;
  }

  /** The check of a shape, or undefined when nothing in it has a constraint (the common, free case). */
  private checkFor(ref: Shape): Check | undefined {
    const name = ref.shape;
    if (name === undefined) return this.compile(ref);
    if (this.checks.has(name)) return this.checks.get(name);
    if (this.compiling.has(name)) {
      // A recursive shape: look the finished check up when it runs.
      return (value, path, found) => this.checks.get(name)?.(value, path, found);
    }
    this.compiling.add(name);
    const check = this.compile(ref);
    this.compiling.delete(name);
    this.checks.set(name, check);
    return check;
  }

  private compile(ref: Shape): Check | undefined {
    const shape = this.resolver.resolve(ref);
    if (shape.document) return undefined;
    const own: Check[] = [];
    switch (shape.type) {
      case 'structure': {
        const members = Object.entries(shape.members ?? {}).flatMap(([name, member]) => {
          const check = this.checkFor(member);
          return check ? [{ name, check }] : [];
        });
        if (members.length > 0)
          own.push((value, path, found) => {
            const record = value as Record<string, unknown>;
            for (const { name, check } of members) {
              const item = record[name];
              if (item !== undefined && item !== null) check(item, memberPath(path, name), found);
            }
          });
        break;
      }
      case 'list': {
        own.push(...lengthChecks(shape.min, shape.max));
        const item = shape.member ? this.checkFor(shape.member) : undefined;
        if (item)
          own.push((value, path, found) => {
            (value as unknown[]).forEach((entry, index) => {
              item(entry, `${path}.${index + 1}.member`, found);
            });
          });
        break;
      }
      case 'map': {
        own.push(...lengthChecks(shape.min, shape.max));
        const key = shape.key ? this.checkFor(shape.key) : undefined;
        const entry = shape.value ? this.checkFor(shape.value) : undefined;
        if (key || entry)
          own.push((value, path, found) => {
            for (const [name, item] of Object.entries(value as Record<string, unknown>)) {
              key?.(name, path, found);
              if (item !== undefined && item !== null) entry?.(item, `${path}.${name}`, found);
            }
          });
        break;
      }
      case 'string': {
        own.push(...lengthChecks(shape.min, shape.max));
        const pattern = shape.pattern === undefined ? undefined : compilePattern(shape.pattern);
        if (pattern) {
          const rule = `Member must satisfy regular expression pattern: ${shape.pattern}`;
          own.push((value, path, found) => {
            if (!pattern.test(value as string)) found.push({ member: path, value, rule });
          });
        }
        if (shape.enum) {
          const allowed = new Set(shape.enum);
          const rule = `Member must satisfy enum value set: [${shape.enum.join(', ')}]`;
          own.push((value, path, found) => {
            if (!allowed.has(value as string)) found.push({ member: path, value, rule });
          });
        }
        break;
      }
      case 'blob':
        own.push(...lengthChecks(shape.min, shape.max));
        break;
      case 'integer':
      case 'long':
      case 'short':
      case 'byte':
      case 'float':
      case 'double':
      case 'bigdecimal':
      case 'biginteger':
        if (shape.min !== undefined) {
          const { min } = shape;
          const rule = `Member must have value greater than or equal to ${min}`;
          own.push((value, path, found) => {
            if ((value as number) < min) found.push({ member: path, value, rule });
          });
        }
        if (shape.max !== undefined) {
          const { max } = shape;
          const rule = `Member must have value less than or equal to ${max}`;
          own.push((value, path, found) => {
            if ((value as number) > max) found.push({ member: path, value, rule });
          });
        }
        break;
      default:
        break;
    }
    if (own.length === 0) return undefined;
    if (own.length === 1) return own[0];
    return (value, path, found) => {
      for (const check of own) check(value, path, found);
    };
  }
}

function sizeOf(value: unknown): number {
  if (typeof value === 'string' || Array.isArray(value)) return value.length;
  if (value instanceof Uint8Array) return value.byteLength;
  return Object.keys(value as object).length;
}

function lengthChecks(min: number | undefined, max: number | undefined): Check[] {
  const checks: Check[] = [];
  if (min !== undefined && min > 0) {
    const rule = `Member must have length greater than or equal to ${min}`;
    checks.push((value, path, found) => {
      if (sizeOf(value) < min) found.push({ member: path, value, rule });
    });
  }
  if (max !== undefined) {
    const rule = `Member must have length less than or equal to ${max}`;
    checks.push((value, path, found) => {
      if (sizeOf(value) > max) found.push({ member: path, value, rule });
    });
  }
  return checks;
}
