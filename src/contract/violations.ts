// How AWS's front end words a request that breaks its model's constraints.
import type { Violation } from './service.ts';

/** AWS's message for violations: `2 validation errors detected: Value 'x' at 'name' failed to …; …`. */
export function violationMessage(violations: readonly Violation[]): string {
  const count = violations.length;
  const details = violations.map(
    ({ member, value, rule }) => `${valueText(value)} at '${member}' failed to satisfy constraint: ${rule}`,
  );
  return `${count} validation error${count === 1 ? '' : 's'} detected: ${details.join('; ')}`;
}

/** Coral quotes a scalar; lists and maps are named without their (possibly large) contents. */
function valueText(value: unknown): string {
  if (value === null || value === undefined) return 'Value null';
  if (typeof value === 'object' && !(value instanceof Date)) return 'Value';
  return `Value '${String(value)}'`;
}
