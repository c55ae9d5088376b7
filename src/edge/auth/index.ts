// Who sent a request: accepts any credentials on loopback without keys, verifies SigV4 when keys are set.

import type { Protocol } from '../../contract/index.ts';
import { ServiceError } from '../../contract/index.ts';
import type { AccessKey } from '../../runtime/index.ts';
import type { EdgeRequest } from '../codecs/index.ts';
import {
  AuthError,
  type AuthFailure,
  type SignatureParts,
  type SigningKeyCache,
  verifySignature,
} from './sigv4.ts';

export type { SignatureParts } from './sigv4.ts';
export { AuthError, readSignature, SigningKeyCache } from './sigv4.ts';

export interface Identity {
  accessKeyId: string | undefined;
  accountId: string;
  region: string;
}

export interface AuthOptions {
  /** When non-empty, every request must be signed by one of these keys. */
  keys: readonly AccessKey[];
  defaultAccountId: string;
  defaultRegion: string;
  now: number;
  /** The edge's cache of derived signing keys. */
  signingKeys: SigningKeyCache;
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
  if (options.keys.length === 0) {
    // Open mode (loopback): any credentials; a 12-digit access key id names the account.
    const accessKeyId = signature?.accessKeyId;
    const accountId = accessKeyId && /^\d{12}$/.test(accessKeyId) ? accessKeyId : options.defaultAccountId;
    return { accessKeyId, accountId, region: signature?.region ?? options.defaultRegion };
  }
  if (!signature) throw new AuthError('missing', 'Request is missing Authentication Token');
  const key = verifySignature(request, rawQuery, signature, {
    keys: options.keys,
    now: options.now,
    signingKeys: options.signingKeys,
  });
  return { accessKeyId: key.accessKeyId, accountId: key.accountId, region: signature.region };
}

const AUTH_ERRORS: Record<'json' | 'query' | 'rest-xml', Record<AuthFailure, [string, number]>> = {
  json: {
    missing: ['MissingAuthenticationTokenException', 403],
    incomplete: ['IncompleteSignatureException', 400],
    'unknown-key': ['UnrecognizedClientException', 403],
    'bad-signature': ['InvalidSignatureException', 403],
    expired: ['InvalidSignatureException', 403],
  },
  query: {
    missing: ['MissingAuthenticationToken', 403],
    incomplete: ['IncompleteSignature', 400],
    'unknown-key': ['InvalidClientTokenId', 403],
    'bad-signature': ['SignatureDoesNotMatch', 403],
    expired: ['SignatureDoesNotMatch', 403],
  },
  'rest-xml': {
    missing: ['AccessDenied', 403],
    incomplete: ['AuthorizationHeaderMalformed', 400],
    'unknown-key': ['InvalidAccessKeyId', 403],
    'bad-signature': ['SignatureDoesNotMatch', 403],
    expired: ['AccessDenied', 403],
  },
};

/** The error a service speaking `protocol` returns for a refused request. */
export function authErrorFor(error: AuthError, protocol: Protocol): ServiceError {
  const family = protocol === 'query' ? 'query' : protocol === 'rest-xml' ? 'rest-xml' : 'json';
  const [code, status] = AUTH_ERRORS[family][error.failure];
  return new ServiceError(code, error.message, { status });
}
