/**
 * Rule-based incident categories (执法争议, 警察违纪, …) from a JSON rule file that deployments
 * can replace. Keywords match whole tokens, so 警惕 never counts as a police word; phrases match
 * substrings of the text, for multi-word expressions jieba splits (数百人, 安全账户).
 */
import { readFileSync } from 'node:fs';
import { B_CAT } from './token-bits';

/** The fallback category when no rule reaches its threshold. */
export const OTHER_CATEGORY = '其他';

/** One category as written in the JSON file. */
export interface CategoryRuleSpec {
  name: string;
  /** Minimum summed weight (default: the file's threshold, else 3). */
  threshold?: number;
  /** Whole-token keywords and their weights. */
  keywords?: Record<string, number>;
  /** Substrings of the text and their weights. */
  phrases?: Record<string, number>;
  /** At least one of these tokens must occur; '@name' refers to a list in the file's sets. */
  requireAny?: string[];
}

/** The JSON rule file. */
export interface CategoryRulesSpec {
  version?: number;
  threshold?: number;
  sets?: Record<string, string[]>;
  categories: CategoryRuleSpec[];
}

interface CompiledCategory {
  name: string;
  threshold: number;
  needsContext: boolean;
}

/** What one token or phrase contributes: weights to categories and the context they require. */
interface TermInfo {
  id: number;
  hits: Array<[category: number, weight: number]>;
  context: number[]; // categories whose requireAny lists this token
}

interface PhraseNode {
  next?: Map<number, PhraseNode>;
  term?: TermInfo;
}

/** Compiled rules: build once with loadCategoryRules, reuse for every text. */
export interface CategoryRules {
  readonly categories: readonly CompiledCategory[];
  /** token → contribution, so a text is scanned once whatever the number of rules. */
  readonly byToken: ReadonlyMap<string, TermInfo>;
  /** A char-code trie of the phrases, walked once over the text. */
  readonly phrases: PhraseNode;
  readonly termCount: number;
  /** Root level of the phrase trie as a dense array indexed by UTF-16 unit (the scan's hot lookup). */
  readonly phraseRoots: ReadonlyArray<PhraseNode | undefined>;
  /** Bit set of the UTF-16 units that start a phrase (bit c & 31 of word c >>> 5). */
  readonly phraseStarts: Uint32Array;
  /** True when no phrase contains a space, so texts joined by a space can be scanned one by one. */
  readonly phrasesSpaceFree: boolean;
  /** Scratch: the call that last counted each term (each term counts once per text). */
  readonly stamps: Uint32Array;
  /** Scratch: per-category scores and context flags of the current call. */
  readonly scratchScores: Float64Array;
  readonly scratchContext: Uint8Array;
}

const DEFAULT_FILE = new URL('../data/dict/categories.json', import.meta.url);
const DEFAULT_THRESHOLD = 3;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function weights(v: unknown, where: string, problems: string[]): Array<[string, number]> {
  if (v === undefined) return [];
  if (!isRecord(v)) {
    problems.push(`${where} must be an object of word → weight`);
    return [];
  }
  const out: Array<[string, number]> = [];
  for (const [w, n] of Object.entries(v)) {
    if (w.length === 0 || typeof n !== 'number' || !Number.isFinite(n)) problems.push(`${where}.${w} must be a finite number`);
    else out.push([w, n]);
  }
  return out;
}

