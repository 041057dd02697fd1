/**
 * A 64-bit SimHash over character 3-gram shingles, held as two 32-bit halves (no BigInt in the hot
 * path). Character shingles need no tokenizer, so the story index works on any text the same way.
 */

/** A 64-bit fingerprint as two unsigned 32-bit halves. */
export interface Fingerprint {
  hi: number;
  lo: number;
}

function fnv1a(s: string, seed: number): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** SimHash of a text's character 3-grams (whitespace and punctuation ignored). */
export function shingleSimhash(text: string): Fingerprint {
  const s = text.replace(/[\s\p{P}\p{S}]+/gu, '');
  const acc = new Int32Array(64);
  const n = Math.max(1, s.length - 2);
  for (let i = 0; i < n; i++) {
    const g = s.slice(i, i + 3);
    const a = fnv1a(g, 0x811c9dc5);
    const b = fnv1a(g, 0x9747b28c);
    for (let bit = 0; bit < 32; bit++) {
      acc[bit]! += (a >>> bit) & 1 ? 1 : -1;
      acc[bit + 32]! += (b >>> bit) & 1 ? 1 : -1;
    }
  }
  let lo = 0;
  let hi = 0;
  for (let bit = 0; bit < 32; bit++) {
    if (acc[bit]! > 0) lo |= 1 << bit;
    if (acc[bit + 32]! > 0) hi |= 1 << bit;
  }
  return { hi: hi >>> 0, lo: lo >>> 0 };
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** Hamming distance of two fingerprints. */
export function hamming(a: Fingerprint, b: Fingerprint): number {
  return popcount((a.hi ^ b.hi) >>> 0) + popcount((a.lo ^ b.lo) >>> 0);
}

/**
 * The four 16-bit bands of a fingerprint (LSH): two fingerprints within Hamming distance 3 share at
 * least one band exactly (pigeonhole), so looking up the bands finds every candidate.
 */
export function bands(f: Fingerprint): [number, number, number, number] {
  return [f.lo & 0xffff, (f.lo >>> 16) | 0x10000, (f.hi & 0xffff) | 0x20000, (f.hi >>> 16) | 0x30000];
}

/** 16 hex digits, for storage and output. */
export function fingerprintHex(f: Fingerprint): string {
  return f.hi.toString(16).padStart(8, '0') + f.lo.toString(16).padStart(8, '0');
}

/** Parses 16 hex digits back into a fingerprint. */
export function parseFingerprint(hex: string): Fingerprint {
  return { hi: parseInt(hex.slice(0, 8), 16) >>> 0, lo: parseInt(hex.slice(8, 16), 16) >>> 0 };
}
