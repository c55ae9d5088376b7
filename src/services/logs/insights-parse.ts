// The Logs Insights query language (CWLI), the part eddy runs: commands joined by `|` —
//   fields EXPR [as NAME], …     display FIELD, …        filter BOOLEAN-EXPR
//   parse FIELD "glob * with * stars" as a, b    parse FIELD /(?<name>regex)/
//   stats AGG(EXPR) [as NAME], … [by EXPR [as NAME], …]    sort EXPR [asc|desc], …
//   limit N    dedup FIELD, …
// Expressions: fields (`@message`, `a.b.0`, `` `odd name` ``), numbers, "strings", /regexes/[i],
// lists `[…]`; + - * / %; = != < <= > >=; like/not like ("substring" or /regex/), =~; in/not in;
// and, or, not; functions (insights-values.ts lists them). Pure: no I/O.
import { QuerySyntaxError, type Token, tokenize } from './insights-tokens.ts';

export { QuerySyntaxError } from './insights-tokens.ts';

export type Expr =
  | { kind: 'field'; name: string }
  | { kind: 'number'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'regex'; regex: RegExp }
  | { kind: 'list'; items: Expr[] }
  | { kind: 'call'; name: string; args: Expr[]; star?: boolean }
  | { kind: 'unary'; op: '-' | 'not'; operand: Expr }
  | { kind: 'binary'; op: string; left: Expr; right: Expr };

export interface Named {
  expr: Expr;
  /** The name the value is shown under: its alias, or the expression's text as written. */
  name: string;
}

export type Command =
  | { kind: 'fields'; items: Named[] }
  | { kind: 'display'; items: Named[] }
  | { kind: 'filter'; expr: Expr }
  | { kind: 'parse'; source: Expr; glob?: { regex: RegExp; names: string[] }; regex?: RegExp }
  | { kind: 'stats'; aggregates: Named[]; by: Named[] }
  | { kind: 'sort'; keys: Array<{ expr: Expr; descending: boolean }> }
  | { kind: 'limit'; count: number }
  | { kind: 'dedup'; fields: Expr[] };

const COMMANDS = new Set(['fields', 'display', 'filter', 'parse', 'stats', 'sort', 'limit', 'dedup']);

