// A pattern that cannot be used: the reason in AWS's words, and where in the text it went wrong.

export interface PatternErrorPlace {
  /** Line and column (from 1) of the fault in the pattern text. */
  line?: number;
  column?: number;
  /** The dotted path of the field at fault, when the fault is in one field. */
  path?: string;
}

export class PatternError extends Error {
  readonly line?: number;
  readonly column?: number;
  readonly path?: string;
  /** The reason alone, without the dialect's prefix or the position. */
  readonly reason: string;

  constructor(message: string, place: PatternErrorPlace = {}, reason = message) {
    super(place.line === undefined ? message : `${message} at line ${place.line} column ${place.column}`);
    this.name = 'PatternError';
    this.line = place.line;
    this.column = place.column;
    this.path = place.path;
    this.reason = reason;
  }
}
