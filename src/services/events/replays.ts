// Replays: an archive's events from a time window, put again on the archive's bus with `replay-name`
// set, only to the chosen rules when the replay names some. A replay advances one batch per firing
// of its durable timer; each batch plans its deliveries and moves the cursor in one transaction, so
// a restart continues after the last committed batch and never plans an event twice.
import type { EventBridge } from '../../contract/index.ts';
import { formatArn, type Runtime, type Timer } from '../../runtime/index.ts';
import type { Tx } from '../../store/index.ts';
import type { Archive } from './archives.ts';
import type { DeliveryRow, Dispatcher } from './dispatcher.ts';
import { eventsError, notFound } from './errors.ts';
import type { EventRegistry } from './registry.ts';
import type { Bus, Rule } from './resources.ts';

const REPLAY_TIMER = 'events.replay';
/** Events planned per batch (one transaction, one timer firing). */
const REPLAY_BATCH = 200;
export const MAX_ACTIVE_REPLAYS = 10;
const ACTIVE_STATES = ['STARTING', 'RUNNING', 'CANCELLING'];

export interface ReplayDestination {
  Arn: string;
  FilterArns?: string[];
}

export interface ReplayRequest {
  name: string;
  description: string | undefined;
  archive: Archive;
  destination: ReplayDestination;
  eventStart: number;
  eventEnd: number;
}

export interface Replay {
  name: string;
  arn: string;
  description: string | undefined;
  archiveArn: string;
  destination: ReplayDestination;
  eventStart: number;
  eventEnd: number;
  state: EventBridge.ReplayState;
  stateReason: string | undefined;
  /** The time in the last event replayed (progress through the window). */
  lastReplayed: number | undefined;
  replayedCount: number;
  startedAt: number;
  endedAt: number | undefined;
}

interface ReplayRow {
  id: number;
  account: string;
  region: string;
  name: string;
  description: string | null;
  archive_id: number;
  archive_arn: string;
  destination: string;
  event_start: number;
  event_end: number;
  last_archived_id: number;
  state: string;
  state_reason: string | null;
  cursor_time: number;
  cursor_id: number;
  last_replayed: number | null;
  replayed_count: number;
  started_at: number;
  ended_at: number | null;
}

interface ArchivedEvent {
  id: number;
  event_id: string;
  event_time: number;
  envelope: string;
}

export function replayArn(account: string, region: string, name: string): string {
  return formatArn({ service: 'events', region, accountId: account, resource: `replay/${name}` });
}

/** The event as a replay delivers it: `replay-name` added beside the envelope's other top-level fields. */
export function withReplayName(envelope: string, name: string): string {
  const field = `"replay-name":${JSON.stringify(name)}`;
  // Where AWS puts it (after `region`); quotes inside earlier strings are escaped, so the first
  // `,"resources":` is the envelope's own.
  const at = envelope.indexOf(',"resources":');
  if (at > 0) return `${envelope.slice(0, at)},${field}${envelope.slice(at)}`;
  const body = envelope.trimEnd();
  return body === '{}' ? `{${field}}` : `${body.slice(0, -1)},${field}}`;
}

export class Replays {
  constructor(
    private readonly runtime: Runtime,
    private readonly registry: EventRegistry,
    private readonly dispatcher: Dispatcher,
  ) {
    runtime.timers.on(REPLAY_TIMER, (timer, tx) => this.step(timer, tx));
  }

