// The scheduled job: it reports the time of the "Scheduled Event" that started it to a queue.
import '../client-config.ts'; // keeps the SDK's Node-version warning out of the task's output
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';

const scheduledAt = process.env.SCHEDULED_AT;
if (!scheduledAt || !process.env.REPORTS_QUEUE_URL)
  throw new Error('SCHEDULED_AT and REPORTS_QUEUE_URL must be set');
await new SQSClient({}).send(
  new SendMessageCommand({
    QueueUrl: process.env.REPORTS_QUEUE_URL,
    MessageBody: JSON.stringify({ scheduledAt, ranAt: new Date().toISOString() }),
  }),
);
console.log(`report for the run scheduled at ${scheduledAt}`);
