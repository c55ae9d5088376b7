// Connections and API destinations: where an API destination target sends events, and how it
// authorizes (API key, Basic, OAuth client credentials). Secrets are kept in the store and never
// shown again, as EventBridge keeps them in Secrets Manager. Records are cached in memory.
import { randomUUID } from 'node:crypto';
import type { EventBridge } from '../../contract/index.ts';
import { formatArn, parseArn } from '../../runtime/index.ts';
import type { Store } from '../../store/index.ts';
import { eventsError, notFound, validation } from './errors.ts';

export type AuthorizationType = 'API_KEY' | 'BASIC' | 'OAUTH_CLIENT_CREDENTIALS';
export type ConnectionState =
  | 'CREATING'
  | 'UPDATING'
  | 'DELETING'
  | 'AUTHORIZED'
  | 'DEAUTHORIZED'
  | 'AUTHORIZING'
  | 'DEAUTHORIZING';

interface KeyValue {
  Key?: string;
  Value?: string;
  IsValueSecret?: boolean;
}

export interface HttpParameters {
  HeaderParameters?: KeyValue[];
  QueryStringParameters?: KeyValue[];
  BodyParameters?: KeyValue[];
}

/** As CreateConnection and UpdateConnection give them (an update may leave any of them out). */
export interface AuthParameters {
  ApiKeyAuthParameters?: { ApiKeyName?: string; ApiKeyValue?: string };
  BasicAuthParameters?: { Username?: string; Password?: string };
  OAuthParameters?: {
    AuthorizationEndpoint?: string;
    HttpMethod?: EventBridge.ConnectionOAuthHttpMethod;
    ClientParameters?: { ClientID?: string; ClientSecret?: string };
    OAuthHttpParameters?: HttpParameters;
  };
  InvocationHttpParameters?: HttpParameters;
}

export interface Connection {
  arn: string;
  name: string;
  account: string;
  region: string;
  description?: string;
  authorizationType: AuthorizationType;
  authParameters: AuthParameters;
  state: ConnectionState;
  stateReason?: string;
  secretArn: string;
  createdAt: number;
  modifiedAt: number;
  lastAuthorizedAt?: number;
}

export interface ApiDestination {
  arn: string;
  name: string;
  account: string;
  region: string;
  description?: string;
  connectionArn: string;
  endpoint: string;
  httpMethod: EventBridge.ApiDestinationHttpMethod;
  rateLimitPerSecond: number;
  createdAt: number;
  modifiedAt: number;
}

/** What CreateApiDestination and UpdateApiDestination give; the model checks method and rate. */
export interface DestinationInput {
  description?: string | undefined;
  connectionArn?: string | undefined;
  endpoint?: string | undefined;
  httpMethod?: EventBridge.ApiDestinationHttpMethod | undefined;
  rate?: number | undefined;
}
const SECRET_KEYS = new Set(['ApiKeyValue', 'Password', 'ClientSecret']);

/** The parameters as DescribeConnection shows them: secrets left out, secret values too. */
export function withoutSecrets(parameters: AuthParameters): AuthParameters {
  return JSON.parse(
    JSON.stringify(parameters, (key, value: unknown) => {
      if (SECRET_KEYS.has(key)) return undefined;
      if (value && typeof value === 'object' && (value as KeyValue).IsValueSecret === true) {
        const { Value: _hidden, ...shown } = value as KeyValue;
        return shown;
      }
      return value;
    }),
  ) as AuthParameters;
}

/** The one set of auth parameters AuthorizationType calls for, complete. */
export function checkAuth(type: AuthorizationType, parameters: AuthParameters | undefined): AuthParameters {
  const given = parameters ?? {};
  const need = (ok: boolean, message: string) => {
    if (!ok) throw validation(message);
  };
  if (type === 'API_KEY') {
    need(
      Boolean(given.ApiKeyAuthParameters?.ApiKeyName && given.ApiKeyAuthParameters.ApiKeyValue),
      'ApiKeyAuthParameters with ApiKeyName and ApiKeyValue are required for AuthorizationType API_KEY.',
    );
  } else if (type === 'BASIC') {
    need(
      Boolean(given.BasicAuthParameters?.Username && given.BasicAuthParameters.Password),
      'BasicAuthParameters with Username and Password are required for AuthorizationType BASIC.',
    );
  } else if (type === 'OAUTH_CLIENT_CREDENTIALS') {
    const oauth = given.OAuthParameters;
    need(
      Boolean(
        oauth?.AuthorizationEndpoint &&
          oauth.ClientParameters?.ClientID &&
          oauth.ClientParameters.ClientSecret,
      ),
      'OAuthParameters with AuthorizationEndpoint, HttpMethod and ClientParameters are required for AuthorizationType OAUTH_CLIENT_CREDENTIALS.',
    );
    need(
      /^https?:\/\//.test(oauth!.AuthorizationEndpoint!),
      'OAuthParameters.AuthorizationEndpoint must be an http(s) URL.',
    );
  }
  return given;
}

