// The message engine: messages in queues, durable in the store. Every change commits before its
// caller is answered; long polls wake on commit. It knows no AWS error code: it refuses in its own
// terms (errors.ts) and the handlers say so in AWS's words. Where each operation's work is:
//
//   send.ts             SendMessage(Batch), and other services' deliveries: rows, FIFO dedup
//   receive.ts          ReceiveMessage: look, claim or wait (waiters.ts), receive attempts
//   claims-standard.ts  which messages a standard (or fair) queue hands out
//   claims-fifo.ts      which messages a FIFO queue hands out, group by group
//   claims.ts           what every receive does with a message it found: hand out, expire, redrive
//   redrive.ts          dead-letter redrive, and moving a message to another queue (move tasks)
//   received.ts         a received message as ReceiveMessage answers it
//   receipts.ts         receipt handles
//   visibility.ts       ChangeMessageVisibility(Batch)
//   deletes.ts          DeleteMessage(Batch)
//   sweeps.ts           PurgeQueue, and the minutely sweep of what expired
//   counts.ts           the queue's depths, and the per-minute counts of what moved
import type { Clock } from '../../../runtime/index.ts';
import type { Store, Tx } from '../../../store/index.ts';
import type { Queue, QueueRegistry } from '../registry.ts';
import type { EngineContext } from './context.ts';
import { depths, MinuteCounters, type MinuteCounts, type QueueDepths } from './counts.ts';
import { deleteMessages } from './deletes.ts';
import type { MessageNotInflight } from './errors.ts';
import type { Receipt } from './receipts.ts';
import { type ReceiveOptions, receive, releaseHanded } from './receive.ts';
import type { ReceivedMessage } from './received.ts';
import { moveMessage } from './redrive.ts';
import type { MessageRow } from './rows.ts';
import { type PreparedMessage, type SendResult, sendIn } from './send.ts';
import { purge, sweep } from './sweeps.ts';
import { changeVisibility, type VisibilityChange } from './visibility.ts';
import { Waiters } from './waiters.ts';

export { ReceiptInvalid } from './errors.ts';
export { decodeReceipt, encodeReceipt, type Receipt, receiptOf } from './receipts.ts';
export type { MessageRow } from './rows.ts';
export type { PreparedMessage, ReceiveOptions, VisibilityChange };

export class MessageEngine {
  readonly waiters: Waiters<MessageRow>;
  private readonly context: EngineContext;

  constructor(store: Store, clock: Clock, registry: QueueRegistry) {
    // Messages handed to a receive whose client left are released through the context.
    this.waiters = new Waiters<MessageRow>(clock, (rows) => releaseHanded(this.context, rows));
    this.context = { store, clock, registry, waiters: this.waiters, counters: new MinuteCounters() };
  }

  /** Stores prepared messages in one transaction; answers only after the commit. */
  send(queue: Queue, messages: PreparedMessage[], senderId: string): Promise<SendResult[]> {
    return this.context.store.write((tx) => sendIn(this.context, tx, queue, messages, senderId));
  }

  /** Stores prepared messages in a transaction of the caller's (another service's delivery). */
  sendIn(tx: Tx, queue: Queue, messages: PreparedMessage[], senderId: string): Promise<SendResult[]> {
    return sendIn(this.context, tx, queue, messages, senderId);
  }

  receive(queue: Queue, options: ReceiveOptions): Promise<ReceivedMessage[]> {
    return receive(this.context, queue, options);
  }

  delete(queue: Queue, receipts: Receipt[]): Promise<void> {
    return deleteMessages(this.context, queue, receipts);
  }

  changeVisibility(
    queue: Queue,
    changes: VisibilityChange[],
  ): Promise<Array<MessageNotInflight | undefined>> {
    return changeVisibility(this.context, queue, changes);
  }

  /** Throws PurgeInProgress within a minute of the last purge. */
  purge(queue: Queue): Promise<void> {
    return purge(this.context, queue);
  }

  counts(queue: Queue): Promise<QueueDepths> {
    return depths(this.context.store, this.context.clock, queue);
  }

  sweep(): Promise<number> {
    return sweep(this.context);
  }

  /** Moves a message to another queue in the caller's transaction (move tasks). */
  moveMessage(tx: Tx, row: MessageRow, target: Queue, now: number): Promise<void> {
    return moveMessage(this.context, tx, row, target, now);
  }

  /** Hands over the sent/received/deleted counts gathered since the last call. */
  takeCounts(): MinuteCounts[] {
    return this.context.counters.take();
  }
}
