// Scheduled queries: an Insights query with a cron() or rate() schedule and an S3 destination for
// its results. eddy stores, shows, updates and deletes them, checking the query and the schedule;
// it does not run them (eddy serves no S3 to deliver the results to), so their trigger history is
// empty and they never have a last execution.
import type { CloudWatchLogs } from '../../contract/index.ts';
import { type Clock, formatArn, newUuid, parseArn } from '../../runtime/index.ts';
import type { Store } from '../../store/index.ts';
import type { LogsHandlers } from './api.ts';
import { logsError } from './errors.ts';
import type { Caller } from './input.ts';
import { checkQuery } from './insights-eval.ts';
import { parseQuery, QuerySyntaxError } from './insights-parse.ts';
import { pageOf, type Resource, type Resources } from './resources.ts';

const LIST_LIMIT = 1_000;

interface ScheduledBody {
  name: string;
  description?: string;
  queryLanguage: CloudWatchLogs.QueryLanguage;
  queryString: string;
  logGroupIdentifiers?: string[];
  scheduleExpression: string;
  timezone?: string;
  startTimeOffset?: number;
  destinationConfiguration?: CloudWatchLogs.DestinationConfiguration;
  scheduleStartTime?: number;
  scheduleEndTime?: number;
  executionRoleArn: string;
  state: CloudWatchLogs.ScheduledQueryState;
}

const validation = (message: string) => logsError('ValidationException', message);
const scheduledNotFound = (identifier: string) =>
  logsError('ResourceNotFoundException', `Scheduled query ${identifier} does not exist.`);

const scheduledArn = (caller: Caller, id: string) =>
  formatArn({
    service: 'logs',
    region: caller.region,
    accountId: caller.accountId,
    resource: `scheduled-query:${id}`,
  });

type Definition = Omit<CloudWatchLogs.CreateScheduledQueryRequest, 'tags' | 'name'>;

function check(input: Definition): void {
  if (!/^(cron\(.+\)|rate\(\d+ (minute|minutes|hour|hours|day|days)\))$/.test(input.scheduleExpression))
    throw validation(
      `Invalid schedule expression ${input.scheduleExpression}: use cron(…) or rate(N minutes|hours|days).`,
    );
  if (input.queryLanguage !== 'CWLI')
    throw validation(`eddy runs CWLI queries; ${input.queryLanguage} is not supported.`);
  try {
    checkQuery(parseQuery(input.queryString));
  } catch (error) {
    if (error instanceof QuerySyntaxError) throw validation(`Invalid query: ${error.message}`);
    throw error;
  }
  if (
    input.scheduleStartTime !== undefined &&
    input.scheduleEndTime !== undefined &&
    input.scheduleEndTime < input.scheduleStartTime
  )
    throw validation('scheduleEndTime must not be before scheduleStartTime.');
}

function bodyOf(name: string, input: Definition): ScheduledBody {
  return {
    name,
    ...(input.description !== undefined ? { description: input.description } : {}),
    queryLanguage: input.queryLanguage,
    queryString: input.queryString,
    ...(input.logGroupIdentifiers !== undefined ? { logGroupIdentifiers: input.logGroupIdentifiers } : {}),
    scheduleExpression: input.scheduleExpression,
    ...(input.timezone !== undefined ? { timezone: input.timezone } : {}),
    ...(input.startTimeOffset !== undefined ? { startTimeOffset: input.startTimeOffset } : {}),
    ...(input.destinationConfiguration !== undefined
      ? { destinationConfiguration: input.destinationConfiguration }
      : {}),
    ...(input.scheduleStartTime !== undefined ? { scheduleStartTime: input.scheduleStartTime } : {}),
    ...(input.scheduleEndTime !== undefined ? { scheduleEndTime: input.scheduleEndTime } : {}),
    executionRoleArn: input.executionRoleArn,
    state: input.state ?? 'ENABLED',
  };
}

