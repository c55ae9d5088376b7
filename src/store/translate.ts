// The one SQL text services write, made PostgreSQL's: `?` placeholders become `$1, $2, …`, and an
// empty list `IN ()` (SQLite accepts it, PostgreSQL does not) becomes a comparison with an empty
// array, which keeps `IN` (false) and `NOT IN` (true) meaning what they mean in SQLite. Quoted strings,
// quoted identifiers and comments are left as they are. Each text is translated once and cached.

// `x IN ()` is false and `x NOT IN ()` true, NULL or not: so are `x = ANY ('{}')` and
// `x <> ALL ('{}')`, whose untyped empty array takes the type of x.
const EMPTY_LIST = /\b(NOT\s+)?IN\s*\(\s*\)/gi;
const emptyList = (_match: string, not: string | undefined) => (not ? "<> ALL ('{}')" : "= ANY ('{}')");

/** Rewrites one statement; pure, so callers cache it by text. */
export function toPostgresSql(sql: string): string {
  let out = '';
  let index = 0;
  let parameter = 0;
  let plainStart = 0;
  const flushPlain = (end: number) => {
    if (end > plainStart) out += sql.slice(plainStart, end).replace(EMPTY_LIST, emptyList);
  };
  while (index < sql.length) {
    const char = sql[index]!;
    if (char === '?') {
      flushPlain(index);
      parameter += 1;
      out += `$${parameter}`;
      index += 1;
      plainStart = index;
      continue;
    }
    let end = -1;
    if (char === "'" || char === '"') {
      // A quote is escaped by doubling it, in strings and identifiers alike.
      end = index + 1;
      for (;;) {
        const close = sql.indexOf(char, end);
        if (close === -1) {
          end = sql.length;
          break;
        }
        if (sql[close + 1] === char) {
          end = close + 2;
          continue;
        }
        end = close + 1;
        break;
      }
    } else if (char === '-' && sql[index + 1] === '-') {
      const newline = sql.indexOf('\n', index);
      end = newline === -1 ? sql.length : newline;
    } else if (char === '/' && sql[index + 1] === '*') {
      const close = sql.indexOf('*/', index + 2);
      end = close === -1 ? sql.length : close + 2;
    }
    if (end === -1) {
      index += 1;
      continue;
    }
    flushPlain(index);
    out += sql.slice(index, end);
    index = end;
    plainStart = index;
  }
  flushPlain(sql.length);
  return out;
}

/** A translated statement and the name it is prepared under on every connection. */
export interface Translated {
  name: string;
  text: string;
}

/**
 * Translations by text. Statements are few (texts differ only by how many `?` an IN list has).
 * Names are never reused: a connection that prepared `s12` keeps it for that text alone.
 */
export class TranslationCache {
  private readonly texts = new Map<string, Translated>();
  private named = 0;
  constructor(private readonly limit = 4096) {}

  get(sql: string): Translated {
    let translated = this.texts.get(sql);
    if (translated === undefined) {
      this.named += 1;
      translated = { name: `eddy_${this.named}`, text: toPostgresSql(sql) };
      // A program whose texts never repeat would grow this forever: start over instead.
      if (this.texts.size >= this.limit) this.texts.clear();
      this.texts.set(sql, translated);
    }
    return translated;
  }
}
