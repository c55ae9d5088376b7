// The receiving side of load generators: ReceiveMessage(10) with long polling, then one
// DeleteMessageBatch for what came, through @aws-sdk/client-sqs or the light wire client.
import { DeleteMessageBatchCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { WireClient } from '../_wire.ts';

export interface Taken {
  bodies: string[];
  /** performance.now() when the messages arrived, before they were deleted. */
  receivedAt: number;
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
      if (Messages.length > 0)
        await sqs.send(new DeleteMessageBatchCommand({ QueueUrl, Entries: entriesOf(Messages) }));
      return { bodies: Messages.map((message) => message.Body ?? ''), receivedAt };
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
      if (Messages.length > 0)
        await wire.json('AmazonSQS.DeleteMessageBatch', '1.0', { QueueUrl, Entries: entriesOf(Messages) });
      return { bodies: Messages.map((message) => message.Body ?? ''), receivedAt };
    },
    close: () => wire.close(),
  };
}
