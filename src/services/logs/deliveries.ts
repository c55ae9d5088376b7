// Vended-log deliveries: a delivery source (an AWS resource that sends its logs: a CloudFront
// distribution, a Bedrock knowledge base, …), a delivery destination (a log group, S3 bucket,
// Firehose stream or X-Ray), and a delivery joining them. eddy serves none of the services that vend
// logs, so no delivery source can exist: PutDeliverySource answers as AWS answers for a resource the
// account does not have, and deliveries (which need a source) never exist either. Delivery
// destinations and their policies are stored and shown.
import type { CloudWatchLogs } from '../../contract/index.ts';
import { type Clock, formatArn, parseArn } from '../../runtime/index.ts';
import type { LogsHandlers } from './api.ts';
import { logsError } from './errors.ts';
import { type Caller, groupNameFromArn } from './input.ts';
import type { LogRegistry } from './registry.ts';
import { pageOf, type Resource, type Resources } from './resources.ts';

const DESCRIBE_LIMIT = 50;

const notFound = (message: string) => logsError('ResourceNotFoundException', message);
const validation = (message: string) => logsError('ValidationException', message);

interface DestinationBody {
  deliveryDestinationType: CloudWatchLogs.DeliveryDestinationType;
  outputFormat: CloudWatchLogs.OutputFormat;
  deliveryDestinationConfiguration?: CloudWatchLogs.DeliveryDestinationConfiguration;
  policy?: string;
}

const destinationArn = (caller: Caller, name: string) =>
  formatArn({
    service: 'logs',
    region: caller.region,
    accountId: caller.accountId,
    resource: `delivery-destination:${name}`,
  });

/** The destination type a resource ARN implies, as AWS infers it. */
function typeOf(arn: string | undefined): CloudWatchLogs.DeliveryDestinationType | undefined {
  const service = arn === undefined ? undefined : parseArn(arn)?.service;
  return service === 'logs' ? 'CWL' : service === 's3' ? 'S3' : service === 'firehose' ? 'FH' : undefined;
}

function toDestination(
  caller: Caller,
  resource: Resource<DestinationBody>,
): CloudWatchLogs.DeliveryDestination {
  const { body } = resource;
  return {
    name: resource.name,
    arn: destinationArn(caller, resource.name),
    deliveryDestinationType: body.deliveryDestinationType,
    outputFormat: body.outputFormat,
    ...(body.deliveryDestinationConfiguration
      ? { deliveryDestinationConfiguration: body.deliveryDestinationConfiguration }
      : {}),
    tags: resource.tags,
  };
}

