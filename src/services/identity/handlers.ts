// The STS operations. Credentials are sealed, not stored: see runtime/sessions.ts.
import { createHash } from 'node:crypto';
import type { Handlers, RequestContext, Sts } from '../../contract/index.ts';
import { ServiceError } from '../../contract/index.ts';
import { awsStyleId, type Runtime, type SessionCredentials } from '../../runtime/index.ts';
import { readWebIdentityToken } from './web-identity.ts';

const ROLE_ARN = /^arn:aws[\w-]*:iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]{1,64})$/;
/** Role chaining (a role assumed with a role's session) is limited to an hour, as in AWS. */
const CHAINED_MAX_SECONDS = 3600;

const validation = (message: string) => new ServiceError('ValidationError', message);
const notServed = (operation: string, why: string) =>
  new ServiceError('InvalidAction', `eddy does not serve STS ${operation}: ${why}`);

/** AWS's stable ids: a prefix and 17 characters, the same for the same role. */
const stableId = (prefix: string, of: string) =>
  awsStyleId(prefix, createHash('sha256').update(of).digest().subarray(0, 17));

const isSession = (context: RequestContext) => !context.caller.arn.endsWith(':root');

function checkPolicy(policy: string | undefined): void {
  if (policy === undefined) return;
  try {
    const parsed: unknown = JSON.parse(policy);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return;
  } catch {
    // refused below
  }
  throw new ServiceError('MalformedPolicyDocument', 'The policy is not in the valid JSON format.');
}

const credentialsOf = (issued: SessionCredentials): Sts.Credentials => ({
  AccessKeyId: issued.accessKeyId,
  SecretAccessKey: issued.secretAccessKey,
  SessionToken: issued.sessionToken,
  Expiration: new Date(issued.expiresAt),
});

function roleOf(arn: string): { account: string; name: string } {
  const match = ROLE_ARN.exec(arn);
  if (!match)
    throw validation(`${arn} is invalid: RoleArn must be an IAM role ARN, arn:aws:iam::ACCOUNT:role/NAME.`);
  return { account: match[1]!, name: match[2]! };
}

export function stsHandlers(runtime: Runtime): Handlers<Sts.Operations> {
  const { sessions, clock, config } = runtime;

  /** Credentials for a role's session, lasting `seconds`. */
  const assume = (roleArn: string, sessionName: string, seconds: number) => {
    const role = roleOf(roleArn);
    const assumedRoleId = `${stableId('AROA', roleArn)}:${sessionName}`;
    const arn = `arn:aws:sts::${role.account}:assumed-role/${role.name}/${sessionName}`;
    const issued = sessions.issue({
      accountId: role.account,
      expiresAt: clock.now() + seconds * 1000,
      arn,
      userId: assumedRoleId,
    });
    return {
      Credentials: credentialsOf(issued),
      AssumedRoleUser: { AssumedRoleId: assumedRoleId, Arn: arn },
    };
  };

  return {
    GetCallerIdentity(_input, context) {
      return { UserId: context.caller.userId, Account: context.accountId, Arn: context.caller.arn };
    },

    AssumeRole(input, context) {
      const seconds = input.DurationSeconds ?? 3600;
      if (context.caller.arn.includes(':assumed-role/') && seconds > CHAINED_MAX_SECONDS)
        throw validation(
          'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.',
        );
      checkPolicy(input.Policy);
      return {
        ...assume(input.RoleArn, input.RoleSessionName, seconds),
        ...(input.SourceIdentity !== undefined ? { SourceIdentity: input.SourceIdentity } : {}),
      };
    },

    AssumeRoleWithWebIdentity(input) {
      checkPolicy(input.Policy);
      const token = readWebIdentityToken(input.WebIdentityToken, clock.now());
      return {
        ...assume(input.RoleArn, input.RoleSessionName, input.DurationSeconds ?? 3600),
        SubjectFromWebIdentityToken: token.subject,
        ...(token.audience !== undefined ? { Audience: token.audience } : {}),
        ...(token.provider !== undefined ? { Provider: token.provider } : {}),
      };
    },

    GetSessionToken(input, context) {
      if (isSession(context))
        throw new ServiceError('AccessDenied', 'Cannot call GetSessionToken with session credentials', {
          status: 403,
        });
      const issued = sessions.issue({
        accountId: context.accountId,
        expiresAt: clock.now() + (input.DurationSeconds ?? 43_200) * 1000,
        arn: context.caller.arn,
        userId: context.caller.userId,
      });
      return { Credentials: credentialsOf(issued) };
    },

    GetFederationToken(input, context) {
      if (isSession(context))
        throw new ServiceError('AccessDenied', 'Cannot call GetFederationToken with session credentials', {
          status: 403,
        });
      checkPolicy(input.Policy);
      const federatedUserId = `${context.accountId}:${input.Name}`;
      const arn = `arn:aws:sts::${context.accountId}:federated-user/${input.Name}`;
      const issued = sessions.issue({
        accountId: context.accountId,
        expiresAt: clock.now() + (input.DurationSeconds ?? 43_200) * 1000,
        arn,
        userId: federatedUserId,
      });
      return {
        Credentials: credentialsOf(issued),
        FederatedUser: { FederatedUserId: federatedUserId, Arn: arn },
      };
    },

    GetAccessKeyInfo(input, context) {
      // The account of a key eddy knows: a configured key's, a 12-digit key's own, else the caller's.
      const configured = config.accessKeys.find((key) => key.accessKeyId === input.AccessKeyId);
      if (configured) return { Account: configured.accountId };
      return { Account: /^\d{12}$/.test(input.AccessKeyId) ? input.AccessKeyId : context.accountId };
    },

    DecodeAuthorizationMessage() {
      // eddy evaluates no IAM policies, so it never answers with an encoded authorization message.
      throw new ServiceError(
        'InvalidAuthorizationMessageException',
        'The message is not an authorization message eddy encoded: eddy does not encode any.',
      );
    },

    AssumeRoleWithSAML() {
      throw notServed(
        'AssumeRoleWithSAML',
        'SAML assertions cannot be verified here; use AssumeRole or AssumeRoleWithWebIdentity.',
      );
    },
    AssumeRoot() {
      throw notServed('AssumeRoot', 'eddy has no AWS Organizations member accounts.');
    },
    GetDelegatedAccessToken() {
      throw notServed('GetDelegatedAccessToken', 'eddy has no IAM delegation.');
    },
    GetWebIdentityToken() {
      throw notServed('GetWebIdentityToken', 'eddy is no OpenID Connect identity provider.');
    },
  };
}
