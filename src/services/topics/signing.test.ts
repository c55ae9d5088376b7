import assert from 'node:assert/strict';
import { createPrivateKey, createVerify, X509Certificate } from 'node:crypto';
import { describe, it } from 'node:test';
import { createSigningKey, sign, stringToSign } from './signing.ts';

describe('message signing', () => {
  const key = createSigningKey('sns.eddy.local', new Date('2026-01-01T00:00:00Z'));

  it('makes a certificate that parses and holds the signing key', () => {
    const certificate = new X509Certificate(key.certificatePem);
    assert.match(certificate.subject, /CN=sns.eddy.local/);
    assert.equal(certificate.checkPrivateKey(createPrivateKey(key.privateKeyPem)), true);
  });

  it('signs the documented fields in order, and the certificate verifies it (versions 1 and 2)', () => {
    const message = {
      Type: 'Notification',
      MessageId: 'm-1',
      TopicArn: 'arn:aws:sns:us-east-1:000000000000:t',
      Subject: 'hello',
      Message: 'body',
      Timestamp: '2026-01-01T00:00:00.000Z',
    };
    assert.equal(
      stringToSign(message),
      'Message\nbody\nMessageId\nm-1\nSubject\nhello\nTimestamp\n2026-01-01T00:00:00.000Z\nTopicArn\narn:aws:sns:us-east-1:000000000000:t\nType\nNotification\n',
    );
    for (const [version, algorithm] of [
      ['1', 'RSA-SHA1'],
      ['2', 'RSA-SHA256'],
    ] as const) {
      const signature = sign(message, key, version);
      const verifier = createVerify(algorithm);
      verifier.update(stringToSign(message));
      assert.equal(verifier.verify(key.certificatePem, signature, 'base64'), true);
    }
  });
});
