// The targets port: how one service delivers to a resource of another, addressed by ARN alone.
// Each service registers a deliverer for the ARN service name it owns (`sqs`, `sns`, `events`, …).
import type { Tx } from '../store/index.ts';
import { parseArn } from './arn.ts';

export interface MessageAttribute {
  DataType: string;
  StringValue?: string;
  BinaryValue?: Uint8Array;
}

/** What is delivered: a body, and what the sending service knows about it. */
export interface Delivery {
  body: string;
  attributes?: Record<string, MessageAttribute>;
  /** FIFO targets: the message group and deduplication id. */
  groupId?: string;
  deduplicationId?: string;
  /** Target-kind parameters from the sender's configuration (EcsParameters, HttpParameters, …). */
  parameters?: Record<string, unknown>;
  /** ARN of the resource that sends (rule, topic, schedule), for loop detection and tracing. */
  sourceArn?: string;
}

export interface DeliveryReceipt {
  /** The id the target gave what it received (message id, event id, task ARN). */
  id?: string;
}

/** A failed delivery: `retryable` says whether trying again later may succeed. */
export class DeliveryError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}

export type Deliverer = (arn: string, delivery: Delivery) => Promise<DeliveryReceipt>;

/**
 * Delivers inside the sender's write transaction, so the target's write commits with the sender's
 * (one commit instead of a delivery record, a second write and its removal). It must throw before
 * writing anything when the delivery cannot be taken.
 */
export type TransactionalDeliverer = (tx: Tx, arn: string, delivery: Delivery) => Promise<DeliveryReceipt>;

export class Targets {
  private readonly deliverers = new Map<string, Deliverer>();
  private readonly transactional = new Map<string, TransactionalDeliverer>();

  /** Registers the deliverer for ARNs of one service (`arn:aws:<service>:…`), and its in-transaction form if it has one. */
  register(arnService: string, deliverer: Deliverer, inTransaction?: TransactionalDeliverer): void {
    if (this.deliverers.has(arnService))
      throw new Error(`a deliverer for '${arnService}' ARNs is already registered`);
    this.deliverers.set(arnService, deliverer);
    if (inTransaction) this.transactional.set(arnService, inTransaction);
  }

  /**
   * Delivers within `tx` when the target's service can; undefined when it cannot, and the sender
   * keeps its own durable, retried delivery instead.
   */
  deliverIn(tx: Tx, arn: string, delivery: Delivery): Promise<DeliveryReceipt> | undefined {
    const service = parseArn(arn)?.service;
    const deliverer = service === undefined ? undefined : this.transactional.get(service);
    return deliverer?.(tx, arn, delivery);
  }

  /** Whether eddy can deliver to this ARN at all (rules may name targets whose service is not served yet). */
  supports(arn: string): boolean {
    const parsed = parseArn(arn);
    return parsed !== undefined && this.deliverers.has(parsed.service);
  }

  async deliver(arn: string, delivery: Delivery): Promise<DeliveryReceipt> {
    const parsed = parseArn(arn);
    if (!parsed) throw new DeliveryError('InvalidArn', `'${arn}' is not an ARN`, false);
    const deliverer = this.deliverers.get(parsed.service);
    if (!deliverer) {
      throw new DeliveryError(
        'UnsupportedTarget',
        `eddy does not deliver to ${parsed.service} resources yet (${arn})`,
        false,
      );
    }
    return deliverer(arn, delivery);
  }
}
