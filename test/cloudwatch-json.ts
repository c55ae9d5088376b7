// CloudWatch over AWS JSON 1.0 with fetch: quick enough to poll an alarm's state on a manual clock
// (boto3 starts a Python process per batch).
export async function cloudwatch(
  url: string,
  operation: string,
  input: Record<string, unknown> = {},
): Promise<Record<string, unknown>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': `GraniteServiceVersion20100801.${operation}`,
    },
    body: JSON.stringify(input),
  });
  const text = await response.text();
  const body = (text === '' ? {} : JSON.parse(text)) as Record<string, unknown>;
  if (response.status !== 200)
    throw Object.assign(new Error(`${operation}: ${response.status} ${text}`), {
      status: response.status,
      code: String(body.__type ?? '')
        .split('#')
        .at(-1),
      queryError: response.headers.get('x-amzn-query-error'),
    });
  return body;
}

/** The error a call must fail with: its status, code (JSON type) and message. */
export async function cloudwatchError(
  url: string,
  operation: string,
  input: Record<string, unknown>,
): Promise<{ status: number; code: string; message: string; queryError: string | null }> {
  try {
    await cloudwatch(url, operation, input);
  } catch (error) {
    const { status, code, queryError, message } = error as Error & {
      status: number;
      code: string;
      queryError: string | null;
    };
    return { status, code, queryError, message: message.replace(/^[^{]*/, '') };
  }
  throw new Error(`${operation} succeeded`);
}
