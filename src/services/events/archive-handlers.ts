// The archive and replay operations: input checked as AWS words its constraints, then the archives
// and the replays.
import type { Handler, Input, RequestContext } from '../../contract/index.ts';
import { parseArn } from '../../runtime/index.ts';
import { ARCHIVE_STATES, type Archive, type ArchiveStats, type Archives } from './archives.ts';
import { notFound, validation } from './errors.ts';
import { page } from './handlers.ts';
import type { Bus, EventRegistry } from './registry.ts';
import { REPLAY_STATES, type Replay, type ReplayDestination, type Replays } from './replays.ts';

const NAME = /^[.\-_A-Za-z0-9]+$/;
const NAME_TEXT = '[\\.\\-_A-Za-z0-9]+';
const EVENTS_ARN = /^arn:aws([a-z]|-)*:events:([a-z]|\d|-)*:([0-9]{12})?:.+\/.+$/;
const EVENTS_ARN_TEXT = '^arn:aws([a-z]|\\-)*:events:([a-z]|\\d|\\-)*:([0-9]{12})?:.+\\/.+$';

const text = (input: Input, name: string) => input[name] as string | undefined;

/** Collects constraint failures and throws them together, the way AWS reports them. */
class Constraints {
  private readonly failures: string[] = [];

  private fail(value: unknown, member: string, rule: string): void {
    this.failures.push(
      `Value '${String(value)}' at '${member}' failed to satisfy constraint: Member must ${rule}`,
    );
  }

  name(value: string | undefined, member: string, max: number): void {
    if (value === undefined) return;
    if (value.length < 1 || value.length > max) this.fail(value, member, `have length between 1 and ${max}`);
    else if (!NAME.test(value)) this.fail(value, member, `satisfy regular expression pattern: ${NAME_TEXT}`);
  }

  eventsArn(value: string | undefined, member: string): void {
    if (value === undefined) return;
    if (value.length < 1 || value.length > 1600) this.fail(value, member, 'have length between 1 and 1600');
    else if (!EVENTS_ARN.test(value))
      this.fail(value, member, `satisfy regular expression pattern: ${EVENTS_ARN_TEXT}`);
  }

  maxLength(value: string | undefined, member: string, max: number): void {
    if (value !== undefined && value.length > max)
      this.fail(value, member, `have length less than or equal to ${max}`);
  }

  range(value: number | undefined, member: string, min: number, max?: number): void {
    if (value === undefined) return;
    if (max === undefined && value < min)
      this.fail(value, member, `have value greater than or equal to ${min}`);
    if (max !== undefined && (value < min || value > max))
      this.fail(value, member, `have value between ${min} and ${max}`);
  }

  oneOf(value: string | undefined, member: string, allowed: string[]): void {
    if (value !== undefined && !allowed.includes(value))
      this.fail(value, member, `satisfy enum value set: [${allowed.join(', ')}]`);
  }

  check(): void {
    const count = this.failures.length;
    if (count === 0) return;
    throw validation(
      `${count} validation error${count === 1 ? '' : 's'} detected: ${this.failures.join('; ')}`,
    );
  }
}

function atMostOneFilter(input: Input, operation: string): void {
  const given = ['NamePrefix', 'EventSourceArn', 'State'].filter((member) => input[member] !== undefined);
  if (given.length > 1) {
    throw validation(
      `At most one filter is allowed for ${operation}. Use either : State, EventSourceArn, or NamePrefix.`,
    );
  }
}

function archiveSummary(archive: ArchiveStats) {
  return {
    ArchiveName: archive.name,
    EventSourceArn: archive.busArn,
    State: archive.state,
    RetentionDays: archive.retentionDays,
    SizeBytes: archive.sizeBytes,
    EventCount: archive.eventCount,
    CreationTime: new Date(archive.createdAt),
  };
}

function replaySummary(replay: Replay) {
  return {
    ReplayName: replay.name,
    EventSourceArn: replay.archiveArn,
    State: replay.state,
    StateReason: replay.stateReason,
    EventStartTime: new Date(replay.eventStart),
    EventEndTime: new Date(replay.eventEnd),
    EventLastReplayedTime: replay.lastReplayed === undefined ? undefined : new Date(replay.lastReplayed),
    ReplayStartTime: new Date(replay.startedAt),
    ReplayEndTime: replay.endedAt === undefined ? undefined : new Date(replay.endedAt),
  };
}