/** Validates and compiles a rule file (JSON text or parsed object); throws TypeError listing every problem. */
export function loadCategoryRules(json: string | unknown): CategoryRules {
  const spec: unknown = typeof json === 'string' ? JSON.parse(json) : json;
  const problems: string[] = [];
  if (!isRecord(spec) || !Array.isArray(spec.categories)) throw new TypeError('category rules: expected { categories: [...] }');
  const fileThreshold = typeof spec.threshold === 'number' ? spec.threshold : DEFAULT_THRESHOLD;
  const sets = isRecord(spec.sets) ? spec.sets : {};
  const categories: CompiledCategory[] = [];
  const byToken = new Map<string, TermInfo>();
  const phrases: PhraseNode = {};
  let termCount = 0;
  const tokenTerm = (w: string): TermInfo => {
    let t = byToken.get(w);
    if (!t) byToken.set(w, (t = { id: termCount++, hits: [], context: [] }));
    return t;
  };
  const phraseTerm = (w: string): TermInfo => {
    let node = phrases;
    for (let i = 0; i < w.length; i++) {
      const c = w.charCodeAt(i);
      node.next ??= new Map();
      let child = node.next.get(c);
      if (!child) node.next.set(c, (child = {}));
      node = child;
    }
    node.term ??= { id: termCount++, hits: [], context: [] };
    return node.term;
  };
  spec.categories.forEach((raw: unknown, i: number) => {
    const where = `categories[${i}]`;
    if (!isRecord(raw) || typeof raw.name !== 'string' || raw.name.length === 0) {
      problems.push(`${where}.name must be a non-empty string`);
      return;
    }
    const index = categories.length;
    let needsContext = false;
    if (raw.requireAny !== undefined) {
      if (!Array.isArray(raw.requireAny)) problems.push(`${where}.requireAny must be an array`);
      else {
        needsContext = true;
        const words = new Set<string>();
        for (const r of raw.requireAny) {
          if (typeof r !== 'string') continue;
          if (r.startsWith('@')) {
            const set = sets[r.slice(1)];
            if (!Array.isArray(set)) problems.push(`${where}.requireAny: unknown set ${r}`);
            else for (const w of set) if (typeof w === 'string') words.add(w);
          } else words.add(r);
        }
        for (const w of words) tokenTerm(w).context.push(index);
      }
    }
    for (const [w, n] of weights(raw.keywords, `${where}.keywords`, problems)) tokenTerm(w).hits.push([index, n]);
    for (const [w, n] of weights(raw.phrases, `${where}.phrases`, problems)) phraseTerm(w).hits.push([index, n]);
    categories.push({
      name: raw.name,
      threshold: typeof raw.threshold === 'number' ? raw.threshold : fileThreshold,
      needsContext,
    });
  });
  if (problems.length > 0) throw new TypeError(`category rules: ${problems.join('; ')}`);
  const phraseRoots = new Array<PhraseNode | undefined>(0x10000);
  const phraseStarts = new Uint32Array(0x10000 >>> 5);
  for (const [c, child] of phrases.next ?? []) {
    phraseRoots[c] = child;
    phraseStarts[c >>> 5] = (phraseStarts[c >>> 5] as number) | (1 << (c & 31));
  }
  const phrasesSpaceFree = !phrases.next?.has(32) && !hasSpaceBelow(phrases);
  return { categories, byToken, phrases, termCount, phraseRoots, phraseStarts, phrasesSpaceFree, stamps: new Uint32Array(termCount),
    scratchScores: new Float64Array(categories.length),
    scratchContext: new Uint8Array(categories.length),
  };
}

function hasSpaceBelow(node: PhraseNode): boolean {
  for (const [c, child] of node.next ?? []) if (c === 32 || hasSpaceBelow(child)) return true;
  return false;
}

let defaults: CategoryRules | undefined;

/** The shipped rules (data/dict/categories.json), loaded once. */
export function defaultCategoryRules(): CategoryRules {
  defaults ??= loadCategoryRules(readFileSync(DEFAULT_FILE, 'utf8'));
  return defaults;
}

/** Token facts as categorizeOf reads them: token i is ids[i]; bits[id] has B_CAT when cat[id] is its term under the default rules. */
export interface CategoryTable {
  readonly bits: Uint32Array;
  readonly cat: ReadonlyArray<TermInfo | undefined>;
}

/** The term of a token under the given rules (what categorizeOf reads from CategoryTable.cat). */
export function categoryTerm(token: string, rules: CategoryRules = defaultCategoryRules()): TermInfo | undefined {
  return rules.byToken.get(token);
}

