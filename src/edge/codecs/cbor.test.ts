import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CborError, CborTag, decodeCbor, encodeCbor } from './cbor.ts';

const hex = (text: string) => Uint8Array.from(Buffer.from(text.replace(/\s/g, ''), 'hex'));
const toHex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

test("decodes RFC 8949 Appendix A's examples", () => {
  const cases: Array<[string, unknown]> = [
    ['00', 0],
    ['17', 23],
    ['1818', 24],
    ['1903e8', 1000],
    ['1b000000e8d4a51000', 1000000000000],
    ['20', -1],
    ['3863', -100],
    ['f90000', 0],
    ['f93c00', 1],
    ['f97bff', 65504],
    ['f90001', 2 ** -24],
    ['fa47c35000', 100000],
    ['fb3ff199999999999a', 1.1],
    ['fb7e37e43c8800759c', 1.0e300],
    ['f97c00', Number.POSITIVE_INFINITY],
    ['f4', false],
    ['f5', true],
    ['f6', null],
    ['6449455446', 'IETF'],
    ['62c3bc', 'ü'],
    ['4401020304', Uint8Array.from([1, 2, 3, 4])],
    ['83010203', [1, 2, 3]],
    ['a26161016162820203', { a: 1, b: [2, 3] }],
    ['7f657374726561646d696e67ff', 'streaming'],
    ['5f42010243030405ff', Uint8Array.from([1, 2, 3, 4, 5])],
    ['9f018202039f0405ffff', [1, [2, 3], [4, 5]]],
    ['bf61610161629f0203ffff', { a: 1, b: [2, 3] }],
    ['c11a514b67b0', new Date(1363896240 * 1000)],
    ['c1fb41d452d9ec200000', new Date(1363896240.5 * 1000)],
  ];
  for (const [bytes, value] of cases) assert.deepEqual(decodeCbor(hex(bytes)), value, bytes);
  assert.ok(Number.isNaN(decodeCbor(hex('f97e00'))));
  assert.deepEqual(decodeCbor(hex('c249010000000000000000')), new CborTag(2, hex('010000000000000000')));
});

test('encodes what it decodes, timestamps as tag 1 and integers in their shortest form', () => {
  assert.equal(toHex(encodeCbor(1000)), '1903e8');
  assert.equal(toHex(encodeCbor(-100)), '3863');
  assert.equal(toHex(encodeCbor(1.5)), 'fb3ff8000000000000');
  assert.equal(toHex(encodeCbor(new Date(1363896240000))), 'c11a514b67b0');
  assert.equal(toHex(encodeCbor({ a: 1, b: undefined })), 'a1616101');
  const value = {
    text: 'ü'.repeat(300),
    list: [true, false, null, -1, 2 ** 40, 0.25],
    bytes: Uint8Array.from([0, 255]),
    when: new Date(1700000000123),
    nested: { deep: [{ x: 'y' }] },
  };
  assert.deepEqual(decodeCbor(encodeCbor(value)), value);
});

test('malformed CBOR is a CborError, never a crash or a hang', () => {
  const bad = [
    '', // nothing
    '18', // argument missing
    '62c3', // text shorter than its length
    '1c', // reserved additional information
    'ff', // a break outside an indefinite item
    '9f01', // an unterminated indefinite array
    'a1016161', // a map key that is not text
    '62c328', // invalid UTF-8
    'c16161', // tag 1 on text
    '0000', // trailing bytes
    '5f6161ff', // a text chunk in a byte string
    '1bffffffffffffffff', // beyond the safe integers
    '9f'.repeat(200), // nesting too deep
  ];
  for (const bytes of bad) assert.throws(() => decodeCbor(hex(bytes)), CborError, bytes);
  // A length far beyond the input fails at once instead of allocating it.
  assert.throws(() => decodeCbor(hex('5bffffffff00000000')), CborError);
});
