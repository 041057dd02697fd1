/**
 * The token table: every distinct token the analyzer meets is interned once to a small integer
 * id, and everything the stages need to know about it is computed then and kept in parallel
 * arrays indexed by id (stop words, relevance tables, sentiment roles and polarity, risk words,
 * idf, category terms, simhash words). A text is then one Map lookup per token (string → id) and
 * typed-array reads: `bits[id]` (token-bits.ts) tells each stage whether the token matters to it
 * at all, so the ordinary token costs no pointer chase. The facts depend only on the token and
 * the shipped lexicons, loaded once per process, so an entry never goes stale.
 *
 * The table is bounded: once it holds CAPACITY ids it is emptied at the start of the next item
 * (beginItem), never during one, so ids are stable while an item is analysed (keywordsOf counts
 * on them). Frequent tokens come back within a few items; a stream of new names and numbers
 * costs at most CAPACITY entries plus one item's tokens (~ 8 MB).
 */
import { categoryTerm, type CategoryTable } from './categories';
import { keywordEligible, idfOf, type KeywordTable } from './keywords';
import { riskBits, riskFacts, type RiskFacts, type RiskTable } from './police-negative';
import { relevanceBits, relevanceFacts, type RelevanceFacts, type RelevanceTable } from './relevance';
import { isBlankToken, isContentToken } from './segment';
import { sentimentBits, sentimentFacts, type SentimentFacts, type SentimentTable } from './sentiment';
import { tokenHashHi, tokenHashLo, type SimhashTable } from './simhash';
import { B_BLANK, B_CAT, B_CONTENT, B_ELIGIBLE } from './token-bits';

type TermInfo = NonNullable<ReturnType<typeof categoryTerm>>;

const CAPACITY = 1 << 16;
const INITIAL = 1 << 12;

/** Interned tokens and their facts, indexed by id. */
export class TokenTable implements SentimentTable, RelevanceTable, RiskTable, KeywordTable, SimhashTable, CategoryTable {
  // Open addressing: slots[h & mask] = id + 1 (0: empty), linear probing; hashes[id] = h.
  private slots = new Int32Array(CAPACITY * 2);
  private mask = CAPACITY * 2 - 1;
  private hashes = new Int32Array(INITIAL);
  /** Ids in use. */
  size = 0;
  str: string[] = [];
  bits = new Uint32Array(INITIAL);
  idf = new Float64Array(INITIAL);
  polarity = new Float64Array(INITIAL);
  hashHi = new Int32Array(INITIAL);
  hashLo = new Int32Array(INITIAL);
  mark = new Uint32Array(INITIAL);
  count = new Uint32Array(INITIAL);
  kwEpoch = 0;
  // Object facts: the shared empty facts for most tokens (read only when bits say so).
  sent: SentimentFacts[] = [];
  rel: RelevanceFacts[] = [];
  risk: RiskFacts[] = [];
  cat: Array<TermInfo | undefined> = [];

  /** The id of a token, interning it (and computing its facts) when new. */
  id(token: string): number {
    // FNV-1a over the UTF-16 units with a final mix: tokens are a few chars, and a table of our
    // own (typed arrays) touches fewer cache lines per lookup than a Map of strings.
    let h = 0x811c9dc5;
    for (let i = 0; i < token.length; i++) h = Math.imul(h ^ token.charCodeAt(i), 0x01000193);
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d);
    h ^= h >>> 12;
    const slots = this.slots;
    const mask = this.mask;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const v = slots[slot] as number;
      if (v === 0) return this.add(token, h, slot);
      if (this.hashes[v - 1] === h && this.str[v - 1] === token) return v - 1;
    }
  }

  /** Empties the table when it is full; call only between items. */
  beginItem(): void {
    if (this.size < CAPACITY) return;
    this.slots.fill(0);
    this.size = 0;
    this.str = [];
    this.sent = [];
    this.rel = [];
    this.risk = [];
    this.cat = [];
    // One huge item may have grown the arrays far past the bound: give that memory back.
    if (this.bits.length > CAPACITY * 2) this.resize(CAPACITY);
    if (this.slots.length > CAPACITY * 2) this.rehash(CAPACITY * 2);
  }

  private add(token: string, h: number, slot: number): number {
    const id = this.size++;
    if (id === this.bits.length) this.resize(id * 2);
    this.slots[slot] = id + 1;
    this.hashes[id] = h;
    // Keep the load at most one half: one huge item may go far past CAPACITY.
    if (this.size * 2 > this.slots.length) this.rehash(this.slots.length * 2);
    this.str.push(token);
    let bits = 0;
    if (isBlankToken(token)) bits |= B_BLANK;
    const content = isContentToken(token);
    if (content) bits |= B_CONTENT;
    const s = sentimentFacts(token);
    this.sent.push(s);
    bits |= sentimentBits(s);
    this.polarity[id] = s.polarity;
    const r = relevanceFacts(token);
    this.rel.push(r);
    bits |= relevanceBits(r);
    const k = riskFacts(token);
    this.risk.push(k);
    bits |= riskBits(k, token);
    const eligible = keywordEligible(token, content);
    if (eligible) bits |= B_ELIGIBLE;
    this.idf[id] = eligible ? idfOf(token) : 0;
    this.hashHi[id] = tokenHashHi(token);
    this.hashLo[id] = tokenHashLo(token);
    const c = categoryTerm(token);
    this.cat.push(c);
    if (c !== undefined) bits |= B_CAT;
    this.bits[id] = bits;
    this.mark[id] = 0;
    this.count[id] = 0;
    return id;
  }

  private rehash(n: number): void {
    this.slots = new Int32Array(n);
    this.mask = n - 1;
    for (let id = 0; id < this.size; id++) {
      let slot = (this.hashes[id] as number) & this.mask;
      while (this.slots[slot] !== 0) slot = (slot + 1) & this.mask;
      this.slots[slot] = id + 1;
    }
  }

  private resize(n: number): void {
    const grow = <T extends Uint32Array | Int32Array | Float64Array>(a: T, make: (n: number) => T): T => {
      const b = make(n);
      b.set(a.length <= n ? a : (a.subarray(0, n) as T));
      return b;
    };
    this.bits = grow(this.bits, (m) => new Uint32Array(m));
    this.idf = grow(this.idf, (m) => new Float64Array(m));
    this.polarity = grow(this.polarity, (m) => new Float64Array(m));
    this.hashHi = grow(this.hashHi, (m) => new Int32Array(m));
    this.hashLo = grow(this.hashLo, (m) => new Int32Array(m));
    this.hashes = grow(this.hashes, (m) => new Int32Array(m));
    this.mark = grow(this.mark, (m) => new Uint32Array(m));
    this.count = grow(this.count, (m) => new Uint32Array(m));
  }
}

/** The process-wide token table of the analyzer. */
export const tokenTable = new TokenTable();

/** Ids held by the table (for tests and the benchmark). */
export function tokenTableSize(): number {
  return tokenTable.size;
}
