// The one source of time. Services read `now()` and wait with `setAlarm`; tests swap in a ManualClock.

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls `fire` once the clock reaches `at` (ms since the epoch). Returns a function that cancels it. */
  setAlarm(at: number, fire: () => void): () => void;
}

/** Longest delay setTimeout accepts; longer waits are re-armed in steps. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

export const systemClock: Clock = {
  now: () => Date.now(),
  setAlarm(at, fire) {
    let handle: NodeJS.Timeout;
    const arm = () => {
      const delay = at - Date.now();
      if (delay > MAX_TIMEOUT_MS) handle = setTimeout(arm, MAX_TIMEOUT_MS);
      else handle = setTimeout(fire, Math.max(0, delay));
      handle.unref?.();
    };
    arm();
    return () => clearTimeout(handle);
  },
};

interface PendingAlarm {
  at: number;
  fire: () => void;
  sequence: number;
}

/** A clock that moves only when a test says so; alarms fire in due order as it advances. */
export class ManualClock implements Clock {
  private current: number;
  private alarms: PendingAlarm[] = [];
  private sequence = 0;

  constructor(start = Date.UTC(2025, 0, 1)) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setAlarm(at: number, fire: () => void): () => void {
    const alarm = { at, fire, sequence: this.sequence++ };
    this.alarms.push(alarm);
    return () => {
      this.alarms = this.alarms.filter((pending) => pending !== alarm);
    };
  }

  /** Moves time forward, firing every alarm that falls due on the way, in order. */
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      const next = this.nextAlarm();
      if (!next || next.at > target) break;
      this.alarms = this.alarms.filter((pending) => pending !== next);
      this.current = Math.max(this.current, next.at);
      next.fire();
    }
    this.current = target;
  }

  private nextAlarm(): PendingAlarm | undefined {
    let next: PendingAlarm | undefined;
    for (const alarm of this.alarms) {
      if (!next || alarm.at < next.at || (alarm.at === next.at && alarm.sequence < next.sequence))
        next = alarm;
    }
    return next;
  }
}
