// The structured filter-pattern forms: JSON patterns `{ … }` and space-delimited patterns `[ … ]`.
//
// JSON: `{ SELECTOR OP VALUE }`, `{ SELECTOR IS NULL|TRUE|FALSE }`, `{ SELECTOR NOT EXISTS }`, joined by
// `&&` and `||` (&& binds tighter) with parentheses. A selector is `$` then `.name`, `[n]`, `.*` or `[*]`
// steps; with wildcards the condition holds if any selected value satisfies it. A selector that lands
// on an object or array satisfies no comparison (AWS: "the filter will not be applied"), and a message
// that is not JSON matches no JSON pattern.
//
// Space-delimited: `[name, name OP VALUE && name OP VALUE, ..., name]`. The message is split on spaces;
// text in "…" or […] is one field. Without `...` the message must have exactly as many fields as the
// pattern; `...` stands for any number of fields (one `...` per pattern); an empty field is unnamed.
import {
  checkComparison,
  compare,
  FilterPatternError,
  type Literal,
  type LogFilter,
  OPERATORS,
  type Operator,
  parseLiteral,
  readQuoted,
} from './filter-syntax.ts';

/** AWS: at most two regular expressions in one JSON or space-delimited pattern. */
const MAX_REGEXES = 2;

type Token =
  | { type: 'punct'; value: '(' | ')' | '&&' | '||' | ',' }
  | { type: 'op'; value: Operator }
  | { type: 'word'; text: string; quoted: boolean };

const WORD_END = /[\s()"&|=!<>,{}]/;

function tokenize(source: string, allowComma: boolean): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  while (index < source.length) {
    const char = source[index]!;
    const two = source.slice(index, index + 2);
    if (/\s/.test(char)) {
      index++;
    } else if (char === '(' || char === ')' || (allowComma && char === ',')) {
      tokens.push({ type: 'punct', value: char });
      index++;
    } else if (two === '&&' || two === '||') {
      tokens.push({ type: 'punct', value: two });
      index += 2;
    } else if (char === '"') {
      const quoted = readQuoted(source, index);
      tokens.push({ type: 'word', text: quoted.text, quoted: true });
      index = quoted.end;
    } else if (char === '%') {
      const end = source.indexOf('%', index + 1);
      if (end < 0) throw new FilterPatternError(`Unterminated regular expression ${source.slice(index)}`);
      tokens.push({ type: 'word', text: source.slice(index, end + 1), quoted: false });
      index = end + 1;
    } else {
      const operator = OPERATORS.find((candidate) => source.startsWith(candidate, index));
      if (operator) {
        tokens.push({ type: 'op', value: operator });
        index += operator.length;
        continue;
      }
      const start = index;
      while (index < source.length && !WORD_END.test(source[index]!)) index++;
      if (index === start) throw new FilterPatternError(`Invalid character(s) in term '${char}'`);
      tokens.push({ type: 'word', text: source.slice(start, index), quoted: false });
    }
  }
  return tokens;
}

/** Reads tokens in order, with the checks every parser here needs. */
class Reader {
  private index = 0;
  regexes = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly source: string,
  ) {}

  peek(): Token | undefined {
    return this.tokens[this.index];
  }

  next(): Token {
    const token = this.tokens[this.index++];
    if (!token) throw new FilterPatternError(`Unexpected end of filter pattern '${this.source}'`);
    return token;
  }

  atPunct(value: string): boolean {
    const token = this.peek();
    return token?.type === 'punct' && token.value === value;
  }

  expectPunct(value: string): void {
    const token = this.next();
    if (token.type !== 'punct' || token.value !== value)
      throw new FilterPatternError(`Expected '${value}' in filter pattern '${this.source}'`);
  }

  word(what: string): { text: string; quoted: boolean } {
    const token = this.next();
    if (token.type !== 'word')
      throw new FilterPatternError(`Expected ${what} in filter pattern '${this.source}'`);
    return token;
  }

  /** A comparison's operator and literal. */
  comparison(): { operator: Operator; literal: Literal } {
    const token = this.next();
    if (token.type !== 'op')
      throw new FilterPatternError(`Expected an operator in filter pattern '${this.source}'`);
    const value = this.word('a value');
    const literal = parseLiteral(value.text, value.quoted);
    if (literal.kind === 'regex' && ++this.regexes > MAX_REGEXES)
      throw new FilterPatternError(`A filter pattern can hold at most ${MAX_REGEXES} regular expressions`);
    checkComparison(token.value, literal, this.source);
    return { operator: token.value, literal };
  }

  done(): boolean {
    return this.index >= this.tokens.length;
  }
}

// --- JSON patterns ---------------------------------------------------------------------------

type Step = { key: string } | { index: number } | { wildcard: true };

