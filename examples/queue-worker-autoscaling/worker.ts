// The worker each task of the service runs: sqs-consumer takes one job at a time from the jobs
// queue, spends WORK_MS on it (the "average processing time" of the backlog-per-task formula) and
// deletes it. No endpoint or credentials here: eddy sets AWS_ENDPOINT_URL, AWS_REGION and
// credentials, as Fargate gives a task its role.
import '../client-config.ts'; // keeps the SDK's Node-version warning out of the task's output
import { setTimeout as sleep } from 'node:timers/promises';
import { SQSClient } from '@aws-sdk/client-sqs';
import { Consumer } from 'sqs-consumer';

const jobsUrl = process.env.JOBS_QUEUE_URL;
if (!jobsUrl) throw new Error('JOBS_QUEUE_URL must be set');
const workMs = Number(process.env.WORK_MS ?? '200');

const consumer = Consumer.create({
  queueUrl: jobsUrl,
  sqs: new SQSClient({}),
  batchSize: 1,
  waitTimeSeconds: 5,
  handleMessage: async (message) => {
    await sleep(workMs);
    return message;
  },
});
consumer.on('error', (error) => console.error(`worker: ${error.message}`));
consumer.start();
console.log(`worker consuming ${jobsUrl}, ${workMs} ms a job`);

// ECS (and eddy) stop a task with SIGTERM when the service scales in: finish the job in hand, exit.
process.on('SIGTERM', () => {
  consumer.once('stopped', () => process.exit(0));
  consumer.stop({ abort: true });
});
