// One handler per EventBridge operation: input checks as AWS words them, then the registry and the dispatcher.
import type { Handler, Input, RequestContext } from '../../contract/index.ts';
import { matchesPattern } from '../../patterns/index.ts';
import { type Clock, newTimeOrderedUuid } from '../../runtime/index.ts';
import type { Dispatcher } from './dispatcher.ts';
import {
  buildEnvelope,
  checkEntry,
  type EntryError,
  entrySize,
  MAX_ENTRY_BYTES,
  type PutEventsEntry,
} from './envelope.ts';
import { notFound, validation } from './errors.ts';
import { validatePattern } from './matcher.ts';
import type { Bus, EventRegistry, Rule, Target } from './registry.ts';
import type { RuleSchedules } from './scheduled-rules.ts';

const string = (input: Input, name: string) => input[name] as string | undefined;
type Tag = { Key: string; Value: string };
const tagsToMap = (tags: Tag[] | undefined) =>
  Object.fromEntries((tags ?? []).map((tag) => [tag.Key, tag.Value]));
const mapToTags = (tags: Record<string, string>) =>
  Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));

/** NextToken/Limit paging over a sorted list (tokens are the index to resume at). */
export function page<T>(items: T[], input: Input): { items: T[]; NextToken?: string } {
  const limit = input.Limit as number | undefined;
  if (limit !== undefined && (limit < 1 || limit > 100)) {
    throw validation(
      `1 validation error detected: Value '${limit}' at 'limit' failed to satisfy constraint: Member must have value between 1 and 100`,
    );
  }
  const token = string(input, 'NextToken');
  const start = token === undefined ? 0 : Number.parseInt(Buffer.from(token, 'base64url').toString(), 10);
  if (!Number.isInteger(start) || start < 0) throw validation('The NextToken is not valid.');
  const size = limit ?? 100;
  const slice = items.slice(start, start + size);
  return start + size < items.length
    ? { items: slice, NextToken: Buffer.from(String(start + size)).toString('base64url') }
    : { items: slice };
}

function describeBus(bus: Bus) {
  return {
    Name: bus.name,
    Arn: bus.arn,
    Description: bus.description,
    KmsKeyIdentifier: bus.kmsKey,
    DeadLetterConfig: bus.deadLetterArn ? { Arn: bus.deadLetterArn } : undefined,
    Policy: bus.policy ? JSON.stringify(bus.policy) : undefined,
    CreationTime: new Date(bus.createdAt),
    LastModifiedTime: new Date(bus.modifiedAt),
  };
}

function describeRule(rule: Rule) {
  return {
    Name: rule.name,
    Arn: rule.arn,
    EventPattern: rule.eventPattern,
    ScheduleExpression: rule.schedule,
    State: rule.state,
    Description: rule.description,
    RoleArn: rule.roleArn,
    ManagedBy: rule.managedBy,
    EventBusName: rule.bus.name,
  };
}