type JsonNode =
  | { kind: 'or' | 'and'; items: JsonNode[] }
  | { kind: 'compare'; path: Step[]; operator: Operator; literal: Literal }
  | { kind: 'is'; path: Step[]; value: null | boolean }
  | { kind: 'missing'; path: Step[] };

function parseSelector(text: string): Step[] {
  if (!text.startsWith('$'))
    throw new FilterPatternError(`Expected a selector starting with $ but got '${text}'`);
  const steps: Step[] = [];
  const stepPattern = /\.([A-Za-z0-9_-]+|\*)|\[(\d+|\*)\]/y;
  let index = 1;
  while (index < text.length) {
    stepPattern.lastIndex = index;
    const match = stepPattern.exec(text);
    if (!match) throw new FilterPatternError(`Invalid selector '${text}'`);
    const name = match[1] ?? match[2]!;
    if (name === '*') steps.push({ wildcard: true });
    else if (match[1] !== undefined) steps.push({ key: name });
    else steps.push({ index: Number(name) });
    index = stepPattern.lastIndex;
  }
  return steps;
}

function parseJsonCondition(reader: Reader): JsonNode {
  if (reader.atPunct('(')) {
    reader.next();
    const inner = parseJsonOr(reader);
    reader.expectPunct(')');
    return inner;
  }
  const path = parseSelector(reader.word('a selector').text);
  const token = reader.peek();
  if (token?.type === 'word') {
    reader.next();
    const keyword = token.text.toUpperCase();
    if (keyword === 'NOT' && reader.word('EXISTS').text.toUpperCase() === 'EXISTS')
      return { kind: 'missing', path };
    if (keyword === 'IS') {
      const value = reader.word('NULL, TRUE or FALSE').text.toUpperCase();
      if (value === 'NULL') return { kind: 'is', path, value: null };
      if (value === 'TRUE' || value === 'FALSE') return { kind: 'is', path, value: value === 'TRUE' };
    }
    throw new FilterPatternError(`Unexpected '${token.text}' after a selector`);
  }
  return { kind: 'compare', path, ...reader.comparison() };
}

function parseJsonAnd(reader: Reader): JsonNode {
  const items = [parseJsonCondition(reader)];
  while (reader.atPunct('&&')) {
    reader.next();
    items.push(parseJsonCondition(reader));
  }
  return items.length === 1 ? items[0]! : { kind: 'and', items };
}

function parseJsonOr(reader: Reader): JsonNode {
  const items = [parseJsonAnd(reader)];
  while (reader.atPunct('||')) {
    reader.next();
    items.push(parseJsonAnd(reader));
  }
  return items.length === 1 ? items[0]! : { kind: 'or', items };
}

function select(root: unknown, path: Step[]): unknown[] {
  let values = [root];
  for (const step of path) {
    const next: unknown[] = [];
    for (const value of values) {
      if ('key' in step) {
        if (
          typeof value === 'object' &&
          value !== null &&
          !Array.isArray(value) &&
          Object.hasOwn(value, step.key)
        )
          next.push((value as Record<string, unknown>)[step.key]);
      } else if ('index' in step) {
        if (Array.isArray(value) && step.index < value.length) next.push(value[step.index]);
      } else if (typeof value === 'object' && value !== null) {
        next.push(...Object.values(value));
      }
    }
    values = next;
  }
  return values;
}

function evaluate(node: JsonNode, root: unknown): boolean {
  switch (node.kind) {
    case 'or':
      return node.items.some((item) => evaluate(item, root));
    case 'and':
      return node.items.every((item) => evaluate(item, root));
    case 'missing':
      return select(root, node.path).length === 0;
    case 'is':
      return select(root, node.path).some((value) => value === node.value);
    case 'compare':
      return select(root, node.path).some(
        (value) =>
          (typeof value === 'string' || typeof value === 'number') &&
          compare(value, node.operator, node.literal),
      );
  }
}

export function compileJson(pattern: string): LogFilter {
  if (!pattern.endsWith('}'))
    throw new FilterPatternError(`A JSON filter pattern must end with '}': '${pattern}'`);
  const reader = new Reader(tokenize(pattern.slice(1, -1), false), pattern);
  const tree = parseJsonOr(reader);
  if (!reader.done()) throw new FilterPatternError(`Unexpected text after the conditions in '${pattern}'`);
  return (message) => {
    const trimmed = message.trimStart();
    if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) return false;
    let root: unknown;
    try {
      root = JSON.parse(message);
    } catch {
      return false;
    }
    return evaluate(tree, root);
  };
}

// --- Space-delimited patterns ----------------------------------------------------------------

interface FieldCondition {
  field: string;
  operator: Operator;
  literal: Literal;
}

type FieldSpec = { ellipsis: true } | { ellipsis: false; name: string; conditions: FieldCondition[][] };

