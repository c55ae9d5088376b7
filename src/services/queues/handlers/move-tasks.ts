// Message move tasks: redrive a dead-letter queue's messages (the work is ../move-tasks.ts).
import { sqsError } from '../errors.ts';
import { type Domain, inRange, type SqsHandlers } from './common.ts';

type MoveTaskOperations = Pick<
  SqsHandlers,
  'StartMessageMoveTask' | 'ListMessageMoveTasks' | 'CancelMessageMoveTask'
>;

const sourceNotFound = () =>
  sqsError(
    'ResourceNotFoundException',
    `The resource that you specified for the SourceArn parameter doesn't exist.`,
  );

export function moveTaskOperations({ registry, moveTasks }: Domain): MoveTaskOperations {
  return {
    async StartMessageMoveTask(input) {
      const source = registry.fromArn(input.SourceArn);
      if (!source) throw sourceNotFound();
      const handle = await moveTasks.start(source, input.DestinationArn, input.MaxNumberOfMessagesPerSecond);
      return { TaskHandle: handle };
    },

    async ListMessageMoveTasks(input) {
      const source = registry.fromArn(input.SourceArn);
      if (!source) throw sourceNotFound();
      const max =
        inRange(input.MaxResults, 'MaxResults', 1, 10, 'Must be between 1 and 10, if provided.') ?? 1;
      return { Results: await moveTasks.list(source, max) };
    },

    async CancelMessageMoveTask(input) {
      return { ApproximateNumberOfMessagesMoved: await moveTasks.cancel(input.TaskHandle) };
    },
  };
}