  /** StartReplay: records the replay (STARTING) and arms its first batch, in one transaction. */
  async start(account: string, region: string, request: ReplayRequest): Promise<Replay> {
    const now = this.runtime.clock.now();
    const row = await this.runtime.store.write(async (tx) => {
      const existing = await tx.get<{ id: number }>(
        'SELECT id FROM evb_replays WHERE account = ? AND region = ? AND name = ?',
        [account, region, request.name],
      );
      if (existing)
        throw eventsError('ResourceAlreadyExistsException', `Replay ${request.name} already exists.`);
      const active = await tx.get<{ count: number }>(
        `SELECT COUNT(*) AS count FROM evb_replays WHERE account = ? AND region = ?
         AND state IN (${ACTIVE_STATES.map(() => '?').join(', ')})`,
        [account, region, ...ACTIVE_STATES],
      );
      if (Number(active?.count ?? 0) >= MAX_ACTIVE_REPLAYS) {
        throw eventsError(
          'LimitExceededException',
          `The requested resource exceeds the maximum number allowed (${MAX_ACTIVE_REPLAYS} active replays).`,
        );
      }
      // Events archived from now on are not part of this replay: it covers what the archive holds now.
      const last = await tx.get<{ id: number | null }>(
        'SELECT MAX(id) AS id FROM evb_archive_events WHERE archive_id = ?',
        [request.archive.id],
      );
      const inserted = await tx.get<ReplayRow>(
        `INSERT INTO evb_replays (account, region, name, description, archive_id, archive_arn, destination,
           event_start, event_end, last_archived_id, state, cursor_time, cursor_id, started_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'STARTING', ?, 0, ?) RETURNING *`,
        [
          account,
          region,
          request.name,
          request.description ?? null,
          request.archive.id,
          request.archive.arn,
          JSON.stringify(request.destination),
          request.eventStart,
          request.eventEnd,
          Number(last?.id ?? 0),
          request.eventStart,
          now,
        ],
      );
      await this.runtime.timers.scheduleIn(tx, REPLAY_TIMER, String(inserted!.id), now);
      return inserted!;
    });
    return toReplay(row);
  }

  async describe(account: string, region: string, name: string): Promise<Replay> {
    const row = await this.runtime.store.read((tx) =>
      tx.get<ReplayRow>('SELECT * FROM evb_replays WHERE account = ? AND region = ? AND name = ?', [
        account,
        region,
        name,
      ]),
    );
    if (!row) throw notFound(`Replay ${name} does not exist.`);
    return toReplay(row);
  }

  async list(account: string, region: string): Promise<Replay[]> {
    const rows = await this.runtime.store.read((tx) =>
      tx.all<ReplayRow>('SELECT * FROM evb_replays WHERE account = ? AND region = ? ORDER BY name', [
        account,
        region,
      ]),
    );
    return rows.map(toReplay);
  }

  /** CancelReplay: only a STARTING or RUNNING replay; its next batch turns CANCELLING into CANCELLED. */
  async cancel(account: string, region: string, name: string): Promise<Replay> {
    const now = this.runtime.clock.now();
    const row = await this.runtime.store.write(async (tx) => {
      const found = await tx.get<ReplayRow>(
        'SELECT * FROM evb_replays WHERE account = ? AND region = ? AND name = ?',
        [account, region, name],
      );
      if (!found) throw notFound(`Replay ${name} does not exist.`);
      if (found.state !== 'STARTING' && found.state !== 'RUNNING') {
        throw eventsError(
          'IllegalStatusException',
          `Replay ${name} is not in a valid state for this operation.`,
        );
      }
      await tx.run("UPDATE evb_replays SET state = 'CANCELLING' WHERE id = ?", [found.id]);
      await this.runtime.timers.scheduleIn(tx, REPLAY_TIMER, String(found.id), now);
      return { ...found, state: 'CANCELLING' };
    });
    return toReplay(row);
  }

