// Event patterns: the EventBridge pattern language and SNS filter policies, compiled into one shared
// index per bus or topic, with explanations of why an event did not match. Pure: no I/O, no clock.
import { compilePattern, type Dialect } from './compile.ts';
import { PatternSet } from './engine.ts';
import { type Explanation, explainPattern } from './explain.ts';

export type { CompiledPattern, Condition, Dialect } from './compile.ts';
export { PatternSet } from './engine.ts';
export { PatternError } from './errors.ts';
export type { Explanation } from './explain.ts';

/** Validates a pattern (throws PatternError with AWS's reason and the line and column). */
export function parsePattern(text: string, dialect: Dialect = 'eventbridge') {
  return compilePattern(text, dialect);
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

/** For every pattern in the set: matched, or the first field that failed and why. */
export function explain(set: PatternSet, eventJson: string): Explanation[] {
  const values = set.extract(eventJson);
  return set.ids().map((id) => explainPattern(id, set.pattern(id)!.compiled, values));
}
