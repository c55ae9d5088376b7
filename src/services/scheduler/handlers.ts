// The Scheduler's operations: schedules, schedule groups and their tags.
import type { Handlers, RequestContext, Scheduler } from '../../contract/index.ts';
import type { Clock } from '../../runtime/index.ts';
import type { Store, Tx } from '../../store/index.ts';
import { scheduleDefinition } from './definition.ts';
import { conflict, groupNotFound, quotaExceeded, scheduleNotFound, validation } from './errors.ts';
import type { Invocations } from './invocations.ts';
import {
  countGroups,
  DEFAULT_GROUP,
  deletedWithToken,
  deleteGroupRow,
  deleteScheduleRow,
  findGroup,
  findSchedule,
  type GroupRecord,
  groupArn,
  groupOrDefault,
  insertGroup,
  insertSchedule,
  listGroups,
  listSchedules,
  rememberDeleteToken,
  replaceSchedule,
  type ScheduleRecord,
  type Scope,
  scheduleArn,
  schedulesInGroup,
  setGroupTags,
} from './records.ts';

export interface HandlerDeps {
  store: Store;
  clock: Clock;
  invocations: Invocations;
  supports: (arn: string) => boolean;
}

/** Scheduler's quota of schedule groups per account and Region (the default group counts). */
const GROUPS_PER_ACCOUNT = 500;

const scopeOf = (context: RequestContext): Scope => ({ account: context.accountId, region: context.region });

/** Tokens page by the last item returned: (group, name) for schedules, the name for groups. */
const token = (parts: string[]) => Buffer.from(JSON.stringify(parts)).toString('base64url');
function readToken(text: string | undefined, length: number): string[] | undefined {
  if (text === undefined) return undefined;
  try {
    const parts = JSON.parse(Buffer.from(text, 'base64url').toString()) as unknown;
    if (Array.isArray(parts) && parts.length === length && parts.every((part) => typeof part === 'string'))
      return parts as string[];
  } catch {
    // falls through to the error
  }
  throw validation('The NextToken is not valid.');
}

