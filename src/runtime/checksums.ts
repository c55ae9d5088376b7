// The checksums AWS's flexible checksums name (x-amz-checksum-*): CRC32, CRC32C, CRC64NVME, SHA1,
// SHA256, SHA512 and MD5, computed over data as it streams, and the CRC combination that makes a
// whole object's CRC from its parts' (S3's FULL_OBJECT multipart checksums).
import { createHash } from 'node:crypto';
import * as zlib from 'node:zlib';

export type ChecksumAlgorithm = 'CRC32' | 'CRC32C' | 'CRC64NVME' | 'SHA1' | 'SHA256' | 'SHA512' | 'MD5';

export const CHECKSUM_ALGORITHMS: readonly ChecksumAlgorithm[] = [
  'CRC32',
  'CRC32C',
  'CRC64NVME',
  'SHA1',
  'SHA256',
  'SHA512',
  'MD5',
];

/** A checksum computed over data given piece by piece; `digest` once, at the end. */
export interface Hasher {
  update(data: Uint8Array): void;
  digest(): Buffer;
}

export function isChecksumAlgorithm(name: string): name is ChecksumAlgorithm {
  return (CHECKSUM_ALGORITHMS as readonly string[]).includes(name);
}

/** Whether the algorithm is a CRC (its checksums combine, so multipart objects can have a FULL_OBJECT one). */
export function isCrc(algorithm: ChecksumAlgorithm): boolean {
  return algorithm === 'CRC32' || algorithm === 'CRC32C' || algorithm === 'CRC64NVME';
}

export function createChecksum(algorithm: ChecksumAlgorithm): Hasher {
  switch (algorithm) {
    case 'CRC32':
      return zlibCrc32 ? new ZlibCrc32() : new Crc32Table(CRC32_TABLES);
    case 'CRC32C':
      return new Crc32Table(crc32cTables());
    case 'CRC64NVME':
      return new Crc64Nvme();
    default: {
      const hash = createHash(algorithm.toLowerCase());
      return { update: (data) => hash.update(data), digest: () => hash.digest() };
    }
  }
}

/** The checksum of a whole buffer, base64 as the x-amz-checksum-* headers carry it. */
export function checksumOf(algorithm: ChecksumAlgorithm, data: Uint8Array): string {
  const hasher = createChecksum(algorithm);
  hasher.update(data);
  return hasher.digest().toString('base64');
}

// ---- CRC32 (zlib's where Node has it: 20.15+, 22.2+) and CRC32C, reflected, slicing by 8

const zlibCrc32 = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

class ZlibCrc32 implements Hasher {
  private value = 0;
  update(data: Uint8Array): void {
    this.value = zlibCrc32!(data, this.value);
  }
  digest(): Buffer {
    const out = Buffer.alloc(4);
    out.writeUInt32BE(this.value >>> 0);
    return out;
  }
}

function slicingTables(polynomial: number): Int32Array[] {
  const tables = Array.from({ length: 8 }, () => new Int32Array(256));
  const first = tables[0]!;
  for (let i = 0; i < 256; i++) {
    let crc = i;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ polynomial : crc >>> 1;
    first[i] = crc;
  }
  for (let i = 0; i < 256; i++) {
    for (let k = 1; k < 8; k++) {
      const previous = tables[k - 1]![i]!;
      tables[k]![i] = (previous >>> 8) ^ first[previous & 0xff]!;
    }
  }
  return tables;
}

const CRC32_TABLES = zlibCrc32 ? [] : slicingTables(0xedb88320);
let crc32c: Int32Array[] | undefined;
const crc32cTables = () => {
  crc32c ??= slicingTables(0x82f63b78);
  return crc32c;
};

class Crc32Table implements Hasher {
  private crc = ~0;
  constructor(private readonly tables: Int32Array[]) {}

  update(data: Uint8Array): void {
    const [t0, t1, t2, t3, t4, t5, t6, t7] = this.tables as [
      Int32Array,
      Int32Array,
      Int32Array,
      Int32Array,
      Int32Array,
      Int32Array,
      Int32Array,
      Int32Array,
    ];
    let crc = this.crc;
    let i = 0;
    const length = data.length;
    const end = length - (length % 8);
    for (; i < end; i += 8) {
      const word = (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24)) ^ crc;
      crc =
        t7[word & 0xff]! ^
        t6[(word >>> 8) & 0xff]! ^
        t5[(word >>> 16) & 0xff]! ^
        t4[word >>> 24]! ^
        t3[data[i + 4]!]! ^
        t2[data[i + 5]!]! ^
        t1[data[i + 6]!]! ^
        t0[data[i + 7]!]!;
    }
    for (; i < length; i++) crc = t0[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
    this.crc = crc;
  }

  digest(): Buffer {
    const out = Buffer.alloc(4);
    out.writeUInt32BE(~this.crc >>> 0);
    return out;
  }
}

// ---- CRC64NVME (reflected polynomial 0x9a6c9329ac4bc9b5), 64-bit values as two 32-bit halves

let crc64Tables: { lo: Int32Array[]; hi: Int32Array[] } | undefined;

