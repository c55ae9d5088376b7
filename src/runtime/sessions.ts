// Temporary credentials (STS) that need no table: the session token carries who the session is and
// until when, sealed with an HMAC; the secret key is derived from the access key id with the same
// key. Every node derives that key from the configured access keys (which must match across nodes),
// so any node verifies what another issued, and changing the keys revokes every session.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AccessKey } from './config.ts';

/** Who a session is, as its token says. */
export interface SessionClaims {
  accessKeyId: string;
  accountId: string;
  /** Epoch milliseconds. */
  expiresAt: number;
  /** `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`, `arn:aws:sts::ACCOUNT:federated-user/NAME`, … */
  arn: string;
  /** `AROA…:SESSION` for a role, the account id for the account's own session. */
  userId: string;
}

export interface SessionCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiresAt: number;
}

const TOKEN_PREFIX = 'eddy1.';
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** A prefix and a character per byte (16 random ones by default), as AWS's key and role ids look. */
export function awsStyleId(prefix: string, bytes: Uint8Array = randomBytes(16)): string {
  return prefix + [...bytes].map((byte) => BASE32[byte % 32]).join('');
}

export class Sessions {
  private readonly sealKey: Buffer;

  constructor(keys: readonly AccessKey[]) {
    const material = keys
      .map((key) => `${key.accessKeyId}:${key.secretAccessKey}`)
      .sort()
      .join('\n');
    this.sealKey = createHash('sha256').update(`eddy-sessions\0${material}`).digest();
  }

  /** New credentials for `claims` (without their key id, which this picks). */
  issue(claims: Omit<SessionClaims, 'accessKeyId'>): SessionCredentials {
    const accessKeyId = awsStyleId('ASIA');
    const payload = Buffer.from(JSON.stringify({ ...claims, accessKeyId })).toString('base64url');
    return {
      accessKeyId,
      secretAccessKey: this.secretOf(accessKeyId),
      sessionToken: `${TOKEN_PREFIX}${payload}.${this.seal(payload)}`,
      expiresAt: claims.expiresAt,
    };
  }

  /** The claims of a token this cluster issued, expired or not; undefined for any other text. */
  read(token: string): SessionClaims | undefined {
    if (!token.startsWith(TOKEN_PREFIX)) return undefined;
    const [payload, seal] = token.slice(TOKEN_PREFIX.length).split('.');
    if (!payload || !seal) return undefined;
    const expected = Buffer.from(this.seal(payload));
    const given = Buffer.from(seal);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
    try {
      return JSON.parse(Buffer.from(payload, 'base64url').toString()) as SessionClaims;
    } catch {
      return undefined;
    }
  }

  /** The secret key that belongs to a session's access key id. */
  secretOf(accessKeyId: string): string {
    return createHmac('sha256', this.sealKey).update(`secret:${accessKeyId}`).digest('base64').slice(0, 40);
  }

  private seal(payload: string): string {
    return createHmac('sha256', this.sealKey).update(`token:${payload}`).digest('base64url');
  }
}