export function schedulerHandlers(deps: HandlerDeps): Handlers<Scheduler.Operations> {
  const { store, clock, invocations } = deps;

  async function requireGroup(tx: Tx, scope: Scope, name: string): Promise<GroupRecord> {
    const group = await groupOrDefault(tx, scope, name, clock.now());
    if (!group) throw groupNotFound(name);
    return group;
  }

  async function requireSchedule(
    tx: Tx,
    scope: Scope,
    groupName: string,
    name: string,
  ): Promise<ScheduleRecord> {
    const schedule = await findSchedule(tx, scope, groupName, name);
    if (!schedule) throw scheduleNotFound(name);
    return schedule;
  }

  function groupArnOf(tag: string): { scope: Scope; name: string } {
    const match = /^arn:aws[a-z-]*:scheduler:([a-z0-9-]+):(\d{12}):schedule-group\/([0-9a-zA-Z-_.]+)$/.exec(
      tag,
    );
    if (!match) throw validation(`Invalid ResourceArn ${tag}: tags are kept on schedule groups.`);
    return { scope: { region: match[1]!, account: match[2]! }, name: match[3]! };
  }

  return {
    async CreateSchedule(input, context) {
      const scope = scopeOf(context);
      const now = clock.now();
      const groupName = input.GroupName ?? DEFAULT_GROUP;
      return store.write(async (tx) => {
        await requireGroup(tx, scope, groupName);
        const existing = await findSchedule(tx, scope, groupName, input.Name);
        if (existing) {
          // The SDK sends one ClientToken for all retries of a call: a retried create succeeds again.
          if (input.ClientToken !== undefined && existing.clientToken === input.ClientToken)
            return { ScheduleArn: scheduleArn(existing) };
          throw conflict(`Schedule ${input.Name} already exists.`);
        }
        const definition = scheduleDefinition(input, { now, supports: deps.supports });
        const schedule = await insertSchedule(tx, {
          ...scope,
          groupName,
          name: input.Name,
          state: input.State ?? 'ENABLED',
          definition,
          clientToken: input.ClientToken,
          createdAt: now,
        });
        await invocations.arm(tx, schedule, now - 1);
        return { ScheduleArn: scheduleArn(schedule) };
      });
    },

    async UpdateSchedule(input, context) {
      const scope = scopeOf(context);
      const now = clock.now();
      return store.write(async (tx) => {
        const schedule = await requireSchedule(tx, scope, input.GroupName ?? DEFAULT_GROUP, input.Name);
        // A retry of the update that last changed it (same ClientToken) is answered, not applied again.
        if (input.ClientToken !== undefined && schedule.clientToken === input.ClientToken)
          return { ScheduleArn: scheduleArn(schedule) };
        // A full replace, as AWS does: what the request leaves out goes back to its default.
        const definition = scheduleDefinition(input, { now, supports: deps.supports });
        // The same rate without a StartDate keeps its rhythm rather than firing for the update.
        if (
          definition.StartDate === undefined &&
          schedule.definition.StartDate === undefined &&
          definition.ScheduleExpression === schedule.definition.ScheduleExpression
        )
          definition.anchor = schedule.definition.anchor;
        const replaced: ScheduleRecord = {
          ...schedule,
          state: input.State ?? 'ENABLED',
          definition,
          clientToken: input.ClientToken,
          modifiedAt: now,
        };
        await replaceSchedule(tx, replaced);
        await invocations.arm(tx, replaced, now - 1);
        return { ScheduleArn: scheduleArn(replaced) };
      });
    },

    async GetSchedule(input, context) {
      const schedule = await store.read((tx) =>
        requireSchedule(tx, scopeOf(context), input.GroupName ?? DEFAULT_GROUP, input.Name),
      );
      const definition = schedule.definition;
      return {
        Arn: scheduleArn(schedule),
        Name: schedule.name,
        GroupName: schedule.groupName,
        State: schedule.state,
        ScheduleExpression: definition.ScheduleExpression,
        ScheduleExpressionTimezone: definition.ScheduleExpressionTimezone ?? 'UTC',
        ...(definition.StartDate !== undefined ? { StartDate: new Date(definition.StartDate) } : {}),
        ...(definition.EndDate !== undefined ? { EndDate: new Date(definition.EndDate) } : {}),
        ...(definition.Description !== undefined ? { Description: definition.Description } : {}),
        ...(definition.KmsKeyArn !== undefined ? { KmsKeyArn: definition.KmsKeyArn } : {}),
        FlexibleTimeWindow: definition.FlexibleTimeWindow,
        ActionAfterCompletion: definition.ActionAfterCompletion,
        Target: definition.Target,
        CreationDate: new Date(schedule.createdAt),
        LastModificationDate: new Date(schedule.modifiedAt),
      };
    },

    async DeleteSchedule(input, context) {
      const scope = scopeOf(context);
      const groupName = input.GroupName ?? DEFAULT_GROUP;
      const now = clock.now();
      await store.write(async (tx) => {
        const schedule = await findSchedule(tx, scope, groupName, input.Name);
        if (!schedule) {
          // The retry of a delete that succeeded (its answer lost) succeeds again.
          if (
            input.ClientToken !== undefined &&
            (await deletedWithToken(tx, scope, groupName, input.Name, input.ClientToken, now))
          )
            return;
          throw scheduleNotFound(input.Name);
        }
        await deleteScheduleRow(tx, schedule.id);
        if (input.ClientToken !== undefined) await rememberDeleteToken(tx, schedule, input.ClientToken, now);
        await invocations.disarm(tx, schedule.id);
      });
      return {};
    },

    async ListSchedules(input, context) {
      const scope = scopeOf(context);
      const limit = input.MaxResults ?? 100;
      const after = readToken(input.NextToken, 2) as [string, string] | undefined;
      const rows = await store.read(async (tx) => {
        if (
          input.GroupName !== undefined &&
          !(await findGroup(tx, scope, input.GroupName)) &&
          input.GroupName !== DEFAULT_GROUP
        )
          throw groupNotFound(input.GroupName);
        return listSchedules(tx, scope, {
          ...(input.GroupName !== undefined ? { groupName: input.GroupName } : {}),
          ...(input.NamePrefix !== undefined ? { namePrefix: input.NamePrefix } : {}),
          ...(input.State !== undefined ? { state: input.State } : {}),
          ...(after ? { after } : {}),
          limit: limit + 1,
        });
      });
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return {
        Schedules: page.map((schedule) => ({
          Arn: scheduleArn(schedule),
          Name: schedule.name,
          GroupName: schedule.groupName,
          State: schedule.state,
          CreationDate: new Date(schedule.createdAt),
          LastModificationDate: new Date(schedule.modifiedAt),
          Target: { Arn: schedule.definition.Target.Arn },
        })),
        ...(rows.length > limit && last ? { NextToken: token([last.groupName, last.name]) } : {}),
      };
    },

    async CreateScheduleGroup(input, context) {
      const scope = scopeOf(context);
      return store.write(async (tx) => {
        const existing = await groupOrDefault(tx, scope, input.Name, clock.now());
        if (existing) {
          if (input.ClientToken !== undefined && existing.clientToken === input.ClientToken)
            return { ScheduleGroupArn: groupArn(scope, existing.name) };
          throw conflict(`Schedule group ${input.Name} already exists.`);
        }
        if ((await countGroups(tx, scope)) >= GROUPS_PER_ACCOUNT)
          throw quotaExceeded(
            `The quota of ${GROUPS_PER_ACCOUNT} schedule groups per account and Region is reached.`,
          );
        await insertGroup(tx, {
          ...scope,
          name: input.Name,
          tags: input.Tags ?? [],
          clientToken: input.ClientToken,
          createdAt: clock.now(),
        });
        return { ScheduleGroupArn: groupArn(scope, input.Name) };
      });
    },

    async GetScheduleGroup(input, context) {
      const scope = scopeOf(context);
      const group = await store.write((tx) => requireGroup(tx, scope, input.Name));
      return {
        Arn: groupArn(scope, group.name),
        Name: group.name,
        State: 'ACTIVE',
        CreationDate: new Date(group.createdAt),
        LastModificationDate: new Date(group.modifiedAt),
      };
    },

    async DeleteScheduleGroup(input, context) {
      const scope = scopeOf(context);
      if (input.Name === DEFAULT_GROUP) throw validation('You cannot delete the default schedule group.');
      const now = clock.now();
      // AWS deletes the group's schedules asynchronously; eddy does it in the same transaction.
      await store.write(async (tx) => {
        const group = await findGroup(tx, scope, input.Name);
        if (!group) {
          // The retry of a delete that succeeded (its answer lost) succeeds again.
          if (
            input.ClientToken !== undefined &&
            (await deletedWithToken(tx, scope, input.Name, '', input.ClientToken, now))
          )
            return;
          throw groupNotFound(input.Name);
        }
        for (const id of await schedulesInGroup(tx, scope, group.name)) {
          await deleteScheduleRow(tx, id);
          await invocations.disarm(tx, id);
        }
        await deleteGroupRow(tx, group.id);
        if (input.ClientToken !== undefined)
          await rememberDeleteToken(
            tx,
            { ...scope, groupName: group.name, name: '' },
            input.ClientToken,
            now,
          );
      });
      return {};
    },

    async ListScheduleGroups(input, context) {
      const scope = scopeOf(context);
      const limit = input.MaxResults ?? 100;
      const after = readToken(input.NextToken, 1)?.[0];
      const groups = await store.write(async (tx) => {
        await groupOrDefault(tx, scope, DEFAULT_GROUP, clock.now());
        return listGroups(tx, scope, input.NamePrefix, after, limit + 1);
      });
      const page = groups.slice(0, limit);
      return {
        ScheduleGroups: page.map((group) => ({
          Arn: groupArn(scope, group.name),
          Name: group.name,
          State: 'ACTIVE' as const,
          CreationDate: new Date(group.createdAt),
          LastModificationDate: new Date(group.modifiedAt),
        })),
        ...(groups.length > limit ? { NextToken: token([page.at(-1)!.name]) } : {}),
      };
    },

    async TagResource(input) {
      const { scope, name } = groupArnOf(input.ResourceArn);
      await store.write(async (tx) => {
        const group = await requireGroup(tx, scope, name);
        const tags = new Map(group.tags.map((tag) => [tag.Key, tag.Value]));
        for (const tag of input.Tags) tags.set(tag.Key, tag.Value);
        if (tags.size > 200) throw validation('A schedule group can have at most 200 tags.');
        await setGroupTags(
          tx,
          group.id,
          [...tags].map(([Key, Value]) => ({ Key, Value })),
          clock.now(),
        );
      });
      return {};
    },

    async UntagResource(input) {
      const { scope, name } = groupArnOf(input.ResourceArn);
      await store.write(async (tx) => {
        const group = await requireGroup(tx, scope, name);
        const removed = new Set(input.TagKeys);
        await setGroupTags(
          tx,
          group.id,
          group.tags.filter((tag) => !removed.has(tag.Key)),
          clock.now(),
        );
      });
      return {};
    },

    async ListTagsForResource(input) {
      const { scope, name } = groupArnOf(input.ResourceArn);
      const group = await store.write((tx) => requireGroup(tx, scope, name));
      return { Tags: group.tags };
    },
  };
}
