/**
 * Administrative divisions and jurisdiction places mentioned in a text.
 *
 * Output choice: `places` lists distinct full names in order of first mention, each resolved
 * mention preceded by its ancestors (天河 → 广东省, 广州市, 天河区), so the list can be read as
 * paths and filtered by province or city without another lookup. A name shared by several
 * divisions (朝阳区: Beijing and Changchun) is placed under a parent only when that parent is
 * mentioned too; otherwise it is listed alone. An ambiguous short form whose candidates have
 * different full names (海南: province or 海南州) resolves to the highest level, else is dropped.
 */
import { readFileSync } from 'node:fs';

/** One entry of a deployment's jurisdiction gazetteer (towns, stations, landmarks). */
export interface JurisdictionEntry {
  name: string;
  aliases?: string[];
  kind: 'district' | 'town' | 'station' | 'other';
}

/** Options of createPlaceMatcher. */
export interface PlaceMatcherOptions {
  jurisdiction?: JurisdictionEntry[];
}

/** What find() reports. */
export interface PlaceMatch {
  places: string[];
  jurisdictionHits: string[];
}

/** A matcher built once and reused for every text. */
export interface PlaceMatcher {
  /** Places in a normalized text; pass its tokens to stop short forms matching inside words (平安顺利 ≠ 安顺). */
  find(text: string, tokens?: string[]): PlaceMatch;
  /** find, with the tokens given as id ranges of a token table (read only when a short form needs them). */
  findRanges(text: string, tokens: TokenRanges): PlaceMatch;
}

/** Tokens as id ranges: str[ids[k]] for k in [0, to1), then for k in [from2, to2). */
export interface TokenRanges {
  readonly str: readonly string[];
  readonly ids: Int32Array;
  readonly to1: number;
  readonly from2: number;
  readonly to2: number;
}

type RawNode = [string, number, number, string];
interface Divisions {
  names: string[];
  parent: Int32Array;
  level: Uint8Array;
  shorts: string[];
}

const DIVISIONS = new URL('../data/places/divisions.json', import.meta.url);
let divisions: Divisions | undefined;

function loadDivisions(): Divisions {
  if (divisions) return divisions;
  const raw = JSON.parse(readFileSync(DIVISIONS, 'utf8')) as { nodes: RawNode[] };
  const n = raw.nodes.length;
  const d: Divisions = { names: new Array<string>(n), parent: new Int32Array(n), level: new Uint8Array(n), shorts: new Array<string>(n) };
  raw.nodes.forEach(([name, parent, level, short], i) => {
    d.names[i] = name;
    d.parent[i] = parent;
    d.level[i] = level;
    d.shorts[i] = short;
  });
  divisions = d;
  return d;
}

// An entry of the name index: a division node (>= 0) or a gazetteer entry (-1 - index).
interface Entry {
  ref: number;
  full: boolean;
}

// A char-code trie: walking it from each position costs one or two Map lookups on ordinary
// text, where substring probes per candidate length allocated a string each time.
interface TrieNode {
  next?: Map<number, TrieNode>;
  entries?: Entry[];
}

function addName(root: TrieNode, name: string, entry: Entry): void {
  if (name.length < 2) return;
  let node = root;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    node.next ??= new Map();
    let child = node.next.get(c);
    if (!child) node.next.set(c, (child = {}));
    node = child;
  }
  (node.entries ??= []).push(entry);
}

const PLACE_SUFFIX = new Set(['州', '市', '县', '区', '省', '盟', '旗']);

/**
 * Token spans in the text: spans[start] = end + 1 for each offset where a token starts (0: none).
 * Tokens are found in order from where the previous one ended; one not in the text is skipped.
 */
function tokenSpans(text: string, tokens: string[] | TokenRanges): Int32Array {
  // Scratch, cleared for this text (find is synchronous and computes spans once per call).
  if (spanScratch.length <= text.length) spanScratch = new Int32Array(Math.max(text.length + 1, spanScratch.length * 2));
  const spans = spanScratch;
  spans.fill(0, 0, text.length + 1);
  let pos = 0;
  if (Array.isArray(tokens)) {
    for (const t of tokens) pos = spanOf(text, t, pos, spans);
  } else {
    const { str, ids } = tokens;
    for (let k = 0; k < tokens.to1; k++) pos = spanOf(text, str[ids[k] as number] as string, pos, spans);
    for (let k = tokens.from2; k < tokens.to2; k++) pos = spanOf(text, str[ids[k] as number] as string, pos, spans);
  }
  return spans;
}

let spanScratch = new Int32Array(1024);

