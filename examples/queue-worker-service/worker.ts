// The worker each task of the service runs: sqs-consumer receives a batch from the jobs queue,
// handles each message and deletes it (the seed's point-to-point pattern). The result names the
// task that did the work, read from the task metadata endpoint ECS (and eddy) give every task.
// No endpoint or credentials here: eddy sets AWS_ENDPOINT_URL, AWS_REGION and credentials.
import '../client-config.ts'; // keeps the SDK's Node-version warning out of the task's output
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { Consumer } from 'sqs-consumer';

const jobsUrl = process.env.JOBS_QUEUE_URL;
const resultsUrl = process.env.RESULTS_QUEUE_URL;
if (!jobsUrl || !resultsUrl) throw new Error('JOBS_QUEUE_URL and RESULTS_QUEUE_URL must be set');

const metadata = (await (await fetch(`${process.env.ECS_CONTAINER_METADATA_URI_V4}/task`)).json()) as {
  TaskARN: string;
};
const taskId = metadata.TaskARN.split('/').at(-1)!;
const sqs = new SQSClient({});

const consumer = Consumer.create({
  queueUrl: jobsUrl,
  sqs,
  batchSize: 10,
  waitTimeSeconds: 5,
  handleMessage: async (message) => {
    const job = JSON.parse(message.Body!) as { id: number; text: string };
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: resultsUrl,
        MessageBody: JSON.stringify({ id: job.id, result: job.text.toUpperCase(), task: taskId }),
      }),
    );
    return message;
  },
});
consumer.on('error', (error) => console.error(`worker ${taskId}: ${error.message}`));
consumer.start();
console.log(`worker ${taskId} consuming ${jobsUrl}`);

// ECS stops a task with SIGTERM: finish the batch in hand, then exit.
process.on('SIGTERM', () => {
  consumer.once('stopped', () => process.exit(0));
  consumer.stop({ abort: true });
});
