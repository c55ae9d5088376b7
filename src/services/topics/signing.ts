// eddy signs what it delivers with its own key, as SNS does with Amazon's, and serves the matching
// self-signed certificate, so standard SNS message verifiers accept eddy's messages.
import { createSign } from 'node:crypto';
import { createSelfSignedCertificate, type KeyAndCertificate } from '../../runtime/index.ts';

export type SigningKey = KeyAndCertificate;

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

/** A new RSA key and its self-signed certificate, named like SNS's signing certificates. */
export function createSigningKey(commonName: string, now: Date): SigningKey {
  return createSelfSignedCertificate({ commonName, now });
}
