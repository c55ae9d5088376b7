// Who sent a request: accepts any credentials on loopback without keys, verifies SigV4 when keys are set.

import type { Caller, Protocol } from '../../contract/index.ts';
import { ServiceError } from '../../contract/index.ts';
import type { AccessKey, Sessions } from '../../runtime/index.ts';
import type { EdgeRequest } from '../codecs/index.ts';
import {
  AuthError,
  type AuthFailure,
  checkPresignedWindow,
  type SignatureParts,
  type SigningKeyCache,
  type VerifiedSignature,
  verifySignature,
} from './sigv4.ts';

export type { SignatureParts } from './sigv4.ts';
export { AuthError, readSignature, SigningKeyCache } from './sigv4.ts';

export interface Identity {
  accessKeyId: string | undefined;
  accountId: string;
  region: string;
  caller: Caller;
  /** Set when the signature was verified: what checking a body's chunk signatures needs. */
  verified?: VerifiedSignature & { amzDate: string; signature: string };
}

const verifiedParts = (verified: VerifiedSignature, signature: SignatureParts) => ({
  ...verified,
  amzDate: signature.amzDate,
  signature: signature.signature,
});

export interface AuthOptions {
  /** When non-empty, every request must be signed by one of these keys. */
  keys: readonly AccessKey[];
  defaultAccountId: string;
  defaultRegion: string;
  now: number;
  /** The edge's cache of derived signing keys. */
  signingKeys: SigningKeyCache;
  /** Reads (and verifies) the temporary credentials STS issued. */
  sessions: Sessions;
  /** The operation needs no credentials (the model's `authtype: none`, as AssumeRoleWithWebIdentity). */
  noAuth?: boolean;
}

const rootOf = (accountId: string): Caller => ({ arn: `arn:aws:iam::${accountId}:root`, userId: accountId });

/** The session token a request carries: a header, or a presigned URL's query parameter. */
function sessionTokenOf(request: EdgeRequest, rawQuery: string): string | undefined {
  const header = request.headers['x-amz-security-token'];
  if (typeof header === 'string') return header;
  const match = /(?:^|&)X-Amz-Security-Token=([^&]*)/.exec(rawQuery);
  return match ? decodeURIComponent(match[1]!) : undefined;
}

/**
 * Establishes the caller. `signature` is the request's parsed signature (undefined when unsigned);
 * throws AuthError when the request must be refused.
 */
export function authenticate(
  request: EdgeRequest,
  rawQuery: string,
  signature: SignatureParts | undefined,
  options: AuthOptions,
): Identity {
  const token = signature ? sessionTokenOf(request, rawQuery) : undefined;
  const session = token === undefined ? undefined : options.sessions.read(token);
  const open = options.keys.length === 0;
  if (session && signature && session.accessKeyId === signature.accessKeyId) {
    if (session.expiresAt <= options.now)
      throw new AuthError('expired-token', 'The security token included in the request is expired');
    let verified: VerifiedSignature | undefined;
    if (!open) {
      const key = {
        accessKeyId: session.accessKeyId,
        secretAccessKey: options.sessions.secretOf(session.accessKeyId),
        accountId: session.accountId,
      };
      verified = verifySignature(request, rawQuery, signature, {
        keys: [key],
        now: options.now,
        signingKeys: options.signingKeys,
      });
    } else if (signature.presigned) checkPresignedWindow(signature, options.now);
    return {
      accessKeyId: session.accessKeyId,
      accountId: session.accountId,
      region: signature.region,
      caller: { arn: session.arn, userId: session.userId },
      ...(verified ? { verified: verifiedParts(verified, signature) } : {}),
    };
  }
  if (open) {
    // A presigned URL expires even where any credentials are accepted: its lifetime is in the URL.
    if (signature?.presigned) checkPresignedWindow(signature, options.now);
    // Open mode (loopback): any credentials; a 12-digit access key id names the account.
    const accessKeyId = signature?.accessKeyId;
    const accountId = accessKeyId && /^\d{12}$/.test(accessKeyId) ? accessKeyId : options.defaultAccountId;
    return {
      accessKeyId,
      accountId,
      region: signature?.region ?? options.defaultRegion,
      caller: rootOf(accountId),
    };
  }
  if (!signature) {
    // An operation that takes no credentials (its caller has none yet) is served unsigned.
    if (options.noAuth) {
      return {
        accessKeyId: undefined,
        accountId: options.defaultAccountId,
        region: options.defaultRegion,
        caller: rootOf(options.defaultAccountId),
      };
    }
    throw new AuthError('missing', 'Request is missing Authentication Token');
  }
  if (token !== undefined)
    throw new AuthError('unknown-key', 'The security token included in the request is invalid.');
  const verified = verifySignature(request, rawQuery, signature, {
    keys: options.keys,
    now: options.now,
    signingKeys: options.signingKeys,
  });
  const { key } = verified;
  return {
    accessKeyId: key.accessKeyId,
    accountId: key.accountId,
    region: signature.region,
    caller: rootOf(key.accountId),
    verified: verifiedParts(verified, signature),
  };
}

const AUTH_ERRORS: Record<'json' | 'query' | 'rest-xml', Record<AuthFailure, [string, number]>> = {
  json: {
    missing: ['MissingAuthenticationTokenException', 403],
    incomplete: ['IncompleteSignatureException', 400],
    'unknown-key': ['UnrecognizedClientException', 403],
    'bad-signature': ['InvalidSignatureException', 403],
    expired: ['InvalidSignatureException', 403],
    'expired-token': ['ExpiredTokenException', 400],
  },
  query: {
    missing: ['MissingAuthenticationToken', 403],
    incomplete: ['IncompleteSignature', 400],
    'unknown-key': ['InvalidClientTokenId', 403],
    'bad-signature': ['SignatureDoesNotMatch', 403],
    expired: ['SignatureDoesNotMatch', 403],
    'expired-token': ['ExpiredToken', 400],
  },
  'rest-xml': {
    missing: ['AccessDenied', 403],
    incomplete: ['AuthorizationHeaderMalformed', 400],
    'unknown-key': ['InvalidAccessKeyId', 403],
    'bad-signature': ['SignatureDoesNotMatch', 403],
    expired: ['AccessDenied', 403],
    'expired-token': ['ExpiredToken', 400],
  },
};

/** The error a service speaking `protocol` returns for a refused request. */
export function authErrorFor(error: AuthError, protocol: Protocol): ServiceError {
  const family = protocol === 'query' ? 'query' : protocol === 'rest-xml' ? 'rest-xml' : 'json';
  const [code, status] = AUTH_ERRORS[family][error.failure];
  return new ServiceError(code, error.message, { status });
}
