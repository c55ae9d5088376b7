// InvocationRateLimitPerSecond: a token bucket that delays deliveries rather than dropping them.
// Pure: the caller gives the time and sleeps for the delay it is told.

export class RateLimiter {
  private available: number;
  private updatedAt: number;

  /** `perSecond` tokens a second, with a burst of at most one second's worth. */
  constructor(
    private perSecond: number,
    now: number,
  ) {
    this.available = perSecond;
    this.updatedAt = now;
  }

  setRate(perSecond: number): void {
    this.perSecond = perSecond;
    this.available = Math.min(this.available, perSecond);
  }

  /** Takes a token; returns how many milliseconds to wait before using it (0: at once). */
  reserve(now: number): number {
    this.available = Math.min(
      this.perSecond,
      this.available + ((now - this.updatedAt) * this.perSecond) / 1000,
    );
    this.updatedAt = now;
    this.available -= 1;
    return this.available >= 0 ? 0 : Math.ceil((-this.available * 1000) / this.perSecond);
  }
}
