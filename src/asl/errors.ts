// StatesError: a `States.*` (or custom) error raised while processing a state's data.

/** Thrown by enter / complete / handleError: States.Runtime, States.QueryEvaluationError,
 * States.IntrinsicFailure, States.NoChoiceMatched, States.DataLimitExceeded, … */
export class StatesError extends Error {
  constructor(
    readonly error: string,
    override readonly cause: string,
  ) {
    super(`${error}: ${cause}`);
    this.name = 'StatesError';
  }
}
