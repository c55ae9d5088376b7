// The container each event starts: it reads its order from the environment (the rule's
// InputTransformer put it there), writes a result to the results queue and exits. An order whose
// quantity is not positive makes it exit 1: a failed task, whose state-change event a rule routes
// to a dead-letter queue.
import '../client-config.ts'; // keeps the SDK's Node-version warning out of the task's output
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';

const orderId = process.env.ORDER_ID;
const quantity = Number(process.env.ORDER_QUANTITY);
if (!orderId || !process.env.RESULTS_QUEUE_URL) throw new Error('ORDER_ID and RESULTS_QUEUE_URL must be set');
if (!(quantity > 0)) {
  console.error(`order ${orderId}: quantity ${process.env.ORDER_QUANTITY} is not positive`);
  process.exit(1);
}
await new SQSClient({}).send(
  new SendMessageCommand({
    QueueUrl: process.env.RESULTS_QUEUE_URL,
    MessageBody: JSON.stringify({ orderId, packed: quantity }),
  }),
);
console.log(`order ${orderId}: packed ${quantity}`);
