// One handler per SQS operation, typed by the model (tsc reports a missing or mistyped one): read
// the input, check it as AWS does, call the domain, shape the output. By operation group:
//
//   queues.ts            CreateQueue, GetQueueUrl, ListQueues, DeleteQueue, Get/SetQueueAttributes,
//                        PurgeQueue, ListDeadLetterSourceQueues
//   messages.ts          SendMessage, ReceiveMessage, DeleteMessage, ChangeMessageVisibility
//   batches.ts           SendMessageBatch, DeleteMessageBatch, ChangeMessageVisibilityBatch
//   move-tasks.ts        StartMessageMoveTask, ListMessageMoveTasks, CancelMessageMoveTask
//   tags-permissions.ts  TagQueue, UntagQueue, ListQueueTags, AddPermission, RemovePermission
//
// send-rules.ts holds the rules of a message to send; as-sent.ts the inputs whose names the model
// gives as enums, as they really arrive.
import { batchOperations } from './batches.ts';
import type { Domain, SqsHandlers } from './common.ts';
import { messageOperations } from './messages.ts';
import { moveTaskOperations } from './move-tasks.ts';
import { queueOperations } from './queues.ts';
import { tagAndPermissionOperations } from './tags-permissions.ts';

export type { Domain } from './common.ts';
export { MessagePreparer } from './send-rules.ts';

export function queueHandlers(domain: Domain): SqsHandlers {
  return {
    ...queueOperations(domain),
    ...messageOperations(domain),
    ...batchOperations(domain),
    ...moveTaskOperations(domain),
    ...tagAndPermissionOperations(domain),
  };
}
