// Mobile push: platform applications and their device endpoints, kept as SNS keeps them, with
// SNS's rules and words. eddy cannot reach APNS, FCM, ADM, Baidu, MPNS or WNS: it keeps no
// platform credentials (it checks they were given), and what is published to an enabled endpoint
// lands in the outbox (a disabled one answers EndpointDisabled, as SNS does).
import { randomUUID } from 'node:crypto';
import type { Handlers, RequestContext, Sns } from '../../contract/index.ts';
import { formatArn } from '../../runtime/index.ts';
import type { Store } from '../../store/index.ts';
import { invalidParameter, notFound, snsError } from './errors.ts';
import { page } from './paging.ts';

type PlatformOperations =
  | 'CreatePlatformApplication'
  | 'GetPlatformApplicationAttributes'
  | 'SetPlatformApplicationAttributes'
  | 'ListPlatformApplications'
  | 'DeletePlatformApplication'
  | 'CreatePlatformEndpoint'
  | 'GetEndpointAttributes'
  | 'SetEndpointAttributes'
  | 'ListEndpointsByPlatformApplication'
  | 'DeleteEndpoint';

const PLATFORMS = new Set([
  'ADM',
  'APNS',
  'APNS_SANDBOX',
  'APNS_VOIP',
  'APNS_VOIP_SANDBOX',
  'MACOS',
  'MACOS_SANDBOX',
  'BAIDU',
  'GCM',
  'MPNS',
  'WNS',
]);
/** Platforms whose credential is one secret (an FCM key or service-account JSON), without a principal. */
const CREDENTIAL_ONLY = new Set(['GCM']);
const SECRET_ATTRIBUTES = new Set(['PlatformCredential', 'PlatformPrincipal']);
const APPLICATION_ATTRIBUTES = new Set([
  ...SECRET_ATTRIBUTES,
  'EventEndpointCreated',
  'EventEndpointDeleted',
  'EventEndpointUpdated',
  'EventDeliveryFailure',
  'SuccessFeedbackRoleArn',
  'FailureFeedbackRoleArn',
  'SuccessFeedbackSampleRate',
  'ApplePlatformTeamID',
  'ApplePlatformBundleID',
]);
const ENDPOINT_ATTRIBUTES = new Set(['CustomUserData', 'Enabled', 'Token']);
const APPLICATION_NAME = /^[A-Za-z0-9._-]+$/;
const MAX_CUSTOM_USER_DATA_BYTES = 2048;

interface ApplicationRow {
  arn: string;
  attributes: string;
}

interface EndpointRow {
  arn: string;
  application_arn: string;
  token: string;
  attributes: string;
}

/** SNS parses the ARN before it looks anything up, and says what is wrong with it. */
function checkArn(arn: string, member: string, slashes: number): void {
  const elements = arn.split(':');
  if (elements.length < 6)
    throw invalidParameter(`${member} Reason: An ARN must have at least 6 elements, not ${elements.length}`);
  if (elements.slice(5).join(':').split('/').length - 1 !== slashes)
    throw invalidParameter(`${member} Reason: Wrong number of slashes in relative portion of the ARN.`);
}

function checkApplicationName(name: string): void {
  const reason =
    name === ''
      ? 'cannot be empty'
      : name.length > 256
        ? 'must be at most 256 characters long'
        : APPLICATION_NAME.test(name)
          ? undefined
          : "must contain only characters 'a'-'z', 'A'-'Z', '0'-'9', '_', '-', and '.'";
  if (reason) throw invalidParameter(`${name} Reason: ${reason}`);
}

function checkApplicationAttributes(attributes: Record<string, string>): void {
  for (const [name, value] of Object.entries(attributes)) {
    if (!APPLICATION_ATTRIBUTES.has(name))
      throw invalidParameter(`Attributes Reason: Invalid attribute name: ${name}`);
    if (name === 'SuccessFeedbackSampleRate') {
      const rate = Number(value);
      if (!/^\d+$/.test(value) || rate > 100)
        throw invalidParameter(
          `Attributes Reason: Invalid value for attribute: SuccessFeedbackSampleRate: must be an integer from 0 to 100`,
        );
    }
  }
}

/** A platform's credentials must come whole: the principal with the credential, except for FCM. */
function checkCredentials(platform: string, attributes: Record<string, string>): void {
  const credential = attributes.PlatformCredential !== undefined;
  const principal = attributes.PlatformPrincipal !== undefined;
  if (principal && !credential)
    throw invalidParameter(
      'Attributes Reason: PlatformPrincipal attribute provided without PlatformCredential',
    );
  if (credential && !principal && !CREDENTIAL_ONLY.has(platform))
    throw invalidParameter(
      'Attributes Reason: PlatformCredential attribute provided without PlatformPrincipal',
    );
  if (!credential) throw invalidParameter('Attributes Reason: PlatformCredential attribute is required');
}

