/**
 * 64-bit SimHash for near-duplicate and repost detection.
 *
 * Each token is hashed twice with 32-bit FNV-1a (two offset bases) and a murmur3 finalizer,
 * giving 64 well-mixed bits with Math.imul only: BigInt in the per-token loop would cost more
 * than segmentation itself.
 */
import { B_CONTENT } from './token-bits';

const FNV_PRIME = 0x01000193;
const SEED_HI = 0x811c9dc5; // the standard FNV offset basis
const SEED_LO = 0x9747b28c; // a second, unrelated basis for the low word

function fnv1a(s: string, seed: number): number {
  let h = seed;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, FNV_PRIME);
  }
  // FNV alone mixes short inputs poorly in the high bits, and SimHash votes on every bit.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function hex8(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}

/** 64-bit SimHash (16 lowercase hex digits) of tokens (weight = count) or [token, weight] pairs. */
export function simhash(weightedTokens: Array<[string, number]> | string[]): string {
  const v = new Float64Array(64);
  let total = 0;
  if (Array.isArray(weightedTokens)) {
    for (const item of weightedTokens) {
      let token: unknown;
      let w: unknown;
      if (typeof item === 'string') {
        token = item;
        w = 1;
      } else if (Array.isArray(item)) {
        token = item[0];
        w = item[1];
      }
      if (typeof token !== 'string' || token.length === 0 || typeof w !== 'number' || !Number.isFinite(w)) continue;
      const hi = fnv1a(token, SEED_HI);
      const lo = fnv1a(token, SEED_LO);
      // Add w for set bits, subtract for clear ones; the total of -w is folded in once below.
      const w2 = 2 * w;
      for (let b = 0, h = hi, l = lo; b < 32; b++, h >>>= 1, l >>>= 1) {
        if (h & 1) v[31 - b] = (v[31 - b] as number) + w2;
        if (l & 1) v[63 - b] = (v[63 - b] as number) + w2;
        if ((h | l) === 0) break;
      }
      total += w;
    }
  }
  let hi = 0;
  let lo = 0;
  for (let b = 0; b < 32; b++) {
    // v holds 2·(sum of w over set bits); the SimHash sum is that minus the total weight.
    if ((v[b] ?? 0) - total > 0) hi |= 1 << (31 - b);
    if ((v[b + 32] ?? 0) - total > 0) lo |= 1 << (31 - b);
  }
  return hex8(hi) + hex8(lo);
}

/** The high 32-bit word simhash gives a token: cacheable per distinct token. */
export function tokenHashHi(token: string): number {
  return fnv1a(token, SEED_HI);
}

/** The low 32-bit word simhash gives a token. */
export function tokenHashLo(token: string): number {
  return fnv1a(token, SEED_LO);
}

/** Token facts as simhashOf reads them: token i is ids[i]; bits[id] has B_CONTENT for a content token, whose hash words are hashHi[id], hashLo[id]. */
export interface SimhashTable {
  readonly bits: Uint32Array;
  readonly hashHi: Int32Array;
  readonly hashLo: Int32Array;
}

// Bit-sliced counters: level k holds bit k of each of the 32 per-bit counts, so adding a token's
// word is a carry-save add of a few ops instead of a 32-step loop; 32 levels never overflow.
const hiLevels = new Int32Array(32);
const loLevels = new Int32Array(32);

function addWord(levels: Int32Array, x: number): number {
  let k = 0;
  for (; x !== 0; k++) {
    const l = levels[k] as number;
    levels[k] = l ^ x;
    x &= l;
  }
  return k;
}

/**
 * The 32-bit word whose bit b is set when counter b exceeds total / 2 (the SimHash vote with unit
 * weights: 2·count − total > 0), by a bit-sliced comparison of all 32 counters with
 * t = ⌊total / 2⌋ + 1 at once, most significant level first.
 */
function majority(levels: Int32Array, depth: number, total: number): number {
  const t = Math.floor(total / 2) + 1;
  const bits = 32 - Math.clz32(t);
  if (bits > depth) return 0; // no counter can reach t
  let gt = 0;
  let eq = -1;
  for (let k = depth - 1; k >= 0; k--) {
    const c = levels[k] as number;
    if ((t >>> k) & 1) eq &= c;
    else {
      gt |= eq & c;
      eq &= ~c;
    }
  }
  return (gt | eq) >>> 0;
}

// Two hex digits per byte value.
const HEX2: string[] = [];
for (let b = 0; b < 256; b++) HEX2.push(b.toString(16).padStart(2, '0'));

function hex16(hi: number, lo: number): string {
  return (
    (HEX2[hi >>> 24] as string) +
    (HEX2[(hi >>> 16) & 255] as string) +
    (HEX2[(hi >>> 8) & 255] as string) +
    (HEX2[hi & 255] as string) +
    (HEX2[lo >>> 24] as string) +
    (HEX2[(lo >>> 16) & 255] as string) +
    (HEX2[(lo >>> 8) & 255] as string) +
    (HEX2[lo & 255] as string)
  );
}

/** simhash() of the content tokens among ids[0, n), each with weight 1: equal to simhash(contentTokens(tokens)). */
export function simhashOf(tab: SimhashTable, ids: Int32Array, n: number): string {
  hiLevels.fill(0);
  loLevels.fill(0);
  let total = 0;
  let hiDepth = 0;
  let loDepth = 0;
  const bits = tab.bits;
  for (let i = 0; i < n; i++) {
    const id = ids[i] as number;
    if (((bits[id] as number) & B_CONTENT) === 0) continue;
    total++;
    hiDepth = Math.max(hiDepth, addWord(hiLevels, tab.hashHi[id] as number));
    loDepth = Math.max(loDepth, addWord(loLevels, tab.hashLo[id] as number));
  }
  return hex16(majority(hiLevels, hiDepth, total), majority(loLevels, loDepth, total));
}

const HEX64 = /^[0-9a-f]{16}$/i;

function popcount32(n: number): number {
  n = n - ((n >>> 1) & 0x55555555);
  n = (n & 0x33333333) + ((n >>> 2) & 0x33333333);
  return (Math.imul((n + (n >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

/** Hamming distance of two SimHash hex strings (64 when either is malformed). */
export function hamming(a: string, b: string): number {
  if (typeof a !== 'string' || typeof b !== 'string' || !HEX64.test(a) || !HEX64.test(b)) return 64;
  const x = Number.parseInt(a.slice(0, 8), 16) ^ Number.parseInt(b.slice(0, 8), 16);
  const y = Number.parseInt(a.slice(8), 16) ^ Number.parseInt(b.slice(8), 16);
  return popcount32(x) + popcount32(y);
}
