// Bucket CORS: a browser's request (and its OPTIONS preflight) is answered with the headers of the
// first rule of the bucket's CORS configuration that allows its origin, method and headers.
import type { CorsRequest } from '../../contract/index.ts';
import type { BucketRegistry } from './buckets.ts';

interface CorsRule {
  AllowedOrigins?: string[];
  AllowedMethods?: string[];
  AllowedHeaders?: string[];
  ExposeHeaders?: string[];
  MaxAgeSeconds?: number;
}

const wildcard = (pattern: string, value: string) =>
  new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`, 'i').test(value);

export async function corsHeaders(
  buckets: BucketRegistry,
  request: CorsRequest,
): Promise<Record<string, string> | undefined> {
  const name = decodeURIComponent(request.rawPath.split('/')[1] ?? '');
  const config = buckets.find(name)?.configs.get('Cors') as { CORSRules?: CorsRule[] } | undefined;
  for (const rule of config?.CORSRules ?? []) {
    const origin = (rule.AllowedOrigins ?? []).find((allowed) => wildcard(allowed, request.origin));
    if (!origin) continue;
    if (!(rule.AllowedMethods ?? []).includes(request.method.toUpperCase())) continue;
    if (
      !request.headers.every((header) =>
        (rule.AllowedHeaders ?? []).some((allowed) => wildcard(allowed, header)),
      )
    )
      continue;
    const headers: Record<string, string> = {
      'access-control-allow-origin': origin === '*' ? '*' : request.origin,
      'access-control-allow-methods': (rule.AllowedMethods ?? []).join(', '),
      vary: 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method',
    };
    if (origin !== '*') headers['access-control-allow-credentials'] = 'true';
    if (request.preflight && request.headers.length > 0)
      headers['access-control-allow-headers'] = request.headers.join(', ');
    if (rule.ExposeHeaders?.length) headers['access-control-expose-headers'] = rule.ExposeHeaders.join(', ');
    if (request.preflight && rule.MaxAgeSeconds !== undefined)
      headers['access-control-max-age'] = String(rule.MaxAgeSeconds);
    return headers;
  }
  return undefined;
}
