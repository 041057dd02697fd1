/**
 * MinHash over character 3-grams, for reposts that were edited on the way (a sentence cut, a
 * "转发请注明" added): SimHash within Hamming 3 misses those, a Jaccard similarity of 0.6 over
 * character shingles does not. 64 hash functions; LSH with 16 bands of 4 rows finds candidates
 * with Jaccard ≳ 0.5, which are then checked on the estimated similarity.
 */
export const MINHASH_SIZE = 64;
const BANDS = 16;
const ROWS = MINHASH_SIZE / BANDS;

// Fixed seeds: signatures must be the same in every process and every run.
const SEEDS = Uint32Array.from({ length: MINHASH_SIZE }, (_, i) => Math.imul(i + 1, 0x9e3779b1) >>> 0);

function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The MinHash signature of a text's character 3-grams (punctuation and spaces ignored). */
export function minhash(text: string): Uint32Array {
  const s = text.replace(/[\s\p{P}\p{S}]+/gu, '');
  const sig = new Uint32Array(MINHASH_SIZE).fill(0xffffffff);
  const seen = new Set<number>();
  for (let i = 0; i + 3 <= s.length || (i === 0 && s.length > 0); i++) {
    let h = 0x811c9dc5;
    const end = Math.min(s.length, i + 3);
    for (let j = i; j < end; j++) h = Math.imul(h ^ s.charCodeAt(j), 0x01000193);
    h >>>= 0;
    if (seen.has(h)) continue;
    seen.add(h);
    for (let k = 0; k < MINHASH_SIZE; k++) {
      const v = mix(h ^ SEEDS[k]!);
      if (v < sig[k]!) sig[k] = v;
    }
    if (s.length < 3) break;
  }
  return sig;
}

/** Estimated Jaccard similarity of two signatures. */
export function jaccard(a: Uint32Array, b: Uint32Array): number {
  let same = 0;
  for (let k = 0; k < MINHASH_SIZE; k++) if (a[k] === b[k]) same++;
  return same / MINHASH_SIZE;
}

/** The LSH band keys of a signature (band number mixed in, so bands never collide with each other). */
export function minhashBands(sig: Uint32Array): number[] {
  const keys: number[] = [];
  for (let b = 0; b < BANDS; b++) {
    let h = 0x811c9dc5 ^ b;
    for (let r = 0; r < ROWS; r++) h = Math.imul(h ^ sig[b * ROWS + r]!, 0x01000193);
    // 53-bit key: band in the high bits keeps different bands apart.
    keys.push(b * 0x100000000 + (h >>> 0));
  }
  return keys;
}
