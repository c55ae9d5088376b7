import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SigningKeyCache } from './sigv4.ts';

test('derives the signing key of AWS’s documented example, once', () => {
  const cache = new SigningKeyCache();
  const key = cache.key('wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', '20120215', 'us-east-1', 'iam');
  assert.equal(key.toString('hex'), 'f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d');
  assert.equal(cache.key('wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', '20120215', 'us-east-1', 'iam'), key);
  assert.equal(cache.size, 1);
});

test('keeps at most its capacity, dropping the key derived longest ago', () => {
  const cache = new SigningKeyCache(2);
  const first = cache.key('secret', '20250101', 'us-east-1', 'sqs');
  const second = cache.key('secret', '20250102', 'us-east-1', 'sqs');
  cache.key('secret', '20250103', 'us-east-1', 'sqs');
  assert.equal(cache.size, 2);
  assert.equal(cache.key('secret', '20250102', 'us-east-1', 'sqs'), second, 'still kept');
  const again = cache.key('secret', '20250101', 'us-east-1', 'sqs');
  assert.notEqual(again, first, 'derived anew');
  assert.deepEqual(again, first);
  // Separate caches share nothing.
  assert.equal(new SigningKeyCache().size, 0);
});