function crc64NvmeTables() {
  if (crc64Tables) return crc64Tables;
  const polyLo = 0xac4bc9b5 | 0;
  const polyHi = 0x9a6c9329 | 0;
  const lo = Array.from({ length: 8 }, () => new Int32Array(256));
  const hi = Array.from({ length: 8 }, () => new Int32Array(256));
  for (let i = 0; i < 256; i++) {
    let l = i;
    let h = 0;
    for (let bit = 0; bit < 8; bit++) {
      const carry = l & 1;
      l = (l >>> 1) | ((h & 1) << 31);
      h = h >>> 1;
      if (carry) {
        l ^= polyLo;
        h ^= polyHi;
      }
    }
    lo[0]![i] = l;
    hi[0]![i] = h;
  }
  for (let i = 0; i < 256; i++) {
    for (let k = 1; k < 8; k++) {
      const pl = lo[k - 1]![i]!;
      const ph = hi[k - 1]![i]!;
      const index = pl & 0xff;
      // (previous >>> 8) ^ table0[previous & 0xff], on 64 bits
      lo[k]![i] = ((pl >>> 8) | (ph << 24)) ^ lo[0]![index]!;
      hi[k]![i] = (ph >>> 8) ^ hi[0]![index]!;
    }
  }
  crc64Tables = { lo, hi };
  return crc64Tables;
}

class Crc64Nvme implements Hasher {
  private lo = ~0;
  private hi = ~0;

  update(data: Uint8Array): void {
    const { lo: L, hi: H } = crc64NvmeTables();
    let lo = this.lo;
    let hi = this.hi;
    let i = 0;
    const length = data.length;
    const end = length - (length % 8);
    for (; i < end; i += 8) {
      const a = (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24)) ^ lo;
      const b = (data[i + 4]! | (data[i + 5]! << 8) | (data[i + 6]! << 16) | (data[i + 7]! << 24)) ^ hi;
      const i7 = a & 0xff;
      const i6 = (a >>> 8) & 0xff;
      const i5 = (a >>> 16) & 0xff;
      const i4 = a >>> 24;
      const i3 = b & 0xff;
      const i2 = (b >>> 8) & 0xff;
      const i1 = (b >>> 16) & 0xff;
      const i0 = b >>> 24;
      lo =
        L[7]![i7]! ^ L[6]![i6]! ^ L[5]![i5]! ^ L[4]![i4]! ^ L[3]![i3]! ^ L[2]![i2]! ^ L[1]![i1]! ^ L[0]![i0]!;
      hi =
        H[7]![i7]! ^ H[6]![i6]! ^ H[5]![i5]! ^ H[4]![i4]! ^ H[3]![i3]! ^ H[2]![i2]! ^ H[1]![i1]! ^ H[0]![i0]!;
    }
    const L0 = L[0]!;
    const H0 = H[0]!;
    for (; i < length; i++) {
      const index = (lo ^ data[i]!) & 0xff;
      lo = ((lo >>> 8) | (hi << 24)) ^ L0[index]!;
      hi = (hi >>> 8) ^ H0[index]!;
    }
    this.lo = lo;
    this.hi = hi;
  }

  digest(): Buffer {
    const out = Buffer.alloc(8);
    out.writeUInt32BE(~this.hi >>> 0, 0);
    out.writeUInt32BE(~this.lo >>> 0, 4);
    return out;
  }
}

// ---- combining CRCs: crc(A ‖ B) from crc(A), crc(B) and B's length (zlib's crc32_combine, any width)

const REFLECTED_POLYNOMIALS: Partial<Record<ChecksumAlgorithm, { poly: bigint; width: number }>> = {
  CRC32: { poly: 0xedb88320n, width: 32 },
  CRC32C: { poly: 0x82f63b78n, width: 32 },
  CRC64NVME: { poly: 0x9a6c9329ac4bc9b5n, width: 64 },
};

function matrixTimes(matrix: bigint[], vector: bigint): bigint {
  let sum = 0n;
  let i = 0;
  while (vector !== 0n) {
    if (vector & 1n) sum ^= matrix[i]!;
    vector >>= 1n;
    i++;
  }
  return sum;
}

function matrixSquare(matrix: bigint[]): bigint[] {
  return matrix.map((row) => matrixTimes(matrix, row));
}

/** The CRC of A followed by B, given both CRCs (big-endian bytes, as digest gives them) and B's length. */
export function combineCrc(
  algorithm: ChecksumAlgorithm,
  first: Buffer,
  second: Buffer,
  secondLength: number,
): Buffer {
  const spec = REFLECTED_POLYNOMIALS[algorithm];
  if (!spec) throw new Error(`${algorithm} checksums do not combine`);
  let crc1 = BigInt(`0x${first.toString('hex')}`);
  const crc2 = BigInt(`0x${second.toString('hex')}`);
  let length = BigInt(secondLength);
  if (length > 0n) {
    // The operator for one zero bit, then squared to two, four, … zero bits as the length's bits need.
    let odd: bigint[] = [spec.poly];
    for (let n = 1, row = 1n; n < spec.width; n++, row <<= 1n) odd.push(row);
    let even = matrixSquare(odd);
    odd = matrixSquare(even);
    for (;;) {
      even = matrixSquare(odd);
      if (length & 1n) crc1 = matrixTimes(even, crc1);
      length >>= 1n;
      if (length === 0n) break;
      odd = matrixSquare(even);
      if (length & 1n) crc1 = matrixTimes(odd, crc1);
      length >>= 1n;
      if (length === 0n) break;
    }
  }
  const combined = crc1 ^ crc2;
  return Buffer.from(combined.toString(16).padStart(spec.width / 4, '0'), 'hex');
}
