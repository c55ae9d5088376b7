// The pieces every filter-pattern form shares: its error, quoted strings, AWS's regex subset, and
// comparisons of a value against a literal (`= 4*`, `!= "x"`, `>= 500`, `= %regex%`).

export type LogFilter = (message: string) => boolean;

/** A pattern AWS would refuse; the message says why (AWS: `Invalid character(s) in term 'x'`). */
export class FilterPatternError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FilterPatternError';
  }
}

export const MAX_FILTER_PATTERN_LENGTH = 1024;

/** Characters AWS allows inside `%…%` besides letters and digits: its symbols and its operators. */
const REGEX_CHARACTERS = /^[A-Za-z0-9_#=@/;,:\- ^$?[\]{}|\\*+.]*$/;

/** Compiles the body of a `%regex%`, holding it to AWS's supported subset. */
export function compileRegex(body: string): RegExp {
  if (body === '') throw new FilterPatternError('Empty regular expression');
  if (!REGEX_CHARACTERS.test(body))
    throw new FilterPatternError(`Invalid character(s) in regular expression '%${body}%'`);
  try {
    return new RegExp(body);
  } catch (error) {
    throw new FilterPatternError(`Invalid regular expression '%${body}%': ${(error as Error).message}`);
  }
}

/** Reads a double-quoted string starting at `start` (the quote); `\"` and `\\` escape. */
export function readQuoted(source: string, start: number): { text: string; end: number } {
  let text = '';
  for (let index = start + 1; index < source.length; index++) {
    const char = source[index]!;
    if (char === '\\' && index + 1 < source.length) {
      text += source[++index];
    } else if (char === '"') {
      return { text, end: index + 1 };
    } else {
      text += char;
    }
  }
  throw new FilterPatternError(`Unterminated quoted term ${source.slice(start)}`);
}

export type Operator = '=' | '!=' | '<' | '>' | '<=' | '>=';

export const OPERATORS: readonly Operator[] = ['<=', '>=', '!=', '=', '<', '>'];

/** The right-hand side of a comparison. */
export type Literal =
  | { kind: 'number'; value: number; text: string }
  /** Text; a `*` at its start or end matches any text there (one inside is itself). */
  | { kind: 'text'; text: string }
  /** A lone `*`: any value at all. */
  | { kind: 'any' }
  | { kind: 'regex'; regex: RegExp };

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

const numeric = (value: string | number): number | undefined =>
  typeof value === 'number' ? value : NUMBER.test(value) ? Number(value) : undefined;

/** Reads a literal from its source text; `quoted` text is never a number, `*` or regex. */
export function parseLiteral(text: string, quoted: boolean): Literal {
  if (quoted) return { kind: 'text', text };
  if (text === '*') return { kind: 'any' };
  if (text.length >= 2 && text.startsWith('%') && text.endsWith('%'))
    return { kind: 'regex', regex: compileRegex(text.slice(1, -1)) };
  if (NUMBER.test(text)) return { kind: 'number', value: Number(text), text };
  return { kind: 'text', text };
}

/** Only numbers compare with `<`, `>`, `<=` and `>=`. */
export function checkComparison(operator: Operator, literal: Literal, where: string): void {
  if (literal.kind !== 'number' && operator !== '=' && operator !== '!=')
    throw new FilterPatternError(`Operator ${operator} needs a number in '${where}'`);
}

function matchesText(value: string, pattern: string): boolean {
  const leading = pattern.length > 1 && pattern.startsWith('*');
  const trailing = pattern.length > 1 && pattern.endsWith('*');
  const core = pattern.slice(leading ? 1 : 0, trailing ? -1 : undefined);
  if (leading && trailing) return value.includes(core);
  if (leading) return value.endsWith(core);
  if (trailing) return value.startsWith(core);
  return value === core;
}

function compareNumbers(left: number, operator: Operator, right: number): boolean {
  switch (operator) {
    case '=':
      return left === right;
    case '!=':
      return left !== right;
    case '<':
      return left < right;
    case '>':
      return left > right;
    case '<=':
      return left <= right;
    case '>=':
      return left >= right;
  }
}

/** Compares a value found in an event (a JSON string or number, or a delimited field) with a literal. */
export function compare(value: string | number, operator: Operator, literal: Literal): boolean {
  const negate = operator === '!=';
  switch (literal.kind) {
    case 'any':
      return !negate;
    case 'regex':
      return literal.regex.test(String(value)) !== negate;
    case 'text':
      return matchesText(String(value), literal.text) !== negate;
    case 'number': {
      const number = numeric(value);
      if (number !== undefined) return compareNumbers(number, operator, literal.value);
      if (operator === '=') return value === literal.text;
      return negate;
    }
  }
}
