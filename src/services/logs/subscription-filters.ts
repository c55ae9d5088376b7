// Subscription filters: at most two per log group, each naming where matching events go — a Lambda
// function, a Kinesis or Firehose stream, a CloudWatch Logs destination (perhaps another account's),
// or, as an eddy extension, an SQS queue or SNS topic. Creating one sends AWS's CONTROL_MESSAGE to
// the destination to check it answers; delivery itself is subscriptions.ts's pump.
import type { CloudWatchLogs } from '../../contract/index.ts';
import { type Clock, DeliveryError, parseArn, type Targets } from '../../runtime/index.ts';
import type { Store, Tx } from '../../store/index.ts';
import type { LogsHandlers } from './api.ts';
import { type DestinationBody, destinationArn, destinationNotFound } from './destinations.ts';
import { invalidParameter, limitExceeded, logsError, notFound } from './errors.ts';
import { compileFilter } from './event-handlers.ts';
import type { Caller } from './input.ts';
import { groupArn, type LogRegistry } from './registry.ts';
import { pageOf, type Resource, type Resources } from './resources.ts';
import { controlMessage, deliveryFor, destinationKind, type SubscriptionBody } from './subscriptions.ts';

const MAX_FILTERS_PER_GROUP = 2;
const DESCRIBE_LIMIT = 50;

/** What AWS answers when the test message cannot reach a stream or function the account does not have. */
const UNREACHABLE: Record<string, string> = {
  kinesis:
    'Could not deliver test message to specified Kinesis stream. Check if the given kinesis stream is in ACTIVE state.',
  firehose:
    'Could not deliver test message to specified Firehose stream. Check if the given Firehose stream is in ACTIVE state.',
  lambda:
    'Could not execute the lambda function. Make sure you have given CloudWatch Logs permission to execute your function.',
  other: 'Could not deliver test message to specified destination. Check if the destination is valid.',
};

/** Whether a destination's access policy lets `account` subscribe to it (an Allow naming the account or `*`). */
function allows(policy: string | undefined, account: string): boolean {
  if (policy === undefined) return false;
  let document: { Statement?: unknown };
  try {
    document = JSON.parse(policy) as { Statement?: unknown };
  } catch {
    return false;
  }
  const statements = Array.isArray(document.Statement) ? document.Statement : [document.Statement];
  return statements.some((statement) => {
    const { Effect, Principal } = (statement ?? {}) as { Effect?: string; Principal?: unknown };
    if (Effect !== 'Allow') return false;
    const named = (
      typeof Principal === 'object' && Principal !== null ? (Principal as { AWS?: unknown }).AWS : Principal
    ) as string | string[] | undefined;
    const principals = Array.isArray(named) ? named : [named];
    return principals.some(
      (principal) =>
        principal === '*' || principal === account || principal === `arn:aws:iam::${account}:root`,
    );
  });
}

function toSubscriptionFilter(resource: Resource<SubscriptionBody>): CloudWatchLogs.SubscriptionFilter {
  const { body } = resource;
  return {
    filterName: resource.name,
    logGroupName: resource.scope,
    filterPattern: body.filterPattern,
    destinationArn: body.destinationArn,
    ...(body.roleArn !== undefined ? { roleArn: body.roleArn } : {}),
    distribution: body.distribution,
    ...(body.applyOnTransformedLogs !== undefined
      ? { applyOnTransformedLogs: body.applyOnTransformedLogs }
      : {}),
    creationTime: resource.createdAt,
    ...(body.fieldSelectionCriteria !== undefined
      ? { fieldSelectionCriteria: body.fieldSelectionCriteria }
      : {}),
    ...(body.emitSystemFields !== undefined ? { emitSystemFields: body.emitSystemFields } : {}),
  };
}

/** Where a subscription's events go, and whether that destination answers AWS's CONTROL_MESSAGE. */
export class SubscriptionDestinations {
  constructor(
    private readonly resources: Resources,
    private readonly targets: Targets,
    private readonly clock: Clock,
  ) {}

  /** The ARN events go to: the destination ARN, or the target of the CloudWatch Logs destination it names. */
  async targetOf(destination: string, caller: Caller): Promise<string> {
    const kind = destinationKind(destination);
    if (kind === undefined)
      throw invalidParameter(
        `The destination ARN ${destination} is not a Lambda function, Kinesis stream, Firehose stream or CloudWatch Logs destination.`,
      );
    if (kind !== 'logs') return destination;
    const parsed = parseArn(destination)!;
    const owner = { accountId: parsed.accountId, region: parsed.region };
    const name = parsed.resource.slice('destination:'.length);
    const found = await this.resources.get<DestinationBody>(owner, { kind: 'destination', name });
    if (!found) throw destinationNotFound();
    if (owner.accountId !== caller.accountId && !allows(found.body.accessPolicy, caller.accountId))
      throw logsError(
        'AccessDeniedException',
        `User with accountId: ${caller.accountId} is not authorized to perform: logs:PutSubscriptionFilter on resource: ${destinationArn(owner, name)}`,
      );
    return found.body.targetArn;
  }

