// The bus, rule, target, PutEvents, pattern and tag operations: the checks the model cannot say,
// in AWS's words, then the registry and the dispatcher.
import type { EventBridge, Handlers, RequestContext } from '../../contract/index.ts';
import { matchesPattern } from '../../patterns/index.ts';
import { type Clock, newTimeOrderedUuid } from '../../runtime/index.ts';
import type { Dispatcher } from './dispatcher.ts';
import { buildEnvelope, checkEntry, entrySize, MAX_ENTRY_BYTES } from './envelope.ts';
import { eventsError, notFound, validation } from './errors.ts';
import { validatePattern } from './matcher.ts';
import { page } from './paging.ts';
import { assertUnmanaged, type EventRegistry } from './registry.ts';
import type { Bus, Rule } from './resources.ts';
import type { RuleSchedules } from './scheduled-rules.ts';

type BusOperations =
  | 'PutEvents'
  | 'CreateEventBus'
  | 'UpdateEventBus'
  | 'DeleteEventBus'
  | 'DescribeEventBus'
  | 'ListEventBuses'
  | 'PutRule'
  | 'DescribeRule'
  | 'ListRules'
  | 'EnableRule'
  | 'DisableRule'
  | 'DeleteRule'
  | 'ListRuleNamesByTarget'
  | 'PutTargets'
  | 'RemoveTargets'
  | 'ListTargetsByRule'
  | 'TestEventPattern'
  | 'TagResource'
  | 'UntagResource'
  | 'ListTagsForResource';

const tagsToMap = (tags: EventBridge.Tag[] | undefined) =>
  Object.fromEntries((tags ?? []).map((tag) => [tag.Key, tag.Value]));
const mapToTags = (tags: Record<string, string>) =>
  Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));

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

