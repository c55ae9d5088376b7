// Tags: by log group name (the API AWS deprecated) and by ARN (the one it recommends).
import type { LogsHandlers } from './api.ts';
import { invalidParameter, logsError } from './errors.ts';
import { groupNameFromArn } from './input.ts';
import type { LogRegistry } from './registry.ts';

const MAX_TAGS = 50;

export function tagHandlers(registry: LogRegistry) {
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
      const name = groupNameFromArn(input.resourceArn, context);
      await registry.updateTags(context.accountId, context.region, name, (current) => {
        const merged = { ...current, ...input.tags };
        if (Object.keys(merged).length > MAX_TAGS) {
          throw logsError('TooManyTagsException', `A resource can have no more than ${MAX_TAGS} tags.`, {
            resourceName: input.resourceArn,
          });
        }
        return merged;
      });
    },

    async UntagResource(input, context) {
      const name = groupNameFromArn(input.resourceArn, context);
      await registry.updateTags(context.accountId, context.region, name, (current) => {
        for (const key of input.tagKeys) delete current[key];
        return current;
      });
    },

    async ListTagsForResource(input, context) {
      const name = groupNameFromArn(input.resourceArn, context);
      const group = await registry.requireGroup(context.accountId, context.region, name);
      return { tags: group.tags };
    },
  } satisfies Partial<LogsHandlers>;
}
