// A light AWS wire client for load generators: real SigV4-signed requests on keep-alive sockets
// (bench/_http1.ts), without the SDK's middleware stack. On a 2-core machine the SDK's own CPU per
// call (~1 ms for a PutEvents of 10) is what limits a benchmark, not the server; this client costs
// a fraction of it, so the server measured is the one that runs out. Setup and correctness stay
// with the SDKs.
import { createHash, createHmac } from 'node:crypto';
import { Http1Client } from './_http1.ts';

export interface WireOptions {
  /** e.g. http://127.0.0.1:4566 */
  endpoint: string;
  /** The signing name: `events`, `sns`, `sqs`. */
  service: string;
  region?: string;
  sockets?: number;
}

const ACCESS_KEY = 'test';
const SECRET_KEY = 'test';

const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');
const hmac = (key: string | Buffer, text: string) => createHmac('sha256', key).update(text).digest();

export class WireClient {
  private readonly http: Http1Client;
  private readonly url: URL;
  private readonly region: string;
  private signingKey: { day: string; key: Buffer } | undefined;

  constructor(private readonly options: WireOptions) {
    this.url = new URL(options.endpoint);
    this.region = options.region ?? 'us-east-1';
    this.http = new Http1Client(this.url.hostname, Number(this.url.port || 80), options.sockets ?? 64);
  }

  /** An AWS JSON call (`X-Amz-Target: PREFIX.Operation`); resolves with the parsed answer, rejects on an error status. */
  async json(target: string, version: '1.0' | '1.1', input: unknown, signal?: AbortSignal): Promise<unknown> {
    const response = await this.send(
      JSON.stringify(input),
      { 'content-type': `application/x-amz-json-${version}`, 'x-amz-target': target },
      signal,
    );
    if (response.status !== 200) throw new Error(`${target}: HTTP ${response.status} ${response.body}`);
    return JSON.parse(response.body) as unknown;
  }

  /** An AWS Query call (form body, XML answer); resolves with the XML text, rejects on an error status. */
  async query(params: Record<string, string>): Promise<string> {
    const body = new URLSearchParams(params).toString();
    const response = await this.send(body, {
      'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
    });
    if (response.status !== 200)
      throw new Error(`${params.Action}: HTTP ${response.status} ${response.body}`);
    return response.body;
  }

  close(): void {
    this.http.close();
  }

  private send(body: string, headers: Record<string, string>, signal?: AbortSignal) {
    return this.http.post(this.sign(body, headers), body, signal);
  }

  /** SigV4 over host, x-amz-date and the given headers, as the SDK signs a POST to `/`. */
  private sign(body: string, headers: Record<string, string>): Record<string, string> {
    const amzDate = new Date().toISOString().replace(/[-:]|\.\d{3}/g, '');
    const day = amzDate.slice(0, 8);
    const all: Record<string, string> = {
      ...headers,
      host: this.url.host,
      'x-amz-date': amzDate,
      'x-amz-content-sha256': sha256Hex(body),
    };
    const names = Object.keys(all).sort();
    const canonical = [
      'POST',
      '/',
      '',
      ...names.map((name) => `${name}:${all[name]}`),
      '',
      names.join(';'),
      all['x-amz-content-sha256'],
    ].join('\n');
    const scope = `${day}/${this.region}/${this.options.service}/aws4_request`;
    const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonical)].join('\n');
    if (this.signingKey?.day !== day) {
      const dated = hmac(`AWS4${SECRET_KEY}`, day);
      const regional = hmac(hmac(dated, this.region), this.options.service);
      this.signingKey = { day, key: hmac(regional, 'aws4_request') };
    }
    const signature = createHmac('sha256', this.signingKey.key).update(toSign).digest('hex');
    return {
      ...all,
      authorization: `AWS4-HMAC-SHA256 Credential=${ACCESS_KEY}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`,
    };
  }
}
