// Tags: by log group name (the API AWS deprecated) and by ARN (the one it recommends), which also
// tags destinations, delivery sources and destinations, deliveries, anomaly detectors, lookup tables
// and scheduled queries.
import { parseArn } from '../../runtime/index.ts';
import type { Store } from '../../store/index.ts';
import type { LogsHandlers } from './api.ts';
import { invalidParameter, logsError, notFound } from './errors.ts';
import { type Caller, groupNameFromArn } from './input.ts';
import type { LogRegistry } from './registry.ts';
import type { ResourceKind, Resources } from './resources.ts';

const MAX_TAGS = 50;

/** The ARN resource types that carry tags, and the kind of document each is. */
const TAGGED_KINDS: Record<string, ResourceKind> = {
  destination: 'destination',
  'delivery-source': 'delivery-source',
  'delivery-destination': 'delivery-destination',
  delivery: 'delivery',
  'anomaly-detector': 'anomaly-detector',
  'lookup-table': 'lookup-table',
  'scheduled-query': 'scheduled-query',
};

type Tagged = { kind: 'group'; name: string } | { kind: ResourceKind; name: string };

function taggedBy(arn: string, caller: Caller): Tagged {
  const parsed = parseArn(arn);
  if (parsed?.service !== 'logs') throw invalidParameter(`Invalid resource ARN: ${arn}`);
  if (parsed.resource.startsWith('log-group:')) return { kind: 'group', name: groupNameFromArn(arn, caller) };
  const colon = parsed.resource.indexOf(':');
  const kind = colon > 0 ? TAGGED_KINDS[parsed.resource.slice(0, colon)] : undefined;
  if (!kind) throw invalidParameter(`Invalid resource ARN: ${arn}`);
  if (parsed.accountId !== caller.accountId || parsed.region !== caller.region)
    throw notFound('The specified resource does not exist.');
  return { kind, name: parsed.resource.slice(colon + 1) };
}

export function tagHandlers(registry: LogRegistry, resources: Resources, store: Store) {
  /** Applies `change` to the tags of the resource an ARN names. */
  async function retag(
    arn: string,
    caller: Caller,
    change: (tags: Record<string, string>) => Record<string, string>,
  ): Promise<void> {
    const tagged = taggedBy(arn, caller);
    if (tagged.kind === 'group') {
      await registry.updateTags(caller.accountId, caller.region, tagged.name, change);
      return;
    }
    const { kind, name } = tagged;
    const updated = await store.write((tx) => resources.updateTagsIn(tx, caller, { kind, name }, change));
    if (!updated) throw notFound('The specified resource does not exist.');
  }

  const tooMany = (arn: string) =>
    logsError('TooManyTagsException', `A resource can have no more than ${MAX_TAGS} tags.`, {
      resourceName: arn,
    });

  return {
    async TagLogGroup(input, context) {
      await registry.updateTags(context.accountId, context.region, input.logGroupName, (current) => {
        const merged = { ...current, ...input.tags };
        if (Object.keys(merged).length > MAX_TAGS)
          throw invalidParameter(`A log group can have no more than ${MAX_TAGS} tags.`);
        return merged;
      });
    },

    async UntagLogGroup(input, context) {
      await registry.updateTags(context.accountId, context.region, input.logGroupName, (current) => {
        for (const key of input.tags) delete current[key];
        return current;
      });
    },

    async ListTagsLogGroup(input, context) {
      const group = await registry.requireGroup(context.accountId, context.region, input.logGroupName);
      return { tags: group.tags };
    },

    async TagResource(input, context) {
      await retag(input.resourceArn, context, (current) => {
        const merged = { ...current, ...input.tags };
        if (Object.keys(merged).length > MAX_TAGS) throw tooMany(input.resourceArn);
        return merged;
      });
    },

    async UntagResource(input, context) {
      await retag(input.resourceArn, context, (current) => {
        for (const key of input.tagKeys) delete current[key];
        return current;
      });
    },

    async ListTagsForResource(input, context) {
      const tagged = taggedBy(input.resourceArn, context);
      if (tagged.kind === 'group') {
        const group = await registry.requireGroup(context.accountId, context.region, tagged.name);
        return { tags: group.tags };
      }
      const found = await resources.get(context, { kind: tagged.kind, name: tagged.name });
      if (!found) throw notFound('The specified resource does not exist.');
      return { tags: found.tags };
    },
  } satisfies Partial<LogsHandlers>;
}