export function eventHandlers(
  registry: EventRegistry,
  dispatcher: Dispatcher,
  schedules: RuleSchedules,
  clock: Clock,
): Record<string, Handler> {
  const busOf = (input: Input, context: RequestContext, member = 'EventBusName') =>
    registry.bus(context.accountId, context.region, string(input, member));

  const ruleOf = async (input: Input, context: RequestContext, member = 'Name') =>
    registry.rule(await busOf(input, context), string(input, member) ?? '');

  return {
    async PutEvents(input, context) {
      const entries = (input.Entries as PutEventsEntry[] | undefined) ?? [];
      if (entries.length < 1 || entries.length > 10) {
        throw validation(
          `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length between 1 and 10`,
        );
      }
      const total = entries.reduce((sum, entry) => sum + entrySize(entry), 0);
      if (total > MAX_ENTRY_BYTES)
        throw validation('Total size of the entries in the request is over the limit.');
      const now = clock.now();
      const results: Array<{ EventId?: string } & Partial<EntryError>> = [];
      const accepted = [];
      for (const entry of entries) {
        const problem = checkEntry(entry);
        if (problem) {
          results.push(problem);
          continue;
        }
        let bus: Bus;
        try {
          bus = await registry.bus(context.accountId, context.region, entry.EventBusName);
        } catch {
          results.push({
            ErrorCode: 'ResourceNotFoundException',
            ErrorMessage: `Event bus ${entry.EventBusName} does not exist.`,
          });
          continue;
        }
        const envelope = buildEnvelope(
          entry as Parameters<typeof buildEnvelope>[0],
          context.accountId,
          context.region,
          now,
          newTimeOrderedUuid(now),
        );
        accepted.push({ bus, eventId: envelope.id, envelope: envelope.json, busPath: [bus.arn] });
        results.push({ EventId: envelope.id });
      }
      if (accepted.length > 0) await dispatcher.accept(accepted);
      return { FailedEntryCount: results.filter((result) => result.ErrorCode).length, Entries: results };
    },

    async CreateEventBus(input, context) {
      const deadLetterArn = (input.DeadLetterConfig as { Arn?: string } | undefined)?.Arn;
      const bus = await registry.createBus(
        context.accountId,
        context.region,
        string(input, 'Name') ?? '',
        {
          description: string(input, 'Description'),
          kmsKey: string(input, 'KmsKeyIdentifier'),
          deadLetterArn,
        },
        tagsToMap(input.Tags as Tag[] | undefined),
      );
      return {
        EventBusArn: bus.arn,
        Description: bus.description,
        KmsKeyIdentifier: bus.kmsKey,
        DeadLetterConfig: input.DeadLetterConfig,
      };
    },

    async UpdateEventBus(input, context) {
      const bus = await busOf(input, context, 'Name');
      const deadLetterArn = (input.DeadLetterConfig as { Arn?: string } | undefined)?.Arn;
      await registry.updateBus(bus, {
        description: string(input, 'Description'),
        kmsKey: string(input, 'KmsKeyIdentifier'),
        deadLetterArn,
      });
      return describeBus(bus);
    },

    async DeleteEventBus(input, context) {
      const name = string(input, 'Name') ?? '';
      const bus = await registry.bus(context.accountId, context.region, name).catch(() => undefined);
      if (bus) await registry.deleteBus(bus);
    },

    async DescribeEventBus(input, context) {
      return describeBus(await busOf(input, context, 'Name'));
    },

    async ListEventBuses(input, context) {
      const prefix = string(input, 'NamePrefix') ?? '';
      const buses = (await registry.listBuses(context.accountId, context.region)).filter((bus) =>
        bus.name.startsWith(prefix),
      );
      const { items, NextToken } = page(buses, input);
      return {
        EventBuses: items.map((bus) => ({
          Name: bus.name,
          Arn: bus.arn,
          Description: bus.description,
          Policy: bus.policy ? JSON.stringify(bus.policy) : undefined,
          CreationTime: new Date(bus.createdAt),
          LastModifiedTime: new Date(bus.modifiedAt),
        })),
        NextToken,
      };
    },

    async PutRule(input, context) {
      const bus = await busOf(input, context);
      const rule = await registry.putRule(
        bus,
        string(input, 'Name') ?? '',
        {
          eventPattern: string(input, 'EventPattern'),
          schedule: string(input, 'ScheduleExpression'),
          state: string(input, 'State'),
          description: string(input, 'Description'),
          roleArn: string(input, 'RoleArn'),
          tags: tagsToMap(input.Tags as Tag[] | undefined),
        },
        context.accountId,
      );
      await schedules.sync(rule);
      return { RuleArn: rule.arn };
    },

    async DescribeRule(input, context) {
      const rule = await ruleOf(input, context);
      return { ...describeRule(rule), CreatedBy: rule.createdBy };
    },

    async ListRules(input, context) {
      const bus = await busOf(input, context);
      const prefix = string(input, 'NamePrefix') ?? '';
      const rules = [...bus.rules.values()]
        .filter((rule) => rule.name.startsWith(prefix))
        .sort((a, b) => (a.name < b.name ? -1 : 1));
      const { items, NextToken } = page(rules, input);
      return { Rules: items.map(describeRule), NextToken };
    },

    async EnableRule(input, context) {
      const rule = await ruleOf(input, context);
      await registry.setRuleState(rule, 'ENABLED');
      await schedules.sync(rule);
    },

    async DisableRule(input, context) {
      const rule = await ruleOf(input, context);
      await registry.setRuleState(rule, 'DISABLED');
      await schedules.sync(rule);
    },

    async DeleteRule(input, context) {
      const bus = await busOf(input, context);
      const rule = bus.rules.get(string(input, 'Name') ?? '');
      if (!rule) return;
      await registry.deleteRule(rule, input.Force === true);
      await schedules.remove(rule);
    },

    async ListRuleNamesByTarget(input, context) {
      const bus = await busOf(input, context);
      const arn = string(input, 'TargetArn') ?? '';
      const names = [...bus.rules.values()]
        .filter((rule) => [...rule.targets.values()].some((target) => target.Arn === arn))
        .map((rule) => rule.name)
        .sort();
      const { items, NextToken } = page(names, input);
      return { RuleNames: items, NextToken };
    },

    async PutTargets(input, context) {
      const rule = await ruleOf(input, context, 'Rule');
      const failed = await registry.putTargets(rule, (input.Targets as Target[] | undefined) ?? []);
      return { FailedEntryCount: failed.length, FailedEntries: failed };
    },

    async RemoveTargets(input, context) {
      const rule = await ruleOf(input, context, 'Rule');
      const failed = await registry.removeTargets(rule, (input.Ids as string[] | undefined) ?? []);
      return { FailedEntryCount: failed.length, FailedEntries: failed };
    },

    async ListTargetsByRule(input, context) {
      const rule = await ruleOf(input, context, 'Rule');
      const { items, NextToken } = page([...rule.targets.values()], input);
      return { Targets: items, NextToken };
    },

    TestEventPattern(input) {
      const pattern = string(input, 'EventPattern') ?? '';
      const event = string(input, 'Event') ?? '';
      validatePattern(pattern);
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(event) as Record<string, unknown>;
      } catch {
        throw validation('Parameter Event is not valid. Reason: Event is not valid JSON.');
      }
      for (const field of ['id', 'account', 'source', 'time', 'region', 'detail-type']) {
        if (parsed[field] === undefined)
          throw validation(
            `Parameter Event is not valid. Reason: Provided Event must have mandatory field ${field}.`,
          );
      }
      return { Result: matchesPattern(pattern, event) };
    },

    async TagResource(input) {
      const resource = await registry.resourceByArn(string(input, 'ResourceARN') ?? '');
      if (!resource) throw notFound(`Resource ${string(input, 'ResourceARN')} does not exist.`);
      await registry.setTags(resource, { ...resource.tags, ...tagsToMap(input.Tags as Tag[] | undefined) });
    },

    async UntagResource(input) {
      const resource = await registry.resourceByArn(string(input, 'ResourceARN') ?? '');
      if (!resource) throw notFound(`Resource ${string(input, 'ResourceARN')} does not exist.`);
      const tags = { ...resource.tags };
      for (const key of (input.TagKeys as string[] | undefined) ?? []) delete tags[key];
      await registry.setTags(resource, tags);
    },

    async ListTagsForResource(input) {
      const resource = await registry.resourceByArn(string(input, 'ResourceARN') ?? '');
      if (!resource) throw notFound(`Resource ${string(input, 'ResourceARN')} does not exist.`);
      return { Tags: mapToTags(resource.tags) };
    },

    async PutPermission(input, context) {
      const bus = await busOf(input, context);
      const policyText = string(input, 'Policy');
      let policy: Record<string, unknown>;
      if (policyText !== undefined) {
        try {
          policy = JSON.parse(policyText) as Record<string, unknown>;
        } catch {
          throw validation('Parameter Policy is not valid. Reason: Policy is not valid JSON.');
        }
      } else {
        const statementId = string(input, 'StatementId');
        const principal = string(input, 'Principal');
        if (!statementId || !principal)
          throw validation('StatementId, Principal and Action are required when no Policy is given.');
        const statements = (
          (bus.policy?.Statement as Array<Record<string, unknown>> | undefined) ?? []
        ).filter((statement) => statement.Sid !== statementId);
        statements.push({
          Sid: statementId,
          Effect: 'Allow',
          Principal: principal === '*' ? '*' : { AWS: `arn:aws:iam::${principal}:root` },
          Action: string(input, 'Action') ?? 'events:PutEvents',
          Resource: bus.arn,
        });
        policy = { Version: '2012-10-17', Statement: statements };
      }
      await registry.setBusPolicy(bus, policy);
    },

    async RemovePermission(input, context) {
      const bus = await busOf(input, context);
      if (input.RemoveAllPermissions === true) return registry.setBusPolicy(bus, undefined);
      const statementId = string(input, 'StatementId');
      const statements = (bus.policy?.Statement as Array<Record<string, unknown>> | undefined) ?? [];
      if (!statements.some((statement) => statement.Sid === statementId)) {
        throw notFound(`Statement with the provided id ${statementId} does not exist.`);
      }
      const remaining = statements.filter((statement) => statement.Sid !== statementId);
      await registry.setBusPolicy(
        bus,
        remaining.length > 0 ? { ...bus.policy, Statement: remaining } : undefined,
      );
    },
  };
}
