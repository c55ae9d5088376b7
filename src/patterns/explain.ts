// Why a pattern did not match an event: the first field of its closest alternative that failed, the
// value it saw, and what the pattern wanted. Pure.
import type { CompiledPattern, FieldTest } from './compile.ts';
import { describe, fieldPasses } from './conditions.ts';
import type { Extracted } from './extract.ts';

export interface Explanation {
  id: string;
  matched: boolean;
  /** For a pattern that did not match: the field that failed and why, in words. */
  reason?: string;
  field?: string;
}

const show = (value: unknown) => JSON.stringify(value).replace(/^"(.*)"$/s, "'$1'");

function failure(field: FieldTest, values: Extracted): string {
  const seen = values.get(field.path);
  const path = field.path;
  if (!seen || seen.length === 0) return `${path}: field is missing`;
  const shown = seen.length === 1 ? show(seen[0]) : `[${seen.map(show).join(',')}]`;
  if (field.conditions.every((condition) => condition.kind === 'exact')) {
    const wanted = field.conditions.map((condition) =>
      show(condition.kind === 'exact' ? condition.value : null),
    );
    return `${path}: ${shown} is not one of [${wanted.join(',')}]`;
  }
  return `${path}: ${shown} is not ${field.conditions.map(describe).join(' or ')}`;
}

/** Explains one compiled pattern against an event's extracted field values. */
export function explainPattern(id: string, pattern: CompiledPattern, values: Extracted): Explanation {
  let best: { failed: FieldTest; passed: number } | undefined;
  for (const fields of pattern.conjunctions) {
    let passed = 0;
    let failed: FieldTest | undefined;
    for (const field of fields) {
      if (fieldPasses(field.conditions, values.get(field.path))) passed++;
      else failed ??= field;
    }
    if (!failed) return { id, matched: true };
    if (!best || passed > best.passed) best = { failed, passed };
  }
  return { id, matched: false, field: best!.failed.path, reason: failure(best!.failed, values) };
}
