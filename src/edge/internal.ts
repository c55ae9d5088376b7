// eddy's own HTTP API under /_eddy/: health, metrics, and routes services contribute (explain,
// trace, fault injection). JSON in and out; errors are `{ code, message }`.

import { type InternalRoute, ServiceError } from '../contract/index.ts';
import type { EdgeResponse } from './codecs/index.ts';

interface CompiledRoute {
  route: InternalRoute;
  pattern: RegExp;
  names: string[];
}

export class InternalRouter {
  private readonly compiled: CompiledRoute[];

  constructor(routes: InternalRoute[]) {
    this.compiled = routes.map((route) => {
      const names: string[] = [];
      const source = route.path
        .split('/')
        .map((segment) => {
          if (!segment.startsWith(':')) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
          names.push(segment.slice(1));
          return '([^/]+)';
        })
        .join('/');
      return { route, pattern: new RegExp(`^/_eddy/${source}$`), names };
    });
  }

  /** Answers a request under /_eddy/; `label` names the route for metrics (never the raw path). */
  async answer(
    method: string,
    rawPath: string,
    query: URLSearchParams,
    rawBody: Buffer,
  ): Promise<{ label: string; response: EdgeResponse }> {
    const matches = this.compiled.flatMap((candidate) => {
      const match = candidate.pattern.exec(rawPath);
      return match ? [{ candidate, match }] : [];
    });
    if (matches.length === 0)
      return {
        label: 'unknown',
        response: errorResponse(404, 'NotFound', `eddy has no endpoint ${rawPath}`),
      };
    const found = matches.find(({ candidate }) => candidate.route.method === method);
    if (!found) {
      const allowed = matches.map(({ candidate }) => candidate.route.method).join(', ');
      return {
        label: 'unknown',
        response: errorResponse(405, 'MethodNotAllowed', `${rawPath} accepts ${allowed}`),
      };
    }
    const { candidate, match } = found;
    const label = `/_eddy/${candidate.route.path}`;
    const params: Record<string, string> = {};
    candidate.names.forEach((name, index) => {
      params[name] = decodeURIComponent(match[index + 1] ?? '');
    });
    let body: unknown;
    if (rawBody.length > 0) {
      try {
        body = JSON.parse(rawBody.toString('utf8'));
      } catch {
        return {
          label,
          response: errorResponse(400, 'SerializationException', 'The request body is not valid JSON.'),
        };
      }
    }
    try {
      const result = await candidate.route.handle({ params, query, body });
      const text =
        typeof result.body === 'string' && result.contentType ? result.body : JSON.stringify(result.body);
      return {
        label,
        response: {
          status: result.status ?? 200,
          headers: { 'content-type': result.contentType ?? 'application/json' },
          body: text,
        },
      };
    } catch (error) {
      if (error instanceof ServiceError)
        return { label, response: errorResponse(error.status, error.code, error.message) };
      throw error;
    }
  }
}

function errorResponse(status: number, code: string, message: string): EdgeResponse {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code, message }) };
}
