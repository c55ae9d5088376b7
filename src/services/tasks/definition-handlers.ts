// The task definition operations: RegisterTaskDefinition, DescribeTaskDefinition,
// DeregisterTaskDefinition, DeleteTaskDefinitions, ListTaskDefinitions and
// ListTaskDefinitionFamilies.
import { type EcsHandlers, presentDefinition, scopeOf } from './api.ts';
import type { TaskDefinitions } from './definitions.ts';
import { clientException, invalidParameter } from './errors.ts';
import { page, pageSize } from './paging.ts';
import type { TaskDefinition } from './types.ts';

const revisionKey = (definition: TaskDefinition) =>
  `${definition.family}:${String(definition.revision).padStart(10, '0')}`;

export function definitionHandlers(definitions: TaskDefinitions) {
  return {
    async RegisterTaskDefinition(input, context) {
      const { definition, tags } = await definitions.register(scopeOf(context), input);
      return { taskDefinition: presentDefinition(definition), tags };
    },

    async DescribeTaskDefinition(input, context) {
      const found = await definitions.find(scopeOf(context), input.taskDefinition);
      if (!found || found.definition.status === 'DELETE_IN_PROGRESS')
        throw clientException('Unable to describe task definition.');
      return {
        taskDefinition: presentDefinition(found.definition),
        tags: (input.include ?? []).includes('TAGS') ? found.tags : undefined,
      };
    },

    async DeregisterTaskDefinition(input, context) {
      const definition = await definitions.deregister(scopeOf(context), input.taskDefinition);
      return { taskDefinition: presentDefinition(definition) };
    },

    async DeleteTaskDefinitions(input, context) {
      const texts = input.taskDefinitions;
      if (texts.length === 0) throw invalidParameter('taskDefinitions must not be empty.');
      if (texts.length > 10) throw invalidParameter('taskDefinitions can have at most 10 items.');
      const { deleted, failures } = await definitions.delete(scopeOf(context), texts);
      await definitions.purgeDeleted();
      return { taskDefinitions: deleted.map(presentDefinition), failures };
    },

    async ListTaskDefinitions(input, context) {
      const status = input.status ?? 'ACTIVE';
      const sort = input.sort ?? 'ASC';
      // ListTaskDefinitions' familyPrefix is a whole family name, unlike ListTaskDefinitionFamilies'.
      const family = input.familyPrefix;
      let all = (await definitions.all(scopeOf(context), status)).filter(
        (definition) => family === undefined || definition.family === family,
      );
      if (sort === 'DESC') all = all.reverse();
      const { items, nextToken } = page(
        all,
        revisionKey,
        input.nextToken,
        pageSize(input.maxResults, 100),
        sort === 'DESC',
      );
      return { taskDefinitionArns: items.map((definition) => definition.taskDefinitionArn), nextToken };
    },

    async ListTaskDefinitionFamilies(input, context) {
      const status = input.status ?? 'ALL';
      const prefix = input.familyPrefix ?? '';
      const active = new Set<string>();
      const seen = new Set<string>();
      for (const definition of await definitions.all(scopeOf(context))) {
        if (definition.status === 'DELETE_IN_PROGRESS' || !definition.family.startsWith(prefix)) continue;
        seen.add(definition.family);
        if (definition.status === 'ACTIVE') active.add(definition.family);
      }
      const families = [...seen]
        .filter((family) => status === 'ALL' || (status === 'ACTIVE') === active.has(family))
        .sort();
      const { items, nextToken } = page(
        families,
        (family) => family,
        input.nextToken,
        pageSize(input.maxResults, 100),
      );
      return { families: items, nextToken };
    },
  } satisfies Partial<EcsHandlers>;
}
