// Saved Logs Insights queries: created with a new id or updated by id, listed by name prefix and
// language, deleted by id. A client token makes a retried create return the same definition.
import type { CloudWatchLogs } from '../../contract/index.ts';
import { type Clock, newUuid } from '../../runtime/index.ts';
import type { Store } from '../../store/index.ts';
import type { LogsHandlers } from './api.ts';
import { limitExceeded, notFound } from './errors.ts';
import { pageOf, type Resource, type Resources } from './resources.ts';

const MAX_DEFINITIONS = 1_000;
const DESCRIBE_LIMIT = 1_000;

interface DefinitionBody {
  name: string;
  queryString: string;
  queryLanguage: CloudWatchLogs.QueryLanguage;
  logGroupNames?: string[];
  parameters?: CloudWatchLogs.QueryParameter[];
  clientToken?: string;
}

const definitionNotFound = () => notFound('The specified query definition does not exist.');

function toDefinition(resource: Resource<DefinitionBody>): CloudWatchLogs.QueryDefinition {
  const { body } = resource;
  return {
    queryLanguage: body.queryLanguage,
    queryDefinitionId: resource.name,
    name: body.name,
    queryString: body.queryString,
    lastModified: resource.updatedAt,
    ...(body.logGroupNames !== undefined ? { logGroupNames: body.logGroupNames } : {}),
    ...(body.parameters !== undefined ? { parameters: body.parameters } : {}),
  };
}

export function queryDefinitionHandlers(resources: Resources, store: Store, clock: Clock) {
  return {
    async PutQueryDefinition(input, context) {
      const body: DefinitionBody = {
        name: input.name,
        queryString: input.queryString,
        queryLanguage: input.queryLanguage ?? 'CWLI',
        ...(input.logGroupNames !== undefined ? { logGroupNames: input.logGroupNames } : {}),
        ...(input.parameters !== undefined ? { parameters: input.parameters } : {}),
        ...(input.clientToken !== undefined ? { clientToken: input.clientToken } : {}),
      };
      const id = await store.write(async (tx) => {
        if (input.queryDefinitionId !== undefined) {
          const key = { kind: 'query-definition', name: input.queryDefinitionId } as const;
          if (!(await resources.getIn(tx, context, key))) throw definitionNotFound();
          await resources.putIn(tx, context, key, body, clock.now());
          return input.queryDefinitionId;
        }
        const all = await resources.listIn<DefinitionBody>(tx, context, { kind: 'query-definition' });
        const retried = all.find(
          (found) => input.clientToken !== undefined && found.body.clientToken === input.clientToken,
        );
        if (retried) return retried.name;
        if (all.length >= MAX_DEFINITIONS) throw limitExceeded();
        const created = newUuid();
        await resources.putIn(tx, context, { kind: 'query-definition', name: created }, body, clock.now());
        return created;
      });
      return { queryDefinitionId: id };
    },

    async DescribeQueryDefinitions(input, context) {
      const prefix = input.queryDefinitionNamePrefix;
      const { items, nextToken } = await pageOf<DefinitionBody>(
        resources,
        context,
        { kind: 'query-definition' },
        {
          token: input.nextToken,
          limit: input.maxResults ?? DESCRIBE_LIMIT,
          keep: (definition) =>
            (prefix === undefined || definition.body.name.startsWith(prefix)) &&
            (input.queryLanguage === undefined || definition.body.queryLanguage === input.queryLanguage),
        },
      );
      return { queryDefinitions: items.map(toDefinition), nextToken };
    },

    async DeleteQueryDefinition(input, context) {
      if (!(await resources.delete(context, { kind: 'query-definition', name: input.queryDefinitionId })))
        throw definitionNotFound();
      return { success: true };
    },
  } satisfies Partial<LogsHandlers>;
}