const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Parses one field: `name`, or `name OP VALUE` joined with `&&`/`||` (later ones name their field). */
function parseField(tokens: Token[], source: string, reader: { regexes: number }): FieldSpec {
  const field = new Reader(tokens, source);
  field.regexes = reader.regexes;
  const name = field.word('a field name').text;
  if (name === '...') {
    if (!field.done()) throw new FilterPatternError(`Unexpected text after '...' in '${source}'`);
    return { ellipsis: true };
  }
  if (!FIELD_NAME.test(name)) throw new FilterPatternError(`Invalid field name '${name}' in '${source}'`);
  const alternatives: FieldCondition[][] = [];
  let current: FieldCondition[] = [];
  let subject = name;
  while (!field.done()) {
    current.push({ field: subject, ...field.comparison() });
    if (field.done()) break;
    const joiner = field.next();
    if (joiner.type !== 'punct' || (joiner.value !== '&&' && joiner.value !== '||'))
      throw new FilterPatternError(`Expected && or || in '${source}'`);
    if (joiner.value === '||') {
      alternatives.push(current);
      current = [];
    }
    subject = field.word('a field name').text;
  }
  if (current.length > 0) alternatives.push(current);
  reader.regexes = field.regexes;
  return { ellipsis: false, name, conditions: alternatives };
}

/** Splits a message into fields: runs of non-spaces, or text inside "…" or […]. */
export function splitFields(message: string): string[] {
  const fields: string[] = [];
  let index = 0;
  while (index < message.length) {
    const char = message[index]!;
    if (char === ' ' || char === '\t') {
      index++;
      continue;
    }
    const close = char === '"' ? '"' : char === '[' ? ']' : undefined;
    if (close) {
      const end = message.indexOf(close, index + 1);
      if (end >= 0) {
        fields.push(message.slice(index + 1, end));
        index = end + 1;
        continue;
      }
    }
    const start = index;
    while (index < message.length && message[index] !== ' ' && message[index] !== '\t') index++;
    fields.push(message.slice(start, index));
  }
  return fields;
}

/**
 * Compiles a space-delimited pattern into a reader of matching messages' fields: the named fields'
 * values (what TestMetricFilter reports as `$name`), or undefined when the message does not match.
 */
export function compileDelimitedFields(
  pattern: string,
): (message: string) => Map<string, string> | undefined {
  if (!pattern.endsWith(']'))
    throw new FilterPatternError(`A space-delimited pattern must end with ']': '${pattern}'`);
  const tokens = tokenize(pattern.slice(1, -1), true);
  const groups: Token[][] = [[]];
  for (const token of tokens) {
    if (token.type === 'punct' && token.value === ',') groups.push([]);
    else groups.at(-1)!.push(token);
  }
  const counter = { regexes: 0 };
  // An empty field (`[..., status_code=4*,]`) is an unnamed field: it must exist, any value will do.
  const specs = groups.map(
    (group, index): FieldSpec =>
      group.length === 0
        ? { ellipsis: false, name: `$${index + 1}`, conditions: [] }
        : parseField(group, pattern, counter),
  );
  const ellipses = specs.filter((spec) => spec.ellipsis).length;
  if (ellipses > 1) throw new FilterPatternError(`Only one '...' is allowed in '${pattern}'`);
  const named = new Set(specs.flatMap((spec) => (spec.ellipsis ? [] : [spec.name])));
  for (const spec of specs) {
    for (const condition of spec.ellipsis ? [] : spec.conditions.flat()) {
      if (!named.has(condition.field))
        throw new FilterPatternError(`Unknown field '${condition.field}' in '${pattern}'`);
    }
  }
  const ellipsisAt = specs.findIndex((spec) => spec.ellipsis);
  return (message) => {
    const fields = splitFields(message);
    const values = new Map<string, string>();
    if (ellipsisAt < 0 && fields.length !== specs.length) return undefined;
    if (ellipsisAt >= 0 && fields.length < specs.length - 1) return undefined;
    for (const [index, spec] of specs.entries()) {
      if (spec.ellipsis) continue;
      // Fields after `...` are counted from the end of the message.
      const position = ellipsisAt < 0 || index < ellipsisAt ? index : fields.length - (specs.length - index);
      values.set(spec.name, fields[position]!);
    }
    const matches = specs.every(
      (spec) =>
        spec.ellipsis ||
        spec.conditions.length === 0 ||
        spec.conditions.some((all) =>
          all.every((condition) =>
            compare(values.get(condition.field)!, condition.operator, condition.literal),
          ),
        ),
    );
    return matches ? values : undefined;
  };
}

export function compileDelimited(pattern: string): LogFilter {
  const fields = compileDelimitedFields(pattern);
  return (message) => fields(message) !== undefined;
}
