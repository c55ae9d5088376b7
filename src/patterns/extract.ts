// Reads only the fields some pattern mentions out of an event's JSON text, skipping everything
// else without building it; arrays contribute each of their elements to the same path. Keys are
// compared as AWS compares them, by the dotted path they join into: an event key "a.b" is the field
// b of a. Pure.
import { PATH_SEPARATOR } from './compile.ts';
import type { Scalar } from './values.ts';

/** The paths patterns mention, as a tree of keys; `path` marks a node a pattern tests. */
export class PathTree {
  readonly children = new Map<string, PathTree>();
  path: string | undefined;
  /**
   * Whether some node sits two levels or more below this one: only then can an event key holding dots
   * (which spells two keys or more) lead anywhere from here.
   */
  deep = false;
  /** Fields at or below this node, and fields at exactly this node. */
  private users = 0;
  private pathUsers = 0;

  add(path: string): void {
    const keys = path.split(PATH_SEPARATOR);
    let node: PathTree = this;
    for (const [index, key] of keys.entries()) {
      // Every node but the last two of the path has a node two levels below it now.
      if (index < keys.length - 1) node.deep = true;
      let child = node.children.get(key);
      if (!child) {
        child = new PathTree();
        node.children.set(key, child);
      }
      child.users++;
      node = child;
    }
    node.pathUsers++;
    node.path = path;
  }

  remove(path: string): void {
    const along: PathTree[] = [];
    let node: PathTree = this;
    for (const key of path.split(PATH_SEPARATOR)) {
      along.push(node);
      const child = node.children.get(key);
      if (!child) return;
      if (--child.users === 0) {
        node.children.delete(key);
        // A subtree went: the nodes above may have nothing two levels down any more.
        for (const each of along) {
          each.deep = [...each.children.values()].some((grandchild) => grandchild.children.size > 0);
        }
        return;
      }
      node = child;
    }
    if (--node.pathUsers === 0) node.path = undefined;
  }

  /** The node an event key holding dots leads to from here: the child of each of its parts in turn. */
  dotted(key: string): PathTree | undefined {
    let node: PathTree | undefined = this;
    for (const part of key.split(PATH_SEPARATOR)) {
      node = node.children.get(part);
      if (node === undefined) return undefined;
    }
    return node;
  }
}

/**
 * The node an event key leads to from `node`. Tree keys never hold a dot, so a key that does can only
 * name a deeper node, and only from a node that has one.
 */
function childOf(node: PathTree, key: string): PathTree | undefined {
  const child = node.children.get(key);
  if (child !== undefined || !node.deep || key.indexOf(PATH_SEPARATOR) < 0) return child;
  return node.dotted(key);
}

/** Field values by path; a path with no entry has no leaf value in the event. */
export type Extracted = Map<string, Scalar[]>;

const QUOTE = 34;
/** What each ASCII character means to skip(): 0 ordinary, then quote, opening, closing, separator. */
const STRING = 1;
const OPEN = 2;
const CLOSE = 3;
const SEPARATOR = 4;
const CHAR_KINDS = new Uint8Array(128);
CHAR_KINDS[34] = STRING;
CHAR_KINDS[123] = OPEN;
CHAR_KINDS[91] = OPEN;
CHAR_KINDS[125] = CLOSE;
CHAR_KINDS[93] = CLOSE;
for (const code of [44, 32, 10, 13, 9]) CHAR_KINDS[code] = SEPARATOR;
const BACKSLASH = 92;

export function extractFromText(text: string, tree: PathTree): Extracted {
  const out: Extracted = new Map();
  const scanner = new Scanner(text, out);
  scanner.whitespace();
  scanner.value(tree);
  return out;
}

export function extractFromValue(value: unknown, tree: PathTree): Extracted {
  const out: Extracted = new Map();
  const visit = (item: unknown, node: PathTree) => {
    if (Array.isArray(item)) {
      for (const element of item) visit(element, node);
    } else if (item !== null && typeof item === 'object') {
      for (const key of Object.keys(item)) {
        const child = childOf(node, key);
        if (child !== undefined) visit((item as Record<string, unknown>)[key], child);
      }
    } else if (node.path !== undefined && item !== undefined) {
      push(out, node.path, item as Scalar);
    }
  };
  visit(value, tree);
  return out;
}

/** The index of the quote that closes the string whose text starts at `start`. */
function stringEnd(text: string, start: number): number {
  let position = start;
  for (;;) {
    const quote = text.indexOf('"', position);
    if (quote < 0) throw new SyntaxError('Unterminated string');
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote;
    position = quote + 1;
  }
}