function checkEndpointAttributes(attributes: Record<string, string>): void {
  for (const [name, value] of Object.entries(attributes)) {
    if (!ENDPOINT_ATTRIBUTES.has(name))
      throw invalidParameter(`Attributes Reason: Invalid attribute name: ${name}`);
    if (name === 'CustomUserData' && Buffer.byteLength(value) > MAX_CUSTOM_USER_DATA_BYTES)
      throw invalidParameter(
        `Attributes Reason: Invalid value for attribute: CustomUserData: must be at most ${MAX_CUSTOM_USER_DATA_BYTES} bytes long in UTF-8 encoding`,
      );
    if (name === 'Enabled' && value !== 'true' && value !== 'false')
      throw invalidParameter(
        'Attributes Reason: Invalid value for attribute: Enabled: must be true or false',
      );
  }
}

/** What is shown of an application: never its credentials (eddy does not keep them). */
const shown = (attributes: Record<string, string>) =>
  Object.fromEntries(Object.entries(attributes).filter(([name]) => !SECRET_ATTRIBUTES.has(name)));

const sameAttributes = (a: Record<string, string>, b: Record<string, string>) =>
  Object.keys(a).length === Object.keys(b).length &&
  Object.entries(a).every(([key, value]) => b[key] === value);

export class PlatformApplications {
  constructor(
    private readonly store: Store,
    private readonly now: () => number,
  ) {}

  private async application(arn: string, context: RequestContext): Promise<ApplicationRow> {
    checkArn(arn, 'PlatformApplicationArn', 2);
    const row = await this.store.read((tx) =>
      tx.get<ApplicationRow>(
        'SELECT arn, attributes FROM sns_platform_applications WHERE arn = ? AND account = ? AND region = ?',
        [arn, context.accountId, context.region],
      ),
    );
    if (!row) throw notFound('PlatformApplication does not exist');
    return row;
  }

  private async endpoint(arn: string, context: RequestContext): Promise<EndpointRow | undefined> {
    checkArn(arn, 'EndpointArn', 3);
    return this.store.read((tx) =>
      tx.get<EndpointRow>(
        `SELECT e.arn, e.application_arn, e.token, e.attributes FROM sns_platform_endpoints e
         JOIN sns_platform_applications a ON a.arn = e.application_arn
         WHERE e.arn = ? AND a.account = ? AND a.region = ?`,
        [arn, context.accountId, context.region],
      ),
    );
  }

  /** Publish to an endpoint: SNS's answers for one that does not exist or is disabled; else its ARN. */
  async enabledEndpoint(arn: string, context: RequestContext): Promise<string> {
    const endpoint = await this.endpoint(arn, context).catch(() => undefined);
    if (!endpoint) throw invalidParameter('TargetArn Reason: No endpoint found for the target arn specified');
    const attributes = JSON.parse(endpoint.attributes) as Record<string, string>;
    if (attributes.Enabled === 'false') throw snsError('EndpointDisabled', 'Endpoint is disabled');
    return endpoint.arn;
  }

