/**
 * Rule-based incident categories (执法争议, 警察违纪, …) from a JSON rule file that deployments
 * can replace. Keywords match whole tokens, so 警惕 never counts as a police word; phrases match
 * substrings of the text, for multi-word expressions jieba splits (数百人, 安全账户).
 */
import { readFileSync } from 'node:fs';

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
  for (const [c, child] of phrases.next ?? []) phraseRoots[c] = child;
  const phrasesSpaceFree = !phrases.next?.has(32) && !hasSpaceBelow(phrases);
  return { categories, byToken, phrases, termCount, phraseRoots, phrasesSpaceFree, stamps: new Uint32Array(termCount),
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

/** Anything carrying a token's category term under the default rules (the analyzer's TokenInfo). */
export interface CategoryInfo {
  readonly cat: TermInfo | undefined;
}

/** The term of a token under the given rules (what categorizeOf reads from CategoryInfo.cat). */
export function categoryTerm(token: string, rules: CategoryRules = defaultCategoryRules()): TermInfo | undefined {
  return rules.byToken.get(token);
}

/** Categories whose rules match, best score first; ['其他'] when none does. Never throws on bad text. */
export function categorize(tokens: string[], text: string, rules: CategoryRules = defaultCategoryRules()): string[] {
  const toks = Array.isArray(tokens) ? tokens : [];
  const infos = toks.map((tok) => ({ cat: typeof tok === 'string' ? rules.byToken.get(tok) : undefined }));
  return categorizeOf(infos, [typeof text === 'string' ? text : ''], rules);
}

let epoch = 0;

/**
 * categorize over tokens already looked up (infos[i].cat = rules.byToken.get(tokens[i])) and the
 * text given in parts, read as parts.join(' ') — one string is never built for it.
 */
export function categorizeOf(infos: readonly CategoryInfo[], parts: readonly string[], rules: CategoryRules = defaultCategoryRules()): string[] {
  const n = rules.categories.length;
  // Reused scratch (categorize is synchronous): typed-array allocation costs more than the scan.
  const scores = rules.scratchScores;
  const context = rules.scratchContext;
  scores.fill(0);
  context.fill(0);
  // Each term counts once: repetition says little about the category and would let one word dominate.
  const stamps = rules.stamps;
  let mark = ++epoch;
  if (mark > 0xfffffff0) {
    stamps.fill(0);
    epoch = mark = 1;
  }
  for (let i = 0; i < infos.length; i++) {
    const t = (infos[i] as CategoryInfo).cat;
    if (t === undefined || stamps[t.id] === mark) continue;
    stamps[t.id] = mark;
    for (const [c, w] of t.hits) scores[c] = (scores[c] as number) + w;
    for (const c of t.context) context[c] = 1;
  }
  const roots = rules.phraseRoots;
  const texts = rules.phrasesSpaceFree ? parts : [parts.join(' ')];
  for (const body of texts) {
    for (let i = 0; i < body.length; i++) {
      let node = roots[body.charCodeAt(i)];
      for (let j = i + 1; node; j++) {
        const t = node.term;
        if (t !== undefined && stamps[t.id] !== mark) {
          stamps[t.id] = mark;
          for (const [c, w] of t.hits) scores[c] = (scores[c] as number) + w;
          for (const c of t.context) context[c] = 1;
        }
        node = j < body.length ? node.next?.get(body.charCodeAt(j)) : undefined;
      }
    }
  }
  let result: Array<[string, number, number]> | undefined;
  for (let c = 0; c < n; c++) {
    const cat = rules.categories[c];
    const score = scores[c] as number;
    if (!cat || score <= 0 || score < cat.threshold || (cat.needsContext && context[c] !== 1)) continue;
    (result ??= []).push([cat.name, score, c]);
  }
  if (result === undefined) return [OTHER_CATEGORY];
  // Ties keep file order, so deployments control precedence by ordering their rules.
  if (result.length > 1) result.sort((a, b) => b[1] - a[1] || a[2] - b[2]);
  return result.map((r) => r[0]);
}
