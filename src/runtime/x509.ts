// Self-signed X.509 certificates: the SNS signing certificate and the TLS certificate of eddy's
// HTTPS port. node:crypto makes the RSA key and the signature but cannot write a certificate; the
// ASN.1 structures (RFC 5280) are @peculiar/asn1-x509's, the schema layer of @peculiar/x509 and of
// `selfsigned`. Those two build certificates through WebCrypto, which is async only, and their
// callers here (the topics service's lazily made signing key, the TLS identity at start) want a
// certificate now; encoding the same structures synchronously, then signing with createSign, keeps
// this function synchronous.
import { createSign, generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  Certificate,
  Extension,
  Extensions,
  GeneralName,
  id_ce_subjectAltName,
  Name,
  RelativeDistinguishedName,
  SubjectAlternativeName,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
} from '@peculiar/asn1-x509';

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

const COMMON_NAME = '2.5.4.3';
const SHA256_WITH_RSA = '1.2.840.113549.1.1.11';
const DAY_MS = 86_400_000;

export function createSelfSignedCertificate({
  commonName,
  altNames = [],
  now,
}: CertificateOptions): KeyAndCertificate {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const name = new Name([
    new RelativeDistinguishedName([
      new AttributeTypeAndValue({ type: COMMON_NAME, value: new AttributeValue({ utf8String: commonName }) }),
    ]),
  ]);
  // RSA's AlgorithmIdentifier carries an explicit NULL parameter (RFC 4055).
  const signatureAlgorithm = new AlgorithmIdentifier({ algorithm: SHA256_WITH_RSA, parameters: null });
  // A positive 64-bit serial: the top bit clear, never zero.
  const serial = randomBytes(8);
  serial[0] = (serial[0]! & 0x7f) | 0x01;
  const tbsCertificate = new TBSCertificate({
    version: Version.v3,
    serialNumber: toArrayBuffer(serial),
    signature: signatureAlgorithm,
    issuer: name,
    validity: new Validity({
      notBefore: new Date(now.getTime() - DAY_MS),
      notAfter: new Date(now.getTime() + 10 * 365 * DAY_MS),
    }),
    subject: name,
    subjectPublicKeyInfo: AsnConvert.parse(
      publicKey.export({ type: 'spki', format: 'der' }),
      SubjectPublicKeyInfo,
    ),
    ...(altNames.length > 0 ? { extensions: new Extensions([subjectAltName(altNames)]) } : {}),
  });
  const tbs = Buffer.from(AsnConvert.serialize(tbsCertificate));
  const signature = createSign('RSA-SHA256').update(tbs).sign(privateKey);
  const certificate = new Certificate({
    tbsCertificate,
    signatureAlgorithm,
    signatureValue: toArrayBuffer(signature),
  });
  const der = Buffer.from(AsnConvert.serialize(certificate));
  // X509Certificate writes the PEM, and parsing it back proves the encoding before anyone else has to.
  const certificatePem = new X509Certificate(der).toString();
  return { privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, certificatePem };
}

/** The subjectAltName extension: dNSName for names, iPAddress for IPv4 and IPv6 addresses. */
function subjectAltName(altNames: string[]): Extension {
  const names = new SubjectAlternativeName(
    altNames.map((altName) =>
      isIP(altName) ? new GeneralName({ iPAddress: altName }) : new GeneralName({ dNSName: altName }),
    ),
  );
  return new Extension({
    extnID: id_ce_subjectAltName,
    critical: false,
    extnValue: new OctetString(AsnConvert.serialize(names)),
  });
}

function toArrayBuffer(bytes: Buffer): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}