class Parser {
  private index = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly query: string,
  ) {}

  private peek(): Token | undefined {
    return this.tokens[this.index];
  }

  private fail(message: string, token = this.peek()): never {
    throw new QuerySyntaxError(message, token?.start ?? this.query.length, token?.end ?? this.query.length);
  }

  private next(): Token {
    const token = this.tokens[this.index++];
    if (!token) this.fail('Unexpected end of query');
    return token;
  }

  private isOp(text: string): boolean {
    const token = this.peek();
    return token?.type === 'op' && token.text === text;
  }

  private isWord(text: string): boolean {
    const token = this.peek();
    return token?.type === 'word' && !token.quoted && token.text.toLowerCase() === text;
  }

  private expectOp(text: string): void {
    if (!this.isOp(text)) this.fail(`Expected '${text}'`);
    this.next();
  }

  private atEnd(): boolean {
    return this.index >= this.tokens.length || this.isOp('|');
  }

  parse(): Command[] {
    const commands: Command[] = [];
    for (;;) {
      commands.push(this.command());
      if (this.index >= this.tokens.length) return commands;
      this.expectOp('|');
    }
  }

  private command(): Command {
    const token = this.next();
    const name = token.type === 'word' ? token.text.toLowerCase() : '';
    if (!COMMANDS.has(name))
      this.fail(
        `unexpected symbol found ${this.query.slice(token.start, token.end)}: not a command eddy runs`,
        token,
      );
    switch (name) {
      case 'fields':
      case 'display':
        return { kind: name, items: this.namedList() };
      case 'filter':
        return { kind: 'filter', expr: this.expression() };
      case 'parse':
        return this.parseCommand();
      case 'stats': {
        const aggregates = this.namedList();
        let by: Named[] = [];
        if (this.isWord('by')) {
          this.next();
          by = this.namedList();
        }
        return { kind: 'stats', aggregates, by };
      }
      case 'sort': {
        const keys: Array<{ expr: Expr; descending: boolean }> = [];
        do {
          if (keys.length > 0) this.next();
          const expr = this.expression();
          let descending = false;
          if (this.isWord('desc') || this.isWord('asc'))
            descending = (this.next() as { text: string }).text.toLowerCase() === 'desc';
          keys.push({ expr, descending });
        } while (this.isOp(','));
        return { kind: 'sort', keys };
      }
      case 'limit': {
        const count = this.next();
        if (count.type !== 'number' || !Number.isInteger(count.value) || count.value < 1)
          this.fail('limit needs a positive whole number', count);
        return { kind: 'limit', count: count.value };
      }
      default: {
        const fields: Expr[] = [this.expression()];
        while (this.isOp(',')) {
          this.next();
          fields.push(this.expression());
        }
        return { kind: 'dedup', fields };
      }
    }
  }

  private parseCommand(): Command {
    const source = this.expression(true);
    const pattern = this.next();
    if (pattern.type === 'regex') {
      if (!/\(\?<[A-Za-z_]/.test(pattern.regex.source))
        this.fail('A parse regular expression needs named groups', pattern);
      return { kind: 'parse', source, regex: pattern.regex };
    }
    if (pattern.type !== 'string') this.fail('parse needs a "glob" or a /regex/', pattern);
    if (!this.isWord('as')) this.fail("A parse glob needs 'as' and the names of its fields");
    this.next();
    const names: string[] = [];
    do {
      if (names.length > 0) this.next();
      const word = this.next();
      if (word.type !== 'word') this.fail('Expected a field name', word);
      names.push(word.text);
    } while (this.isOp(','));
    const parts = pattern.value.split('*');
    if (parts.length - 1 !== names.length)
      this.fail(`The glob has ${parts.length - 1} wildcards but 'as' names ${names.length} fields`, pattern);
    const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const body = parts
      .map(literal)
      .reduce((source, part, index) => `${source}(.*${index === parts.length - 1 ? '' : '?'})${part}`);
    return { kind: 'parse', source, glob: { regex: new RegExp(body, 's'), names } };
  }

  private namedList(): Named[] {
    const items: Named[] = [];
    for (;;) {
      const start = this.peek()?.start ?? this.query.length;
      const expr = this.expression();
      const end = this.tokens[this.index - 1]!.end;
      let name = this.query.slice(start, end).trim();
      if (expr.kind === 'field') name = expr.name;
      if (this.isWord('as')) {
        this.next();
        const alias = this.next();
        if (alias.type !== 'word') this.fail('Expected a name after as', alias);
        name = alias.text;
      }
      items.push({ expr, name });
      if (!this.isOp(',')) return items;
      this.next();
    }
  }

  /** An expression; `bare` stops before a string or regex (parse's source field). */
  private expression(bare = false): Expr {
    return bare ? this.primary() : this.or();
  }

  private or(): Expr {
    let left = this.and();
    while (this.isWord('or')) {
      this.next();
      left = { kind: 'binary', op: 'or', left, right: this.and() };
    }
    return left;
  }

  private and(): Expr {
    let left = this.not();
    while (this.isWord('and')) {
      this.next();
      left = { kind: 'binary', op: 'and', left, right: this.not() };
    }
    return left;
  }

  private not(): Expr {
    if (this.isWord('not')) {
      this.next();
      return { kind: 'unary', op: 'not', operand: this.not() };
    }
    return this.comparison();
  }

  private comparison(): Expr {
    const left = this.additive();
    const token = this.peek();
    if (token?.type === 'op' && ['=', '!=', '<', '<=', '>', '>=', '=~'].includes(token.text)) {
      this.next();
      return { kind: 'binary', op: token.text, left, right: this.additive() };
    }
    let negate = false;
    if (this.isWord('not')) {
      const after = this.tokens[this.index + 1];
      if (after?.type === 'word' && /^(like|in)$/i.test(after.text)) {
        this.next();
        negate = true;
      }
    }
    if (this.isWord('like') || this.isWord('in')) {
      const op = (this.next() as { text: string }).text.toLowerCase();
      const comparison: Expr = { kind: 'binary', op, left, right: this.additive() };
      return negate ? { kind: 'unary', op: 'not', operand: comparison } : comparison;
    }
    return left;
  }

  private additive(): Expr {
    let left = this.multiplicative();
    while (this.isOp('+') || this.isOp('-')) {
      const op = (this.next() as { text: string }).text;
      left = { kind: 'binary', op, left, right: this.multiplicative() };
    }
    return left;
  }

  private multiplicative(): Expr {
    let left = this.unary();
    while (this.isOp('*') || this.isOp('/') || this.isOp('%')) {
      const op = (this.next() as { text: string }).text;
      left = { kind: 'binary', op, left, right: this.unary() };
    }
    return left;
  }

  private unary(): Expr {
    if (this.isOp('-')) {
      this.next();
      return { kind: 'unary', op: '-', operand: this.unary() };
    }
    return this.primary();
  }

  private primary(): Expr {
    if (this.atEnd()) this.fail('Expected a value');
    const token = this.next();
    switch (token.type) {
      case 'number':
        return { kind: 'number', value: token.value };
      case 'string':
        return { kind: 'string', value: token.value };
      case 'regex':
        return { kind: 'regex', regex: token.regex };
      case 'op':
        if (token.text === '(') {
          const inner = this.or();
          this.expectOp(')');
          return inner;
        }
        if (token.text === '[') {
          const items: Expr[] = [];
          while (!this.isOp(']')) {
            if (items.length > 0) this.expectOp(',');
            items.push(this.or());
          }
          this.next();
          return { kind: 'list', items };
        }
        return this.fail(`unexpected symbol found ${token.text}`, token);
      case 'word': {
        if (!token.quoted && this.isOp('(')) {
          this.next();
          const args: Expr[] = [];
          let star = false;
          if (this.isOp('*')) {
            this.next();
            star = true;
          }
          while (!this.isOp(')')) {
            if (args.length > 0 || star) this.expectOp(',');
            args.push(this.or());
          }
          this.next();
          return { kind: 'call', name: token.text.toLowerCase(), args, ...(star ? { star } : {}) };
        }
        return { kind: 'field', name: token.text };
      }
    }
  }
}

/** Parses a query, or throws QuerySyntaxError with where it went wrong. */
export function parseQuery(query: string): Command[] {
  const tokens = tokenize(query);
  if (tokens.length === 0) throw new QuerySyntaxError('The query is empty', 0, 0);
  return new Parser(tokens, query).parse();
}
