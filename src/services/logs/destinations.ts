// CloudWatch Logs destinations: the named front of a stream that other accounts' subscription filters
// deliver to, with the access policy that says who may. Subscriptions that name a destination deliver
// to its target (see subscriptions.ts).
import type { CloudWatchLogs } from '../../contract/index.ts';
import { type Clock, formatArn } from '../../runtime/index.ts';
import type { LogsHandlers } from './api.ts';
import { invalidParameter, notFound } from './errors.ts';
import type { Caller } from './input.ts';
import { pageOf, type Resource, type Resources } from './resources.ts';
import { destinationKind } from './subscriptions.ts';

const DESCRIBE_LIMIT = 50;

export interface DestinationBody {
  targetArn: string;
  roleArn: string;
  accessPolicy?: string;
}

export const destinationArn = (caller: Caller, name: string) =>
  formatArn({
    service: 'logs',
    region: caller.region,
    accountId: caller.accountId,
    resource: `destination:${name}`,
  });

export const destinationNotFound = () => notFound('The specified destination does not exist.');

export function toDestination(
  caller: Caller,
  resource: Resource<DestinationBody>,
): CloudWatchLogs.Destination {
  return {
    destinationName: resource.name,
    targetArn: resource.body.targetArn,
    roleArn: resource.body.roleArn,
    ...(resource.body.accessPolicy !== undefined ? { accessPolicy: resource.body.accessPolicy } : {}),
    arn: destinationArn(caller, resource.name),
    creationTime: resource.createdAt,
  };
}

export function destinationHandlers(resources: Resources, clock: Clock) {
  return {
    async PutDestination(input, context) {
      const kind = destinationKind(input.targetArn);
      if (kind !== 'kinesis' && kind !== 'firehose' && kind !== 'sqs' && kind !== 'sns')
        throw invalidParameter(
          `The target ARN ${input.targetArn} is not a Kinesis data stream or a Firehose delivery stream.`,
        );
      const key = { kind: 'destination', name: input.destinationName } as const;
      const current = await resources.get<DestinationBody>(context, key);
      const saved = await resources.put<DestinationBody>(
        context,
        key,
        {
          targetArn: input.targetArn,
          roleArn: input.roleArn,
          ...(current?.body.accessPolicy !== undefined ? { accessPolicy: current.body.accessPolicy } : {}),
        },
        clock.now(),
        { ...(input.tags !== undefined ? { tags: input.tags } : {}) },
      );
      return { destination: toDestination(context, saved) };
    },

    async PutDestinationPolicy(input, context) {
      try {
        JSON.parse(input.accessPolicy);
      } catch {
        throw invalidParameter('The access policy is not valid JSON.');
      }
      const key = { kind: 'destination', name: input.destinationName } as const;
      const current = await resources.get<DestinationBody>(context, key);
      if (!current) throw destinationNotFound();
      await resources.put<DestinationBody>(
        context,
        key,
        { ...current.body, accessPolicy: input.accessPolicy },
        clock.now(),
      );
    },

    async DescribeDestinations(input, context) {
      const { items, nextToken } = await pageOf<DestinationBody>(
        resources,
        context,
        {
          kind: 'destination',
          ...(input.DestinationNamePrefix !== undefined ? { prefix: input.DestinationNamePrefix } : {}),
        },
        { token: input.nextToken, limit: input.limit ?? DESCRIBE_LIMIT },
      );
      return { destinations: items.map((item) => toDestination(context, item)), nextToken };
    },

    async DeleteDestination(input, context) {
      if (!(await resources.delete(context, { kind: 'destination', name: input.destinationName })))
        throw destinationNotFound();
    },
  } satisfies Partial<LogsHandlers>;
}