  handlers(): Pick<Handlers<Sns.Operations>, PlatformOperations> {
    return {
      CreatePlatformApplication: async (input, context) => {
        checkApplicationName(input.Name);
        if (!PLATFORMS.has(input.Platform))
          throw invalidParameter(`Platform Reason: ${input.Platform} is not supported`);
        checkApplicationAttributes(input.Attributes);
        checkCredentials(input.Platform, input.Attributes);
        const arn = formatArn({
          service: 'sns',
          region: context.region,
          accountId: context.accountId,
          resource: `app/${input.Platform}/${input.Name}`,
        });
        const attributes = JSON.stringify({ Enabled: 'true', ...shown(input.Attributes) });
        await this.store.write((tx) =>
          tx.run(
            `INSERT INTO sns_platform_applications (arn, account, region, name, platform, attributes, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (arn) DO UPDATE SET attributes = excluded.attributes`,
            [arn, context.accountId, context.region, input.Name, input.Platform, attributes, this.now()],
          ),
        );
        return { PlatformApplicationArn: arn };
      },

      GetPlatformApplicationAttributes: async (input, context) => {
        const application = await this.application(input.PlatformApplicationArn, context);
        return { Attributes: JSON.parse(application.attributes) as Record<string, string> };
      },

      SetPlatformApplicationAttributes: async (input, context) => {
        checkArn(input.PlatformApplicationArn, 'PlatformApplicationArn', 2);
        checkApplicationAttributes(input.Attributes);
        const application = await this.application(input.PlatformApplicationArn, context);
        const attributes = {
          ...(JSON.parse(application.attributes) as Record<string, string>),
          ...shown(input.Attributes),
        };
        await this.store.write((tx) =>
          tx.run('UPDATE sns_platform_applications SET attributes = ? WHERE arn = ?', [
            JSON.stringify(attributes),
            application.arn,
          ]),
        );
      },

      ListPlatformApplications: async (input, context) => {
        const rows = await this.store.read((tx) =>
          tx.all<ApplicationRow>(
            'SELECT arn, attributes FROM sns_platform_applications WHERE account = ? AND region = ? ORDER BY id',
            [context.accountId, context.region],
          ),
        );
        const { items, NextToken } = page(rows, input.NextToken);
        return {
          PlatformApplications: items.map((row) => ({
            PlatformApplicationArn: row.arn,
            Attributes: JSON.parse(row.attributes) as Record<string, string>,
          })),
          NextToken,
        };
      },

      DeletePlatformApplication: async (input, context) => {
        checkArn(input.PlatformApplicationArn, 'PlatformApplicationArn', 2);
        await this.store.write(async (tx) => {
          const deleted = await tx.run(
            'DELETE FROM sns_platform_applications WHERE arn = ? AND account = ? AND region = ?',
            [input.PlatformApplicationArn, context.accountId, context.region],
          );
          if (deleted.changes > 0)
            await tx.run('DELETE FROM sns_platform_endpoints WHERE application_arn = ?', [
              input.PlatformApplicationArn,
            ]);
        });
      },

      CreatePlatformEndpoint: async (input, context) => {
        const application = await this.application(input.PlatformApplicationArn, context);
        const given = input.Attributes ?? {};
        checkEndpointAttributes(given);
        // CustomUserData may come as a parameter and as an attribute; the attribute wins.
        const attributes: Record<string, string> = {
          Enabled: 'true',
          ...(input.CustomUserData !== undefined ? { CustomUserData: input.CustomUserData } : {}),
          ...given,
          Token: input.Token,
        };
        checkEndpointAttributes(attributes);
        const existing = await this.store.read((tx) =>
          tx.get<EndpointRow>(
            'SELECT arn, attributes FROM sns_platform_endpoints WHERE application_arn = ? AND token = ?',
            [application.arn, input.Token],
          ),
        );
        if (existing) {
          if (!sameAttributes(JSON.parse(existing.attributes) as Record<string, string>, attributes))
            throw invalidParameter(
              `Token Reason: Endpoint ${existing.arn} already exists with the same Token, but different attributes.`,
            );
          return { EndpointArn: existing.arn };
        }
        const [, , , , , resource] = application.arn.split(':');
        const arn = application.arn.replace(
          `:${resource}`,
          `:${resource!.replace(/^app\//, 'endpoint/')}/${randomUUID()}`,
        );
        await this.store.write((tx) =>
          tx.run(
            'INSERT INTO sns_platform_endpoints (arn, application_arn, token, attributes, created_at) VALUES (?, ?, ?, ?, ?)',
            [arn, application.arn, input.Token, JSON.stringify(attributes), this.now()],
          ),
        );
        return { EndpointArn: arn };
      },

      GetEndpointAttributes: async (input, context) => {
        const endpoint = await this.endpoint(input.EndpointArn, context);
        if (!endpoint) throw notFound('Endpoint does not exist');
        return { Attributes: JSON.parse(endpoint.attributes) as Record<string, string> };
      },

      SetEndpointAttributes: async (input, context) => {
        const endpoint = await this.endpoint(input.EndpointArn, context);
        if (!endpoint) throw notFound('Endpoint does not exist');
        checkEndpointAttributes(input.Attributes);
        const attributes = {
          ...(JSON.parse(endpoint.attributes) as Record<string, string>),
          ...input.Attributes,
        };
        await this.store.write((tx) =>
          tx.run('UPDATE sns_platform_endpoints SET token = ?, attributes = ? WHERE arn = ?', [
            attributes.Token ?? endpoint.token,
            JSON.stringify(attributes),
            endpoint.arn,
          ]),
        );
      },

      ListEndpointsByPlatformApplication: async (input, context) => {
        const application = await this.application(input.PlatformApplicationArn, context);
        const rows = await this.store.read((tx) =>
          tx.all<EndpointRow>(
            'SELECT arn, attributes FROM sns_platform_endpoints WHERE application_arn = ? ORDER BY id',
            [application.arn],
          ),
        );
        const { items, NextToken } = page(rows, input.NextToken);
        return {
          Endpoints: items.map((row) => ({
            EndpointArn: row.arn,
            Attributes: JSON.parse(row.attributes) as Record<string, string>,
          })),
          NextToken,
        };
      },

      DeleteEndpoint: async (input, context) => {
        const endpoint = await this.endpoint(input.EndpointArn, context);
        if (endpoint)
          await this.store.write((tx) =>
            tx.run('DELETE FROM sns_platform_endpoints WHERE arn = ?', [endpoint.arn]),
          );
      },
    };
  }
}
