/**
 * Finds the story an item belongs to: by explicit parent, by exact root text (a repost ends with
 * what it reposts), then by near-duplicate root (SimHash of character shingles, looked up through
 * four 16-bit LSH bands so no scan of every story is needed).
 */
import { bands, hamming, shingleSimhash, type Fingerprint } from './fingerprint';
import { jaccard, minhash, minhashBands } from './minhash';
import { rootCandidates, rootKey } from './repost';

/** The exact-root key of a root text (stored with stories so dormant roots can be restored). */
export function rootHash(root: string): number {
  return textHash(rootKey(root));
}

/** 53-bit hash of a string (two FNV-1a halves), used as the exact-root key. */
export function textHash(s: string): number {
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  return (a >>> 0) * 0x200000 + ((b >>> 0) & 0x1fffff);
}

export interface StoryRef {
  id: number;
  fingerprint: Fingerprint;
  rootLength: number;
  signature: Uint32Array | null;
}

export interface StoryMatch {
  /** The story found; with how = 'dormant' it was forgotten and must be revived under this id. */
  storyId: number | null;
  /** The root this item is about (for a new story: its text). */
  root: string;
  fingerprint: Fingerprint;
  how: 'parent' | 'exact' | 'near' | 'dormant' | 'new';
  /** The root's MinHash signature when it was computed (reused when the story is added). */
  signature?: Uint32Array;
}

/** Near-duplicate matching needs enough text for the shingles to mean something. */
const NEAR_MIN_CHARS = 20;

export class StoryIndex {
  private readonly exact = new Map<number, number>();
  // Postings hold a bare id while a band has one story (the usual case), an array beyond.
  private readonly lsh = new Map<number, number | number[]>();
  private readonly minhashLsh = new Map<number, number | number[]>();
  private readonly stories = new Map<number, StoryRef>();
  private readonly itemStory = new Map<string, { storyId: number; at: number }>();
  /** Roots of forgotten stories: the same text posted again months later is still the same story. */
  private readonly dormant = new Map<number, number>();

  constructor(
    private readonly maxHamming: number,
    private readonly minJaccard = 0.6,
    private readonly maxDormant = 1_000_000,
  ) {}

  /** The story of an item, or what a new story for it would hold. */
  match(item: { text: string; parentId?: string | null | undefined }): StoryMatch {
    const candidates = rootCandidates(item.text);
    const root = candidates[candidates.length - 1] ?? item.text.trim();
    if (item.parentId) {
      const parent = this.itemStory.get(item.parentId);
      if (parent && this.stories.has(parent.storyId)) {
        return { storyId: parent.storyId, root, fingerprint: this.stories.get(parent.storyId)!.fingerprint, how: 'parent' };
      }
    }
    for (const c of candidates) {
      const h = textHash(rootKey(c));
      const id = this.exact.get(h);
      if (id !== undefined && this.stories.has(id)) return { storyId: id, root: c, fingerprint: this.stories.get(id)!.fingerprint, how: 'exact' };
      const sleeping = this.dormant.get(h);
      if (sleeping !== undefined) return { storyId: sleeping, root: c, fingerprint: shingleSimhash(rootKey(c)), how: 'dormant' };
    }
    const key = rootKey(root);
    const fingerprint = shingleSimhash(key);
    if (key.length >= NEAR_MIN_CHARS) {
      let best: { id: number; d: number } | null = null;
      for (const band of bands(fingerprint)) {
        for (const id of ids(this.lsh.get(band))) {
          const s = this.stories.get(id);
          if (!s || s.rootLength < NEAR_MIN_CHARS) continue;
          const d = hamming(fingerprint, s.fingerprint);
          if (d <= this.maxHamming && (!best || d < best.d)) best = { id, d };
        }
      }
      if (best) return { storyId: best.id, root, fingerprint, how: 'near' };
      // Edited reposts: Jaccard of character 3-grams, candidates from the MinHash bands.
      const signature = minhash(key);
      let bestJ: { id: number; j: number } | null = null;
      for (const band of minhashBands(signature)) {
        for (const id of ids(this.minhashLsh.get(band))) {
          const s = this.stories.get(id);
          if (!s?.signature) continue;
          const j = jaccard(signature, s.signature);
          if (j >= this.minJaccard && (!bestJ || j > bestJ.j)) bestJ = { id, j };
        }
      }
      if (bestJ) return { storyId: bestJ.id, root, fingerprint, how: 'near', signature };
      return { storyId: null, root, fingerprint, how: 'new', signature };
    }
    return { storyId: null, root, fingerprint, how: 'new' };
  }