/** Records the span of token t, searched from pos; returns where the next search starts. */
function spanOf(text: string, t: string, pos: number, spans: Int32Array): number {
  if (typeof t !== 'string' || t.length === 0) return pos;
  // Tokens tile the text but for removed whitespace: startsWith is the usual, cheap case.
  const at = text.startsWith(t, pos) ? pos : text.indexOf(t, pos);
  if (at < 0) return pos;
  spans[at] = at + t.length + 1;
  return at + t.length;
}

/**
 * A short form is trusted only when it starts a token and the token is the name itself, a run of
 * tokens, the name plus a suffix (延边州), or a chain of names jieba joined (吉林长春: the rest
 * becomes a span of its own). So 大同小异 and 平安顺利 name no places.
 */
function shortFormFits(text: string, spans: Int32Array, start: number, end: number, isName: (s: string) => boolean): boolean {
  const te = (spans[start] ?? 0) - 1;
  if (te < 0) return false;
  if (te <= end) return true;
  if (te === end + 1 && PLACE_SUFFIX.has(text[end] as string)) return true;
  if (isName(text.slice(end, te))) {
    spans[end] = te + 1;
    return true;
  }
  return false;
}

function allFull(entries: readonly Entry[]): boolean {
  for (const e of entries) if (!e.full) return false;
  return true;
}

function allShortEntries(entries: readonly Entry[]): boolean {
  for (const e of entries) if (e.full) return false;
  return true;
}

// Scratch of the resolution: ancestor chains, built leaf first.
const chain: string[] = [];

const PAIR_BITS = 18;

/** A PAIR_BITS-bit hash of two UTF-16 units. */
function pairHash(c0: number, c1: number): number {
  return (Math.imul(c0, 0x9e3779b1) ^ Math.imul(c1 + 0x7f4a7c15, 0x85ebca77)) >>> (32 - PAIR_BITS);
}

// Scratch of find(): the name ends met while walking the trie from one position (reused, so the
// scan allocates nothing on text that names no place).
const endAt: number[] = [];
const endEntries: Entry[][] = [];