function describeRule(rule: Rule): EventBridge.Rule {
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

/** Partner event buses need a partner event source; eddy's accounts have none. */
function checkEventSource(name: string | undefined): void {
  if (name !== undefined) throw notFound(`Event source ${name} does not exist.`);
}

export function eventHandlers(
  registry: EventRegistry,
  dispatcher: Dispatcher,
  schedules: RuleSchedules,
  clock: Clock,
): Pick<Handlers<EventBridge.Operations>, BusOperations> {
  const busOf = (context: RequestContext, nameOrArn: string | undefined) =>
    registry.bus(context.accountId, context.region, nameOrArn);

  const ruleOf = async (context: RequestContext, bus: string | undefined, name: string) =>
    registry.rule(await busOf(context, bus), name);

  return {
    async PutEvents(input, context) {
      const entries = input.Entries;
      const total = entries.reduce((sum, entry) => sum + entrySize(entry), 0);
      if (total > MAX_ENTRY_BYTES)
        throw validation('Total size of the entries in the request is over the limit.');
      const now = clock.now();
      const results: EventBridge.PutEventsResultEntry[] = [];
      const accepted = [];
      for (const entry of entries) {
        const problem = checkEntry(entry);
        if (problem) {
          results.push(problem);
          continue;
        }
        let bus: Bus;
        try {
          bus = await busOf(context, entry.EventBusName);
        } catch {
          results.push({
            ErrorCode: 'ResourceNotFoundException',
            ErrorMessage: `Event bus ${entry.EventBusName} does not exist.`,
          });
          continue;
        }
        const envelope = buildEnvelope(
          { ...entry, Source: entry.Source!, DetailType: entry.DetailType!, Detail: entry.Detail! },
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
      checkEventSource(input.EventSourceName);
      // A partner bus is named after its event source, which eddy's accounts never have.
      if (input.Name.startsWith('aws.partner/')) checkEventSource(input.Name);
      if (input.Name.startsWith('aws.')) throw validation("EventBus name starting with 'aws.' is not valid.");
      if (input.Name.includes('/'))
        throw validation("EventBus name containing '/' is only valid for a partner event bus.");
      // Every account has its default bus in every Region, whether it was used yet or not.
      if (input.Name === 'default')
        throw eventsError('ResourceAlreadyExistsException', 'Event bus default already exists.');
      const bus = await registry.createBus(
        context.accountId,
        context.region,
        input.Name,
        {
          description: input.Description,
          kmsKey: input.KmsKeyIdentifier,
          deadLetterArn: input.DeadLetterConfig?.Arn,
        },
        tagsToMap(input.Tags),
      );
      return {
        EventBusArn: bus.arn,
        Description: bus.description,
        KmsKeyIdentifier: bus.kmsKey,
        DeadLetterConfig: input.DeadLetterConfig,
      };
    },

    async UpdateEventBus(input, context) {
      const bus = await busOf(context, input.Name);
      await registry.updateBus(bus, {
        description: input.Description,
        kmsKey: input.KmsKeyIdentifier,
        deadLetterArn: input.DeadLetterConfig?.Arn,
      });
      return describeBus(bus);
    },

    async DeleteEventBus(input, context) {
      const bus = await busOf(context, input.Name).catch(() => undefined);
      if (bus) await registry.deleteBus(bus);
    },

    async DescribeEventBus(input, context) {
      return describeBus(await busOf(context, input.Name));
    },

    async ListEventBuses(input, context) {
      const prefix = input.NamePrefix ?? '';
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
      const bus = await busOf(context, input.EventBusName);
      const managed = bus.rules.get(input.Name);
      if (managed) assertUnmanaged(managed);
      const rule = await registry.putRule(
        bus,
        input.Name,
        {
          eventPattern: input.EventPattern,
          schedule: input.ScheduleExpression,
          state: input.State,
          description: input.Description,
          roleArn: input.RoleArn,
          tags: tagsToMap(input.Tags),
        },
        context.accountId,
      );
      await schedules.sync(rule);
      return { RuleArn: rule.arn };
    },

    async DescribeRule(input, context) {
      const rule = await ruleOf(context, input.EventBusName, input.Name);
      return { ...describeRule(rule), CreatedBy: rule.createdBy };
    },

    async ListRules(input, context) {
      const bus = await busOf(context, input.EventBusName);
      const prefix = input.NamePrefix ?? '';
      const rules = [...bus.rules.values()]
        .filter((rule) => rule.name.startsWith(prefix))
        .sort((a, b) => (a.name < b.name ? -1 : 1));
      const { items, NextToken } = page(rules, input);
      return { Rules: items.map(describeRule), NextToken };
    },

    async EnableRule(input, context) {
      const rule = await ruleOf(context, input.EventBusName, input.Name);
      assertUnmanaged(rule);
      await registry.setRuleState(rule, 'ENABLED');
      await schedules.sync(rule);
    },

    async DisableRule(input, context) {
      const rule = await ruleOf(context, input.EventBusName, input.Name);
      assertUnmanaged(rule);
      await registry.setRuleState(rule, 'DISABLED');
      await schedules.sync(rule);
    },

    async DeleteRule(input, context) {
      const bus = await busOf(context, input.EventBusName);
      const rule = bus.rules.get(input.Name);
      if (!rule) return;
      await registry.deleteRule(rule, input.Force === true);
      await schedules.remove(rule);
    },

    async ListRuleNamesByTarget(input, context) {
      const bus = await busOf(context, input.EventBusName);
      const names = [...bus.rules.values()]
        .filter((rule) => [...rule.targets.values()].some((target) => target.Arn === input.TargetArn))
        .map((rule) => rule.name)
        .sort();
      const { items, NextToken } = page(names, input);
      return { RuleNames: items, NextToken };
    },

    async PutTargets(input, context) {
      const rule = await ruleOf(context, input.EventBusName, input.Rule);
      assertUnmanaged(rule);
      const failed = await registry.putTargets(rule, input.Targets);
      return { FailedEntryCount: failed.length, FailedEntries: failed };
    },

    async RemoveTargets(input, context) {
      const rule = await ruleOf(context, input.EventBusName, input.Rule);
      assertUnmanaged(rule, input.Force === true);
      const failed = await registry.removeTargets(rule, input.Ids);
      return { FailedEntryCount: failed.length, FailedEntries: failed };
    },

    async ListTargetsByRule(input, context) {
      const rule = await ruleOf(context, input.EventBusName, input.Rule);
      const { items, NextToken } = page([...rule.targets.values()], input);
      return { Targets: items, NextToken };
    },

    TestEventPattern(input) {
      validatePattern(input.EventPattern);
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(input.Event) as Record<string, unknown>;
      } catch {
        throw validation('Parameter Event is not valid. Reason: Event is not valid JSON.');
      }
      for (const field of ['id', 'account', 'source', 'time', 'region', 'detail-type']) {
        if (parsed[field] === undefined)
          throw validation(
            `Parameter Event is not valid. Reason: Provided Event must have mandatory field ${field}.`,
          );
      }
      return { Result: matchesPattern(input.EventPattern, input.Event) };
    },

    async TagResource(input) {
      const resource = await registry.resourceByArn(input.ResourceARN);
      if (!resource) throw notFound(missingResourceMessage(input.ResourceARN));
      await registry.setTags(resource, { ...resource.tags, ...tagsToMap(input.Tags) });
      return {};
    },

    async UntagResource(input) {
      const resource = await registry.resourceByArn(input.ResourceARN);
      if (!resource) throw notFound(missingResourceMessage(input.ResourceARN));
      const tags = { ...resource.tags };
      for (const key of input.TagKeys) delete tags[key];
      await registry.setTags(resource, tags);
      return {};
    },

    async ListTagsForResource(input) {
      const resource = await registry.resourceByArn(input.ResourceARN);
      if (!resource) throw notFound(missingResourceMessage(input.ResourceARN));
      return { Tags: mapToTags(resource.tags) };
    },
  };
}

/** A missing rule is named as its other operations name it (its bus too); anything else by its ARN. */
function missingResourceMessage(arn: string): string {
  const rule = /^arn:[^:]+:events:[^:]*:\d{12}:rule\/(?:([^/]+)\/)?([^/]+)$/.exec(arn);
  return rule
    ? `Rule ${rule[2]} does not exist on EventBus ${rule[1] ?? 'default'}.`
    : `Resource ${arn} does not exist.`;
}