export function deliveryHandlers(registry: LogRegistry, resources: Resources, clock: Clock) {
  const destinationKey = (name: string) => ({ kind: 'delivery-destination', name }) as const;
  const destinationNotFound = (name: string) =>
    notFound(`Delivery destination with name [${name}] does not exist.`);
  const sourceNotFound = (name: string) => notFound(`Delivery source with name [${name}] does not exist.`);
  const deliveryNotFound = (id: string) => notFound(`Delivery with id [${id}] does not exist.`);

  async function requireDestination(caller: Caller, name: string) {
    const found = await resources.get<DestinationBody>(caller, destinationKey(name));
    if (!found) throw destinationNotFound(name);
    return found;
  }

  return {
    async PutDeliverySource(input) {
      throw notFound(
        `The resource ${input.resourceArn} does not exist, or it does not vend ${input.logType} logs.`,
      );
    },
    async GetDeliverySource(input) {
      throw sourceNotFound(input.name);
    },
    async DescribeDeliverySources() {
      return { deliverySources: [] };
    },
    async DeleteDeliverySource(input) {
      throw sourceNotFound(input.name);
    },

    async PutDeliveryDestination(input, context) {
      const resourceArn = input.deliveryDestinationConfiguration?.destinationResourceArn;
      const type = input.deliveryDestinationType ?? typeOf(resourceArn);
      if (type === undefined)
        throw validation(
          'deliveryDestinationType or a destinationResourceArn of a log group, S3 bucket or Firehose stream is required.',
        );
      if (type !== 'XRAY' && resourceArn === undefined)
        throw validation(
          `A ${type} delivery destination needs deliveryDestinationConfiguration.destinationResourceArn.`,
        );
      if (type !== 'XRAY' && typeOf(resourceArn) !== type)
        throw validation(`The destination resource ${resourceArn} is not of type ${type}.`);
      if (type === 'CWL')
        await registry.requireGroup(
          context.accountId,
          context.region,
          groupNameFromArn(resourceArn!, context),
        );
      const current = await resources.get<DestinationBody>(context, destinationKey(input.name));
      if (current && current.body.deliveryDestinationType !== type)
        throw logsError(
          'ConflictException',
          'The type of an existing delivery destination cannot be changed.',
        );
      const saved = await resources.put<DestinationBody>(
        context,
        destinationKey(input.name),
        {
          deliveryDestinationType: type,
          outputFormat:
            input.outputFormat ??
            current?.body.outputFormat ??
            (type === 'S3' ? 'json' : type === 'XRAY' ? 'raw' : 'json'),
          ...(input.deliveryDestinationConfiguration
            ? { deliveryDestinationConfiguration: input.deliveryDestinationConfiguration }
            : {}),
          ...(current?.body.policy !== undefined ? { policy: current.body.policy } : {}),
        },
        clock.now(),
        { ...(input.tags ? { tags: input.tags } : {}) },
      );
      return { deliveryDestination: toDestination(context, saved) };
    },

    async GetDeliveryDestination(input, context) {
      return { deliveryDestination: toDestination(context, await requireDestination(context, input.name)) };
    },

    async DescribeDeliveryDestinations(input, context) {
      const { items, nextToken } = await pageOf<DestinationBody>(
        resources,
        context,
        { kind: 'delivery-destination' },
        { token: input.nextToken, limit: input.limit ?? DESCRIBE_LIMIT },
      );
      return { deliveryDestinations: items.map((item) => toDestination(context, item)), nextToken };
    },

    async DeleteDeliveryDestination(input, context) {
      if (!(await resources.delete(context, destinationKey(input.name))))
        throw destinationNotFound(input.name);
    },

    async PutDeliveryDestinationPolicy(input, context) {
      try {
        JSON.parse(input.deliveryDestinationPolicy);
      } catch {
        throw validation('The delivery destination policy is not valid JSON.');
      }
      const found = await requireDestination(context, input.deliveryDestinationName);
      await resources.put<DestinationBody>(
        context,
        destinationKey(found.name),
        { ...found.body, policy: input.deliveryDestinationPolicy },
        clock.now(),
      );
      return { policy: { deliveryDestinationPolicy: input.deliveryDestinationPolicy } };
    },

    async GetDeliveryDestinationPolicy(input, context) {
      const found = await requireDestination(context, input.deliveryDestinationName);
      return {
        policy: found.body.policy !== undefined ? { deliveryDestinationPolicy: found.body.policy } : {},
      };
    },

    async DeleteDeliveryDestinationPolicy(input, context) {
      const found = await requireDestination(context, input.deliveryDestinationName);
      if (found.body.policy === undefined)
        throw notFound(`Delivery destination [${found.name}] has no policy.`);
      const { policy: _removed, ...rest } = found.body;
      await resources.put<DestinationBody>(context, destinationKey(found.name), rest, clock.now());
    },

    async CreateDelivery(input) {
      throw sourceNotFound(input.deliverySourceName);
    },
    async GetDelivery(input) {
      throw deliveryNotFound(input.id);
    },
    async DescribeDeliveries() {
      return { deliveries: [] };
    },
    async DeleteDelivery(input) {
      throw deliveryNotFound(input.id);
    },
    async UpdateDeliveryConfiguration(input) {
      throw deliveryNotFound(input.id);
    },
    async DescribeConfigurationTemplates() {
      // The templates describe the logs AWS services vend; eddy serves none of those services.
      return { configurationTemplates: [] };
    },
  } satisfies Partial<LogsHandlers>;
}
