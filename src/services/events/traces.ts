// What happened to each recent event: the rules it matched and every attempt at every target.
// Kept in memory for the most recent events (eddy events trace, GET /_eddy/events/ID).
import type { Clock, DeliveryError } from '../../runtime/index.ts';
import type { Rule, Target } from './registry.ts';

const KEPT = 10_000;

export interface TraceAttempt {
  target: string;
  targetArn: string;
  attempt: number;
  at: string;
  outcome: 'delivered' | 'retrying' | 'failed' | 'dead-lettered';
  errorCode?: string;
  errorMessage?: string;
  deadLetterQueue?: string;
}

export interface EventTrace {
  eventId: string;
  busArn: string;
  receivedAt: string;
  matchedRules: string[];
  attempts: TraceAttempt[];
}

export class EventTraces {
  private readonly traces = new Map<string, EventTrace>();

  constructor(private readonly clock: Clock) {}

  private stamp(): string {
    return new Date(this.clock.now()).toISOString();
  }

  matched(eventId: string, busArn: string, receivedAt: number, rules: Rule[]): void {
    this.traces.set(eventId, {
      eventId,
      busArn,
      receivedAt: new Date(receivedAt).toISOString(),
      matchedRules: rules.map((rule) => rule.arn),
      attempts: [],
    });
    if (this.traces.size > KEPT) this.traces.delete(this.traces.keys().next().value!);
  }

  attempt(
    eventId: string,
    target: Target,
    attempt: number,
    outcome: TraceAttempt['outcome'],
    error?: DeliveryError,
  ): void {
    this.traces.get(eventId)?.attempts.push({
      target: target.Id,
      targetArn: target.Arn,
      attempt,
      at: this.stamp(),
      outcome,
      ...(error ? { errorCode: error.code, errorMessage: error.message } : {}),
    });
  }

  deadLettered(eventId: string, target: Target, queueArn: string): void {
    this.traces.get(eventId)?.attempts.push({
      target: target.Id,
      targetArn: target.Arn,
      attempt: 0,
      at: this.stamp(),
      outcome: 'dead-lettered',
      deadLetterQueue: queueArn,
    });
  }

  get(eventId: string): EventTrace | undefined {
    return this.traces.get(eventId);
  }
}
