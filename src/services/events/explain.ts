// `eddy events explain`: for every rule on a bus, whether an event matches it, or the first field
// that failed and why. The patterns module does the explaining; this adds the bus's view.
import { explain } from '../../patterns/index.ts';
import type { Bus } from './resources.ts';

export interface RuleExplanation {
  rule: string;
  state: string;
  matched: boolean;
  /** For a rule that did not match: the field that failed and why, in words. */
  reason?: string;
  field?: string;
}

/** Explains every rule of `bus` against an event (its full JSON envelope), rules in name order. */
export function explainEvent(bus: Bus, eventJson: string): RuleExplanation[] {
  const rules = [...bus.rules.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  const withPattern = rules.filter((rule) => rule.eventPattern !== undefined);
  const explained = new Map(
    explain(
      withPattern.map((rule) => ({ id: rule.name, pattern: rule.eventPattern! })),
      eventJson,
    ).map((explanation) => [explanation.id, explanation]),
  );
  return rules.map((rule) => {
    const explanation = explained.get(rule.name);
    if (!explanation) {
      return {
        rule: rule.name,
        state: rule.state,
        matched: false,
        reason: `scheduled rule (${rule.schedule})`,
      };
    }
    return {
      rule: rule.name,
      state: rule.state,
      matched: explanation.matched,
      ...(explanation.reason !== undefined ? { reason: explanation.reason } : {}),
      ...(explanation.field !== undefined ? { field: explanation.field } : {}),
    };
  });
}
