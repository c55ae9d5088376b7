// The claims of an OpenID Connect token (a JWT) as AssumeRoleWithWebIdentity reports them. eddy reads
// them without fetching the provider's keys, so the signature is not verified; expiry is.
import { ServiceError } from '../../contract/index.ts';

export interface WebIdentity {
  subject: string;
  audience?: string;
  provider?: string;
}

const invalid = (why: string) =>
  new ServiceError('InvalidIdentityToken', `The web identity token is invalid: ${why}`);

export function readWebIdentityToken(token: string, now: number): WebIdentity {
  const [, payload] = token.split('.');
  if (payload === undefined) throw invalid('it is not a JWT (header.payload.signature).');
  let claims: Record<string, unknown>;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
  } catch {
    throw invalid('its payload is not base64url-encoded JSON.');
  }
  if (typeof claims.sub !== 'string') throw invalid("it has no 'sub' claim.");
  if (typeof claims.exp === 'number' && claims.exp * 1000 <= now) {
    throw new ServiceError(
      'ExpiredTokenException',
      `Token expired: current date/time ${Math.floor(now / 1000)} must be before the expiration date/time ${claims.exp}`,
    );
  }
  const audience = Array.isArray(claims.aud) ? claims.aud[0] : claims.aud;
  return {
    subject: claims.sub,
    ...(typeof audience === 'string' ? { audience } : {}),
    ...(typeof claims.iss === 'string' ? { provider: claims.iss.replace(/^https:\/\//, '') } : {}),
  };
}
