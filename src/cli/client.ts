// How the CLI's commands talk to a running eddy: its /_eddy/ API, with errors a person can act on.

/** A failure to report in one line and exit 1. */
export class CliError extends Error {}

/**
 * The eddy a command talks to, from the settings a user already has: --endpoint, EDDY_ENDPOINT,
 * AWS_ENDPOINT_URL (what the SDKs use), then the server's own EDDY_HOST and EDDY_PORT.
 */
export function resolveEndpoint(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const given = flag || env.EDDY_ENDPOINT || env.AWS_ENDPOINT_URL;
  if (given) return given.replace(/\/+$/, '');
  // A server bound to every address is reached on loopback.
  const host =
    !env.EDDY_HOST || env.EDDY_HOST === '0.0.0.0' || env.EDDY_HOST === '::' ? '127.0.0.1' : env.EDDY_HOST;
  return `http://${host.includes(':') ? `[${host}]` : host}:${env.EDDY_PORT || '4566'}`;
}

/** Calls an /_eddy/ route; a refused connection or an error answer becomes a CliError that says what to do. */
export async function callEddy<T>(endpoint: string, path: string, body?: unknown): Promise<T> {
  const url = `${endpoint.replace(/\/$/, '')}/_eddy/${path}`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: body === undefined ? 'GET' : 'POST',
      ...(body === undefined
        ? {}
        : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
  } catch (error) {
    // fetch wraps the socket error; with several addresses tried it is an AggregateError.
    const cause = (error as { cause?: { code?: string; message?: string; errors?: { code?: string }[] } })
      .cause;
    const reason = cause?.code ?? cause?.errors?.[0]?.code ?? cause?.message ?? String(error);
    throw new CliError(
      `cannot reach eddy at ${endpoint} (${reason}); start it with \`npm start\` or pass --endpoint`,
    );
  }
  const text = await response.text();
  if (!response.ok) {
    let message = text;
    try {
      const parsed = JSON.parse(text) as { code?: string; message?: string };
      message = `${parsed.code}: ${parsed.message}`;
    } catch {}
    throw new CliError(message);
  }
  return JSON.parse(text) as T;
}

/**
 * Calls one of eddy's AWS JSON 1.1 APIs (ECS, CloudWatch Logs) unsigned: a loopback eddy without
 * configured access keys accepts that, which is where the CLI is used.
 */
export async function callAws<T>(
  endpoint: string,
  target: string,
  body: Record<string, unknown>,
): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`${endpoint.replace(/\/$/, '')}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target },
      body: JSON.stringify(body),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    throw new CliError(
      `cannot reach eddy at ${endpoint} (${cause?.code ?? String(error)}); start it with \`npm start\` or pass --endpoint`,
    );
  }
  const answer = (await response.json().catch(() => ({}))) as T & {
    __type?: string;
    message?: string;
    Message?: string;
  };
  if (!response.ok) {
    const code = (answer.__type ?? 'Error').split('#').at(-1);
    throw new CliError(`${code}: ${answer.message ?? answer.Message ?? `HTTP ${response.status}`}`);
  }
  return answer;
}
