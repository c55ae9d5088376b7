// Reading handler input: typed members, and the log group a request names by name or by ARN.
import type { Input, RequestContext } from '../../contract/index.ts';
import { parseArn } from '../../runtime/index.ts';
import { constraints, groupNotFound, invalidParameter, LOG_GROUP_NAME_PATTERN } from './errors.ts';

export const string = (input: Input, name: string) => input[name] as string | undefined;
export const integer = (input: Input, name: string) => input[name] as number | undefined;
export const boolean = (input: Input, name: string) => input[name] as boolean | undefined;
export const strings = (input: Input, name: string) => input[name] as string[] | undefined;
export const stringMap = (input: Input, name: string) => input[name] as Record<string, string> | undefined;

/** Checks a log group name as CreateLogGroup does; other operations check it the same way. */
export function checkGroupName(member: string, name: string | undefined) {
  return constraints().length(member, name, 1, 512).pattern(member, name, LOG_GROUP_NAME_PATTERN);
}

/**
 * The group name in a log group ARN (`…:log-group:NAME` or `…:log-group:NAME:*`) of the caller's
 * account and region; another account's or region's group does not exist for the caller.
 */
export function groupNameFromArn(arn: string, context: Pick<RequestContext, 'accountId' | 'region'>): string {
  const parsed = parseArn(arn);
  if (parsed?.service !== 'logs' || !parsed.resource.startsWith('log-group:'))
    throw invalidParameter(`'${arn}' is not a log group ARN.`);
  if (parsed.accountId !== context.accountId || parsed.region !== context.region) throw groupNotFound();
  const name = parsed.resource.slice('log-group:'.length);
  return name.endsWith(':*') ? name.slice(0, -2) : name;
}

/** The group named by `logGroupName` or `logGroupIdentifier` (a name or an ARN): exactly one of them. */
export function groupNameOf(input: Input, context: RequestContext): string {
  const name = string(input, 'logGroupName');
  const identifier = string(input, 'logGroupIdentifier');
  if (name !== undefined && identifier !== undefined)
    throw invalidParameter('LogGroup name and LogGroup ARN are mutually exclusive parameters.');
  if (name !== undefined) {
    checkGroupName('logGroupName', name).check();
    return name;
  }
  if (identifier === undefined)
    throw invalidParameter('Either the logGroupName or the logGroupIdentifier parameter must be given.');
  constraints()
    .length('logGroupIdentifier', identifier, 1, 2048)
    .pattern('logGroupIdentifier', identifier, '[\\w#+=/:,.@-]*')
    .check();
  return identifier.startsWith('arn:') ? groupNameFromArn(identifier, context) : identifier;
}
