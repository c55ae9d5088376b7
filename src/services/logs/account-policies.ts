// Account-level policies, one table of them by type: data protection (which masks every Standard
// group's new events, with the groups' own policies), subscription filter (delivered by
// subscriptions.ts for every group its selection criteria take in), field index, transformer (applied
// at ingestion, transformers.ts) and metric extraction policies (stored and shown).
import type { CloudWatchLogs } from '../../contract/index.ts';
import { type Clock, formatArn } from '../../runtime/index.ts';
import type { Store } from '../../store/index.ts';
import type { LogsHandlers } from './api.ts';
import { compilePolicy } from './data-protection.ts';
import { invalidParameter, limitExceeded, notFound } from './errors.ts';
import { compileFilter } from './event-handlers.ts';
import type { Caller } from './input.ts';
import { pageOf, type Resource, type Resources } from './resources.ts';
import { type SubscriptionDestinations, startProgress } from './subscription-filters.ts';

const DESCRIBE_LIMIT = 50;

/** How many policies of a type an account may have. */
const MAX_PER_TYPE: Record<CloudWatchLogs.PolicyType, number> = {
  DATA_PROTECTION_POLICY: 1,
  SUBSCRIPTION_FILTER_POLICY: 1,
  FIELD_INDEX_POLICY: 40,
  TRANSFORMER_POLICY: 20,
  METRIC_EXTRACTION_POLICY: 1,
};

export interface AccountPolicyBody {
  policyDocument: string;
  policyType: CloudWatchLogs.PolicyType;
  scope?: CloudWatchLogs.Scope;
  selectionCriteria?: string;
  /** Subscription filter policies: where events go, and whose the policy is (for delivery). */
  targetArn?: string;
  account?: string;
  region?: string;
}

function parse(document: string): Record<string, unknown> {
  try {
    const parsed = JSON.parse(document) as unknown;
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
  } catch {}
  throw invalidParameter('Invalid policy document: it is not a JSON object.');
}

/** The document checks AWS makes for each type. */
function checkDocument(type: CloudWatchLogs.PolicyType, document: string): void {
  if (type === 'DATA_PROTECTION_POLICY') {
    compilePolicy(document);
    return;
  }
  const parsed = parse(document);
  if (type === 'SUBSCRIPTION_FILTER_POLICY' && typeof parsed.DestinationArn !== 'string')
    throw invalidParameter('Invalid subscription filter policy: DestinationArn is required.');
  if (type === 'FIELD_INDEX_POLICY' && !Array.isArray(parsed.Fields))
    throw invalidParameter('Invalid field index policy: Fields must be a list of field names.');
  if (type === 'TRANSFORMER_POLICY' && !Array.isArray(parsed.transformerConfig))
    throw invalidParameter('Invalid transformer policy: transformerConfig must be a list of processors.');
}

export function toAccountPolicy(
  account: string,
  resource: Resource<AccountPolicyBody>,
): CloudWatchLogs.AccountPolicy {
  const { body } = resource;
  return {
    policyName: resource.name,
    policyDocument: body.policyDocument,
    lastUpdatedTime: resource.updatedAt,
    policyType: body.policyType,
    scope: body.scope ?? 'ALL',
    ...(body.selectionCriteria !== undefined ? { selectionCriteria: body.selectionCriteria } : {}),
    accountId: account,
  };
}

export function accountPolicyHandlers(
  resources: Resources,
  store: Store,
  destinations: SubscriptionDestinations,
  clock: Clock,
) {
  /** A subscription filter policy's destination, checked as PutSubscriptionFilter checks one. */
  async function subscriptionTarget(document: string, caller: Caller): Promise<string> {
    const parsed = parse(document) as { DestinationArn: string; FilterPattern?: unknown };
    if (parsed.FilterPattern !== undefined) compileFilter(String(parsed.FilterPattern));
    const target = await destinations.targetOf(parsed.DestinationArn, caller);
    await destinations.checkReachable(
      target,
      formatArn({
        service: 'logs',
        region: caller.region,
        accountId: caller.accountId,
        resource: 'log-group:*',
      }),
    );
    return target;
  }

  return {
    async PutAccountPolicy(input, context) {
      checkDocument(input.policyType, input.policyDocument);
      const targetArn =
        input.policyType === 'SUBSCRIPTION_FILTER_POLICY'
          ? await subscriptionTarget(input.policyDocument, context)
          : undefined;
      const key = { kind: 'account-policy', scope: input.policyType, name: input.policyName } as const;
      const saved = await store.write(async (tx) => {
        const current = await resources.getIn(tx, context, key);
        const count = (
          await resources.listIn(tx, context, { kind: 'account-policy', scope: input.policyType })
        ).length;
        if (!current && count >= MAX_PER_TYPE[input.policyType]) throw limitExceeded();
        const put = await resources.putIn<AccountPolicyBody>(
          tx,
          context,
          key,
          {
            policyDocument: input.policyDocument,
            policyType: input.policyType,
            scope: input.scope ?? 'ALL',
            ...(input.selectionCriteria !== undefined ? { selectionCriteria: input.selectionCriteria } : {}),
            ...(targetArn !== undefined
              ? { targetArn, account: context.accountId, region: context.region }
              : {}),
          },
          clock.now(),
          { scope: input.policyType },
        );
        if (targetArn !== undefined) await startProgress(tx, put.id);
        return put;
      });
      return { accountPolicy: toAccountPolicy(context.accountId, saved) };
    },

    async DescribeAccountPolicies(input, context) {
      const others = (input.accountIdentifiers ?? []).filter((account) => account !== context.accountId);
      if (others.length > 0 && others.length === input.accountIdentifiers?.length)
        return { accountPolicies: [] };
      const { items, nextToken } = await pageOf<AccountPolicyBody>(
        resources,
        context,
        { kind: 'account-policy', scope: input.policyType },
        {
          token: input.nextToken,
          limit: DESCRIBE_LIMIT,
          keep: (policy) => input.policyName === undefined || policy.name === input.policyName,
        },
      );
      return { accountPolicies: items.map((item) => toAccountPolicy(context.accountId, item)), nextToken };
    },

    async DeleteAccountPolicy(input, context) {
      const deleted = await resources.delete(context, {
        kind: 'account-policy',
        scope: input.policyType,
        name: input.policyName,
      });
      if (!deleted) throw notFound(`Policy with name [${input.policyName}] does not exist`);
    },
  } satisfies Partial<LogsHandlers>;
}
