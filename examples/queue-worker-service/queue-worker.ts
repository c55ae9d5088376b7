// A queue-processing service: an ECS service keeps 4 worker tasks running; each consumes the jobs
// queue with sqs-consumer and posts results to a second queue. Exported for the end-to-end test;
// `run.ts` runs it against a server and prints how the work was shared.
import { resolve } from 'node:path';
import {
  CreateServiceCommand,
  DeleteServiceCommand,
  DescribeServicesCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { clientConfig } from '../client-config.ts';

export const WORKERS = 4;
export const JOBS = 200;

export interface QueueWorkerResult {
  /** Results by job id. */
  results: Map<number, string>;
  /** Jobs done per task id. */
  perTask: Map<string, number>;
}

export async function runQueueWorkerService(
  endpoint: string,
  log: (line: string) => void = () => {},
): Promise<QueueWorkerResult> {
  const config = clientConfig(endpoint);
  const sqs = new SQSClient(config);
  const ecs = new ECSClient(config);
  const run = Date.now().toString(36);
  const serviceName = `queue-workers-${run}`;
  try {
    const { QueueUrl: jobsUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `jobs-${run}` }));
    const { QueueUrl: resultsUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `results-${run}` }));
    // The process runner runs the container's command on this machine: node with the worker script.
    const { taskDefinition } = await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'queue-worker',
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        cpu: '256',
        memory: '512',
        containerDefinitions: [
          {
            name: 'worker',
            image: 'queue-worker',
            command: [process.execPath, '--import', 'tsx', resolve(import.meta.dirname, 'worker.ts')],
            environment: [
              { name: 'JOBS_QUEUE_URL', value: jobsUrl },
              { name: 'RESULTS_QUEUE_URL', value: resultsUrl },
            ],
            stopTimeout: 10,
          },
        ],
      }),
    );
    await ecs.send(
      new CreateServiceCommand({
        serviceName,
        taskDefinition: taskDefinition!.taskDefinitionArn,
        desiredCount: WORKERS,
        launchType: 'FARGATE',
        networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0example'] } },
      }),
    );
    log(`service ${serviceName}: ${WORKERS} workers starting`);
    const deadline = Date.now() + 30_000;
    for (;;) {
      const { services } = await ecs.send(new DescribeServicesCommand({ services: [serviceName] }));
      if (services?.[0]?.runningCount === WORKERS) break;
      if (Date.now() > deadline) throw new Error(`the service did not reach ${WORKERS} running tasks`);
      await new Promise((done) => setTimeout(done, 200));
    }
    log(`service ${serviceName}: ${WORKERS} workers running`);

    for (let first = 0; first < JOBS; first += 10) {
      await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: jobsUrl,
          Entries: Array.from({ length: 10 }, (_, index) => ({
            Id: String(index),
            MessageBody: JSON.stringify({ id: first + index, text: `job ${first + index}` }),
          })),
        }),
      );
    }
    log(`sent ${JOBS} jobs`);

    const results = new Map<number, string>();
    const perTask = new Map<string, number>();
    const resultsDeadline = Date.now() + 60_000;
    while (results.size < JOBS && Date.now() < resultsDeadline) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: resultsUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 2 }),
      );
      for (const message of Messages) {
        const { id, result, task } = JSON.parse(message.Body!) as {
          id: number;
          result: string;
          task: string;
        };
        if (results.has(id)) continue; // at-least-once: a redelivered job is done twice
        results.set(id, result);
        perTask.set(task, (perTask.get(task) ?? 0) + 1);
      }
      if (Messages.length > 0) {
        await sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: resultsUrl,
            Entries: Messages.map((message, index) => ({
              Id: String(index),
              ReceiptHandle: message.ReceiptHandle!,
            })),
          }),
        );
      }
    }
    return { results, perTask };
  } finally {
    await ecs.send(new DeleteServiceCommand({ service: serviceName, force: true })).catch(() => undefined);
    sqs.destroy();
    ecs.destroy();
  }
}
