// The bus's view of the patterns module: one compiled set per bus, and pattern validation with
// EventBridge's error.
import { PatternError, PatternSet, parsePattern } from '../../patterns/index.ts';
import { eventsError } from './errors.ts';

export interface BusMatcher {
  add(ruleId: string, pattern: string): void;
  remove(ruleId: string): void;
  /** Ids of the rules whose pattern matches the event's JSON text. */
  matches(eventJson: string): string[];
}

export function createMatcher(): BusMatcher {
  return new PatternSet('eventbridge');
}

/** Throws InvalidEventPatternException with the pattern module's message (line and column included). */
export function validatePattern(pattern: string): void {
  try {
    parsePattern(pattern, 'eventbridge');
  } catch (error) {
    if (error instanceof PatternError) throw eventsError('InvalidEventPatternException', error.message);
    throw error;
  }
}
