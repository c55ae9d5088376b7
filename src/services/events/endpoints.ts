// Global endpoints: a primary bus in the endpoint's region and a secondary one of the same name in
// another, a Route 53 health check to fail over by, and event replication. eddy keeps them with
// EventBridge's rules and shows them ACTIVE once made (nothing is provisioned); it has no Route 53
// to fail over by, and PutEvents does not route by EndpointId (the bus named in each entry is used).
import { randomBytes } from 'node:crypto';
import type { EventBridge, Handlers, RequestContext } from '../../contract/index.ts';
import { formatArn, parseArn } from '../../runtime/index.ts';
import type { Store } from '../../store/index.ts';
import { eventsError, notFound, validation } from './errors.ts';
import { page } from './paging.ts';

type EndpointOperations =
  | 'CreateEndpoint'
  | 'DescribeEndpoint'
  | 'UpdateEndpoint'
  | 'DeleteEndpoint'
  | 'ListEndpoints';

/** An endpoint as DescribeEndpoint shows it, but for its times (kept as numbers). */
interface StoredEndpoint {
  Name: string;
  Description?: string | undefined;
  Arn: string;
  RoutingConfig: EventBridge.RoutingConfig;
  ReplicationConfig: EventBridge.ReplicationConfig;
  EventBuses: EventBridge.EndpointEventBus[];
  RoleArn?: string | undefined;
  EndpointId: string;
  EndpointUrl: string;
  State: EventBridge.EndpointState;
}

interface EndpointRow {
  body: string;
  created_at: number;
  modified_at: number;
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
const randomLabel = (length: number) =>
  [...randomBytes(length)].map((byte) => ALPHABET[byte % ALPHABET.length]).join('');

/** The buses must share a name and sit in the endpoint's region and the secondary route's. */
function checkRouting(
  context: RequestContext,
  routing: EventBridge.RoutingConfig,
  buses: EventBridge.EndpointEventBus[],
  replication: EventBridge.ReplicationConfig,
  roleArn: string | undefined,
): void {
  const parsed = buses.map((bus) => parseArn(bus.EventBusArn));
  const names = new Set(parsed.map((arn) => arn?.resource));
  if (names.size !== 1)
    throw validation('Parameter EventBuses is not valid. Reason: The event buses must have the same name.');
  if (parsed.some((arn) => arn?.accountId !== context.accountId))
    throw validation('Parameter EventBuses is not valid. Reason: The event buses must be in this account.');
  const secondary = routing.FailoverConfig.Secondary.Route;
  const regions = parsed.map((arn) => arn?.region).sort();
  if (secondary === context.region || regions.join() !== [context.region, secondary].sort().join())
    throw validation(
      `Parameter EventBuses is not valid. Reason: One event bus must be in ${context.region} and the other in the secondary Region ${secondary}.`,
    );
  if ((replication.State ?? 'ENABLED') === 'ENABLED' && roleArn === undefined)
    throw validation(
      'Parameter RoleArn is not valid. Reason: RoleArn is required when replication is ENABLED.',
    );
}

function shown(row: EndpointRow): EventBridge.Endpoint {
  return {
    ...(JSON.parse(row.body) as StoredEndpoint),
    CreationTime: new Date(Number(row.created_at)),
    LastModifiedTime: new Date(Number(row.modified_at)),
  };
}

export class GlobalEndpoints {
  constructor(
    private readonly store: Store,
    private readonly now: () => number,
  ) {}

  private async find(context: RequestContext, name: string): Promise<EndpointRow> {
    const row = await this.store.read((tx) =>
      tx.get<EndpointRow>(
        'SELECT body, created_at, modified_at FROM evb_endpoints WHERE account = ? AND region = ? AND name = ?',
        [context.accountId, context.region, name],
      ),
    );
    if (!row) throw notFound(`Endpoint ${name} does not exist.`);
    return row;
  }