export function archiveHandlers(
  registry: EventRegistry,
  archives: Archives,
  replays: Replays,
): Record<string, Handler> {
  /** The bus an ARN names, in the caller's account and region. */
  const busOf = async (arn: string, member: string, context: RequestContext): Promise<Bus> => {
    const parsed = parseArn(arn);
    if (!parsed?.resource.startsWith('event-bus/')) {
      throw validation(`Parameter ${member} is not valid. Reason: Provided Arn is not in correct format.`);
    }
    const name = parsed.resource.slice('event-bus/'.length);
    if (parsed.accountId !== context.accountId || parsed.region !== context.region) {
      throw notFound(`Event bus ${name} does not exist.`);
    }
    return registry.bus(context.accountId, context.region, name);
  };

  const archiveOf = (input: Input, context: RequestContext): Archive => {
    const name = text(input, 'ArchiveName') ?? '';
    const constraints = new Constraints();
    constraints.name(name, 'archiveName', 48);
    constraints.check();
    return archives.get(context.accountId, context.region, name);
  };

  const replayName = (input: Input): string => {
    const name = text(input, 'ReplayName') ?? '';
    const constraints = new Constraints();
    constraints.name(name, 'replayName', 64);
    constraints.check();
    return name;
  };

  return {
    async CreateArchive(input, context) {
      const name = text(input, 'ArchiveName') ?? '';
      const sourceArn = text(input, 'EventSourceArn') ?? '';
      const retentionDays = input.RetentionDays as number | undefined;
      const constraints = new Constraints();
      constraints.name(name, 'archiveName', 48);
      constraints.eventsArn(sourceArn, 'eventSourceArn');
      constraints.maxLength(text(input, 'Description'), 'description', 512);
      constraints.maxLength(text(input, 'EventPattern'), 'eventPattern', 4096);
      constraints.range(retentionDays, 'retentionDays', 0);
      constraints.check();
      const bus = await busOf(sourceArn, 'EventSourceArn', context);
      const archive = await archives.create(bus, name, {
        description: text(input, 'Description'),
        eventPattern: text(input, 'EventPattern'),
        retentionDays,
      });
      return { ArchiveArn: archive.arn, State: archive.state, CreationTime: new Date(archive.createdAt) };
    },

    async UpdateArchive(input, context) {
      const retentionDays = input.RetentionDays as number | undefined;
      const constraints = new Constraints();
      constraints.maxLength(text(input, 'Description'), 'description', 512);
      constraints.maxLength(text(input, 'EventPattern'), 'eventPattern', 4096);
      constraints.range(retentionDays, 'retentionDays', 0);
      constraints.check();
      const archive = archiveOf(input, context);
      await archives.update(archive, {
        description: text(input, 'Description'),
        eventPattern: text(input, 'EventPattern'),
        retentionDays,
      });
      return { ArchiveArn: archive.arn, State: archive.state, CreationTime: new Date(archive.createdAt) };
    },

    async DeleteArchive(input, context) {
      await archives.delete(archiveOf(input, context));
    },

    async DescribeArchive(input, context) {
      const archive = await archives.stats(archiveOf(input, context));
      return {
        ArchiveArn: archive.arn,
        Description: archive.description,
        EventPattern: archive.eventPattern,
        ...archiveSummary(archive),
      };
    },

    async ListArchives(input, context) {
      const constraints = new Constraints();
      constraints.name(text(input, 'NamePrefix'), 'namePrefix', 48);
      constraints.eventsArn(text(input, 'EventSourceArn'), 'eventSourceArn');
      constraints.oneOf(text(input, 'State'), 'state', ARCHIVE_STATES);
      constraints.range(input.Limit as number | undefined, 'limit', 1, 100);
      constraints.check();
      atMostOneFilter(input, 'ListArchives');
      const prefix = text(input, 'NamePrefix') ?? '';
      const state = text(input, 'State');
      const sourceArn = text(input, 'EventSourceArn');
      const bus = sourceArn === undefined ? undefined : await busOf(sourceArn, 'EventSourceArn', context);
      const chosen = archives
        .list(context.accountId, context.region)
        .filter(
          (archive) =>
            archive.name.startsWith(prefix) &&
            (state === undefined || archive.state === state) &&
            (bus === undefined || archive.busArn === bus.arn),
        );
      const { items, NextToken } = page(chosen, input);
      const withStats = await Promise.all(items.map((archive) => archives.stats(archive)));
      return { Archives: withStats.map(archiveSummary), NextToken };
    },

    async StartReplay(input, context) {
      const name = text(input, 'ReplayName') ?? '';
      const sourceArn = text(input, 'EventSourceArn') ?? '';
      const destination = (input.Destination ?? {}) as Partial<ReplayDestination>;
      const constraints = new Constraints();
      constraints.name(name, 'replayName', 64);
      constraints.maxLength(text(input, 'Description'), 'description', 512);
      constraints.eventsArn(sourceArn, 'eventSourceArn');
      if (destination.Arn === undefined) {
        throw validation(
          "1 validation error detected: Value null at 'destination.arn' failed to satisfy constraint: Member must not be null",
        );
      }
      constraints.eventsArn(destination.Arn, 'destination.arn');
      for (const [index, arn] of (destination.FilterArns ?? []).entries()) {
        constraints.eventsArn(arn, `destination.filterArns.${index + 1}.member`);
      }
      constraints.check();
      const bus = await busOf(destination.Arn, 'Destination.Arn', context);
      const archiveName = sourceArn.slice(sourceArn.lastIndexOf('/') + 1);
      const parsed = parseArn(sourceArn);
      const archive =
        parsed?.resource.startsWith('archive/') &&
        parsed.accountId === context.accountId &&
        parsed.region === context.region
          ? archives.find(context.accountId, context.region, archiveName)
          : undefined;
      if (!archive) {
        throw validation(
          `Parameter EventSourceArn is not valid. Reason: Archive ${archiveName} does not exist.`,
        );
      }
      if (archive.busArn !== bus.arn) {
        throw validation(
          'Parameter Destination.Arn is not valid. Reason: Cross event bus replay is not permitted.',
        );
      }
      const eventStart = (input.EventStartTime as Date).getTime();
      const eventEnd = (input.EventEndTime as Date).getTime();
      if (eventStart >= eventEnd) {
        throw validation(
          'Parameter EventEndTime is not valid. Reason: EventStartTime must be before EventEndTime.',
        );
      }
      for (const arn of destination.FilterArns ?? []) {
        const rule = await registry.resourceByArn(arn);
        if (!rule || !('targets' in rule) || rule.bus !== bus) {
          throw notFound(
            `Rule ${arn.slice(arn.lastIndexOf('/') + 1)} does not exist on EventBus ${bus.name}.`,
          );
        }
      }
      const replay = await replays.start(context.accountId, context.region, {
        name,
        description: text(input, 'Description'),
        archive,
        destination: {
          Arn: bus.arn,
          ...(destination.FilterArns?.length ? { FilterArns: destination.FilterArns } : {}),
        },
        eventStart,
        eventEnd,
      });
      return {
        ReplayArn: replay.arn,
        State: replay.state,
        StateReason: replay.stateReason,
        ReplayStartTime: new Date(replay.startedAt),
      };
    },

    async DescribeReplay(input, context) {
      const replay = await replays.describe(context.accountId, context.region, replayName(input));
      return {
        ReplayArn: replay.arn,
        Description: replay.description,
        Destination: replay.destination,
        ...replaySummary(replay),
      };
    },

    async CancelReplay(input, context) {
      const replay = await replays.cancel(context.accountId, context.region, replayName(input));
      return { ReplayArn: replay.arn, State: replay.state, StateReason: replay.stateReason };
    },

    async ListReplays(input, context) {
      const constraints = new Constraints();
      constraints.name(text(input, 'NamePrefix'), 'namePrefix', 64);
      constraints.eventsArn(text(input, 'EventSourceArn'), 'eventSourceArn');
      constraints.oneOf(text(input, 'State'), 'state', REPLAY_STATES);
      constraints.range(input.Limit as number | undefined, 'limit', 1, 100);
      constraints.check();
      atMostOneFilter(input, 'ListReplays');
      const prefix = text(input, 'NamePrefix') ?? '';
      const state = text(input, 'State');
      const sourceArn = text(input, 'EventSourceArn');
      const chosen = (await replays.list(context.accountId, context.region)).filter(
        (replay) =>
          replay.name.startsWith(prefix) &&
          (state === undefined || replay.state === state) &&
          (sourceArn === undefined || replay.archiveArn === sourceArn),
      );
      const { items, NextToken } = page(chosen, input);
      return { Replays: items.map(replaySummary), NextToken };
    },
  };
}
