// CloudWatch Logs' errors: every one a 400 with `__type` and `message`. The model's constraints
// (lengths, patterns, enums) are checked by the edge before a handler runs; what is here are the
// domain rules the model cannot express, worded as AWS words them.
import { ServiceError, violationMessage } from '../../contract/index.ts';

export const logsError = (code: string, message: string, fields?: Record<string, unknown>) =>
  new ServiceError(code, message, { status: 400, ...(fields ? { fields } : {}) });

export const invalidParameter = (message: string) => logsError('InvalidParameterException', message);
export const notFound = (message: string) => logsError('ResourceNotFoundException', message);
export const alreadyExists = (message: string) => logsError('ResourceAlreadyExistsException', message);
export const limitExceeded = (message = 'Resource limit exceeded.') =>
  logsError('LimitExceededException', message);
export const validation = (message: string) => logsError('ValidationException', message);
export const groupNotFound = () => notFound('The specified log group does not exist.');
export const streamNotFound = () => notFound('The specified log stream does not exist.');
export const invalidToken = (member = 'nextToken') => invalidParameter(`The specified ${member} is invalid.`);

/** The names AWS allows, for what arrives without the model (the targets port). */
export const LOG_GROUP_NAME_PATTERN = '[\\.\\-_/#A-Za-z0-9]+';
export const LOG_STREAM_NAME_PATTERN = '[^:*]*';

/** The retention periods AWS accepts; the model types `retentionInDays` as a bare integer. */
export const RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

export function checkRetention(days: number): void {
  if (!RETENTION_DAYS.includes(days))
    throw invalidParameter(
      violationMessage([
        {
          member: 'retentionInDays',
          value: days,
          rule: `Member must satisfy enum value set: [${RETENTION_DAYS.join(', ')}]`,
        },
      ]),
    );
}
