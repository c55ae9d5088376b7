// Self-signed X.509 certificates, DER-encoded by hand (node:crypto parses certificates but does not
// make them): the SNS signing certificate and the TLS certificate of eddy's HTTPS port.
import { createSign, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';

export interface KeyAndCertificate {
  privateKeyPem: string;
  certificatePem: string;
}

export interface CertificateOptions {
  commonName: string;
  /** Host names and IP addresses the certificate is for (a TLS server's subjectAltName). */
  altNames?: string[];
  now: Date;
}

export function createSelfSignedCertificate({
  commonName,
  altNames = [],
  now,
}: CertificateOptions): KeyAndCertificate {
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
  const extensions = altNames.length > 0 ? [der(0xa3, der(0x30, subjectAltName(altNames)))] : [];
  const tbs = der(
    0x30,
    der(0xa0, Buffer.from([0x02, 0x01, 0x02])),
    serial,
    signatureAlgorithm,
    name,
    der(0x30, time(notBefore), time(notAfter)),
    name,
    spki,
    ...extensions,
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

/** The subjectAltName extension: dNSName [2] for names, iPAddress [7] for IPv4/IPv6 addresses. */
function subjectAltName(altNames: string[]): Buffer {
  const entries = altNames.map((altName) => {
    const version = isIP(altName);
    if (version === 4) return der(0x87, Buffer.from(altName.split('.').map(Number)));
    if (version === 6) return der(0x87, ipv6Bytes(altName));
    return der(0x82, Buffer.from(altName));
  });
  return der(0x30, oid('2.5.29.17'), der(0x04, der(0x30, ...entries)));
}

function ipv6Bytes(address: string): Buffer {
  const [head = '', tail = ''] = address.split('::');
  const groups = (part: string) => (part ? part.split(':').map((group) => Number.parseInt(group, 16)) : []);
  const front = groups(head);
  const back = address.includes('::') ? groups(tail) : [];
  const all = [...front, ...Array(8 - front.length - back.length).fill(0), ...back];
  return Buffer.from(all.flatMap((group) => [group >> 8, group & 0xff]));
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
