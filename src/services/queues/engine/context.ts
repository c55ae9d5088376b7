// What every part of the engine works with: one object, made once by MessageEngine (index.ts).
import type { Clock } from '../../../runtime/index.ts';
import type { Store } from '../../../store/index.ts';
import type { QueueRegistry } from '../registry.ts';
import type { MinuteCounters } from './counts.ts';
import type { MessageRow } from './rows.ts';
import type { Waiters } from './waiters.ts';

export interface EngineContext {
  readonly store: Store;
  readonly clock: Clock;
  readonly registry: QueueRegistry;
  /** Long polls waiting for messages, by queue. */
  readonly waiters: Waiters<MessageRow>;
  readonly counters: MinuteCounters;
}