function full(caller: Caller, resource: Resource<ScheduledBody>) {
  return {
    scheduledQueryArn: scheduledArn(caller, resource.name),
    ...resource.body,
    creationTime: resource.createdAt,
    lastUpdatedTime: resource.updatedAt,
  };
}

export function scheduledQueryHandlers(resources: Resources, store: Store, clock: Clock) {
  /** A scheduled query by ARN or by name. */
  async function find(identifier: string, caller: Caller): Promise<Resource<ScheduledBody>> {
    if (identifier.startsWith('arn:')) {
      const parsed = parseArn(identifier);
      const id = parsed?.resource.startsWith('scheduled-query:')
        ? parsed.resource.slice('scheduled-query:'.length)
        : undefined;
      const found =
        id !== undefined && parsed?.accountId === caller.accountId && parsed.region === caller.region
          ? await resources.get<ScheduledBody>(caller, { kind: 'scheduled-query', name: id })
          : undefined;
      if (!found) throw scheduledNotFound(identifier);
      return found;
    }
    const all = await resources.list<ScheduledBody>(caller, { kind: 'scheduled-query' });
    const found = all.find((resource) => resource.body.name === identifier);
    if (!found) throw scheduledNotFound(identifier);
    return found;
  }

  return {
    async CreateScheduledQuery(input, context) {
      check(input);
      const id = newUuid();
      const saved = await store.write(async (tx) => {
        const all = await resources.listIn<ScheduledBody>(tx, context, { kind: 'scheduled-query' });
        if (all.some((resource) => resource.body.name === input.name))
          throw logsError('ConflictException', `A scheduled query named ${input.name} already exists.`);
        return resources.putIn(
          tx,
          context,
          { kind: 'scheduled-query', name: id },
          bodyOf(input.name, input),
          clock.now(),
          {
            ...(input.tags ? { tags: input.tags } : {}),
          },
        );
      });
      return { scheduledQueryArn: scheduledArn(context, id), state: saved.body.state };
    },

    async GetScheduledQuery(input, context) {
      return full(context, await find(input.identifier, context));
    },

    async UpdateScheduledQuery(input, context) {
      const found = await find(input.identifier, context);
      check(input);
      const saved = await resources.put(
        context,
        { kind: 'scheduled-query', name: found.name },
        bodyOf(found.body.name, input),
        clock.now(),
      );
      return full(context, saved);
    },

    async DeleteScheduledQuery(input, context) {
      const found = await find(input.identifier, context);
      await resources.delete(context, { kind: 'scheduled-query', name: found.name });
      return {};
    },

    async ListScheduledQueries(input, context) {
      const { items, nextToken } = await pageOf<ScheduledBody>(
        resources,
        context,
        { kind: 'scheduled-query' },
        {
          token: input.nextToken,
          limit: input.maxResults ?? LIST_LIMIT,
          keep: (resource) => input.state === undefined || resource.body.state === input.state,
        },
      );
      return {
        scheduledQueries: items.map((resource) => ({
          scheduledQueryArn: scheduledArn(context, resource.name),
          name: resource.body.name,
          state: resource.body.state,
          scheduleExpression: resource.body.scheduleExpression,
          ...(resource.body.timezone !== undefined ? { timezone: resource.body.timezone } : {}),
          ...(resource.body.destinationConfiguration !== undefined
            ? { destinationConfiguration: resource.body.destinationConfiguration }
            : {}),
          creationTime: resource.createdAt,
          lastUpdatedTime: resource.updatedAt,
        })),
        nextToken,
      };
    },

    async GetScheduledQueryHistory(input, context) {
      const found = await find(input.identifier, context);
      if (input.endTime < input.startTime) throw validation('endTime must not be before startTime.');
      return {
        name: found.body.name,
        scheduledQueryArn: scheduledArn(context, found.name),
        triggerHistory: [],
      };
    },
  } satisfies Partial<LogsHandlers>;
}
