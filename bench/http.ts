// Requests/s of eddy's edge for a trivial operation against a bare node:http server answering the
// same bytes, measured in one run: the ceiling every service benchmark is measured against.
// Usage: npm run bench -- http [seconds=5] [connections=32]
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { printResult, printTable } from './_lib.ts';

const seconds = Number(process.argv[2] ?? 5);
const connections = Number(process.argv[3] ?? 32);
const BODY = '{}';
const HEADERS = {
  'content-type': 'application/x-amz-json-1.1',
  'x-amz-target': 'AWSEvents.ListEventBuses',
  authorization:
    'AWS4-HMAC-SHA256 Credential=test/20250101/us-east-1/events/aws4_request, SignedHeaders=host;x-amz-date, Signature=00',
  'x-amz-date': '20250101T000000Z',
  'content-length': String(BODY.length),
};

function startServer(args: string[]): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'http/server.ts'), ...args],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return new Promise((resolve, reject) => {
    child.stdout?.once('data', (chunk: Buffer) => resolve({ child, port: Number(chunk.toString().trim()) }));
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
}

function call(
  agent: Agent,
  port: number,
): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method: 'POST', path: '/', headers: HEADERS, agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: { 'content-type': String(res.headers['content-type']) },
            body: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(BODY);
  });
}

async function load(port: number): Promise<{ rate: number; p50: number; p99: number; errors: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const latencies: number[] = [];
  let errors = 0;
  const warmUntil = performance.now() + 1000;
  const endAt = warmUntil + seconds * 1000;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < endAt) {
        const started = performance.now();
        const response = await call(agent, port);
        if (started >= warmUntil) {
          latencies.push(performance.now() - started);
          if (response.status !== 200) errors += 1;
        }
      }
    }),
  );
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return { rate: latencies.length / seconds, p50: at(0.5), p99: at(0.99), errors };
}

const eddy = await startServer(['eddy']);
const sample = await call(new Agent(), eddy.port);
if (sample.status !== 200) throw new Error(`eddy answered ${sample.status}: ${sample.body}`);
const responseFile = join(tmpdir(), `eddy-bench-http-${process.pid}.json`);
writeFileSync(responseFile, JSON.stringify(sample));
const bare = await startServer(['bare', responseFile]);

const results: Record<string, Awaited<ReturnType<typeof load>>> = {};
try {
  results.bare = await load(bare.port);
  results.eddy = await load(eddy.port);
} finally {
  eddy.child.kill();
  bare.child.kill();
}

console.log(
  `${seconds} s per server after 1 s warm-up, ${connections} keep-alive connections, same response bytes\n`,
);
printTable(
  ['server', 'requests/s', 'p50 ms', 'p99 ms', 'errors'],
  Object.entries(results).map(([name, r]) => [name, r.rate, r.p50, r.p99, r.errors]),
);
const ratio = (results.eddy?.rate ?? 0) / (results.bare?.rate ?? 1);
printResult('http', {
  eddy_rps: Math.round(results.eddy?.rate ?? 0),
  bare_rps: Math.round(results.bare?.rate ?? 0),
  ratio_vs_bare: ratio,
  p99_ms: results.eddy?.p99 ?? 0,
});
