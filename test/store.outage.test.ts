// PostgreSQL going away under a running eddy: requests in flight fail with a retryable 503
// ServiceUnavailable (never a 500, never an acknowledged message lost), the SDK's own retries ride
// out a short outage, and eddy reconnects by itself when the database is back. The outage is a
// TCP proxy between eddy and the machine's PostgreSQL that drops every connection on demand.
import assert from 'node:assert/strict';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateQueueCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { createScratchSchema, type ScratchSchema } from '../src/store/index.ts';
import { startTestEddy, type TestEddy } from './harness.ts';
import { eventually, receiveAll } from './helpers.ts';

/** Forwards to PostgreSQL while up; while down, cuts every open connection and each new one. */
class OutageProxy {
  private readonly sockets = new Set<Socket>();
  private down = false;
  readonly server: Server;

  constructor(target: { host: string; port: number }) {
    this.server = createServer((client) => {
      if (this.down) return void client.destroy();
      const upstream = connect(target);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as { port: number }).port;
  }

  cut(): void {
    this.down = true;
    for (const socket of this.sockets) socket.destroy();
  }

  restore(): void {
    this.down = false;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

let schema: ScratchSchema;
let proxy: OutageProxy;
let eddy: TestEddy;
let sqs: SQSClient;
let queueUrl: string;

before(async () => {
  schema = await createScratchSchema();
  const direct = new URL(schema.url);
  proxy = new OutageProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
  const proxied = new URL(schema.url);
  proxied.port = String(await proxy.listen());
  eddy = await startTestEddy({ config: { store: proxied.href } });
  sqs = eddy.client(SQSClient);
  queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'outage' }))).QueueUrl!;
});

after(async () => {
  sqs?.destroy();
  proxy?.restore();
  await eddy?.stop();
  await proxy?.close();
  await schema?.drop();
});

test('while the database is down a send is answered 503 ServiceUnavailable; once it is back eddy serves again', async () => {
  await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'before' }));
  proxy.cut();
  await assert.rejects(
    sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'lost' })),
    (error) => {
      const failure = error as Error & { $metadata?: { httpStatusCode?: number } };
      assert.equal(failure.$metadata?.httpStatusCode, 503);
      assert.equal(failure.name, 'ServiceUnavailable');
      return true;
    },
  );
  proxy.restore();
  // The pool reconnects on the next request that needs a connection.
  await eventually(async () => {
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'after' }));
    return true;
  });
  const received = await receiveAll(sqs, queueUrl, 2, { delete: true });
  // Every acknowledged send is there; the refused one was never acknowledged and is not.
  assert.deepEqual(received.map((message) => message.Body).sort(), ['after', 'before']);
});

test("the SDK's own retries ride out a short outage: the send succeeds once the database is back", async () => {
  const patient = eddy.client(SQSClient, { maxAttempts: 10 });
  try {
    proxy.cut();
    const sent = patient.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'patient' }));
    await sleep(300);
    proxy.restore();
    const { MessageId, $metadata } = await sent;
    assert.ok(MessageId);
    assert.ok(($metadata.attempts ?? 1) > 1, `retried after the 503 (attempts: ${$metadata.attempts})`);
  } finally {
    patient.destroy();
  }
});
