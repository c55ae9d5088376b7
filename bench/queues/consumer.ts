// The receiving side of load generators: ReceiveMessage(10) with long polling, then one
// DeleteMessageBatch for what came, through @aws-sdk/client-sqs or the light wire client. The
// delete is not waited for before the next receive (as a consumer that processes and polls on
// does): `deleted` settles when it is done.
import { DeleteMessageBatchCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { WireClient } from '../_wire.ts';

export interface Taken {
  bodies: string[];
  /** performance.now() when the messages arrived. */
  receivedAt: number;
  deleted: Promise<void>;
}

export interface Consumer {
  take(queueUrl: string, waitSeconds: number, signal?: AbortSignal): Promise<Taken>;
  close(): void;
}

interface Message {
  Body?: string;
  ReceiptHandle?: string;
}

const entriesOf = (messages: Message[]) =>
  messages.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle }));

export function sdkConsumer(sqs: SQSClient): Consumer {
  return {
    async take(QueueUrl, WaitTimeSeconds, abortSignal) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds }),
        abortSignal ? { abortSignal } : {},
      );
      const receivedAt = performance.now();
      const deleted =
        Messages.length > 0
          ? sqs.send(new DeleteMessageBatchCommand({ QueueUrl, Entries: entriesOf(Messages) })).then(() => {})
          : Promise.resolve();
      return { bodies: Messages.map((message) => message.Body ?? ''), receivedAt, deleted };
    },
    close() {},
  };
}

/** The same calls on AWS JSON 1.0 through bench/_wire.ts (no MD5 checks: the SDK's tests do those). */
export function wireConsumer(endpoint: string, sockets = 64): Consumer {
  const wire = new WireClient({ endpoint, service: 'sqs', sockets });
  return {
    async take(QueueUrl, WaitTimeSeconds, signal) {
      const { Messages = [] } = (await wire.json(
        'AmazonSQS.ReceiveMessage',
        '1.0',
        { QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds },
        signal,
      )) as { Messages?: Message[] };
      const receivedAt = performance.now();
      const deleted =
        Messages.length > 0
          ? wire
              .json('AmazonSQS.DeleteMessageBatch', '1.0', { QueueUrl, Entries: entriesOf(Messages) })
              .then(() => {})
          : Promise.resolve();
      return { bodies: Messages.map((message) => message.Body ?? ''), receivedAt, deleted };
    },
    close: () => wire.close(),
  };
}
