// The Logs Insights query language's tokens: words (commands, keywords, fields, `5m` periods),
// numbers, "strings", /regexes/ with their flags, and operators. Pure: no I/O.

export class QuerySyntaxError extends Error {
  constructor(
    message: string,
    readonly start: number,
    readonly end: number,
  ) {
    super(message);
    this.name = 'QuerySyntaxError';
  }
}

export type Token =
  | { type: 'word'; text: string; start: number; end: number; quoted?: boolean }
  | { type: 'number'; value: number; start: number; end: number }
  | { type: 'string'; value: string; start: number; end: number }
  | { type: 'regex'; regex: RegExp; start: number; end: number }
  | { type: 'op'; text: string; start: number; end: number };

const OPERATORS = [
  '=~',
  '!=',
  '<=',
  '>=',
  '=',
  '<',
  '>',
  '+',
  '-',
  '*',
  '/',
  '%',
  '(',
  ')',
  '[',
  ']',
  ',',
  '|',
];
const WORD = /[A-Za-z0-9_@.]/;

function regexOf(body: string, flags: string, start: number, end: number): RegExp {
  let source = body;
  let options = flags.includes('i') ? 'i' : '';
  if (source.startsWith('(?i)')) {
    source = source.slice(4);
    options = 'i';
  }
  try {
    return new RegExp(source, options);
  } catch (error) {
    throw new QuerySyntaxError(
      `Invalid regular expression /${body}/: ${(error as Error).message}`,
      start,
      end,
    );
  }
}

export function tokenize(query: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  // A `/` starts a regex where a value may start: at the beginning, after an operator or a keyword.
  const valueMayStart = () => {
    const last = tokens.at(-1);
    if (!last) return true;
    const before = tokens.at(-2);
    if (before?.type === 'word' && before.text.toLowerCase() === 'parse') return true;
    if (last.type === 'op') return last.text !== ')' && last.text !== ']';
    return last.type === 'word' && !last.quoted && /^(like|and|or|not|in|by|filter)$/i.test(last.text);
  };
  while (index < query.length) {
    const char = query[index]!;
    const start = index;
    if (/\s/.test(char)) {
      index++;
    } else if (char === '#') {
      while (index < query.length && query[index] !== '\n') index++;
    } else if (char === '"' || char === "'") {
      let value = '';
      index++;
      while (index < query.length && query[index] !== char) {
        if (query[index] === '\\' && index + 1 < query.length) index++;
        value += query[index++];
      }
      if (index >= query.length) throw new QuerySyntaxError('Unterminated string', start, query.length);
      index++;
      tokens.push({ type: 'string', value, start, end: index });
    } else if (char === '`') {
      const close = query.indexOf('`', index + 1);
      if (close < 0) throw new QuerySyntaxError('Unterminated field name', start, query.length);
      index = close + 1;
      tokens.push({ type: 'word', text: query.slice(start + 1, close), start, end: index, quoted: true });
    } else if (char === '/' && valueMayStart()) {
      let body = '';
      index++;
      while (index < query.length && query[index] !== '/') {
        if (query[index] === '\\' && query[index + 1] === '/') index++;
        body += query[index++];
      }
      if (index >= query.length)
        throw new QuerySyntaxError('Unterminated regular expression', start, query.length);
      index++;
      let flags = '';
      while (index < query.length && /[a-z]/.test(query[index]!)) flags += query[index++];
      tokens.push({ type: 'regex', regex: regexOf(body, flags, start, index), start, end: index });
    } else if (/\d/.test(char) || (char === '.' && /\d/.test(query[index + 1] ?? ''))) {
      const match = /^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(query.slice(index))!;
      index += match[0].length;
      // `5m`, `1h`: a number with a unit is a word (bin's period).
      if (/[a-z]/i.test(query[index] ?? '')) {
        while (index < query.length && WORD.test(query[index]!)) index++;
        tokens.push({ type: 'word', text: query.slice(start, index), start, end: index });
      } else {
        tokens.push({ type: 'number', value: Number(match[0]), start, end: index });
      }
    } else if (/[A-Za-z_@]/.test(char)) {
      // Names with other characters (`-`, `:`) are written in backquotes, as in AWS's queries.
      while (index < query.length && WORD.test(query[index]!)) index++;
      tokens.push({ type: 'word', text: query.slice(start, index), start, end: index });
    } else {
      const operator = OPERATORS.find((candidate) => query.startsWith(candidate, index));
      if (!operator)
        throw new QuerySyntaxError(
          `unexpected symbol found ${char} at line 1 and position ${index + 1}`,
          start,
          start + 1,
        );
      index += operator.length;
      tokens.push({ type: 'op', text: operator, start, end: index });
    }
  }
  return tokens;
}
