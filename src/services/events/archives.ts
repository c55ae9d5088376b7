// Archives: each keeps copies of the events accepted on one bus that match its pattern (all of them
// when it has none, never replayed ones), in the transaction that commits the event, for its
// retention; a durable timer sweeps expired copies away.
import type { EventBridge } from '../../contract/index.ts';
import { formatArn, type Runtime, type Timer } from '../../runtime/index.ts';
import type { Tx } from '../../store/index.ts';
import type { AcceptedEvent } from './dispatcher.ts';
import { eventsError, notFound } from './errors.ts';
import { type BusMatcher, createMatcher, validatePattern } from './matcher.ts';
import type { Bus } from './resources.ts';

const SWEEP_TIMER = 'events.archive-retention';
const SWEEP_EVERY_MS = 3_600_000;
/** Expired copies deleted per archive and sweep; a sweep that hits it runs again at once. */
const SWEEP_BATCH = 5_000;
const DAY_MS = 86_400_000;

export interface Archive {
  id: number;
  account: string;
  region: string;
  name: string;
  arn: string;
  busArn: string;
  description: string | undefined;
  eventPattern: string | undefined;
  /** 0 keeps events for ever. */
  retentionDays: number;
  state: EventBridge.ArchiveState;
  createdAt: number;
}

/** An archive with the figures that change as events arrive and expire. */
export interface ArchiveStats extends Archive {
  eventCount: number;
  sizeBytes: number;
}

export interface ArchiveSettings {
  description?: string | undefined;
  eventPattern?: string | undefined;
  retentionDays?: number | undefined;
}

interface ArchiveRow {
  id: number;
  account: string;
  region: string;
  name: string;
  bus_arn: string;
  description: string | null;
  event_pattern: string | null;
  retention_days: number;
  state: string;
  created_at: number;
  event_count?: number;
  size_bytes?: number;
}

/** The archives that listen to one bus: patterns compiled together, plus those that take everything. */
interface BusArchives {
  matcher: BusMatcher;
  everything: Set<string>;
  byId: Map<string, Archive>;
}

const archiveKey = (account: string, region: string, name: string) => `${account}/${region}/${name}`;

export function archiveArn(account: string, region: string, name: string): string {
  return formatArn({ service: 'events', region, accountId: account, resource: `archive/${name}` });
}

/** Replayed events carry `replay-name` at the top level; archives never keep them. */
export function isReplayed(envelope: string): boolean {
  if (!envelope.includes('"replay-name"')) return false;
  try {
    return (JSON.parse(envelope) as Record<string, unknown>)['replay-name'] !== undefined;
  } catch {
    return false;
  }
}

/** The event's own `time` (replays select by it); the time it arrived when it has none. */
export function eventTimeOf(envelope: string, receivedAt: number): number {
  // Envelopes put `time` before `detail`, and quotes inside earlier strings are escaped, so the
  // first `"time":"` is the envelope's own; parse the whole event only when that fails.
  const match = /"time":"([^"]+)"/.exec(envelope);
  const parsed = match ? Date.parse(match[1]!) : Number.NaN;
  if (!Number.isNaN(parsed)) return parsed;
  try {
    const time = (JSON.parse(envelope) as { time?: unknown }).time;
    const fallback = typeof time === 'string' ? Date.parse(time) : Number.NaN;
    return Number.isNaN(fallback) ? receivedAt : fallback;
  } catch {
    return receivedAt;
  }
}

export class Archives {
  private readonly archives = new Map<string, Archive>();
  private readonly byBus = new Map<string, BusArchives>();

  constructor(private readonly runtime: Runtime) {
    runtime.timers.on(SWEEP_TIMER, (timer, tx) => this.sweep(timer, tx));
  }

  async load(): Promise<void> {
    const rows = await this.runtime.store.read((tx) =>
      tx.all<ArchiveRow>(
        'SELECT id, account, region, name, bus_arn, description, event_pattern, retention_days, state, created_at FROM evb_archives',
      ),
    );
    for (const row of rows) this.remember(toArchive(row));
    if (!(await this.runtime.timers.get(SWEEP_TIMER, 'sweep'))) {
      await this.runtime.timers.schedule(SWEEP_TIMER, 'sweep', this.runtime.clock.now() + SWEEP_EVERY_MS);
    }
  }

