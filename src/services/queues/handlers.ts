// One handler per SQS operation: read the input, check it as AWS does, call the domain, shape the output.
import { type Handler, type Input, type RequestContext, ServiceError } from '../../contract/index.ts';
import { knownAttributeNames } from './attributes.ts';
import {
  type MessageEngine,
  type PreparedMessage,
  type Receipt,
  ReceiptInvalid,
  receiptOf,
  type VisibilityChange,
} from './engine/index.ts';
import { invalidParameter, rethrow, sqsError, sqsErrorOf } from './errors.ts';
import type { MessagePreparer, SendEntry } from './handlers/send-rules.ts';
import type { MessageAttributes } from './messages.ts';
import type { MoveTasks } from './move-tasks.ts';
import type { Permission, Queue, QueueRegistry } from './registry.ts';

const MAX_BATCH_ENTRIES = 10;
const MAX_BATCH_BYTES = 1_048_576;
const BATCH_ENTRY_ID = /^[A-Za-z0-9_-]{1,80}$/;
const MAX_TAGS = 50;
const MAX_VISIBILITY_SECONDS = 43_200;
const PERMISSION_ACTIONS = new Set([
  '*',
  'SendMessage',
  'ReceiveMessage',
  'DeleteMessage',
  'ChangeMessageVisibility',
  'GetQueueAttributes',
  'GetQueueUrl',
  'ListDeadLetterSourceQueues',
  'PurgeQueue',
  'ListQueueTags',
]);

const string = (input: Input, name: string) => input[name] as string | undefined;
const integer = (input: Input, name: string) => input[name] as number | undefined;
const strings = (input: Input, name: string) => (input[name] as string[] | undefined) ?? [];
const stringMap = (input: Input, name: string) => (input[name] as Record<string, string> | undefined) ?? {};

function inRange(input: Input, name: string, min: number, max: number, rule: string): number | undefined {
  const value = integer(input, name);
  if (value !== undefined && (value < min || value > max)) {
    throw invalidParameter(`Value ${value} for parameter ${name} is invalid. Reason: ${rule}`);
  }
  return value;
}

export function queueUrl(context: RequestContext, queue: Queue): string {
  return `http://${context.host}/${queue.account}/${queue.name}`;
}

/** Opaque paging tokens: the name the next page starts after. */
const encodeToken = (name: string) => Buffer.from(name).toString('base64url');
function decodeToken(token: string | undefined): string | undefined {
  if (token === undefined) return undefined;
  const name = Buffer.from(token, 'base64url').toString('utf8');
  if (!/^[A-Za-z0-9_.-]{1,80}$/.test(name)) throw invalidParameter('Invalid NextToken value.');
  return name;
}

function page<T>(items: T[], nameOf: (item: T) => string, input: Input): { items: T[]; next?: string } {
  const max = inRange(input, 'MaxResults', 1, 1000, 'MaxResults must be an integer between 1 and 1000.');
  const after = decodeToken(string(input, 'NextToken'));
  const start = after === undefined ? items : items.filter((item) => nameOf(item) > after);
  if (max === undefined) return { items: start.slice(0, 1000) };
  const slice = start.slice(0, max);
  return start.length > max ? { items: slice, next: encodeToken(nameOf(slice.at(-1)!)) } : { items: slice };
}

interface BatchEntry {
  Id: string;
}

/** The batch rules every *Batch operation shares. */
function checkBatch<T extends BatchEntry>(entries: T[], entryName: string): void {
  if (entries.length === 0) {
    throw sqsError('EmptyBatchRequest', `There should be at least one ${entryName} in the request.`);
  }
  if (entries.length > MAX_BATCH_ENTRIES) {
    throw sqsError(
      'TooManyEntriesInBatchRequest',
      `Maximum number of entries per request are ${MAX_BATCH_ENTRIES}. You have sent ${entries.length}.`,
    );
  }
  const seen = new Set<string>();
  for (const entry of entries) {
    if (!BATCH_ENTRY_ID.test(entry.Id)) {
      throw sqsError(
        'InvalidBatchEntryId',
        'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.',
      );
    }
    if (seen.has(entry.Id)) throw sqsError('BatchEntryIdsNotDistinct', `Id ${entry.Id} repeated.`);
    seen.add(entry.Id);
  }
}

