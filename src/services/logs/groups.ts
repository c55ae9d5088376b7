// Log groups: create, delete, describe and list; retention, deletion protection, bearer-token
// ingestion and KMS key association.
import type { CloudWatchLogs } from '../../contract/index.ts';
import { type Clock, parseArn } from '../../runtime/index.ts';
import type { Store } from '../../store/index.ts';
import type { LogsHandlers } from './api.ts';
import { checkRetention, invalidParameter } from './errors.ts';
import { type Caller, identifiedGroup } from './input.ts';
import { type GroupQuery, groupArn, type LogGroup, type LogRegistry } from './registry.ts';
import { countsByGroup, type Resources } from './resources.ts';
import type { Retention } from './retention.ts';
import { formatPageToken, parsePageToken } from './tokens.ts';

const DESCRIBE_LIMIT = 50;
const LIST_LIMIT = 50;
/** ListLogGroups filters some groups after reading them: it reads this many at a time. */
const SCAN_CHUNK = 200;

const isString = (value: unknown): value is string => typeof value === 'string';

/** ListLogGroups' `logGroupNamePattern`: up to five `|`-separated substrings, `^` marking a prefix; case-sensitive. */
export function namePatternMatcher(pattern: string | undefined): (name: string) => boolean {
  if (pattern === undefined) return () => true;
  const alternatives = pattern.split('|');
  return (name) =>
    alternatives.some((alternative) =>
      alternative.startsWith('^') ? name.startsWith(alternative.slice(1)) : name.includes(alternative),
    );
}

const hasTags = (group: LogGroup, filters: CloudWatchLogs.TagFilter[] | undefined) =>
  (filters ?? []).every((filter) => {
    const value = group.tags[filter.key];
    return value !== undefined && (!filter.values?.length || filter.values.includes(value));
  });