  get(account: string, region: string, name: string): Archive {
    const archive = this.archives.get(archiveKey(account, region, name));
    if (!archive) throw notFound(`Archive ${name} does not exist.`);
    return archive;
  }

  find(account: string, region: string, name: string): Archive | undefined {
    return this.archives.get(archiveKey(account, region, name));
  }

  list(account: string, region: string): Archive[] {
    return [...this.archives.values()]
      .filter((archive) => archive.account === account && archive.region === region)
      .sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  async create(bus: Bus, name: string, settings: ArchiveSettings): Promise<Archive> {
    if (this.archives.has(archiveKey(bus.account, bus.region, name))) {
      throw eventsError('ResourceAlreadyExistsException', `Archive ${name} already exists.`);
    }
    if (settings.eventPattern !== undefined) validatePattern(settings.eventPattern);
    const now = this.runtime.clock.now();
    const row = await this.runtime.store.write((tx) =>
      tx.get<ArchiveRow>(
        `INSERT INTO evb_archives (account, region, name, bus_arn, description, event_pattern, retention_days, state, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, 'ENABLED', ?) RETURNING *`,
        [
          bus.account,
          bus.region,
          name,
          bus.arn,
          settings.description ?? null,
          settings.eventPattern ?? null,
          settings.retentionDays ?? 0,
          now,
        ],
      ),
    );
    const archive = toArchive(row!);
    this.remember(archive);
    return archive;
  }

  /** UpdateArchive: members left out keep their value. */
  async update(archive: Archive, settings: ArchiveSettings): Promise<void> {
    if (settings.eventPattern !== undefined) validatePattern(settings.eventPattern);
    const next = {
      description: settings.description ?? archive.description,
      eventPattern: settings.eventPattern ?? archive.eventPattern,
      retentionDays: settings.retentionDays ?? archive.retentionDays,
    };
    await this.runtime.store.write((tx) =>
      tx.run('UPDATE evb_archives SET description = ?, event_pattern = ?, retention_days = ? WHERE id = ?', [
        next.description ?? null,
        next.eventPattern ?? null,
        next.retentionDays,
        archive.id,
      ]),
    );
    this.forget(archive);
    Object.assign(archive, next);
    this.remember(archive);
  }

  async delete(archive: Archive): Promise<void> {
    // Out of memory first: no capture that runs from now on writes to it.
    this.forget(archive);
    this.archives.delete(archiveKey(archive.account, archive.region, archive.name));
    await this.runtime.store.write(async (tx) => {
      await tx.run('DELETE FROM evb_archive_events WHERE archive_id = ?', [archive.id]);
      await tx.run('DELETE FROM evb_archives WHERE id = ?', [archive.id]);
    });
  }

  /** The archive with its current event count and size, as committed. */
  async stats(archive: Archive): Promise<ArchiveStats> {
    const row = await this.runtime.store.read((tx) =>
      tx.get<{ event_count: number; size_bytes: number }>(
        'SELECT event_count, size_bytes FROM evb_archives WHERE id = ?',
        [archive.id],
      ),
    );
    return { ...archive, eventCount: Number(row?.event_count ?? 0), sizeBytes: Number(row?.size_bytes ?? 0) };
  }

  /** Keeps copies of accepted events in the archives of their bus (the dispatcher's accept transaction). */
  async capture(tx: Tx, events: AcceptedEvent[], receivedAt: number): Promise<void> {
    if (this.byBus.size === 0) return;
    const added = new Map<number, { count: number; bytes: number }>();
    for (const event of events) {
      const listening = this.byBus.get(event.bus.arn);
      if (!listening || isReplayed(event.envelope)) continue;
      const ids = new Set(listening.everything);
      for (const id of listening.matcher.matches(event.envelope)) ids.add(id);
      if (ids.size === 0) continue;
      const size = Buffer.byteLength(event.envelope);
      const eventTime = eventTimeOf(event.envelope, receivedAt);
      for (const id of ids) {
        const archive = listening.byId.get(id);
        if (!archive) continue;
        await tx.run(
          `INSERT INTO evb_archive_events (archive_id, event_id, event_time, archived_at, size, envelope)
           VALUES (?, ?, ?, ?, ?, ?)`,
          [archive.id, event.eventId, eventTime, receivedAt, size, event.envelope],
        );
        const sum = added.get(archive.id) ?? { count: 0, bytes: 0 };
        sum.count += 1;
        sum.bytes += size;
        added.set(archive.id, sum);
      }
    }
    for (const [id, sum] of added) {
      await tx.run(
        'UPDATE evb_archives SET event_count = event_count + ?, size_bytes = size_bytes + ? WHERE id = ?',
        [sum.count, sum.bytes, id],
      );
    }
  }

  /** Deletes copies older than their archive's retention; runs inside the timer's transaction. */
  private async sweep(timer: Timer, tx: Tx): Promise<void> {
    const now = this.runtime.clock.now();
    let more = false;
    const archives = await tx.all<{ id: number; retention_days: number }>(
      'SELECT id, retention_days FROM evb_archives WHERE retention_days > 0',
    );
    for (const archive of archives) {
      const cutoff = now - Number(archive.retention_days) * DAY_MS;
      const expired = `SELECT id, size FROM evb_archive_events WHERE archive_id = ? AND archived_at < ?
                       ORDER BY archived_at, id LIMIT ${SWEEP_BATCH}`;
      const totals = await tx.get<{ count: number; bytes: number | null }>(
        `SELECT COUNT(*) AS count, SUM(size) AS bytes FROM (${expired}) AS expired`,
        [archive.id, cutoff],
      );
      const count = Number(totals?.count ?? 0);
      if (count === 0) continue;
      await tx.run(`DELETE FROM evb_archive_events WHERE id IN (SELECT id FROM (${expired}) AS expired)`, [
        archive.id,
        cutoff,
      ]);
      await tx.run(
        'UPDATE evb_archives SET event_count = event_count - ?, size_bytes = size_bytes - ? WHERE id = ?',
        [count, Number(totals?.bytes ?? 0), archive.id],
      );
      if (count === SWEEP_BATCH) more = true;
    }
    const next = more ? now : Math.max(now, timer.dueAt) + SWEEP_EVERY_MS;
    await this.runtime.timers.scheduleIn(tx, SWEEP_TIMER, 'sweep', next);
  }

  private remember(archive: Archive): void {
    this.archives.set(archiveKey(archive.account, archive.region, archive.name), archive);
    let listening = this.byBus.get(archive.busArn);
    if (!listening) {
      listening = { matcher: createMatcher(), everything: new Set(), byId: new Map() };
      this.byBus.set(archive.busArn, listening);
    }
    const id = String(archive.id);
    listening.byId.set(id, archive);
    if (archive.eventPattern === undefined) listening.everything.add(id);
    else listening.matcher.add(id, archive.eventPattern);
  }

  private forget(archive: Archive): void {
    const listening = this.byBus.get(archive.busArn);
    if (!listening) return;
    const id = String(archive.id);
    listening.byId.delete(id);
    listening.everything.delete(id);
    listening.matcher.remove(id);
    if (listening.byId.size === 0) this.byBus.delete(archive.busArn);
  }
}

function toArchive(row: ArchiveRow): Archive {
  return {
    id: Number(row.id),
    account: row.account,
    region: row.region,
    name: row.name,
    arn: archiveArn(row.account, row.region, row.name),
    busArn: row.bus_arn,
    description: row.description ?? undefined,
    eventPattern: row.event_pattern ?? undefined,
    retentionDays: Number(row.retention_days),
    state: row.state as EventBridge.ArchiveState,
    createdAt: Number(row.created_at),
  };
}