const failure = (id: string, error: ServiceError) => ({
  Id: id,
  SenderFault: error.senderFault,
  Code: error.code,
  Message: error.message,
});

function sendEntry(input: Input): SendEntry {
  return {
    body: string(input, 'MessageBody') ?? '',
    delaySeconds: integer(input, 'DelaySeconds'),
    attributes: input.MessageAttributes as MessageAttributes | undefined,
    systemAttributes: input.MessageSystemAttributes as MessageAttributes | undefined,
    groupId: string(input, 'MessageGroupId'),
    dedupId: string(input, 'MessageDeduplicationId'),
  };
}

/**
 * A visibility change as the engine takes it, or the error it gets: a receipt handle not of this
 * queue first, then a timeout beyond 12 hours.
 */
function visibilityChangeOf(
  queue: Queue,
  receiptHandle: string,
  visibilityTimeout: number,
): VisibilityChange | ServiceError {
  const receipt = receiptOf(queue, receiptHandle);
  if (receipt instanceof ReceiptInvalid) return sqsErrorOf(receipt);
  if (visibilityTimeout < 0 || visibilityTimeout > MAX_VISIBILITY_SECONDS) {
    return invalidParameter(
      `Value ${visibilityTimeout} for parameter VisibilityTimeout is invalid. Reason: VisibilityTimeout must be an integer between 0 and ${MAX_VISIBILITY_SECONDS}.`,
    );
  }
  return { receipt, visibilityTimeout };
}

function checkTags(tags: Record<string, string>): void {
  for (const [key, value] of Object.entries(tags)) {
    if (key.length === 0 || key.length > 128)
      throw invalidParameter(`Tag key '${key}' must be 1 to 128 characters.`);
    if (value.length > 256)
      throw invalidParameter(`Tag value for key '${key}' must be at most 256 characters.`);
  }
}

function policyOf(queue: Queue, permissions: Permission[]): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Id: `${queue.arn}/SQSDefaultPolicy`,
    Statement: permissions.map((permission) => ({
      Sid: permission.label,
      Effect: 'Allow',
      Principal: { AWS: permission.accounts.map((account) => `arn:aws:iam::${account}:root`) },
      Action: permission.actions.map((action) => `SQS:${action}`),
      Resource: queue.arn,
    })),
  });
}

