// Event patterns: the EventBridge pattern language and SNS filter policies, compiled into one shared
// index per bus or topic, with explanations of why an event did not match. Pure: no I/O, no clock.
// The grammar and its limits are in PATTERNS.md beside this file.
import { type CompiledPattern, type CompileOptions, compilePattern, type Dialect } from './compile.ts';
import { PatternSet } from './engine.ts';
import { type Explanation, explainPattern } from './explain.ts';
import { extractFromValue, PathTree } from './extract.ts';

export type { CompiledPattern, CompileOptions, Condition, Dialect } from './compile.ts';
export { NESTED_ATTRIBUTE_POLICY } from './compile.ts';
export { PatternSet } from './engine.ts';
export { PatternError } from './errors.ts';
export type { Explanation } from './explain.ts';

/** Validates and compiles a pattern; throws PatternError with AWS's reason and, where it can, the place. */
export function parsePattern(
  text: string,
  dialect: Dialect = 'eventbridge',
  options: CompileOptions = {},
): CompiledPattern {
  return compilePattern(text, dialect, options);
}

/** TestEventPattern: does one pattern match one event (JSON text)? */
export function matchesPattern(
  patternText: string,
  eventJson: string,
  dialect: Dialect = 'eventbridge',
): boolean {
  const set = new PatternSet(dialect);
  set.add('pattern', patternText);
  return set.matches(eventJson).length > 0;
}

export interface PatternEntry {
  id: string;
  /** The pattern's JSON text. */
  pattern: string;
}

/**
 * For every pattern: matched, or the first field that failed and why
 * ("detail.data.region: 'Asia' is not one of ['AU','NZ']"). Takes a set, or patterns by id (which are
 * validated first: a bad one throws PatternError).
 */
export function explain(
  patterns: PatternSet | readonly PatternEntry[],
  eventJson: string,
  dialect: Dialect = 'eventbridge',
): Explanation[] {
  if (patterns instanceof PatternSet) {
    const values = patterns.extract(eventJson);
    return patterns.ids().map((id) => explainPattern(id, patterns.pattern(id)!.compiled, values));
  }
  const compiled = patterns.map(({ id, pattern }) => ({ id, compiled: compilePattern(pattern, dialect) }));
  const tree = new PathTree();
  for (const { compiled: each } of compiled) {
    for (const fields of each.conjunctions) for (const field of fields) tree.add(field.path);
  }
  const values = extractFromValue(JSON.parse(eventJson) as unknown, tree);
  return compiled.map(({ id, compiled: each }) => explainPattern(id, each, values));
}

/** An SNS message attribute as Publish receives it (DataType/StringValue) or a notification shows it (Type/Value). */
export type SnsAttribute = { DataType: string; StringValue?: string } | { Type: string; Value?: string };

/**
 * Message attributes as an attribute-scope filter policy sees them: String values as strings, Number
 * values as numbers, String.Array values as the JSON array they hold (any element may match); Binary
 * attributes are not visible to filter policies.
 */
export function snsAttributesToEvent(attributes: Record<string, SnsAttribute>): Record<string, unknown> {
  const event: Record<string, unknown> = {};
  for (const [name, attribute] of Object.entries(attributes)) {
    const type = 'DataType' in attribute ? attribute.DataType : attribute.Type;
    const value = 'DataType' in attribute ? attribute.StringValue : attribute.Value;
    if (value === undefined) continue;
    const base = type.split('.', 1)[0];
    if (type === 'String.Array') {
      try {
        const parsed = JSON.parse(value) as unknown;
        event[name] = Array.isArray(parsed) ? parsed : value;
      } catch {
        event[name] = value;
      }
    } else if (base === 'Number') {
      const number = Number(value);
      event[name] = Number.isNaN(number) ? value : number;
    } else if (base === 'String') {
      event[name] = value;
    }
  }
  return event;
}
