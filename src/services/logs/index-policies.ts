// Field index policies: a group's own (PutIndexPolicy) or the account's FIELD_INDEX_POLICY whose
// selection criteria take the group in. eddy's queries scan the events either way, so an index
// changes no answer; DescribeFieldIndexes reports, per indexed field, the first and last time an
// event of the group carried it.
import type { CloudWatchLogs } from '../../contract/index.ts';
import type { Clock } from '../../runtime/index.ts';
import type { Store } from '../../store/index.ts';
import type { AccountPolicyBody } from './account-policies.ts';
import type { LogsHandlers } from './api.ts';
import { invalidParameter, notFound } from './errors.ts';
import { type Caller, identifiedGroup } from './input.ts';
import type { LogGroup, LogRegistry } from './registry.ts';
import type { Resource, Resources } from './resources.ts';
import { selects } from './selection.ts';

/** Events DescribeFieldIndexes reads per group, newest first. */
const FIELD_SCAN_LIMIT = 100_000;

export interface IndexPolicyBody {
  policyDocument: string;
  fields: string[];
}

function fieldsOf(document: string): string[] {
  let parsed: { Fields?: unknown };
  try {
    parsed = JSON.parse(document) as { Fields?: unknown };
  } catch {
    throw invalidParameter('Invalid index policy: the policy document is not valid JSON.');
  }
  if (!Array.isArray(parsed.Fields) || !parsed.Fields.every((field) => typeof field === 'string'))
    throw invalidParameter('Invalid index policy: Fields must be a list of field names.');
  return parsed.Fields as string[];
}

export function indexPolicyHandlers(registry: LogRegistry, resources: Resources, store: Store, clock: Clock) {
  const groupOf = (identifier: string, caller: Caller) =>
    registry.requireGroup(caller.accountId, caller.region, identifiedGroup(identifier, caller));

  /** The policy that indexes a group: its own, or the first account policy that selects it. */
  async function effective(caller: Caller, group: LogGroup): Promise<CloudWatchLogs.IndexPolicy | undefined> {
    const own = await resources.get<IndexPolicyBody>(caller, {
      kind: 'index-policy',
      scope: group.name,
      name: '',
    });
    if (own)
      return {
        logGroupIdentifier: group.name,
        lastUpdateTime: own.updatedAt,
        policyDocument: own.body.policyDocument,
        source: 'LOG_GROUP',
      };
    const account = await resources.list<AccountPolicyBody>(caller, {
      kind: 'account-policy',
      scope: 'FIELD_INDEX_POLICY',
    });
    const chosen = account.find((policy: Resource<AccountPolicyBody>) =>
      selects(policy.body.selectionCriteria, group.name),
    );
    return (
      chosen && {
        logGroupIdentifier: group.name,
        lastUpdateTime: chosen.updatedAt,
        policyDocument: chosen.body.policyDocument,
        policyName: chosen.name,
        source: 'ACCOUNT',
      }
    );
  }

  return {
    async PutIndexPolicy(input, context) {
      const fields = fieldsOf(input.policyDocument);
      const group = await groupOf(input.logGroupIdentifier, context);
      const saved = await resources.put<IndexPolicyBody>(
        context,
        { kind: 'index-policy', scope: group.name, name: '' },
        { policyDocument: input.policyDocument, fields },
        clock.now(),
        { scope: group.name, groupId: group.id },
      );
      return {
        indexPolicy: {
          logGroupIdentifier: input.logGroupIdentifier,
          lastUpdateTime: saved.updatedAt,
          policyDocument: input.policyDocument,
          source: 'LOG_GROUP',
        },
      };
    },

    async DescribeIndexPolicies(input, context) {
      const policies: CloudWatchLogs.IndexPolicy[] = [];
      for (const identifier of input.logGroupIdentifiers) {
        const policy = await effective(context, await groupOf(identifier, context));
        if (policy) policies.push({ ...policy, logGroupIdentifier: identifier });
      }
      return { indexPolicies: policies };
    },

    async DeleteIndexPolicy(input, context) {
      const group = await groupOf(input.logGroupIdentifier, context);
      if (!(await resources.delete(context, { kind: 'index-policy', scope: group.name, name: '' })))
        throw notFound('The specified log group does not have an index policy.');
      return {};
    },

    async DescribeFieldIndexes(input, context) {
      const indexes: CloudWatchLogs.FieldIndex[] = [];
      for (const identifier of input.logGroupIdentifiers) {
        const group = await groupOf(identifier, context);
        const policy = await effective(context, group);
        if (!policy) continue;
        const fields = fieldsOf(policy.policyDocument!);
        const seen = new Map<string, { first: number; last: number }>();
        const rows = await store.read((tx) =>
          tx.all<{ ts: number; message: string }>(
            'SELECT ts, message FROM logs_events WHERE group_id = ? ORDER BY ts DESC, seq DESC LIMIT ?',
            [group.id, FIELD_SCAN_LIMIT],
          ),
        );
        for (const row of rows) {
          if (!row.message.trimStart().startsWith('{')) continue;
          let parsed: Record<string, unknown>;
          try {
            parsed = JSON.parse(row.message) as Record<string, unknown>;
          } catch {
            continue;
          }
          for (const field of fields) {
            if (parsed[field] === undefined) continue;
            const span = seen.get(field) ?? { first: row.ts, last: row.ts };
            span.first = Math.min(span.first, row.ts);
            span.last = Math.max(span.last, row.ts);
            seen.set(field, span);
          }
        }
        for (const field of fields)
          indexes.push({
            logGroupIdentifier: identifier,
            fieldIndexName: field,
            lastScanTime: clock.now(),
            ...(seen.has(field)
              ? { firstEventTime: seen.get(field)!.first, lastEventTime: seen.get(field)!.last }
              : {}),
            type: 'FIELD_INDEX',
          });
      }
      return { fieldIndexes: indexes };
    },
  } satisfies Partial<LogsHandlers>;
}