export function groupHandlers(
  registry: LogRegistry,
  resources: Resources,
  store: Store,
  retention: Retention,
  clock: Clock,
) {
  /** DescribeLogGroups' entries: what AWS shows of a group, with its metric filters and data protection. */
  async function describe(caller: Caller, groups: LogGroup[]): Promise<CloudWatchLogs.LogGroup[]> {
    const { counts, accountProtection } = await store.read(async (tx) => ({
      counts: await countsByGroup(
        tx,
        groups.map((group) => group.id),
        ['metric-filter', 'data-protection-policy'],
      ),
      accountProtection:
        (await resources.listIn(tx, caller, { kind: 'account-policy', scope: 'DATA_PROTECTION_POLICY' }))
          .length > 0,
    }));
    return groups.map((group) => {
      const arn = groupArn(group);
      const perKind = counts.get(group.id);
      return {
        logGroupName: group.name,
        creationTime: group.createdAt,
        retentionInDays: group.retentionDays,
        metricFilterCount: perKind?.get('metric-filter') ?? 0,
        arn: `${arn}:*`,
        logGroupArn: arn,
        storedBytes: group.storedBytes,
        kmsKeyId: group.kmsKeyId,
        ...(perKind?.get('data-protection-policy') ? { dataProtectionStatus: 'ACTIVATED' as const } : {}),
        ...(accountProtection ? { inheritedProperties: ['ACCOUNT_DATA_PROTECTION' as const] } : {}),
        logGroupClass: group.logGroupClass,
        deletionProtectionEnabled: group.deletionProtection,
        ...(group.bearerTokenAuth ? { bearerTokenAuthenticationEnabled: true } : {}),
      };
    });
  }

  /** Reads groups in name order after `after`, keeping those `keep` accepts, until `limit` + 1 are found. */
  async function scan(
    caller: Caller,
    query: Omit<GroupQuery, 'limit'>,
    keep: (group: LogGroup) => boolean,
    limit: number,
  ) {
    const found: LogGroup[] = [];
    let after = query.after;
    for (;;) {
      const chunk = await registry.listGroups(caller.accountId, caller.region, {
        ...query,
        ...(after !== undefined ? { after } : {}),
        limit: SCAN_CHUNK,
      });
      for (const group of chunk) {
        if (keep(group)) found.push(group);
        if (found.length > limit) return found;
      }
      if (chunk.length < SCAN_CHUNK) return found;
      after = chunk.at(-1)!.name;
    }
  }

  const group = (caller: Caller, identifier: string) =>
    registry.requireGroup(caller.accountId, caller.region, identifiedGroup(identifier, caller));

  return {
    async CreateLogGroup(input, context) {
      if (input.logGroupName.startsWith('aws/'))
        throw invalidParameter("Log group names can't start with the string aws/");
      await registry.createGroup(
        context.accountId,
        context.region,
        {
          name: input.logGroupName,
          ...(input.kmsKeyId !== undefined ? { kmsKeyId: input.kmsKeyId } : {}),
          ...(input.logGroupClass !== undefined ? { logGroupClass: input.logGroupClass } : {}),
          ...(input.tags !== undefined ? { tags: input.tags } : {}),
          ...(input.deletionProtectionEnabled ? { deletionProtection: true } : {}),
        },
        clock.now(),
      );
    },

    async DeleteLogGroup(input, context) {
      await registry.deleteGroup(context.accountId, context.region, input.logGroupName);
    },

    async DescribeLogGroups(input, context) {
      const { logGroupNamePrefix: prefix, logGroupNamePattern: pattern, logGroupIdentifiers: ids } = input;
      if (prefix !== undefined && pattern !== undefined)
        throw invalidParameter(
          'LogGroupNamePrefix and LogGroupNamePattern are mutually exclusive parameters.',
        );
      if (ids !== undefined && (prefix !== undefined || pattern !== undefined))
        throw invalidParameter(
          'LogGroupIdentifiers cannot be used with LogGroupNamePrefix or LogGroupNamePattern.',
        );
      const size = input.limit ?? DESCRIBE_LIMIT;
      const groups = await registry.listGroups(context.accountId, context.region, {
        ...(ids !== undefined
          ? { names: ids.flatMap((id) => (id.startsWith('arn:') ? ownGroupName(id, context) : [id])) }
          : {}),
        ...(prefix !== undefined ? { prefix } : {}),
        ...(pattern !== undefined ? { pattern } : {}),
        ...(input.logGroupClass !== undefined ? { logGroupClass: input.logGroupClass } : {}),
        ...(input.nextToken !== undefined ? { after: parsePageToken(input.nextToken, isString) } : {}),
        limit: size + 1,
      });
      const page = groups.slice(0, size);
      return {
        logGroups: await describe(context, page),
        nextToken: groups.length > size ? formatPageToken(page.at(-1)!.name) : undefined,
      };
    },

    async ListLogGroups(input, context) {
      const size = input.limit ?? LIST_LIMIT;
      const matches = namePatternMatcher(input.logGroupNamePattern);
      // eddy's groups receive no AWS-vended logs, so none has a data source; field indexes come from
      // each group's index policy.
      const wantsIndexes = input.fieldIndexNames ?? [];
      const indexed = new Map<number, string[]>();
      if (wantsIndexes.length > 0)
        for (const policy of await resources.list<{ fields: string[] }>(context, { kind: 'index-policy' }))
          if (policy.groupId !== undefined) indexed.set(policy.groupId, policy.body.fields);
      const groups = input.dataSources?.length
        ? []
        : await scan(
            context,
            {
              ...(input.logGroupClass !== undefined ? { logGroupClass: input.logGroupClass } : {}),
              ...(input.nextToken !== undefined ? { after: parsePageToken(input.nextToken, isString) } : {}),
            },
            (group) =>
              matches(group.name) &&
              hasTags(group, input.logGroupTags) &&
              wantsIndexes.every((field) => indexed.get(group.id)?.includes(field)),
            size,
          );
      const page = groups.slice(0, size);
      return {
        logGroups: page.map((group) => ({
          logGroupName: group.name,
          logGroupArn: groupArn(group),
          logGroupClass: group.logGroupClass,
        })),
        nextToken: groups.length > size ? formatPageToken(page.at(-1)!.name) : undefined,
      };
    },

    async PutRetentionPolicy(input, context) {
      checkRetention(input.retentionInDays);
      const updated = await registry.setRetention(
        context.accountId,
        context.region,
        input.logGroupName,
        input.retentionInDays,
      );
      await retention.apply(updated);
    },

    async DeleteRetentionPolicy(input, context) {
      await registry.setRetention(context.accountId, context.region, input.logGroupName, undefined);
    },

    async PutLogGroupDeletionProtection(input, context) {
      const found = await group(context, input.logGroupIdentifier);
      await registry.updateGroup(context.accountId, context.region, found.name, {
        deletionProtection: input.deletionProtectionEnabled,
      });
    },

    async PutBearerTokenAuthentication(input, context) {
      const found = await group(context, input.logGroupIdentifier);
      await registry.updateGroup(context.accountId, context.region, found.name, {
        bearerTokenAuth: input.bearerTokenAuthenticationEnabled,
      });
    },

    async AssociateKmsKey(input, context) {
      const target = kmsTarget(input, context);
      if (target.kind === 'group') {
        await registry.updateGroup(context.accountId, context.region, target.name, {
          kmsKeyId: input.kmsKeyId,
        });
        return;
      }
      await resources.put(
        context,
        { kind: 'query-results-key', name: 'query-result' },
        input.kmsKeyId,
        clock.now(),
      );
    },

    async DisassociateKmsKey(input, context) {
      const target = kmsTarget(input, context);
      if (target.kind === 'group') {
        await registry.updateGroup(context.accountId, context.region, target.name, { kmsKeyId: null });
        return;
      }
      await resources.delete(context, { kind: 'query-results-key', name: 'query-result' });
    },
  } satisfies Partial<LogsHandlers>;
}

/** A log group ARN of the caller names a group; another account's names nothing of the caller's. */
function ownGroupName(arn: string, caller: Caller): string[] {
  const parsed = parseArn(arn);
  if (parsed?.accountId !== caller.accountId || parsed.region !== caller.region) return [];
  return [identifiedGroup(arn, caller)];
}

/** What AssociateKmsKey and DisassociateKmsKey act on: one log group, or the account's query results. */
function kmsTarget(
  input: { logGroupName?: string | undefined; resourceIdentifier?: string | undefined },
  caller: Caller,
): { kind: 'group'; name: string } | { kind: 'query-results' } {
  const { logGroupName, resourceIdentifier } = input;
  if (logGroupName !== undefined && resourceIdentifier !== undefined)
    throw invalidParameter('logGroupName and resourceIdentifier are mutually exclusive parameters.');
  if (logGroupName !== undefined) return { kind: 'group', name: logGroupName };
  if (resourceIdentifier === undefined)
    throw invalidParameter('Either logGroupName or resourceIdentifier must be specified.');
  const parsed = parseArn(resourceIdentifier);
  if (parsed?.service === 'logs' && parsed.resource.startsWith('query-result:')) {
    if (parsed.accountId !== caller.accountId || parsed.region !== caller.region)
      throw invalidParameter(`The resource ${resourceIdentifier} does not belong to this account.`);
    return { kind: 'query-results' };
  }
  if (parsed?.service === 'logs' && parsed.resource.startsWith('log-group:'))
    return { kind: 'group', name: identifiedGroup(resourceIdentifier, caller) };
  throw invalidParameter(`Invalid resourceIdentifier: ${resourceIdentifier}`);
}
