// The two servers bench/http.ts measures, each in its own process: `eddy` (the full edge with a
// trivial JSON 1.1 operation) or `bare` (node:http answering the same bytes). Prints its port.
import { createServer } from 'node:http';
import { startEddy } from '../../src/app.ts';
import { loadModel } from '../../src/contract/index.ts';
import { loadConfig } from '../../src/runtime/index.ts';

const [kind, responseFile] = process.argv.slice(2);

if (kind === 'eddy') {
  const eddy = await startEddy({
    config: loadConfig({ port: 0, inMemory: true, logLevel: 'warn' }),
    services: [
      () => ({
        definition: {
          name: 'events',
          model: loadModel('events-2015-10-07'),
          handlers: {
            ListEventBuses: () => ({
              EventBuses: [
                { Name: 'default', Arn: 'arn:aws:events:us-east-1:000000000000:event-bus/default' },
              ],
            }),
          },
        },
        migrations: [],
      }),
    ],
  });
  process.stdout.write(`${eddy.port}\n`);
} else if (kind === 'bare' && responseFile) {
  const { readFileSync } = await import('node:fs');
  const recorded = JSON.parse(readFileSync(responseFile, 'utf8')) as {
    headers: Record<string, string>;
    body: string;
  };
  const body = Buffer.from(recorded.body);
  const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { ...recorded.headers, 'content-length': String(body.length) });
      res.end(body);
    });
  });
  server.listen(0, '127.0.0.1', () =>
    process.stdout.write(`${(server.address() as { port: number }).port}\n`),
  );
} else {
  throw new Error('usage: server.ts eddy | bare RESPONSE_FILE');
}
