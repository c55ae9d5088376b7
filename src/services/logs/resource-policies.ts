// Resource policies: account-scoped ones by name (at most 10 per region), and one resource-scoped
// policy per log group, guarded by its revision id against concurrent changes.
import type { CloudWatchLogs } from '../../contract/index.ts';
import { type Clock, newUuid } from '../../runtime/index.ts';
import type { Store } from '../../store/index.ts';
import type { LogsHandlers } from './api.ts';
import { invalidParameter, limitExceeded, logsError, notFound } from './errors.ts';
import { type Caller, groupNameFromArn } from './input.ts';
import { groupArn, type LogRegistry } from './registry.ts';
import { pageOf, type Resource, type Resources } from './resources.ts';

const MAX_ACCOUNT_POLICIES = 10;
const DESCRIBE_LIMIT = 50;

interface PolicyBody {
  policyName?: string;
  policyDocument: string;
  /** Resource-scoped policies only. */
  resourceArn?: string;
  revisionId?: string;
}

const conflict = () =>
  logsError(
    'OperationAbortedException',
    'The expected revision id does not match the current revision of the policy.',
  );

function checkDocument(document: string): void {
  try {
    if (typeof JSON.parse(document) !== 'object') throw new Error('not an object');
  } catch {
    throw invalidParameter('The policy document is not a valid JSON policy.');
  }
}

function toPolicy(resource: Resource<PolicyBody>): CloudWatchLogs.ResourcePolicy {
  const { body } = resource;
  return {
    ...(body.policyName !== undefined ? { policyName: body.policyName } : {}),
    policyDocument: body.policyDocument,
    lastUpdatedTime: resource.updatedAt,
    policyScope: body.resourceArn !== undefined ? 'RESOURCE' : 'ACCOUNT',
    ...(body.resourceArn !== undefined
      ? { resourceArn: body.resourceArn, revisionId: body.revisionId! }
      : {}),
  };
}

export function resourcePolicyHandlers(
  registry: LogRegistry,
  resources: Resources,
  store: Store,
  clock: Clock,
) {
  /** The group a resource-scoped policy belongs to (log groups are the only resources AWS supports). */
  async function groupOf(arn: string, caller: Caller) {
    const group = await registry.requireGroup(caller.accountId, caller.region, groupNameFromArn(arn, caller));
    return { group, key: { kind: 'resource-policy', scope: group.name, name: '' } as const };
  }

  return {
    async PutResourcePolicy(input, context) {
      const { policyName, policyDocument, resourceArn, expectedRevisionId } = input;
      if (policyDocument === undefined) throw invalidParameter('policyDocument is required.');
      checkDocument(policyDocument);
      if (resourceArn !== undefined) {
        const { group, key } = await groupOf(resourceArn, context);
        const saved = await store.write(async (tx) => {
          const current = await resources.getIn<PolicyBody>(tx, context, key);
          if ((current?.body.revisionId ?? undefined) !== expectedRevisionId) throw conflict();
          const body: PolicyBody = {
            ...(policyName !== undefined ? { policyName } : {}),
            policyDocument,
            resourceArn: groupArn(group),
            revisionId: newUuid(),
          };
          return resources.putIn(tx, context, key, body, clock.now(), {
            scope: group.name,
            groupId: group.id,
          });
        });
        return { resourcePolicy: toPolicy(saved), revisionId: saved.body.revisionId };
      }
      if (policyName === undefined) throw invalidParameter('policyName is required.');
      const key = { kind: 'resource-policy', name: policyName } as const;
      const saved = await store.write(async (tx) => {
        const current = await resources.getIn(tx, context, key);
        if (
          !current &&
          (await resources.listIn(tx, context, { kind: 'resource-policy', scope: '' })).length >=
            MAX_ACCOUNT_POLICIES
        )
          throw limitExceeded();
        return resources.putIn<PolicyBody>(tx, context, key, { policyName, policyDocument }, clock.now());
      });
      return { resourcePolicy: toPolicy(saved) };
    },

    async DescribeResourcePolicies(input, context) {
      if (input.resourceArn !== undefined) {
        const { key } = await groupOf(input.resourceArn, context);
        const found = await resources.get<PolicyBody>(context, key);
        return { resourcePolicies: found ? [toPolicy(found)] : [] };
      }
      const scope = input.policyScope ?? 'ACCOUNT';
      const { items, nextToken } = await pageOf<PolicyBody>(
        resources,
        context,
        { kind: 'resource-policy', ...(scope === 'ACCOUNT' ? { scope: '' } : {}) },
        {
          token: input.nextToken,
          limit: input.limit ?? DESCRIBE_LIMIT,
          keep: (policy) => (scope === 'ACCOUNT') === (policy.scope === ''),
        },
      );
      return { resourcePolicies: items.map(toPolicy), nextToken };
    },

    async DeleteResourcePolicy(input, context) {
      if (input.resourceArn !== undefined) {
        const { key } = await groupOf(input.resourceArn, context);
        await store.write(async (tx) => {
          const current = await resources.getIn<PolicyBody>(tx, context, key);
          if (!current) throw notFound('The specified resource policy does not exist.');
          if (input.expectedRevisionId !== undefined && current.body.revisionId !== input.expectedRevisionId)
            throw conflict();
          await resources.deleteIn(tx, context, key);
        });
        return;
      }
      if (input.policyName === undefined) throw invalidParameter('policyName is required.');
      if (!(await resources.delete(context, { kind: 'resource-policy', name: input.policyName })))
        throw notFound(`Policy with name [${input.policyName}] does not exist`);
    },
  } satisfies Partial<LogsHandlers>;
}
