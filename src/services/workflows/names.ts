// Step Functions' names and ARNs:
//   arn:aws:states:R:A:stateMachine:NAME            a state machine
//   arn:aws:states:R:A:stateMachine:NAME:7          one of its versions
//   arn:aws:states:R:A:stateMachine:NAME:ALIAS      one of its aliases
//   arn:aws:states:R:A:execution:NAME:EXECUTION     a standard execution
//   arn:aws:states:R:A:express:NAME:EXECUTION:UUID  an express execution
//   arn:aws:states:R:A:activity:NAME                an activity
//   arn:aws:states:R:A:mapRun:NAME/LABEL:UUID       a distributed Map run
import type { RequestContext } from '../../contract/index.ts';
import { invalidArn, invalidName } from './errors.ts';

export interface Scope {
  account: string;
  region: string;
}

export const scopeOf = (context: RequestContext): Scope => ({
  account: context.accountId,
  region: context.region,
});

export type ArnKind = 'stateMachine' | 'execution' | 'express' | 'activity' | 'mapRun';

export interface StatesArn extends Scope {
  kind: ArnKind;
  /** The parts after the resource type: [machine], [machine, qualifier], [machine, execution], … */
  parts: string[];
}

const KINDS: readonly string[] = ['stateMachine', 'execution', 'express', 'activity', 'mapRun'];
const ARN = /^arn:(aws[a-z-]*):states:([a-z0-9-]+):(\d{12}):([A-Za-z]+):(.+)$/;

/** Reads an ARN of one of `allowed` kinds, or throws InvalidArn as AWS words it. */
export function parseStatesArn(text: string, allowed: readonly ArnKind[]): StatesArn {
  const match = ARN.exec(text);
  if (!match) throw invalidArn(`Invalid ARN prefix: ${text}`);
  const kind = match[4]!;
  if (!KINDS.includes(kind) || !allowed.includes(kind as ArnKind))
    throw invalidArn(`Resource type not valid in this context: ${kind}`);
  const parts = match[5]!.split(':');
  const counts: Record<ArnKind, number[]> = {
    stateMachine: [1, 2],
    execution: [2],
    express: [3],
    activity: [1],
    mapRun: [2],
  };
  if (!counts[kind as ArnKind].includes(parts.length) || parts.some((part) => part === ''))
    throw invalidArn(`Invalid Arn: ${text}`);
  return { kind: kind as ArnKind, region: match[2]!, account: match[3]!, parts };
}

const arn = (scope: Scope, resource: string) => `arn:aws:states:${scope.region}:${scope.account}:${resource}`;

export const stateMachineArn = (scope: Scope, name: string) => arn(scope, `stateMachine:${name}`);
export const activityArn = (scope: Scope, name: string) => arn(scope, `activity:${name}`);
export const executionArn = (scope: Scope, machine: string, name: string) =>
  arn(scope, `execution:${machine}:${name}`);
export const expressExecutionArn = (scope: Scope, machine: string, name: string, id: string) =>
  arn(scope, `express:${machine}:${name}:${id}`);
export const mapRunArn = (scope: Scope, machine: string, label: string, id: string) =>
  arn(scope, `mapRun:${machine}/${label}:${id}`);

/** The machine's own ARN for any of its ARNs (version, alias, execution). */
export function baseMachineArn(parsed: StatesArn): string {
  return stateMachineArn(parsed, parsed.parts[0]!);
}

// AWS: 1–80 characters, none of whitespace, brackets, wildcards, the special characters
// " # % \ ^ | ~ ` $ & , ; : / and no control characters (U+0000–001F, U+007F–009F).
const FORBIDDEN = /[\s<>{}[\]?*"#%\\^|~`$&,;:/]/u;
const isControl = (code: number) => code <= 0x1f || (code >= 0x7f && code <= 0x9f);

export function checkName(name: string): void {
  const control = [...name].some((char) => isControl(char.codePointAt(0)!));
  if (name.length < 1 || name.length > 80 || FORBIDDEN.test(name) || control) throw invalidName(name);
}

/** Alias names: letters, digits, `-` and `_`, not only digits (they would read as a version). */
export function checkAliasName(name: string): void {
  if (!/^[a-zA-Z0-9_-]{1,80}$/.test(name) || /^\d+$/.test(name)) throw invalidName(name);
}