  handlers(): Pick<Handlers<EventBridge.Operations>, EndpointOperations> {
    return {
      CreateEndpoint: async (input, context) => {
        const replication = input.ReplicationConfig ?? { State: 'ENABLED' };
        checkRouting(context, input.RoutingConfig, input.EventBuses, replication, input.RoleArn);
        const endpointId = `${randomLabel(10)}.${randomLabel(3)}`;
        const endpoint: StoredEndpoint = {
          Name: input.Name,
          Description: input.Description,
          Arn: formatArn({
            service: 'events',
            region: context.region,
            accountId: context.accountId,
            resource: `endpoint/${input.Name}`,
          }),
          RoutingConfig: input.RoutingConfig,
          ReplicationConfig: replication,
          EventBuses: input.EventBuses,
          RoleArn: input.RoleArn,
          EndpointId: endpointId,
          EndpointUrl: `https://${endpointId}.endpoint.events.amazonaws.com`,
          State: 'ACTIVE',
        };
        const now = this.now();
        await this.store.write(async (tx) => {
          const inserted = await tx.run(
            `INSERT INTO evb_endpoints (account, region, name, body, created_at, modified_at) VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT (account, region, name) DO NOTHING`,
            [context.accountId, context.region, input.Name, JSON.stringify(endpoint), now, now],
          );
          if (inserted.changes === 0)
            throw eventsError('ResourceAlreadyExistsException', `Endpoint ${input.Name} already exists.`);
        });
        const { Name, Arn, RoutingConfig, ReplicationConfig, EventBuses, RoleArn, State } = endpoint;
        return { Name, Arn, RoutingConfig, ReplicationConfig, EventBuses, RoleArn, State };
      },

      DescribeEndpoint: async (input, context) => shown(await this.find(context, input.Name)),

      UpdateEndpoint: async (input, context) => {
        const row = await this.find(context, input.Name);
        const stored = JSON.parse(row.body) as StoredEndpoint;
        const endpoint: StoredEndpoint = {
          ...stored,
          ...(input.Description !== undefined ? { Description: input.Description } : {}),
          ...(input.RoutingConfig ? { RoutingConfig: input.RoutingConfig } : {}),
          ...(input.ReplicationConfig ? { ReplicationConfig: input.ReplicationConfig } : {}),
          ...(input.EventBuses ? { EventBuses: input.EventBuses } : {}),
          ...(input.RoleArn !== undefined ? { RoleArn: input.RoleArn } : {}),
        };
        checkRouting(
          context,
          endpoint.RoutingConfig,
          endpoint.EventBuses,
          endpoint.ReplicationConfig,
          endpoint.RoleArn,
        );
        await this.store.write((tx) =>
          tx.run(
            'UPDATE evb_endpoints SET body = ?, modified_at = ? WHERE account = ? AND region = ? AND name = ?',
            [JSON.stringify(endpoint), this.now(), context.accountId, context.region, input.Name],
          ),
        );
        const {
          Name,
          Arn,
          RoutingConfig,
          ReplicationConfig,
          EventBuses,
          RoleArn,
          EndpointId,
          EndpointUrl,
          State,
        } = endpoint;
        return {
          Name,
          Arn,
          RoutingConfig,
          ReplicationConfig,
          EventBuses,
          RoleArn,
          EndpointId,
          EndpointUrl,
          State,
        };
      },

      DeleteEndpoint: async (input, context) => {
        await this.find(context, input.Name);
        await this.store.write((tx) =>
          tx.run('DELETE FROM evb_endpoints WHERE account = ? AND region = ? AND name = ?', [
            context.accountId,
            context.region,
            input.Name,
          ]),
        );
        return {};
      },

      ListEndpoints: async (input, context) => {
        const rows = await this.store.read((tx) =>
          tx.all<EndpointRow>(
            'SELECT body, created_at, modified_at FROM evb_endpoints WHERE account = ? AND region = ? ORDER BY name',
            [context.accountId, input.HomeRegion ?? context.region],
          ),
        );
        const prefix = input.NamePrefix ?? '';
        const matching = rows.map(shown).filter((endpoint) => endpoint.Name?.startsWith(prefix));
        const { items, NextToken } = page(matching, { NextToken: input.NextToken, Limit: input.MaxResults });
        return { Endpoints: items, NextToken };
      },
    };
  }
}
