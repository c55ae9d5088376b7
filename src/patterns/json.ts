// A JSON reader for pattern text that says where things are: syntax errors in the words AWS's parser
// (Jackson) uses, with the line and column of the fault, and the offset of every member's value so
// that a pattern refused for its meaning can point at the member at fault too. Pure.

/** Offsets (in the text) of the values of an object's members, by key. */
export type Offsets = WeakMap<object, Map<string, number>>;

export class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

/** Line and column (both from 1) of an offset in the text. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let index = text.indexOf('\n'); index >= 0 && index < offset; index = text.indexOf('\n', index + 1)) {
    line++;
    start = index + 1;
  }
  return { line, column: offset - start + 1 };
}

const describeChar = (text: string, offset: number) => {
  const char = text[offset]!;
  return `'${char}' (code ${char.charCodeAt(0)})`;
};

export function parseJson(text: string): { value: unknown; offsets: Offsets } {
  const offsets: Offsets = new WeakMap();
  let position = 0;

  const space = () => {
    for (;;) {
      const code = text.charCodeAt(position);
      if (code === 32 || code === 10 || code === 13 || code === 9) position++;
      else return;
    }
  };
  const fail = (message: string, at = position): never => {
    throw new JsonSyntaxError(message, at);
  };
  const unexpected = (expecting: string): never => {
    if (position >= text.length) return fail(`Unexpected end-of-input: ${expecting}`);
    return fail(`Unexpected character (${describeChar(text, position)}): ${expecting}`);
  };

  const string = (): string => {
    const start = position;
    position++;
    for (;;) {
      const code = text.charCodeAt(position);
      if (Number.isNaN(code)) fail('Unexpected end-of-input: was expecting closing quote for a string value');
      if (code === 34) break;
      if (code < 32) fail(`Illegal unquoted character (CTRL-CHAR, code ${code}): has to be escaped`);
      position += code === 92 ? 2 : 1;
    }
    position++;
    try {
      return JSON.parse(text.slice(start, position)) as string;
    } catch {
      return fail('Unrecognized character escape', start);
    }
  };

  const value = (): unknown => {
    space();
    const code = text.charCodeAt(position);
    if (code === 123) return object();
    if (code === 91) return array();
    if (code === 34) return string();
    const token = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|^[A-Za-z_][A-Za-z0-9_]*/.exec(
      text.slice(position),
    );
    if (!token)
      return unexpected(
        "expected a valid value (JSON String, Number, Array, Object or token 'null', 'true' or 'false')",
      );
    const word = token[0];
    const start = position;
    position += word.length;
    if (word === 'true') return true;
    if (word === 'false') return false;
    if (word === 'null') return null;
    if (/^[A-Za-z_]/.test(word)) {
      return fail(
        `Unrecognized token '${word}': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')`,
        start,
      );
    }
    return Number(word);
  };

  const object = (): Record<string, unknown> => {
    position++;
    const result: Record<string, unknown> = {};
    const where = new Map<string, number>();
    offsets.set(result, where);
    space();
    if (text.charCodeAt(position) === 125) {
      position++;
      return result;
    }
    for (;;) {
      space();
      if (text.charCodeAt(position) !== 34) unexpected('was expecting double-quote to start field name');
      const key = string();
      space();
      if (text.charCodeAt(position) !== 58)
        unexpected('was expecting a colon to separate field name and value');
      position++;
      space();
      where.set(key, position);
      const item = value();
      // A repeated key keeps its last value, as JSON.parse and AWS's parser do.
      result[key] = item;
      space();
      const next = text.charCodeAt(position);
      if (next === 125) {
        position++;
        return result;
      }
      if (next !== 44) unexpected('was expecting comma to separate Object entries');
      position++;
    }
  };

  const array = (): unknown[] => {
    position++;
    const result: unknown[] = [];
    space();
    if (text.charCodeAt(position) === 93) {
      position++;
      return result;
    }
    for (;;) {
      result.push(value());
      space();
      const next = text.charCodeAt(position);
      if (next === 93) {
        position++;
        return result;
      }
      if (next !== 44) unexpected('was expecting comma to separate Array entries');
      position++;
    }
  };

  const result = value();
  space();
  if (position < text.length) unexpected('was expecting end of input');
  return { value: result, offsets };
}
