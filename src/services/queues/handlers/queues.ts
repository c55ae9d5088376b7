// The queues themselves: create, find, list, delete, attributes, purge, dead-letter sources.
import { knownAttributeNames } from '../attributes.ts';
import { rethrow, sqsError } from '../errors.ts';
import type { CreateQueueInput, GetQueueAttributesInput, SetQueueAttributesInput } from './as-sent.ts';
import { type Domain, page, queueUrl, type SqsHandlers } from './common.ts';
import { checkTags } from './tags-permissions.ts';

type QueueOperations = Pick<
  SqsHandlers,
  | 'CreateQueue'
  | 'GetQueueUrl'
  | 'ListQueues'
  | 'DeleteQueue'
  | 'GetQueueAttributes'
  | 'SetQueueAttributes'
  | 'PurgeQueue'
  | 'ListDeadLetterSourceQueues'
>;

export function queueOperations({ registry, engine }: Domain): QueueOperations {
  return {
    async CreateQueue(input: CreateQueueInput, context) {
      const tags = input.tags ?? {};
      checkTags(tags);
      const queue = await registry.create(
        context.accountId,
        context.region,
        input.QueueName,
        input.Attributes ?? {},
        tags,
      );
      return { QueueUrl: queueUrl(context, queue) };
    },

    GetQueueUrl(input, context) {
      const account = input.QueueOwnerAWSAccountId ?? context.accountId;
      const queue = registry.get(account, context.region, input.QueueName);
      if (!queue) throw registry.missing(account, context.region, input.QueueName);
      return { QueueUrl: queueUrl(context, queue) };
    },

    ListQueues(input, context) {
      const prefix = input.QueueNamePrefix ?? '';
      const queues = registry
        .list(context.accountId, context.region)
        .filter((queue) => queue.name.startsWith(prefix));
      const { items, next } = page(queues, (queue) => queue.name, input);
      return { QueueUrls: items.map((queue) => queueUrl(context, queue)), NextToken: next };
    },

    async DeleteQueue(input, context) {
      const queue = registry.fromUrl(input.QueueUrl, context);
      await registry.delete(queue);
      engine.waiters.notify(queue.id);
    },

    async GetQueueAttributes(input: GetQueueAttributesInput, context) {
      const queue = registry.fromUrl(input.QueueUrl, context);
      const requested = input.AttributeNames ?? [];
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
      // None of the names has a value: SQS leaves Attributes out.
      return Object.keys(attributes).length > 0 ? { Attributes: attributes } : {};
    },

    async SetQueueAttributes(input: SetQueueAttributesInput, context) {
      await registry.setAttributes(registry.fromUrl(input.QueueUrl, context), input.Attributes);
    },

    async PurgeQueue(input, context) {
      await engine.purge(registry.fromUrl(input.QueueUrl, context)).catch(rethrow);
    },

    ListDeadLetterSourceQueues(input, context) {
      const queue = registry.fromUrl(input.QueueUrl, context);
      const { items, next } = page(registry.deadLetterSources(queue), (source) => source.name, input);
      return { queueUrls: items.map((source) => queueUrl(context, source)), NextToken: next };
    },
  };
}