  /** Registers a story under its root (and, for near matches, the new root text as well). */
  addStory(id: number, root: string, fingerprint: Fingerprint, signature?: Uint32Array): void {
    const key = rootKey(root);
    this.dormant.delete(textHash(key));
    const sig = key.length >= NEAR_MIN_CHARS ? (signature ?? minhash(key)) : null;
    this.stories.set(id, { id, fingerprint, rootLength: key.length, signature: sig });
    if (sig) for (const band of minhashBands(sig)) addTo(this.minhashLsh, band, id);
    this.exact.set(textHash(key), id);
    for (const band of bands(fingerprint)) addTo(this.lsh, band, id);
  }

  /** Makes another root text find this story exactly (a near-duplicate we matched). */
  addAlias(id: number, root: string): void {
    this.exact.set(textHash(rootKey(root)), id);
  }

  /** Registers the root of a forgotten story (restoring state): a re-post finds it again. */
  addDormant(rootHash: number, storyId: number): void {
    this.dormant.set(rootHash, storyId);
  }

  /** Remembers which story an item went to (for later items naming it as parent). */
  linkItem(itemId: string, storyId: number, at: number): void {
    this.itemStory.set(itemId, { storyId, at });
  }

  /** The story an item was assigned to, if still indexed. */
  storyOfItem(itemId: string): number | undefined {
    return this.itemStory.get(itemId)?.storyId;
  }

  /**
   * Forgets stories (and item links older than `before`), e.g. of topics closed long ago. Their
   * exact roots stay as dormant keys so a re-post of the same text finds its old story id.
   */
  forget(storyIds: Set<number>, before: number): void {
    if (storyIds.size === 0) return;
    for (const id of storyIds) {
      const s = this.stories.get(id);
      if (!s) continue;
      this.stories.delete(id);
      for (const band of bands(s.fingerprint)) removeFrom(this.lsh, band, id);
      if (s.signature) for (const band of minhashBands(s.signature)) removeFrom(this.minhashLsh, band, id);
    }
    for (const [k, v] of this.exact) {
      if (!storyIds.has(v)) continue;
      this.exact.delete(k);
      this.dormant.set(k, v);
    }
    // Bounded: the oldest dormant roots go first (a Map iterates in insertion order).
    for (const k of this.dormant.keys()) {
      if (this.dormant.size <= this.maxDormant) break;
      this.dormant.delete(k);
    }
    for (const [k, v] of this.itemStory) if (storyIds.has(v.storyId) || v.at < before) this.itemStory.delete(k);
  }

  /** Number of stories indexed. */
  get size(): number {
    return this.stories.size;
  }
}

const NONE: number[] = [];

function ids(v: number | number[] | undefined): number[] {
  return v === undefined ? NONE : typeof v === 'number' ? [v] : v;
}

function addTo(index: Map<number, number | number[]>, key: number, id: number): void {
  const v = index.get(key);
  if (v === undefined) index.set(key, id);
  else if (typeof v === 'number') index.set(key, [v, id]);
  else v.push(id);
}

function removeFrom(index: Map<number, number | number[]>, key: number, id: number): void {
  const v = index.get(key);
  if (v === undefined) return;
  if (typeof v === 'number') {
    if (v === id) index.delete(key);
    return;
  }
  const kept = v.filter((x) => x !== id);
  if (kept.length === 0) index.delete(key);
  else index.set(key, kept.length === 1 ? kept[0]! : kept);
}
