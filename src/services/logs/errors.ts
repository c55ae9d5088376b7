// CloudWatch Logs' errors (every one a 400 with `__type` and `message`) and its Coral-style input checks,
// which AWS reports as InvalidParameterException listing every broken constraint.
import { ServiceError } from '../../contract/index.ts';

export const logsError = (code: string, message: string, fields?: Record<string, unknown>) =>
  new ServiceError(code, message, { status: 400, ...(fields ? { fields } : {}) });

export const invalidParameter = (message: string) => logsError('InvalidParameterException', message);
export const groupNotFound = () =>
  logsError('ResourceNotFoundException', 'The specified log group does not exist.');
export const streamNotFound = () =>
  logsError('ResourceNotFoundException', 'The specified log stream does not exist.');
export const invalidToken = (member = 'nextToken') => invalidParameter(`The specified ${member} is invalid.`);

/** The names and limits AWS documents for the members eddy checks. */
export const LOG_GROUP_NAME_PATTERN = '[\\.\\-_/#A-Za-z0-9]+';
export const LOG_STREAM_NAME_PATTERN = '[^:*]*';
export const TAG_KEY_PATTERN = '^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+)$';
export const TAG_VALUE_PATTERN = '^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$';
export const RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

/** Coral quotes the offending value; a list is named without its (possibly huge) contents. */
const valueText = (value: unknown) => (Array.isArray(value) ? 'Value' : `Value '${String(value)}'`);

/**
 * Collects constraint violations the way AWS's front end words them (`1 validation error detected:
 * Value 'x' at 'logGroupName' failed to satisfy constraint: …`) and throws them all at once.
 */
export class Constraints {
  private readonly problems: string[] = [];

  private add(member: string, value: unknown, rule: string): void {
    this.problems.push(
      `${valueText(value)} at '${member}' failed to satisfy constraint: Member must ${rule}`,
    );
  }

  length(member: string, value: string | unknown[] | undefined, min: number, max: number): this {
    if (value === undefined) return this;
    if (value.length < min) this.add(member, value, `have length greater than or equal to ${min}`);
    if (value.length > max) this.add(member, value, `have length less than or equal to ${max}`);
    return this;
  }

  pattern(member: string, value: string | undefined, pattern: string): this {
    if (value === undefined) return this;
    if (!new RegExp(`^(?:${pattern})$`, 'u').test(value))
      this.add(member, value, `satisfy regular expression pattern: ${pattern}`);
    return this;
  }

  range(member: string, value: number | undefined, min: number, max?: number): this {
    if (value === undefined) return this;
    if (value < min) this.add(member, value, `have value greater than or equal to ${min}`);
    if (max !== undefined && value > max) this.add(member, value, `have value less than or equal to ${max}`);
    return this;
  }

  oneOf(member: string, value: string | number | undefined, allowed: readonly (string | number)[]): this {
    if (value !== undefined && !allowed.includes(value))
      this.add(member, value, `satisfy enum value set: [${allowed.join(', ')}]`);
    return this;
  }

  /** Tag maps: count, and every key's and value's length and characters. */
  tags(member: string, tags: Record<string, string> | undefined): this {
    if (tags === undefined) return this;
    const entries = Object.entries(tags);
    this.length(member, entries, 1, 50);
    for (const [key, value] of entries) {
      this.length(`${member}.key`, key, 1, 128).pattern(`${member}.key`, key, TAG_KEY_PATTERN);
      this.length(`${member}.value`, value, 0, 256).pattern(`${member}.value`, value, TAG_VALUE_PATTERN);
    }
    return this;
  }

  check(): void {
    const count = this.problems.length;
    if (count === 0) return;
    const head = count === 1 ? '1 validation error detected' : `${count} validation errors detected`;
    throw invalidParameter(`${head}: ${this.problems.join('; ')}`);
  }
}

export const constraints = () => new Constraints();
