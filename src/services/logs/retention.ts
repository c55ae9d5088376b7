// Retention: events older than a group's retention period are deleted when the policy is set and by
// a sweep every minute (AWS deletes them "typically within 72 hours"; eddy does not keep them that long).
import type { Clock, Logger } from '../../runtime/index.ts';
import type { LogEvents } from './events.ts';
import type { LogGroup, LogRegistry } from './registry.ts';

export const DAY_MS = 86_400_000;
const SWEEP_EVERY_MS = 60_000;

/** The oldest timestamp a group with this retention keeps. */
export const retentionCutoff = (now: number, retentionDays: number) => now - retentionDays * DAY_MS;

export class Retention {
  private cancel: (() => void) | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly registry: LogRegistry,
    private readonly events: LogEvents,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  /** Deletes the group's events its retention no longer keeps; returns how many. */
  apply(group: LogGroup): Promise<number> {
    if (group.retentionDays === undefined) return Promise.resolve(0);
    return this.events.purge(group.id, retentionCutoff(this.clock.now(), group.retentionDays));
  }

  async sweep(): Promise<void> {
    for (const group of await this.registry.groupsWithRetention()) await this.apply(group);
  }

  start(): void {
    this.cancel = this.clock.setAlarm(this.clock.now() + SWEEP_EVERY_MS, () => {
      this.running = this.sweep()
        .catch((error: unknown) => this.log.error({ err: error }, 'the log retention sweep failed'))
        .finally(() => {
          this.running = undefined;
          if (this.cancel) this.start();
        });
    });
  }

  async stop(): Promise<void> {
    this.cancel?.();
    this.cancel = undefined;
    await this.running;
  }
}