  /** Sends AWS's CONTROL_MESSAGE; what eddy cannot reach fails as AWS fails an account without it. */
  async checkReachable(target: string, sourceArn: string): Promise<void> {
    const kind = destinationKind(target) ?? 'other';
    const message = UNREACHABLE[kind] ?? UNREACHABLE.other!;
    if (!this.targets.supports(target)) throw invalidParameter(message);
    if (kind === 'lambda') return;
    try {
      await this.targets.deliver(target, deliveryFor(target, controlMessage(this.clock.now()), sourceArn));
    } catch (error) {
      if (error instanceof DeliveryError) throw invalidParameter(message);
      throw error;
    }
  }
}

/** A new subscriber delivers what is ingested from now on; a replaced one carries on where it was. */
export async function startProgress(tx: Tx, resourceId: number): Promise<void> {
  const progress = await tx.get('SELECT resource_id FROM logs_subscription_progress WHERE resource_id = ?', [
    resourceId,
  ]);
  if (progress) return;
  const last = await tx.get<{ seq: number | null }>('SELECT MAX(seq) AS seq FROM logs_events');
  await tx.run('INSERT INTO logs_subscription_progress (resource_id, delivered_seq) VALUES (?, ?)', [
    resourceId,
    Number(last?.seq ?? 0),
  ]);
}

export function subscriptionFilterHandlers(
  registry: LogRegistry,
  resources: Resources,
  store: Store,
  destinations: SubscriptionDestinations,
  clock: Clock,
) {
  return {
    async PutSubscriptionFilter(input, context) {
      compileFilter(input.filterPattern);
      const group = await registry.requireGroup(context.accountId, context.region, input.logGroupName);
      const key = { kind: 'subscription-filter', scope: group.name, name: input.filterName } as const;
      const existing = await resources.get(context, key);
      if (
        !existing &&
        (await store.read((tx) => resources.countOfGroupIn(tx, group.id, 'subscription-filter'))) >=
          MAX_FILTERS_PER_GROUP
      )
        throw limitExceeded();
      const targetArn = await destinations.targetOf(input.destinationArn, context);
      await destinations.checkReachable(targetArn, groupArn(group));
      const body: SubscriptionBody = {
        filterPattern: input.filterPattern,
        destinationArn: input.destinationArn,
        ...(input.roleArn !== undefined ? { roleArn: input.roleArn } : {}),
        distribution: input.distribution ?? 'ByLogStream',
        ...(input.applyOnTransformedLogs !== undefined
          ? { applyOnTransformedLogs: input.applyOnTransformedLogs }
          : {}),
        ...(input.fieldSelectionCriteria !== undefined
          ? { fieldSelectionCriteria: input.fieldSelectionCriteria }
          : {}),
        ...(input.emitSystemFields !== undefined ? { emitSystemFields: input.emitSystemFields } : {}),
        targetArn,
        account: context.accountId,
        region: context.region,
      };
      await store.write(async (tx) => {
        if (
          !(await resources.getIn(tx, context, key)) &&
          (await resources.countOfGroupIn(tx, group.id, 'subscription-filter')) >= MAX_FILTERS_PER_GROUP
        )
          throw limitExceeded();
        const saved = await resources.putIn(tx, context, key, body, clock.now(), {
          scope: group.name,
          groupId: group.id,
        });
        await startProgress(tx, saved.id);
      });
    },

    async DeleteSubscriptionFilter(input, context) {
      await registry.requireGroup(context.accountId, context.region, input.logGroupName);
      const deleted = await resources.delete(context, {
        kind: 'subscription-filter',
        scope: input.logGroupName,
        name: input.filterName,
      });
      if (!deleted) throw notFound('The specified subscription filter does not exist.');
    },

    async DescribeSubscriptionFilters(input, context) {
      await registry.requireGroup(context.accountId, context.region, input.logGroupName);
      const { items, nextToken } = await pageOf<SubscriptionBody>(
        resources,
        context,
        {
          kind: 'subscription-filter',
          scope: input.logGroupName,
          ...(input.filterNamePrefix !== undefined ? { prefix: input.filterNamePrefix } : {}),
        },
        { token: input.nextToken, limit: input.limit ?? DESCRIBE_LIMIT },
      );
      return { subscriptionFilters: items.map(toSubscriptionFilter), nextToken };
    },
  } satisfies Partial<LogsHandlers>;
}
