// CloudWatch Logs filter patterns, compiled once into a predicate on a message. Pure: no I/O, no clock.
//
// The grammar, as AWS documents it ("Filter pattern syntax"):
//   ''                      matches every event
//   ERROR Exception         every term must occur in the message (case-sensitive substring)
//   "Failed to process"     a quoted phrase is one term; terms with characters other than letters,
//                           digits and `_` must be quoted, or the pattern is invalid
//   ?ERROR ?WARN            OR: at least one `?` term must occur
//   ERROR -Exiting          `-` excludes: the message must not contain the term (`- "Exiting"` too)
//   %regex%                 a regular expression searched for in the message (AWS's subset: no `(` `)`)
//   { $.a.b[0] = "x" && ($.n > 5 || $.c NOT EXISTS) }   a JSON pattern (see filter-structured.ts)
//   [ip, user, ..., status = 4*, bytes > 1000]          a space-delimited pattern (ditto)
// Mixing plain and `?` terms is eddy's reading of an undocumented case: all plain terms and at least
// one `?` term must occur, and no `-` term.
import { compileDelimited, compileDelimitedFields, compileJson } from './filter-structured.ts';
import { compileRegex, FilterPatternError, type LogFilter, readQuoted } from './filter-syntax.ts';

export { FilterPatternError, type LogFilter, MAX_FILTER_PATTERN_LENGTH } from './filter-syntax.ts';

const BARE_TERM = /^[\p{L}\p{N}_]+$/u;

interface Term {
  kind: 'all' | 'any' | 'none';
  text: string;
}

function parseTerms(pattern: string): Term[] {
  const terms: Term[] = [];
  let index = 0;
  const skipSpace = () => {
    while (index < pattern.length && /\s/.test(pattern[index]!)) index++;
  };
  for (;;) {
    skipSpace();
    if (index >= pattern.length) return terms;
    let kind: Term['kind'] = 'all';
    const mark = pattern[index];
    if (mark === '?' || mark === '-') {
      kind = mark === '?' ? 'any' : 'none';
      index++;
      skipSpace();
      if (index >= pattern.length) throw new FilterPatternError(`Invalid character(s) in term '${mark}'`);
    }
    if (pattern[index] === '"') {
      const quoted = readQuoted(pattern, index);
      index = quoted.end;
      terms.push({ kind, text: quoted.text });
      continue;
    }
    const start = index;
    while (index < pattern.length && !/\s/.test(pattern[index]!)) index++;
    const text = pattern.slice(start, index);
    if (!BARE_TERM.test(text)) throw new FilterPatternError(`Invalid character(s) in term '${text}'`);
    terms.push({ kind, text });
  }
}

function compileTerms(pattern: string): LogFilter {
  const terms = parseTerms(pattern);
  const all = terms.filter((term) => term.kind === 'all').map((term) => term.text);
  const any = terms.filter((term) => term.kind === 'any').map((term) => term.text);
  const none = terms.filter((term) => term.kind === 'none').map((term) => term.text);
  return (message) =>
    all.every((text) => message.includes(text)) &&
    (any.length === 0 || any.some((text) => message.includes(text))) &&
    !none.some((text) => message.includes(text));
}

/** Compiles a filter pattern, or throws FilterPatternError. */
export function compileFilterPattern(pattern: string): LogFilter {
  const trimmed = pattern.trim();
  if (trimmed === '') return () => true;
  if (trimmed.startsWith('{')) return compileJson(trimmed);
  if (trimmed.startsWith('[')) return compileDelimited(trimmed);
  if (trimmed.length >= 2 && trimmed.startsWith('%') && trimmed.endsWith('%')) {
    const regex = compileRegex(trimmed.slice(1, -1));
    return (message) => regex.test(message);
  }
  return compileTerms(trimmed);
}

/**
 * Compiles a filter pattern into what TestMetricFilter reports of a message: undefined when it does
 * not match, otherwise the values it extracts — a space-delimited pattern's fields as `$name` (an
 * unnamed field as `$N`, its position); other forms extract nothing.
 */
export function compileFilterExtractor(
  pattern: string,
): (message: string) => Record<string, string> | undefined {
  const trimmed = pattern.trim();
  if (trimmed.startsWith('[')) {
    const fields = compileDelimitedFields(trimmed);
    return (message) => {
      const values = fields(message);
      if (!values) return undefined;
      return Object.fromEntries(
        [...values].map(([name, value]) => [name.startsWith('$') ? name : `$${name}`, value]),
      );
    };
  }
  const matches = compileFilterPattern(trimmed);
  return (message) => (matches(message) ? {} : undefined);
}