/** Merges an update into stored parameters: what is given replaces, what is left out stays (secrets too). */
function mergeAuth(stored: AuthParameters, update: AuthParameters | undefined): AuthParameters {
  if (!update) return stored;
  const merged: AuthParameters = { ...stored };
  for (const key of Object.keys(update) as (keyof AuthParameters)[]) {
    merged[key] = { ...(stored[key] as object), ...(update[key] as object) } as never;
  }
  return merged;
}

export class Connections {
  private readonly connections = new Map<string, Connection>();
  private readonly destinations = new Map<string, ApiDestination>();

  constructor(
    private readonly store: Store,
    private readonly now: () => number,
  ) {}

  async load(): Promise<void> {
    await this.store.read(async (tx) => {
      for (const row of await tx.all<{ body: string }>('SELECT body FROM evb_connections')) {
        const connection = JSON.parse(row.body) as Connection;
        this.connections.set(connection.arn, connection);
      }
      for (const row of await tx.all<{ body: string }>('SELECT body FROM evb_api_destinations')) {
        const destination = JSON.parse(row.body) as ApiDestination;
        this.destinations.set(destination.arn, destination);
      }
    });
  }

  // ---- connections

  connectionByName(account: string, region: string, name: string | undefined): Connection {
    const found = [...this.connections.values()].find(
      (connection) =>
        connection.account === account && connection.region === region && connection.name === name,
    );
    if (!found) throw notFound(`Failed to describe the connection(s). Connection '${name}' does not exist.`);
    return found;
  }

  connectionByArn(arn: string): Connection | undefined {
    return this.connections.get(arn);
  }

