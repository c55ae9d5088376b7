// How the CLI's commands talk to a running eddy: its /_eddy/ API, with errors a person can act on.

/** A failure to report in one line and exit 1. */
export class CliError extends Error {}

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
