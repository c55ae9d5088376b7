// The archive and replay operations: the checks the model cannot say (the edge checks names,
// lengths, patterns, enums and ranges), then the archives and the replays.
import type { EventBridge, Handlers, RequestContext } from '../../contract/index.ts';
import { parseArn } from '../../runtime/index.ts';
import type { Archive, ArchiveStats, Archives } from './archives.ts';
import { notFound, validation } from './errors.ts';
import { page } from './paging.ts';
import type { EventRegistry } from './registry.ts';
import type { Replay, Replays } from './replays.ts';
import type { Bus } from './resources.ts';

type ArchiveOperations =
  | 'CreateArchive'
  | 'UpdateArchive'
  | 'DeleteArchive'
  | 'DescribeArchive'
  | 'ListArchives'
  | 'StartReplay'
  | 'DescribeReplay'
  | 'CancelReplay'
  | 'ListReplays';

function atMostOneFilter(
  input: { NamePrefix?: string | undefined; EventSourceArn?: string | undefined; State?: string | undefined },
  operation: string,
): void {
  const given = [input.NamePrefix, input.EventSourceArn, input.State].filter((value) => value !== undefined);
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
): Pick<Handlers<EventBridge.Operations>, ArchiveOperations> {
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

  const archiveOf = (name: string, context: RequestContext): Archive =>
    archives.get(context.accountId, context.region, name);

  /** The bus an archive listens to (it may have been deleted since). */
  const archiveBus = (archive: Archive): Promise<Bus> =>
    registry.bus(archive.account, archive.region, archive.busArn.split('event-bus/')[1] ?? 'default');

  return {
    async CreateArchive(input, context) {
      const bus = await busOf(input.EventSourceArn, 'EventSourceArn', context);
      const archive = await archives.create(bus, input.ArchiveName, {
        description: input.Description,
        eventPattern: input.EventPattern,
        retentionDays: input.RetentionDays,
      });
      await registry.putArchiveRule(bus, archive);
      return { ArchiveArn: archive.arn, State: archive.state, CreationTime: new Date(archive.createdAt) };
    },

    async UpdateArchive(input, context) {
      const archive = archiveOf(input.ArchiveName, context);
      await archives.update(archive, {
        description: input.Description,
        eventPattern: input.EventPattern,
        retentionDays: input.RetentionDays,
      });
      if (input.EventPattern !== undefined) await registry.putArchiveRule(await archiveBus(archive), archive);
      return { ArchiveArn: archive.arn, State: archive.state, CreationTime: new Date(archive.createdAt) };
    },

    async DeleteArchive(input, context) {
      const archive = archiveOf(input.ArchiveName, context);
      const bus = await archiveBus(archive).catch(() => undefined);
      if (bus) await registry.deleteArchiveRule(bus, archive.name);
      await archives.delete(archive);
      return {};
    },

    async DescribeArchive(input, context) {
      const archive = await archives.stats(archiveOf(input.ArchiveName, context));
      return {
        ArchiveArn: archive.arn,
        Description: archive.description,
        EventPattern: archive.eventPattern,
        ...archiveSummary(archive),
      };
    },

    async ListArchives(input, context) {
      atMostOneFilter(input, 'ListArchives');
      const prefix = input.NamePrefix ?? '';
      const state = input.State;
      const sourceArn = input.EventSourceArn;
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
      const name = input.ReplayName;
      const sourceArn = input.EventSourceArn;
      const destination = input.Destination;
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
      const eventStart = input.EventStartTime.getTime();
      const eventEnd = input.EventEndTime.getTime();
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
        description: input.Description,
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
      const replay = await replays.describe(context.accountId, context.region, input.ReplayName);
      return {
        ReplayArn: replay.arn,
        Description: replay.description,
        Destination: replay.destination,
        ...replaySummary(replay),
      };
    },

    async CancelReplay(input, context) {
      const replay = await replays.cancel(context.accountId, context.region, input.ReplayName);
      return { ReplayArn: replay.arn, State: replay.state, StateReason: replay.stateReason };
    },

    async ListReplays(input, context) {
      atMostOneFilter(input, 'ListReplays');
      const prefix = input.NamePrefix ?? '';
      const state = input.State;
      const sourceArn = input.EventSourceArn;
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