function push(out: Extracted, path: string, value: Scalar): void {
  const values = out.get(path);
  if (values) values.push(value);
  else out.set(path, [value]);
}

class Scanner {
  private position = 0;
  constructor(
    private readonly text: string,
    private readonly out: Extracted,
  ) {}

  whitespace(): void {
    const text = this.text;
    let position = this.position;
    for (;;) {
      const code = text.charCodeAt(position);
      if (code === 32 || code === 10 || code === 13 || code === 9) position++;
      else break;
    }
    this.position = position;
  }

  /** Reads a value for `node` (undefined: nobody cares, skip it). */
  value(node: PathTree | undefined): void {
    const code = this.text.charCodeAt(this.position);
    if (node === undefined || (node.children.size === 0 && node.path === undefined)) {
      this.skip();
      return;
    }
    if (code === 123) this.object(node);
    else if (code === 91) this.array(node);
    else if (code === QUOTE) {
      const value = this.string();
      if (node.path !== undefined) push(this.out, node.path, value);
    } else {
      const value = this.literal();
      if (node.path !== undefined) push(this.out, node.path, value);
    }
  }

  private object(node: PathTree): void {
    this.position++;
    this.whitespace();
    if (this.text.charCodeAt(this.position) === 125) {
      this.position++;
      return;
    }
    for (;;) {
      this.whitespace();
      const key = this.string();
      this.whitespace();
      this.expect(58);
      this.whitespace();
      this.value(childOf(node, key));
      this.whitespace();
      const code = this.text.charCodeAt(this.position++);
      if (code === 125) return;
      if (code !== 44) throw new SyntaxError(`Expected ',' or '}' at position ${this.position - 1}`);
    }
  }

  private array(node: PathTree): void {
    this.position++;
    this.whitespace();
    if (this.text.charCodeAt(this.position) === 93) {
      this.position++;
      return;
    }
    for (;;) {
      this.whitespace();
      this.value(node);
      this.whitespace();
      const code = this.text.charCodeAt(this.position++);
      if (code === 93) return;
      if (code !== 44) throw new SyntaxError(`Expected ',' or ']' at position ${this.position - 1}`);
    }
  }

  private string(): string {
    const text = this.text;
    if (text.charCodeAt(this.position) !== QUOTE)
      throw new SyntaxError(`Expected a string at position ${this.position}`);
    const start = this.position + 1;
    const end = stringEnd(text, start);
    this.position = end + 1;
    const raw = text.slice(start, end);
    return raw.indexOf('\\') < 0 ? raw : (JSON.parse(text.slice(start - 1, end + 1)) as string);
  }

  private literal(): Scalar {
    const text = this.text;
    const start = this.position;
    let position = start;
    for (;;) {
      const code = text.charCodeAt(position);
      if (
        code === 44 ||
        code === 125 ||
        code === 93 ||
        code === 32 ||
        code === 10 ||
        code === 13 ||
        code === 9 ||
        Number.isNaN(code)
      )
        break;
      position++;
    }
    this.position = position;
    const token = text.slice(start, position);
    if (token === 'true') return true;
    if (token === 'false') return false;
    if (token === 'null') return null;
    const number = Number(token);
    if (token === '' || Number.isNaN(number))
      throw new SyntaxError(`Unexpected token '${token}' at position ${start}`);
    return number;
  }

  /** Skips one value, however deep, without building it. */
  private skip(): void {
    const text = this.text;
    const length = text.length;
    let position = this.position;
    let depth = 0;
    for (;;) {
      if (position >= length) throw new SyntaxError('Unexpected end of JSON');
      const code = text.charCodeAt(position);
      const kind = code < 128 ? CHAR_KINDS[code]! : 0;
      if (kind === 0) {
        position++;
      } else if (kind === STRING) {
        position = stringEnd(text, position + 1) + 1;
        if (depth === 0) break;
      } else if (kind === OPEN) {
        depth++;
        position++;
      } else if (kind === CLOSE) {
        if (depth === 0) break;
        position++;
        if (--depth === 0) break;
      } else if (depth === 0) {
        break;
      } else position++;
    }
    this.position = position;
  }

  private expect(code: number): void {
    if (this.text.charCodeAt(this.position) !== code) {
      throw new SyntaxError(`Expected '${String.fromCharCode(code)}' at position ${this.position}`);
    }
    this.position++;
  }
}