  listConnections(account: string, region: string): Connection[] {
    return [...this.connections.values()]
      .filter((connection) => connection.account === account && connection.region === region)
      .sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  async createConnection(
    account: string,
    region: string,
    input: {
      name: string;
      description?: string | undefined;
      authorizationType: AuthorizationType;
      authParameters: AuthParameters;
    },
  ): Promise<Connection> {
    const name = input.name;
    if (this.listConnections(account, region).some((connection) => connection.name === name))
      throw eventsError('ResourceAlreadyExistsException', `Connection ${name} already exists.`);
    const type = input.authorizationType;
    const authParameters = checkAuth(type, input.authParameters);
    const id = randomUUID();
    const now = this.now();
    const connection: Connection = {
      arn: formatArn({ service: 'events', region, accountId: account, resource: `connection/${name}/${id}` }),
      name,
      account,
      region,
      ...(input.description !== undefined ? { description: input.description } : {}),
      authorizationType: type,
      authParameters,
      // OAuth connections authorize on first use; the others hold their credentials already.
      state: type === 'OAUTH_CLIENT_CREDENTIALS' ? 'AUTHORIZING' : 'AUTHORIZED',
      secretArn: formatArn({
        service: 'secretsmanager',
        region,
        accountId: account,
        resource: `secret:events!connection/${name}/${id}-${id.slice(0, 6)}`,
      }),
      createdAt: now,
      modifiedAt: now,
      ...(type === 'OAUTH_CLIENT_CREDENTIALS' ? {} : { lastAuthorizedAt: now }),
    };
    await this.saveConnection(connection);
    return connection;
  }

  async updateConnection(
    connection: Connection,
    input: {
      description?: string | undefined;
      authorizationType?: AuthorizationType | undefined;
      authParameters?: AuthParameters | undefined;
    },
  ): Promise<void> {
    const type = input.authorizationType ?? connection.authorizationType;
    const merged =
      type === connection.authorizationType
        ? mergeAuth(connection.authParameters, input.authParameters)
        : (input.authParameters ?? {});
    connection.authParameters = checkAuth(type, merged);
    connection.authorizationType = type;
    if (input.description !== undefined) connection.description = input.description;
    connection.state = type === 'OAUTH_CLIENT_CREDENTIALS' ? 'AUTHORIZING' : 'AUTHORIZED';
    delete connection.stateReason;
    connection.modifiedAt = this.now();
    await this.saveConnection(connection);
  }

  async setState(connection: Connection, state: ConnectionState, reason?: string): Promise<void> {
    connection.state = state;
    if (reason === undefined) delete connection.stateReason;
    else connection.stateReason = reason;
    if (state === 'AUTHORIZED') connection.lastAuthorizedAt = this.now();
    await this.saveConnection(connection);
  }

  async deleteConnection(connection: Connection): Promise<void> {
    const users = [...this.destinations.values()].filter(
      (destination) => destination.connectionArn === connection.arn,
    );
    if (users.length > 0) {
      throw eventsError(
        'ConcurrentModificationException',
        `Connection ${connection.name} is used by API destination ${users[0]!.name}; delete that first.`,
      );
    }
    await this.store.write((tx) => tx.run('DELETE FROM evb_connections WHERE arn = ?', [connection.arn]));
    this.connections.delete(connection.arn);
  }

  private async saveConnection(connection: Connection): Promise<void> {
    await this.store.write((tx) =>
      tx.run(
        `INSERT INTO evb_connections (arn, body) VALUES (?, ?) ON CONFLICT (arn) DO UPDATE SET body = excluded.body`,
        [connection.arn, JSON.stringify(connection)],
      ),
    );
    this.connections.set(connection.arn, connection);
  }

  // ---- API destinations

  destinationByName(account: string, region: string, name: string | undefined): ApiDestination {
    const found = [...this.destinations.values()].find(
      (destination) =>
        destination.account === account && destination.region === region && destination.name === name,
    );
    if (!found)
      throw notFound(
        `Failed to describe the api-destination(s). An api-destination '${name}' does not exist.`,
      );
    return found;
  }

  destinationByArn(arn: string): ApiDestination | undefined {
    return this.destinations.get(arn);
  }

  listDestinations(account: string, region: string): ApiDestination[] {
    return [...this.destinations.values()]
      .filter((destination) => destination.account === account && destination.region === region)
      .sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  async createDestination(
    account: string,
    region: string,
    input: DestinationInput & { name: string },
  ): Promise<ApiDestination> {
    const name = input.name;
    if (this.listDestinations(account, region).some((destination) => destination.name === name))
      throw eventsError('ResourceAlreadyExistsException', `An api-destination '${name}' already exists.`);
    const now = this.now();
    const destination: ApiDestination = {
      arn: formatArn({
        service: 'events',
        region,
        accountId: account,
        resource: `api-destination/${name}/${randomUUID()}`,
      }),
      name,
      account,
      region,
      ...(input.description !== undefined ? { description: input.description } : {}),
      connectionArn: '',
      endpoint: '',
      httpMethod: 'POST',
      rateLimitPerSecond: 300,
      createdAt: now,
      modifiedAt: now,
    };
    this.applyDestination(destination, input);
    await this.saveDestination(destination);
    return destination;
  }

  async updateDestination(destination: ApiDestination, input: DestinationInput): Promise<void> {
    this.applyDestination(destination, input);
    if (input.description !== undefined) destination.description = input.description;
    destination.modifiedAt = this.now();
    await this.saveDestination(destination);
  }

  async deleteDestination(destination: ApiDestination): Promise<void> {
    await this.store.write((tx) =>
      tx.run('DELETE FROM evb_api_destinations WHERE arn = ?', [destination.arn]),
    );
    this.destinations.delete(destination.arn);
  }

  private applyDestination(destination: ApiDestination, input: DestinationInput): void {
    const connectionArn = input.connectionArn ?? destination.connectionArn;
    const connection = this.connections.get(connectionArn);
    if (
      !connection ||
      connection.account !== destination.account ||
      parseArn(connectionArn)?.region !== destination.region
    )
      throw notFound(`Connection '${connectionArn}' does not exist.`);
    const endpoint = input.endpoint ?? destination.endpoint;
    if (!/^https?:\/\/[^\s]+$/.test(endpoint))
      throw validation(
        `1 validation error detected: Value '${endpoint}' at 'invocationEndpoint' failed to satisfy constraint: Member must satisfy regular expression pattern: ^((%[0-9A-Fa-f]{2}|[-()_.!~*';/?:@\\x26=+$,A-Za-z0-9])+)([).!';/?:,])?$`,
      );
    const method = input.httpMethod ?? destination.httpMethod;
    const rate = input.rate ?? destination.rateLimitPerSecond;
    destination.connectionArn = connectionArn;
    destination.endpoint = endpoint;
    destination.httpMethod = method;
    destination.rateLimitPerSecond = rate;
  }

  private async saveDestination(destination: ApiDestination): Promise<void> {
    await this.store.write((tx) =>
      tx.run(
        `INSERT INTO evb_api_destinations (arn, body) VALUES (?, ?) ON CONFLICT (arn) DO UPDATE SET body = excluded.body`,
        [destination.arn, JSON.stringify(destination)],
      ),
    );
    this.destinations.set(destination.arn, destination);
  }
}