/** Builds a matcher over the shipped divisions plus an optional jurisdiction gazetteer. */
export function createPlaceMatcher(opts?: PlaceMatcherOptions): PlaceMatcher {
  const d = loadDivisions();
  const index: TrieNode = {};
  for (let i = 0; i < d.names.length; i++) {
    addName(index, d.names[i] as string, { ref: i, full: true });
    const s = d.shorts[i];
    if (s) addName(index, s, { ref: i, full: false });
  }
  const gazetteer = Array.isArray(opts?.jurisdiction) ? opts.jurisdiction : [];
  gazetteer.forEach((g, gi) => {
    if (!g || typeof g.name !== 'string') return;
    addName(index, g.name, { ref: -1 - gi, full: true });
    for (const a of Array.isArray(g.aliases) ? g.aliases : []) if (typeof a === 'string') addName(index, a, { ref: -1 - gi, full: false });
  });

  // Root level as a dense array indexed by UTF-16 unit: the hot path of find() is this lookup.
  const roots = new Array<TrieNode | undefined>(0x10000);
  // Bit set of the units that start a name: an 8 KB set stays in cache where the 64 K-entry array does not.
  const starts = new Uint32Array(0x10000 >>> 5);
  const pairs = new Uint32Array(1 << (PAIR_BITS - 5));
  for (const [c, child] of index.next ?? []) {
    roots[c] = child;
    starts[c >>> 5] = (starts[c >>> 5] as number) | (1 << (c & 31));
    // Every name has two units at least: a hashed bit set of the first two rejects most of the
    // chars that pass the first test (中, 新, 大 …) before a trie step (collisions only cost one).
    for (const c1 of child.next?.keys() ?? []) {
      const h = pairHash(c, c1);
      pairs[h >>> 5] = (pairs[h >>> 5] as number) | (1 << (h & 31));
    }
  }

  const isName = (name: string): boolean => {
    let node: TrieNode | undefined = index;
    for (let k = 0; k < name.length && node; k++) node = node.next?.get(name.charCodeAt(k));
    return node?.entries !== undefined;
  };

  const isAncestor = (anc: number, node: number): boolean => {
    for (let p = d.parent[node] ?? -1; p >= 0; p = d.parent[p] ?? -1) if (p === anc) return true;
    return false;
  };

  function find(text: string, tokens?: string[]): PlaceMatch {
    return scan(text, Array.isArray(tokens) ? tokens : undefined);
  }

  function scan(text: string, tokens: string[] | TokenRanges | undefined): PlaceMatch {
    const result: PlaceMatch = { places: [], jurisdictionHits: [] };
    if (typeof text !== 'string' || text.length === 0) return result;
    // Spans are computed on the first short-form hit only: most texts name no place at all.
    let spans: Int32Array | undefined;
    const haveTokens = tokens !== undefined;

    // 1. Leftmost-longest scan; a short form must sit on token boundaries when tokens are given.
    const mentions: Entry[][] = [];
    let gazSeen: Set<number> | undefined;
    for (let i = 0; i < text.length; ) {
      // Most chars start no name: one bit rejects them before any allocation.
      const c0 = text.charCodeAt(i);
      if (((starts[c0 >>> 5] as number) & (1 << (c0 & 31))) === 0) {
        i++;
        continue;
      }
      if (i + 1 >= text.length) break;
      const h = pairHash(c0, text.charCodeAt(i + 1));
      if (((pairs[h >>> 5] as number) & (1 << (h & 31))) === 0) {
        i++;
        continue;
      }
      let node: TrieNode | undefined = roots[c0];
      // Walk the trie and remember every name ending on the way; the longest usable one wins.
      let ends = 0;
      for (let j = i + 1; node; j++) {
        if (node.entries) {
          endAt[ends] = j;
          endEntries[ends] = node.entries;
          ends++;
        }
        node = j < text.length ? node.next?.get(text.charCodeAt(j)) : undefined;
      }
      let advanced = false;
      for (let k = ends - 1; k >= 0 && !advanced; k--) {
        const end = endAt[k] as number;
        const entries = endEntries[k] as Entry[];
        const onBounds = !haveTokens || allFull(entries) || shortFormFits(text, (spans ??= tokenSpans(text, tokens as string[] | TokenRanges)), i, end, isName);
        if (!onBounds && allShortEntries(entries)) continue;
        const divs: Entry[] = [];
        for (const e of entries) {
          if (!onBounds && !e.full) continue;
          if (e.ref >= 0) divs.push(e);
          else if (!(gazSeen ??= new Set()).has(e.ref)) {
            gazSeen.add(e.ref);
            const name = gazetteer[-1 - e.ref]?.name;
            // Two entries may share a canonical name; report it once, at its first mention.
            if (name && !result.jurisdictionHits.includes(name)) result.jurisdictionHits.push(name);
          }
        }
        if (divs.length > 0) mentions.push(divs);
        i = end;
        advanced = true;
      }
      if (!advanced) i++;
    }
    // 2. Resolve: unique candidates first; a short form prefers its highest level (吉林 = the province).
    // (Plain loops: this runs for a quarter of all texts, and closures here cost more than the scan.)
    if (mentions.length === 0) return result;
    const resolved: Array<number | undefined> = new Array<number | undefined>(mentions.length);
    const known: number[] = [];
    for (let mi = 0; mi < mentions.length; mi++) {
      const cands = mentions[mi] as Entry[];
      let allShort = true;
      for (const e of cands) if (e.full) allShort = false;
      let r: number | undefined;
      if (allShort) {
        let top = Infinity;
        for (const e of cands) top = Math.min(top, d.level[e.ref] ?? 3);
        let count = 0;
        for (const e of cands) {
          if (d.level[e.ref] === top) {
            count++;
            r = e.ref;
          }
        }
        if (count !== 1) r = undefined;
      } else if (cands.length === 1) r = (cands[0] as Entry).ref;
      resolved[mi] = r;
      if (r !== undefined) known.push(r);
    }
    // 3. Ambiguous names: keep the candidate whose ancestor is mentioned (长春 … 朝阳区).
    for (let mi = 0; mi < mentions.length; mi++) {
      if (resolved[mi] !== undefined) continue;
      let under = 0;
      let ref: number | undefined;
      for (const e of mentions[mi] as Entry[]) {
        let hit = false;
        for (const k of known) {
          if (isAncestor(k, e.ref)) {
            hit = true;
            break;
          }
        }
        if (hit) {
          under++;
          ref = e.ref;
        }
      }
      if (under === 1) resolved[mi] = ref;
    }

    const places = result.places;
    for (let mi = 0; mi < mentions.length; mi++) {
      const r = resolved[mi];
      if (r !== undefined) {
        // The chain from the root down to r, each name once in the whole list.
        const from = chain.length;
        for (let p = r; p >= 0; p = d.parent[p] ?? -1) chain.push(d.names[p] as string);
        for (let k = chain.length - 1; k >= from; k--) {
          const name = chain[k] as string;
          if (!places.includes(name)) places.push(name);
        }
        chain.length = from;
        continue;
      }
      // Unresolved: list the bare name only when every candidate has that same full name.
      const cands = mentions[mi] as Entry[];
      const name = d.names[(cands[0] as Entry).ref] as string;
      let same = true;
      for (const e of cands) if (d.names[e.ref] !== name) same = false;
      if (same && !places.includes(name)) places.push(name);
    }
    return result;
  }

  return { find, findRanges: scan };
}
