// The log group a request names: by name, by ARN, or by `logGroupIdentifier` (either).
import type { RequestContext } from '../../contract/index.ts';
import { parseArn } from '../../runtime/index.ts';
import { groupNotFound, invalidParameter } from './errors.ts';

export type Caller = Pick<RequestContext, 'accountId' | 'region'>;

/**
 * The group name in a log group ARN (`…:log-group:NAME` or `…:log-group:NAME:*`) of the caller's
 * account and region; another account's or region's group does not exist for the caller.
 */
export function groupNameFromArn(arn: string, context: Caller): string {
  const parsed = parseArn(arn);
  if (parsed?.service !== 'logs' || !parsed.resource.startsWith('log-group:'))
    throw invalidParameter(`'${arn}' is not a log group ARN.`);
  if (parsed.accountId !== context.accountId || parsed.region !== context.region) throw groupNotFound();
  const name = parsed.resource.slice('log-group:'.length);
  return name.endsWith(':*') ? name.slice(0, -2) : name;
}

/** A `logGroupIdentifier`: a group's name or its ARN. */
export const identifiedGroup = (identifier: string, context: Caller): string =>
  identifier.startsWith('arn:') ? groupNameFromArn(identifier, context) : identifier;

/** The group named by `logGroupName` or `logGroupIdentifier` (a name or an ARN): exactly one of them. */
export function groupNameOf(
  input: { logGroupName?: string | undefined; logGroupIdentifier?: string | undefined },
  context: Caller,
): string {
  const { logGroupName: name, logGroupIdentifier: identifier } = input;
  if (name !== undefined && identifier !== undefined)
    throw invalidParameter('LogGroup name and LogGroup ARN are mutually exclusive parameters.');
  if (name !== undefined) return name;
  if (identifier === undefined)
    throw invalidParameter('Either the logGroupName or the logGroupIdentifier parameter must be given.');
  return identifiedGroup(identifier, context);
}