export function queueHandlers(
  registry: QueueRegistry,
  engine: MessageEngine,
  moveTasks: MoveTasks,
  preparer: MessagePreparer,
): Record<string, Handler> {
  const queueOf = (input: Input, context: RequestContext) =>
    registry.fromUrl(string(input, 'QueueUrl') ?? '', context.region);

  return {
    async CreateQueue(input, context) {
      const tags = stringMap(input, 'tags');
      checkTags(tags);
      const queue = await registry.create(
        context.accountId,
        context.region,
        string(input, 'QueueName') ?? '',
        stringMap(input, 'Attributes'),
        tags,
      );
      return { QueueUrl: queueUrl(context, queue) };
    },

    GetQueueUrl(input, context) {
      const account = string(input, 'QueueOwnerAWSAccountId') ?? context.accountId;
      const queue = registry.get(account, context.region, string(input, 'QueueName') ?? '');
      if (!queue) throw sqsError('QueueDoesNotExist', 'The specified queue does not exist.');
      return { QueueUrl: queueUrl(context, queue) };
    },

    ListQueues(input, context) {
      const prefix = string(input, 'QueueNamePrefix') ?? '';
      const queues = registry
        .list(context.accountId, context.region)
        .filter((queue) => queue.name.startsWith(prefix));
      const { items, next } = page(queues, (queue) => queue.name, input);
      return { QueueUrls: items.map((queue) => queueUrl(context, queue)), NextToken: next };
    },

    async DeleteQueue(input, context) {
      const queue = queueOf(input, context);
      await registry.delete(queue);
      engine.waiters.notify(queue.id);
    },

    async GetQueueAttributes(input, context) {
      const queue = queueOf(input, context);
      const requested = strings(input, 'AttributeNames');
      const known = knownAttributeNames(queue.fifo);
      for (const name of requested) {
        if (name !== 'All' && !known.includes(name)) {
          throw sqsError('InvalidAttributeName', `Unknown Attribute ${name}.`);
        }
      }
      const names = requested.includes('All') ? known : requested;
      if (names.length === 0) return {};
      const attributes: Record<string, string> = {};
      const needsCounts = names.some((name) => name.startsWith('ApproximateNumberOfMessages'));
      const counts = needsCounts ? await engine.counts(queue) : undefined;
      for (const name of names) {
        const value =
          {
            ApproximateNumberOfMessages: counts?.visible,
            ApproximateNumberOfMessagesNotVisible: counts?.inFlight,
            ApproximateNumberOfMessagesDelayed: counts?.delayed,
            CreatedTimestamp: Math.floor(queue.createdAt / 1000),
            LastModifiedTimestamp: Math.floor(queue.modifiedAt / 1000),
            QueueArn: queue.arn,
          }[name] ?? queue.attributes[name];
        if (value !== undefined) attributes[name] = String(value);
      }
      return { Attributes: attributes };
    },

    async SetQueueAttributes(input, context) {
      await registry.setAttributes(queueOf(input, context), stringMap(input, 'Attributes'));
    },

    async SendMessage(input, context) {
      const queue = queueOf(input, context);
      const prepared = preparer.prepare(queue, sendEntry(input));
      const [result] = await engine.send(queue, [prepared], context.accessKeyId ?? context.accountId);
      return result;
    },

    async SendMessageBatch(input, context) {
      const queue = queueOf(input, context);
      const entries = (input.Entries as Array<Input & BatchEntry> | undefined) ?? [];
      checkBatch(entries, 'SendMessageBatchRequestEntry');
      const failed: ReturnType<typeof failure>[] = [];
      const accepted: Array<{ id: string; prepared: PreparedMessage }> = [];
      let total = 0;
      for (const entry of entries) {
        try {
          const prepared = preparer.prepare(queue, sendEntry(entry));
          total += prepared.size;
          accepted.push({ id: entry.Id, prepared });
        } catch (error) {
          if (!(error instanceof ServiceError)) throw error;
          failed.push(failure(entry.Id, error));
        }
      }
      if (total > MAX_BATCH_BYTES) {
        throw sqsError(
          'BatchRequestTooLong',
          `Batch requests cannot be longer than ${MAX_BATCH_BYTES} bytes. You have sent ${total} bytes.`,
        );
      }
      const results = accepted.length
        ? await engine.send(
            queue,
            accepted.map((entry) => entry.prepared),
            context.accessKeyId ?? context.accountId,
          )
        : [];
      return {
        Successful: results.map((result, index) => ({ Id: accepted[index]!.id, ...result })),
        Failed: failed,
      };
    },

    async ReceiveMessage(input, context) {
      const queue = queueOf(input, context);
      const maxMessages =
        inRange(input, 'MaxNumberOfMessages', 1, 10, 'Must be between 1 and 10, if provided.') ?? 1;
      const waitTimeSeconds = inRange(
        input,
        'WaitTimeSeconds',
        0,
        20,
        'Must be >= 0 and <= 20, if provided.',
      );
      const visibilityTimeoutSeconds = inRange(
        input,
        'VisibilityTimeout',
        0,
        43_200,
        'Must be >= 0 and <= 43200, if provided.',
      );
      const attemptId = string(input, 'ReceiveRequestAttemptId');
      if (attemptId !== undefined && !/^[\x21-\x7e]{1,128}$/.test(attemptId)) {
        throw invalidParameter(
          `Value ${attemptId} for parameter ReceiveRequestAttemptId is invalid. Reason: It can only include alphanumeric and punctuation characters. 1 to 128 in length.`,
        );
      }
      const messages = await engine.receive(queue, {
        maxMessages,
        waitTimeSeconds,
        visibilityTimeoutSeconds,
        attributeNames: [
          ...strings(input, 'AttributeNames'),
          ...strings(input, 'MessageSystemAttributeNames'),
        ],
        messageAttributeNames: strings(input, 'MessageAttributeNames'),
        attemptId,
        signal: context.signal,
      });
      return { Messages: messages.length > 0 ? messages : undefined };
    },

    async DeleteMessage(input, context) {
      const queue = queueOf(input, context);
      const receipt = receiptOf(queue, string(input, 'ReceiptHandle') ?? '');
      if (receipt instanceof ReceiptInvalid) throw sqsErrorOf(receipt);
      await engine.delete(queue, [receipt]);
    },

    async DeleteMessageBatch(input, context) {
      const queue = queueOf(input, context);
      const entries = (input.Entries as Array<BatchEntry & { ReceiptHandle: string }> | undefined) ?? [];
      checkBatch(entries, 'DeleteMessageBatchRequestEntry');
      const receipts: Receipt[] = [];
      const errors = entries.map((entry) => {
        const receipt = receiptOf(queue, entry.ReceiptHandle);
        if (receipt instanceof ReceiptInvalid) return sqsErrorOf(receipt);
        receipts.push(receipt);
        return undefined;
      });
      await engine.delete(queue, receipts);
      return batchResult(entries, errors);
    },

    async ChangeMessageVisibility(input, context) {
      const queue = queueOf(input, context);
      const change = visibilityChangeOf(
        queue,
        string(input, 'ReceiptHandle') ?? '',
        integer(input, 'VisibilityTimeout') ?? 0,
      );
      if (change instanceof ServiceError) throw change;
      const [refused] = await engine.changeVisibility(queue, [change]);
      if (refused) throw sqsErrorOf(refused);
    },

    async ChangeMessageVisibilityBatch(input, context) {
      const queue = queueOf(input, context);
      const entries =
        (input.Entries as
          | Array<BatchEntry & { ReceiptHandle: string; VisibilityTimeout?: number }>
          | undefined) ?? [];
      checkBatch(entries, 'ChangeMessageVisibilityBatchRequestEntry');
      const changes: VisibilityChange[] = [];
      const errors: Array<ServiceError | undefined> = entries.map((entry) => {
        const change = visibilityChangeOf(queue, entry.ReceiptHandle, entry.VisibilityTimeout ?? 0);
        if (change instanceof ServiceError) return change;
        changes.push(change);
        return undefined;
      });
      // The engine answers the valid changes in order; they fill the entries that had no error yet.
      const refused = await engine.changeVisibility(queue, changes);
      let next = 0;
      for (let index = 0; index < errors.length; index++) {
        if (errors[index] !== undefined) continue;
        const outcome = refused[next++];
        if (outcome) errors[index] = sqsErrorOf(outcome);
      }
      return batchResult(entries, errors);
    },

    async PurgeQueue(input, context) {
      await engine.purge(queueOf(input, context)).catch(rethrow);
    },

    async TagQueue(input, context) {
      const queue = queueOf(input, context);
      const tags = stringMap(input, 'Tags');
      checkTags(tags);
      const merged = { ...queue.tags, ...tags };
      if (Object.keys(merged).length > MAX_TAGS) {
        throw invalidParameter(
          `Too many tags added for queue ${queue.name}: a queue can have at most ${MAX_TAGS} tags.`,
        );
      }
      await registry.setTags(queue, merged);
    },

    async UntagQueue(input, context) {
      const queue = queueOf(input, context);
      const remaining = { ...queue.tags };
      for (const key of strings(input, 'TagKeys')) delete remaining[key];
      await registry.setTags(queue, remaining);
    },

    ListQueueTags(input, context) {
      const queue = queueOf(input, context);
      return Object.keys(queue.tags).length > 0 ? { Tags: queue.tags } : {};
    },

    async AddPermission(input, context) {
      const queue = queueOf(input, context);
      const label = string(input, 'Label') ?? '';
      if (!/^[A-Za-z0-9_-]{1,80}$/.test(label)) {
        throw invalidParameter(
          `Value ${label} for parameter Label is invalid. Reason: Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length.`,
        );
      }
      if (queue.permissions.some((permission) => permission.label === label)) {
        throw invalidParameter(`Value ${label} for parameter Label is invalid. Reason: Already exists.`);
      }
      const accounts = strings(input, 'AWSAccountIds');
      const actions = strings(input, 'Actions');
      if (accounts.length === 0)
        throw sqsError('MissingParameter', 'The request must contain the parameter AWSAccountIds.');
      if (actions.length === 0)
        throw sqsError('MissingParameter', 'The request must contain the parameter Actions.');
      for (const action of actions) {
        if (!PERMISSION_ACTIONS.has(action)) {
          throw invalidParameter(
            `Value SQS:${action} for parameter ActionName is invalid. Reason: Please refer to the appropriate WSDL for a list of valid actions.`,
          );
        }
      }
      const permissions = [...queue.permissions, { label, accounts, actions }];
      await registry.setPermissions(queue, permissions);
      await registry.setAttributes(queue, { Policy: policyOf(queue, permissions) });
    },

    async RemovePermission(input, context) {
      const queue = queueOf(input, context);
      const label = string(input, 'Label') ?? '';
      if (!queue.permissions.some((permission) => permission.label === label)) {
        throw invalidParameter(
          `Value ${label} for parameter Label is invalid. Reason: can't find label on existing policy.`,
        );
      }
      const permissions = queue.permissions.filter((permission) => permission.label !== label);
      await registry.setPermissions(queue, permissions);
      await registry.setAttributes(queue, {
        Policy: permissions.length > 0 ? policyOf(queue, permissions) : '',
      });
    },

    ListDeadLetterSourceQueues(input, context) {
      const queue = queueOf(input, context);
      const { items, next } = page(registry.deadLetterSources(queue), (source) => source.name, input);
      return { queueUrls: items.map((source) => queueUrl(context, source)), NextToken: next };
    },

    async StartMessageMoveTask(input) {
      const sourceArn = string(input, 'SourceArn') ?? '';
      const source = registry.fromArn(sourceArn);
      if (!source)
        throw sqsError(
          'ResourceNotFoundException',
          `The resource that you specified for the SourceArn parameter doesn't exist.`,
        );
      const handle = await moveTasks.start(
        source,
        string(input, 'DestinationArn'),
        integer(input, 'MaxNumberOfMessagesPerSecond'),
      );
      return { TaskHandle: handle };
    },

    async ListMessageMoveTasks(input) {
      const source = registry.fromArn(string(input, 'SourceArn') ?? '');
      if (!source)
        throw sqsError(
          'ResourceNotFoundException',
          `The resource that you specified for the SourceArn parameter doesn't exist.`,
        );
      const max = inRange(input, 'MaxResults', 1, 10, 'Must be between 1 and 10, if provided.') ?? 1;
      return { Results: await moveTasks.list(source, max) };
    },

    async CancelMessageMoveTask(input) {
      return { ApproximateNumberOfMessagesMoved: await moveTasks.cancel(string(input, 'TaskHandle') ?? '') };
    },
  };
}

function batchResult(entries: BatchEntry[], errors: Array<ServiceError | undefined>) {
  const successful: Array<{ Id: string }> = [];
  const failed: ReturnType<typeof failure>[] = [];
  entries.forEach((entry, index) => {
    const error = errors[index];
    if (error) failed.push(failure(entry.Id, error));
    else successful.push({ Id: entry.Id });
  });
  return { Successful: successful, Failed: failed };
}
