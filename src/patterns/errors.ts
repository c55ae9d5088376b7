// A pattern that cannot be used: the reason in AWS's words, and where in the text it went wrong.

export class PatternError extends Error {
  constructor(
    message: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(line === undefined ? message : `${message} at line ${line}, column ${column}`);
    this.name = 'PatternError';
  }
}

/** Parses JSON, turning V8's "at position N" into a line and column a person can find. */
export function parseJsonWithPosition(text: string, prefix: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const position = /position (\d+)/.exec(message);
    const reason = message
      .replace(/ in JSON at position \d+.*$/s, '')
      .replace(/\s*\(line \d+ column \d+\)$/, '');
    if (!position) throw new PatternError(`${prefix}${reason}`);
    const offset = Number(position[1]);
    const before = text.slice(0, offset).split('\n');
    throw new PatternError(`${prefix}${reason}`, before.length, (before.at(-1)?.length ?? 0) + 1);
  }
}
