// eddy signs what it delivers with its own key, as SNS does with Amazon's, and serves the matching
// self-signed certificate, so standard SNS message verifiers accept eddy's messages.
import { createSign, generateKeyPairSync, X509Certificate } from 'node:crypto';

export interface SigningKey {
  privateKeyPem: string;
  certificatePem: string;
}

/** The fields signed for each message type, in the order SNS documents. */
const SIGNED_FIELDS: Record<string, string[]> = {
  Notification: ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'],
  SubscriptionConfirmation: [
    'Message',
    'MessageId',
    'SubscribeURL',
    'Timestamp',
    'Token',
    'TopicArn',
    'Type',
  ],
  UnsubscribeConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
};

export function stringToSign(message: Record<string, string | undefined>): string {
  const fields = SIGNED_FIELDS[message.Type ?? ''] ?? SIGNED_FIELDS.Notification!;
  return fields
    .filter((field) => message[field] !== undefined)
    .map((field) => `${field}\n${message[field]}\n`)
    .join('');
}

/** SignatureVersion 1 is SHA1withRSA, 2 is SHA256withRSA; the signature is base64. */
export function sign(message: Record<string, string | undefined>, key: SigningKey, version: string): string {
  const signer = createSign(version === '2' ? 'RSA-SHA256' : 'RSA-SHA1');
  signer.update(stringToSign(message), 'utf8');
  return signer.sign(key.privateKeyPem, 'base64');
}

export function createSigningKey(commonName: string, now: Date): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const notBefore = new Date(now.getTime() - 86_400_000);
  const notAfter = new Date(now.getTime() + 10 * 365 * 86_400_000);
  const name = der(0x30, der(0x31, der(0x30, oid('2.5.4.3'), der(0x0c, Buffer.from(commonName)))));
  const signatureAlgorithm = der(0x30, oid('1.2.840.113549.1.1.11'), Buffer.from([0x05, 0x00]));
  const serial = Buffer.from([
    0x02,
    0x08,
    0x01,
    ...Array.from({ length: 7 }, () => Math.floor(Math.random() * 256)),
  ]);
  const tbs = der(
    0x30,
    der(0xa0, Buffer.from([0x02, 0x01, 0x02])),
    serial,
    signatureAlgorithm,
    name,
    der(0x30, time(notBefore), time(notAfter)),
    name,
    spki,
  );
  const signer = createSign('RSA-SHA256');
  signer.update(tbs);
  const signature = signer.sign(privateKey);
  const certificate = der(
    0x30,
    tbs,
    signatureAlgorithm,
    der(0x03, Buffer.concat([Buffer.from([0]), signature])),
  );
  const certificatePem = `-----BEGIN CERTIFICATE-----\n${certificate.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;
  // Parsing it back proves the encoding before anyone else has to.
  new X509Certificate(certificatePem);
  return { privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, certificatePem };
}

function der(tag: number, ...contents: Buffer[]): Buffer {
  const body = Buffer.concat(contents);
  let length: Buffer;
  if (body.length < 0x80) length = Buffer.from([body.length]);
  else {
    const bytes: number[] = [];
    for (let remaining = body.length; remaining > 0; remaining >>= 8) bytes.unshift(remaining & 0xff);
    length = Buffer.from([0x80 | bytes.length, ...bytes]);
  }
  return Buffer.concat([Buffer.from([tag]), length, body]);
}

function oid(dotted: string): Buffer {
  const [first, second, ...rest] = dotted.split('.').map(Number) as [number, number, ...number[]];
  const bytes = [first * 40 + second];
  for (const value of rest) {
    const chunk: number[] = [value & 0x7f];
    for (let remaining = value >> 7; remaining > 0; remaining >>= 7) chunk.unshift((remaining & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return der(0x06, Buffer.from(bytes));
}

function time(date: Date): Buffer {
  const text = date.toISOString().replace(/[-:T]/g, '').slice(2, 14) + 'Z';
  return der(0x17, Buffer.from(text));
}