  /** One batch of a replay, inside the transaction of its timer's firing. */
  private async step(timer: Timer, tx: Tx): Promise<void> {
    const row = await tx.get<ReplayRow>('SELECT * FROM evb_replays WHERE id = ?', [Number(timer.key)]);
    if (!row) return;
    const now = this.runtime.clock.now();
    const finish = (state: string, reason: string | null = null) =>
      tx.run('UPDATE evb_replays SET state = ?, state_reason = ?, ended_at = ? WHERE id = ?', [
        state,
        reason,
        now,
        row.id,
      ]);
    if (row.state === 'CANCELLING') return void (await finish('CANCELLED'));
    if (row.state !== 'STARTING' && row.state !== 'RUNNING') return;
    const archive = await tx.get<{ name: string }>('SELECT name FROM evb_archives WHERE id = ?', [
      row.archive_id,
    ]);
    if (!archive || archiveArnName(row.archive_arn) !== archive.name) {
      return void (await finish('FAILED', `Archive ${archiveArnName(row.archive_arn)} does not exist.`));
    }
    const destination = JSON.parse(row.destination) as ReplayDestination;
    // A synchronous look-up: the registry must not write while this transaction holds the writer.
    const bus = this.registry.allBuses().find((candidate) => candidate.arn === destination.Arn);
    if (!bus) return void (await finish('FAILED', `Event bus ${destination.Arn} does not exist.`));

    const events = await tx.all<ArchivedEvent>(
      `SELECT id, event_id, event_time, envelope FROM evb_archive_events
       WHERE archive_id = ? AND id <= ? AND event_time >= ? AND event_time < ?
         AND (event_time > ? OR id > ?)
       ORDER BY event_time, id LIMIT ${REPLAY_BATCH}`,
      [row.archive_id, row.last_archived_id, row.cursor_time, row.event_end, row.cursor_time, row.cursor_id],
    );
    const planned: DeliveryRow[] = [];
    const rulesOf = ruleChooser(bus, destination.FilterArns);
    for (const event of events) {
      const envelope = withReplayName(event.envelope, row.name);
      for (const rule of rulesOf(envelope)) {
        for (const target of rule.targets.values()) {
          const row = await this.dispatcher.plan(tx, event.event_id, envelope, [bus.arn], rule, target, now);
          if (row) planned.push(row);
        }
      }
    }
    const last = events.at(-1);
    await tx.run(
      `UPDATE evb_replays SET state = 'RUNNING', cursor_time = ?, cursor_id = ?, last_replayed = ?,
         replayed_count = replayed_count + ? WHERE id = ?`,
      [
        last ? Number(last.event_time) : row.cursor_time,
        last ? Number(last.id) : row.cursor_id,
        last ? Number(last.event_time) : row.last_replayed,
        events.length,
        row.id,
      ],
    );
    if (events.length < REPLAY_BATCH) await finish('COMPLETED');
    else await this.runtime.timers.scheduleIn(tx, REPLAY_TIMER, timer.key, now);
    if (planned.length > 0) this.dispatcher.attemptLater(planned);
  }
}

/** The rules a replayed event goes to: those it matches, enabled, and among FilterArns when given. */
function ruleChooser(bus: Bus, filterArns: string[] | undefined): (envelope: string) => Rule[] {
  const byId = new Map([...bus.rules.values()].map((rule) => [String(rule.id), rule]));
  const chosen = filterArns && filterArns.length > 0 ? new Set(filterArns) : undefined;
  return (envelope) =>
    bus.matcher
      .matches(envelope)
      .map((id) => byId.get(id))
      .filter(
        (rule): rule is Rule =>
          rule !== undefined && rule.state !== 'DISABLED' && (!chosen || chosen.has(rule.arn)),
      );
}

function archiveArnName(arn: string): string {
  return arn.slice(arn.indexOf(':archive/') + ':archive/'.length);
}

function toReplay(row: ReplayRow): Replay {
  return {
    name: row.name,
    arn: replayArn(row.account, row.region, row.name),
    description: row.description ?? undefined,
    archiveArn: row.archive_arn,
    destination: JSON.parse(row.destination) as ReplayDestination,
    eventStart: Number(row.event_start),
    eventEnd: Number(row.event_end),
    state: row.state as EventBridge.ReplayState,
    stateReason: row.state_reason ?? undefined,
    lastReplayed: row.last_replayed === null ? undefined : Number(row.last_replayed),
    replayedCount: Number(row.replayed_count),
    startedAt: Number(row.started_at),
    endedAt: row.ended_at === null ? undefined : Number(row.ended_at),
  };
}
