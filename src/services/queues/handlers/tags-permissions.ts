// Tags, and the permissions AddPermission and RemovePermission keep as the queue's Policy.

import { invalidParameter, sqsError } from '../errors.ts';
import type { Permission, Queue } from '../registry.ts';
import type { Domain, SqsHandlers } from './common.ts';

const MAX_TAGS = 50;
const LABEL = /^[A-Za-z0-9_-]{1,80}$/;
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

type TagAndPermissionOperations = Pick<
  SqsHandlers,
  'TagQueue' | 'UntagQueue' | 'ListQueueTags' | 'AddPermission' | 'RemovePermission'
>;

/** Tag keys of 1 to 128 characters, values of at most 256 (CreateQueue's tags too). */
export function checkTags(tags: Record<string, string>): void {
  for (const [key, value] of Object.entries(tags)) {
    if (key.length === 0 || key.length > 128)
      throw invalidParameter(`Tag key '${key}' must be 1 to 128 characters.`);
    if (value.length > 256)
      throw invalidParameter(`Tag value for key '${key}' must be at most 256 characters.`);
  }
}

/** IAM policies as AWS writes them: a single principal or action is a string, several an array. */
const scalarIfOne = (values: string[]): string | string[] => (values.length === 1 ? values[0]! : values);

function policyOf(queue: Queue, permissions: Permission[]): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Id: `${queue.arn}/SQSDefaultPolicy`,
    Statement: permissions.map((permission) => ({
      Sid: permission.label,
      Effect: 'Allow',
      Principal: { AWS: scalarIfOne(permission.accounts.map((account) => `arn:aws:iam::${account}:root`)) },
      Action: scalarIfOne(permission.actions.map((action) => `SQS:${action}`)),
      Resource: queue.arn,
    })),
  });
}

export function tagAndPermissionOperations({ registry }: Domain): TagAndPermissionOperations {
  return {
    async TagQueue(input, context) {
      const queue = registry.fromUrl(input.QueueUrl, context);
      if (Object.keys(input.Tags).length === 0)
        throw sqsError('MissingParameter', 'The request must contain the parameter Tags.');
      checkTags(input.Tags);
      const merged = { ...queue.tags, ...input.Tags };
      if (Object.keys(merged).length > MAX_TAGS) {
        throw invalidParameter(
          `Too many tags added for queue ${queue.name}: a queue can have at most ${MAX_TAGS} tags.`,
        );
      }
      await registry.setTags(queue, merged);
    },

    async UntagQueue(input, context) {
      const queue = registry.fromUrl(input.QueueUrl, context);
      if (input.TagKeys.length === 0)
        throw invalidParameter('The request must contain at least one tag key.');
      const remaining = { ...queue.tags };
      for (const key of input.TagKeys) delete remaining[key];
      await registry.setTags(queue, remaining);
    },

    ListQueueTags(input, context) {
      const queue = registry.fromUrl(input.QueueUrl, context);
      return Object.keys(queue.tags).length > 0 ? { Tags: queue.tags } : {};
    },

    async AddPermission(input, context) {
      const queue = registry.fromUrl(input.QueueUrl, context);
      const label = input.Label;
      if (!LABEL.test(label)) {
        throw invalidParameter(
          `Value ${label} for parameter Label is invalid. Reason: Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length.`,
        );
      }
      if (queue.permissions.some((permission) => permission.label === label)) {
        throw invalidParameter(`Value ${label} for parameter Label is invalid. Reason: Already exists.`);
      }
      const accounts = input.AWSAccountIds;
      const actions = input.Actions;
      // The model requires both; a JSON request may still send them empty.
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
      const queue = registry.fromUrl(input.QueueUrl, context);
      const label = input.Label;
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
  };
}
