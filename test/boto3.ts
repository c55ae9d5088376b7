// Drives eddy with boto3 (python3), for the protocols only the Python SDK speaks here (CloudWatch's
// Smithy RPC v2 CBOR): a list of calls in, each one's response or error out, as JSON.
import { execFile } from 'node:child_process';
import { TEST_REGION } from './harness.ts';

export interface Boto3Call {
  service: string;
  operation: string;
  params?: Record<string, unknown>;
}

export type Boto3Result =
  | { ok: true; response: Record<string, unknown> }
  | { ok: false; code: string; message: string; status: number; queryError?: string };

const DRIVER = `
import json, sys, datetime, boto3, botocore
calls = json.loads(sys.stdin.read())
endpoint = sys.argv[1]
clients = {}
out = []
for call in calls:
    service = call['service']
    if service not in clients:
        clients[service] = boto3.client(service, endpoint_url=endpoint, region_name=sys.argv[2],
            aws_access_key_id=sys.argv[3], aws_secret_access_key=sys.argv[4],
            config=botocore.config.Config(retries={'max_attempts': 1}))
    client = clients[service]
    method = botocore.xform_name(call['operation'])
    try:
        response = getattr(client, method)(**call.get('params', {}))
        response.pop('ResponseMetadata', None)
        out.append({'ok': True, 'response': response})
    except botocore.exceptions.ClientError as error:
        meta = error.response.get('ResponseMetadata', {})
        out.append({'ok': False, 'code': error.response['Error'].get('Code'),
            'message': error.response['Error'].get('Message'), 'status': meta.get('HTTPStatusCode'),
            'queryError': meta.get('HTTPHeaders', {}).get('x-amzn-query-error')})
def default(value):
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode('latin-1')
    raise TypeError(str(type(value)))
print(json.dumps(out, default=default))
`;

export function boto3(endpoint: string, calls: Boto3Call[]): Promise<Boto3Result[]> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'python3',
      ['-c', DRIVER, endpoint, TEST_REGION, 'test', 'test'],
      {
        env: { PATH: process.env.PATH, HOME: process.env.HOME, AWS_CONFIG_FILE: '/dev/null' },
        timeout: 60_000,
      },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`boto3 failed: ${stderr || error.message}`));
        else resolve(JSON.parse(stdout) as Boto3Result[]);
      },
    );
    child.stdin?.end(JSON.stringify(calls));
  });
}

/** One call that must succeed. */
export async function boto3Ok(
  endpoint: string,
  service: string,
  operation: string,
  params: Record<string, unknown> = {},
): Promise<Record<string, unknown>> {
  const [result] = await boto3(endpoint, [{ service, operation, params }]);
  if (!result?.ok) throw new Error(`${operation} failed: ${JSON.stringify(result)}`);
  return result.response;
}
