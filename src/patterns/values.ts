// Scalar values as the matcher compares them: numbers by value (300 equals 3.0e2), strings exactly,
// and the helpers for wildcards and CIDR blocks. Pure.

export type Scalar = string | number | boolean | null;

/** `*` matches any run of characters; `\*` is a literal star. */
export function wildcardRegex(pattern: string): RegExp {
  let source = '';
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index]!;
    if (char === '\\' && (pattern[index + 1] === '*' || pattern[index + 1] === '\\')) {
      source += `\\${pattern[++index]}`;
    } else if (char === '*') source += '.*';
    else source += char.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 's');
}

/** The literal text before the first unescaped `*` and after the last one. */
export function wildcardEnds(pattern: string): { head: string; tail: string; stars: number } {
  const parts: string[] = [];
  let current = '';
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index]!;
    if (char === '\\' && (pattern[index + 1] === '*' || pattern[index + 1] === '\\'))
      current += pattern[++index];
    else if (char === '*') {
      parts.push(current);
      current = '';
    } else current += char;
  }
  parts.push(current);
  return { head: parts[0]!, tail: parts.length > 1 ? parts.at(-1)! : '', stars: parts.length - 1 };
}

export interface CidrBlock {
  version: 4 | 6;
  bits: bigint;
  prefixLength: number;
}

function ipv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return undefined;
    value = (value << 8n) | BigInt(part);
  }
  return value;
}

function ipv6(text: string): bigint | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(text)) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (half: string) => (half === '' ? [] : half.split(':'));
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  const missing = 8 - head.length - tail.length;
  if ((halves.length === 1 && missing !== 0) || missing < 0) return undefined;
  let value = 0n;
  for (const group of [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail]) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return undefined;
    value = (value << 16n) | BigInt(Number.parseInt(group, 16));
  }
  return value;
}

export function parseAddress(text: string): { version: 4 | 6; bits: bigint } | undefined {
  const v4 = ipv4(text);
  if (v4 !== undefined) return { version: 4, bits: v4 };
  const v6 = ipv6(text);
  return v6 === undefined ? undefined : { version: 6, bits: v6 };
}

export function parseCidr(text: string): CidrBlock | undefined {
  const [address, length] = text.split('/');
  if (address === undefined || length === undefined || !/^\d{1,3}$/.test(length)) return undefined;
  const parsed = parseAddress(address);
  const prefixLength = Number(length);
  if (!parsed || prefixLength > (parsed.version === 4 ? 32 : 128)) return undefined;
  return { version: parsed.version, bits: parsed.bits, prefixLength };
}

export function inCidr(block: CidrBlock, value: string): boolean {
  const address = parseAddress(value);
  if (!address || address.version !== block.version) return false;
  const width = BigInt(block.version === 4 ? 32 : 128);
  const shift = width - BigInt(block.prefixLength);
  return address.bits >> shift === block.bits >> shift;
}