let epoch = 0;

/** Starts a call: a fresh mark for the terms counted, scores and context cleared. */
function begin(rules: CategoryRules): number {
  rules.scratchScores.fill(0);
  rules.scratchContext.fill(0);
  let mark = ++epoch;
  if (mark > 0xfffffff0) {
    rules.stamps.fill(0);
    epoch = mark = 1;
  }
  return mark;
}

/** Counts a term once per call: repetition says little about the category and would let one word dominate. */
function count(t: TermInfo, rules: CategoryRules, mark: number): void {
  if (rules.stamps[t.id] === mark) return;
  rules.stamps[t.id] = mark;
  const scores = rules.scratchScores;
  for (const [c, w] of t.hits) scores[c] = (scores[c] as number) + w;
  for (const c of t.context) rules.scratchContext[c] = 1;
}

/** Categories whose rules match, best score first; ['其他'] when none does. Never throws on bad text. */
export function categorize(tokens: string[], text: string, rules: CategoryRules = defaultCategoryRules()): string[] {
  const toks = Array.isArray(tokens) ? tokens : [];
  const mark = begin(rules);
  for (const tok of toks) {
    const t = typeof tok === 'string' ? rules.byToken.get(tok) : undefined;
    if (t !== undefined) count(t, rules, mark);
  }
  return finish(typeof text === 'string' ? text : '', null, rules, mark);
}

/**
 * categorize under the default rules over the n tokens ids[0, n) of a token table and the text
 * `${title} ${body}` — that string is only built when a phrase contains a space.
 */
export function categorizeOf(tab: CategoryTable, ids: Int32Array, n: number, title: string, body: string): string[] {
  const rules = defaultCategoryRules();
  const mark = begin(rules);
  const bits = tab.bits;
  for (let i = 0; i < n; i++) {
    const id = ids[i] as number;
    if ((bits[id] as number) & B_CAT) count(tab.cat[id] as TermInfo, rules, mark);
  }
  return finish(title, body, rules, mark);
}

/** Adds the phrases found in the text (a, or a + ' ' + b) and ranks the categories. */
function finish(a: string, b: string | null, rules: CategoryRules, mark: number): string[] {
  const n = rules.categories.length;
  const scores = rules.scratchScores;
  const context = rules.scratchContext;
  if (b === null) scanPhrases(a, rules, mark);
  else if (rules.phrasesSpaceFree) {
    scanPhrases(a, rules, mark);
    scanPhrases(b, rules, mark);
  } else scanPhrases(`${a} ${b}`, rules, mark);
  let result: Array<[string, number, number]> | undefined;
  for (let c = 0; c < n; c++) {
    const cat = rules.categories[c];
    const score = scores[c] as number;
    if (!cat || score <= 0 || score < cat.threshold || (cat.needsContext && context[c] !== 1)) continue;
    (result ??= []).push([cat.name, score, c]);
  }
  if (result === undefined) return [OTHER_CATEGORY];
  // Ties keep file order, so deployments control precedence by ordering their rules.
  if (result.length > 1) result.sort(byScore);
  const names: string[] = [];
  for (const r of result) names.push(r[0]);
  return names;
}

function byScore(a: [string, number, number], b: [string, number, number]): number {
  return b[1] - a[1] || a[2] - b[2];
}

function scanPhrases(body: string, rules: CategoryRules, mark: number): void {
  const roots = rules.phraseRoots;
  const starts = rules.phraseStarts;
  for (let i = 0; i < body.length; i++) {
    const c0 = body.charCodeAt(i);
    // Most chars start no phrase: one bit of an 8 KB set (it stays in cache) rejects them.
    if (((starts[c0 >>> 5] as number) & (1 << (c0 & 31))) === 0) continue;
    let node = roots[c0];
    for (let j = i + 1; node; j++) {
      const t = node.term;
      if (t !== undefined) count(t, rules, mark);
      node = j < body.length ? node.next?.get(body.charCodeAt(j)) : undefined;
    }
  }
}
