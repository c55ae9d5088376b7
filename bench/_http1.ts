// A minimal HTTP/1.1 client on raw keep-alive sockets, for load generators. Node's http.request
// costs the client ~100 µs of CPU per call; on a 2-core machine that shares its cores with the
// server measured, the load generator's own CPU and pauses then show up as server latency. This
// one writes a request in one call and reads a response framed by Content-Length, chunked
// encoding or the end of the connection: nothing else of HTTP is needed here.
import { connect, type Socket } from 'node:net';

export interface Http1Response {
  status: number;
  body: string;
}

const HEAD_END = Buffer.from('\r\n\r\n');

/** One request at a time on one socket. */
class Connection {
  readonly socket: Socket;
  private buffered: Buffer = Buffer.alloc(0);
  private pending: { resolve: (response: Http1Response) => void; reject: (error: Error) => void } | undefined;
  closed = false;
  /** False once the server said it closes the connection after this response. */
  reusable = true;

  constructor(host: string, port: number, onClose: (connection: Connection) => void) {
    this.socket = connect({ host, port, noDelay: true });
    this.socket.on('data', (chunk: Buffer) => {
      this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
      this.parse(false);
    });
    const end = (error?: Error) => {
      if (this.closed) return;
      this.closed = true;
      if (!error) this.parse(true);
      this.pending?.reject(error ?? new Error('the server closed the connection'));
      this.pending = undefined;
      onClose(this);
    };
    this.socket.on('error', end);
    this.socket.on('close', () => end());
  }

  send(head: string, body: Buffer): Promise<Http1Response> {
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.socket.write(Buffer.concat([Buffer.from(head, 'latin1'), body]));
    });
  }

  private parse(atEnd: boolean): void {
    if (!this.pending) return;
    const headEnd = this.buffered.indexOf(HEAD_END);
    if (headEnd < 0) return;
    const head = this.buffered.subarray(0, headEnd).toString('latin1');
    const status = Number(head.slice(9, 12));
    const lengthHeader = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    const chunked = /\r\ntransfer-encoding:\s*chunked/i.test(head);
    const start = headEnd + HEAD_END.length;
    let body: Buffer | undefined;
    let consumed = 0;
    if (lengthHeader) {
      const length = Number(lengthHeader[1]);
      if (this.buffered.length - start < length) return;
      body = this.buffered.subarray(start, start + length);
      consumed = start + length;
    } else if (chunked) {
      const decoded = decodeChunked(this.buffered, start);
      if (!decoded) return;
      ({ body, consumed } = decoded);
    } else {
      if (!atEnd) return; // framed by the end of the connection
      body = this.buffered.subarray(start);
      consumed = this.buffered.length;
    }
    this.buffered = this.buffered.subarray(consumed);
    const { resolve } = this.pending;
    this.pending = undefined;
    if (/\r\nconnection:\s*close/i.test(head)) {
      this.reusable = false;
      this.socket.end();
    }
    resolve({ status, body: body.toString('utf8') });
  }
}

function decodeChunked(buffer: Buffer, start: number): { body: Buffer; consumed: number } | undefined {
  const parts: Buffer[] = [];
  let at = start;
  for (;;) {
    const lineEnd = buffer.indexOf('\r\n', at);
    if (lineEnd < 0) return undefined;
    const size = Number.parseInt(buffer.subarray(at, lineEnd).toString('latin1'), 16);
    const dataStart = lineEnd + 2;
    if (buffer.length < dataStart + size + 2) return undefined;
    if (size === 0) return { body: Buffer.concat(parts), consumed: dataStart + 2 };
    parts.push(buffer.subarray(dataStart, dataStart + size));
    at = dataStart + size + 2;
  }
}

export class Http1Client {
  private readonly idle: Connection[] = [];
  private readonly open = new Set<Connection>();
  private readonly queued: Array<(connection: Connection) => void> = [];

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly maxSockets: number,
  ) {}

  /** POSTs `body` to `/` with `headers` (names lower-case); aborting drops the connection. */
  async post(headers: Record<string, string>, body: string, signal?: AbortSignal): Promise<Http1Response> {
    signal?.throwIfAborted();
    const bytes = Buffer.from(body);
    let head = 'POST / HTTP/1.1\r\n';
    for (const name in headers) head += `${name}: ${headers[name]}\r\n`;
    head += `content-length: ${bytes.length}\r\n\r\n`;
    const connection = await this.acquire();
    const abort = () => connection.socket.destroy(new Error('aborted'));
    signal?.addEventListener('abort', abort, { once: true });
    try {
      const response = await connection.send(head, bytes);
      this.release(connection);
      return response;
    } finally {
      signal?.removeEventListener('abort', abort);
    }
  }

  close(): void {
    for (const connection of this.open) connection.socket.destroy();
    this.open.clear();
    this.idle.length = 0;
  }

  private acquire(): Promise<Connection> {
    const idle = this.idle.pop();
    if (idle) return Promise.resolve(idle);
    if (this.open.size < this.maxSockets) return Promise.resolve(this.connect());
    return new Promise((resolve) => this.queued.push(resolve));
  }

  private release(connection: Connection): void {
    if (connection.closed || !connection.reusable) return;
    const next = this.queued.shift();
    if (next) next(connection);
    else this.idle.push(connection);
  }

  private forget(connection: Connection): void {
    this.open.delete(connection);
    const index = this.idle.indexOf(connection);
    if (index >= 0) this.idle.splice(index, 1);
    // A waiting request gets a fresh connection in place of the one that closed.
    this.queued.shift()?.(this.connect());
  }

  private connect(): Connection {
    const connection = new Connection(this.host, this.port, (gone) => this.forget(gone));
    this.open.add(connection);
    return connection;
  }
}
