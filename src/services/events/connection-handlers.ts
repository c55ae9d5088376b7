// CreateConnection … ListConnections and CreateApiDestination … ListApiDestinations.
import type { EventBridge, Handlers, RequestContext } from '../../contract/index.ts';
import type { ApiInvoker } from './api-invoker.ts';
import type { ApiDestination, Connection, Connections, DestinationInput } from './connections.ts';
import { withoutSecrets } from './connections.ts';
import { page } from './paging.ts';

type ConnectionOperations =
  | 'CreateConnection'
  | 'DescribeConnection'
  | 'UpdateConnection'
  | 'DeleteConnection'
  | 'DeauthorizeConnection'
  | 'ListConnections'
  | 'CreateApiDestination'
  | 'DescribeApiDestination'
  | 'UpdateApiDestination'
  | 'DeleteApiDestination'
  | 'ListApiDestinations';
const time = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms));

function connectionSummary(connection: Connection) {
  return {
    ConnectionArn: connection.arn,
    Name: connection.name,
    ConnectionState: connection.state,
    StateReason: connection.stateReason,
    AuthorizationType: connection.authorizationType,
    CreationTime: time(connection.createdAt),
    LastModifiedTime: time(connection.modifiedAt),
    LastAuthorizedTime: time(connection.lastAuthorizedAt),
  };
}

function destinationSummary(destination: ApiDestination): EventBridge.ApiDestination {
  return {
    ApiDestinationArn: destination.arn,
    Name: destination.name,
    ApiDestinationState: 'ACTIVE',
    ConnectionArn: destination.connectionArn,
    InvocationEndpoint: destination.endpoint,
    HttpMethod: destination.httpMethod,
    InvocationRateLimitPerSecond: destination.rateLimitPerSecond,
    CreationTime: time(destination.createdAt),
    LastModifiedTime: time(destination.modifiedAt),
  };
}

const stateOf = (connection: Connection, state = connection.state) => ({
  ConnectionArn: connection.arn,
  ConnectionState: state,
  CreationTime: time(connection.createdAt),
  LastModifiedTime: time(connection.modifiedAt),
  LastAuthorizedTime: time(connection.lastAuthorizedAt),
});

export function connectionHandlers(
  connections: Connections,
  invoker: ApiInvoker,
): Pick<Handlers<EventBridge.Operations>, ConnectionOperations> {
  const connectionOf = (input: { Name: string }, context: RequestContext) =>
    connections.connectionByName(context.accountId, context.region, input.Name);
  const destinationOf = (input: { Name: string }, context: RequestContext) =>
    connections.destinationByName(context.accountId, context.region, input.Name);
  const destinationInput = (
    input: EventBridge.CreateApiDestinationRequest | EventBridge.UpdateApiDestinationRequest,
  ): DestinationInput => ({
    ...(input.Description !== undefined ? { description: input.Description } : {}),
    ...(input.ConnectionArn !== undefined ? { connectionArn: input.ConnectionArn } : {}),
    ...(input.InvocationEndpoint !== undefined ? { endpoint: input.InvocationEndpoint } : {}),
    ...(input.HttpMethod !== undefined ? { httpMethod: input.HttpMethod } : {}),
    ...(input.InvocationRateLimitPerSecond !== undefined ? { rate: input.InvocationRateLimitPerSecond } : {}),
  });

  return {
    async CreateConnection(input, context) {
      const connection = await connections.createConnection(context.accountId, context.region, {
        name: input.Name,
        ...(input.Description !== undefined ? { description: input.Description } : {}),
        authorizationType: input.AuthorizationType,
        authParameters: input.AuthParameters,
      });
      return stateOf(connection);
    },
    async DescribeConnection(input, context) {
      const connection = connectionOf(input, context);
      return {
        ...connectionSummary(connection),
        Description: connection.description,
        SecretArn: connection.secretArn,
        AuthParameters: withoutSecrets(connection.authParameters),
      };
    },
    async UpdateConnection(input, context) {
      const connection = connectionOf(input, context);
      await connections.updateConnection(connection, {
        ...(input.Description !== undefined ? { description: input.Description } : {}),
        ...(input.AuthorizationType !== undefined ? { authorizationType: input.AuthorizationType } : {}),
        ...(input.AuthParameters !== undefined ? { authParameters: input.AuthParameters } : {}),
      });
      invoker.forget(connection);
      return stateOf(connection);
    },
    async DeleteConnection(input, context) {
      const connection = connectionOf(input, context);
      await connections.deleteConnection(connection);
      invoker.forget(connection);
      return stateOf(connection, 'DELETING');
    },
    async DeauthorizeConnection(input, context) {
      const connection = connectionOf(input, context);
      await connections.setState(connection, 'DEAUTHORIZED', 'Deauthorized by DeauthorizeConnection.');
      invoker.forget(connection);
      return stateOf(connection, 'DEAUTHORIZING');
    },
    async ListConnections(input, context) {
      const prefix = input.NamePrefix ?? '';
      const state = input.ConnectionState;
      const matching = connections
        .listConnections(context.accountId, context.region)
        .filter(
          (connection) =>
            connection.name.startsWith(prefix) && (state === undefined || connection.state === state),
        );
      const { items, NextToken } = page(matching, input);
      return { Connections: items.map(connectionSummary), NextToken };
    },

    async CreateApiDestination(input, context) {
      const destination = await connections.createDestination(context.accountId, context.region, {
        name: input.Name,
        ...destinationInput(input),
      });
      const { ApiDestinationArn, ApiDestinationState, CreationTime, LastModifiedTime } =
        destinationSummary(destination);
      return { ApiDestinationArn, ApiDestinationState, CreationTime, LastModifiedTime };
    },
    async DescribeApiDestination(input, context) {
      const destination = destinationOf(input, context);
      return { ...destinationSummary(destination), Description: destination.description };
    },
    async UpdateApiDestination(input, context) {
      const destination = destinationOf(input, context);
      await connections.updateDestination(destination, destinationInput(input));
      const { ApiDestinationArn, ApiDestinationState, CreationTime, LastModifiedTime } =
        destinationSummary(destination);
      return { ApiDestinationArn, ApiDestinationState, CreationTime, LastModifiedTime };
    },
    async DeleteApiDestination(input, context) {
      await connections.deleteDestination(destinationOf(input, context));
      return {};
    },
    async ListApiDestinations(input, context) {
      const prefix = input.NamePrefix ?? '';
      const connectionArn = input.ConnectionArn;
      const matching = connections
        .listDestinations(context.accountId, context.region)
        .filter(
          (destination) =>
            destination.name.startsWith(prefix) &&
            (connectionArn === undefined || destination.connectionArn === connectionArn),
        );
      const { items, NextToken } = page(matching, input);
      return { ApiDestinations: items.map(destinationSummary), NextToken };
    },
  };
}
