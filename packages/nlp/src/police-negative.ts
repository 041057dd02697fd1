/**
 * 涉警负面 (police-negative opinion risk), per data/police/GUIDELINE.md: a police-related item that
 * casts police in a negative light or signals a police-related opinion risk. Pure; never throws.
 *
 * Combines three signals:
 * - relevance (relevance.ts): nothing is police-negative unless police-related;
 * - risk (data/lexicons/domain/risk.tsv): misconduct, inaction, unfair enforcement, wrongful
 *   arrest, deaths in custody, clashes, assaults on police, rumours, distrust — summed weights;
 * - negativity (sentiment.ts): how negative the text reads, counted in full for opinion-like texts
 *   (comments with 你们/？/！/难道 …) and at half for reports, whose negative words are usually
 *   about the crime rather than the police (a report of a solved murder is not a police risk).
 * evidence = risk + 3 × negativity × (opinion ? 1 : 0.5); score = (1 − e^(−evidence/2)) × (0.7 + 0.3 × relevance);
 * police-negative when score ≥ NEGATIVE_THRESHOLD.
 */
import { readLexiconLines } from './lexicon-files';
import type { RelevanceResult } from './relevance';
import type { SentimentResult } from './sentiment';
import type { StanceResult } from './stance';
import { B_NEGATOR, B_OPINION, B_RISK, B_ROUTINE } from './token-bits';

/** Result of the police-negative scorer. */
export interface PoliceNegativeResult {
  negative: boolean;
  /** In [0, 1). */
  score: number;
  /** Risk kinds found (violence, corruption, inaction …), without repeats. */
  kinds: string[];
}

/** Score at or above which a police-related item is police-negative. */
export const NEGATIVE_THRESHOLD = 0.5;

interface RiskLexicon {
  words: Map<string, { kind: string; weight: number }>;
  prefixes: Set<string>;
}

let cached: RiskLexicon | null = null;

/** Loads (once) the risk lexicon. */
export function riskLexicon(): RiskLexicon {
  if (cached) return cached;
  const words = new Map<string, { kind: string; weight: number }>();
  for (const [kind, word, w] of readLexiconLines('domain/risk.tsv')) {
    if (!kind || !word) continue;
    const weight = Number(w);
    words.set(word, { kind, weight: Number.isFinite(weight) ? weight : 1 });
  }
  const prefixes = new Set<string>();
  for (const w of words.keys()) for (let i = 1; i < w.length; i++) prefixes.add(w.slice(0, i));
  cached = { words, prefixes };
  return cached;
}

// Marks of a comment (someone speaking) rather than a report.
const OPINION_MARKS = new Set(['你们', '你', '我', '我们', '?', '？', '!', '！', '难道', '吗', '吧', '呢', '啊', '居然', '竟然', '真是', '简直', '还是', '到底', '凭什么', '希望', '觉得', '感觉', '估计']);
const NEGATED_RISK = new Set(['没有', '没', '并未', '未', '不是', '并非', '排除']);

// A misconduct word describes the police when it is close to a police mention: in "特警将嫌犯打伤"
// or "民警抢走手机" it is; in a long report of a crime that police later solved, it is the
// criminal's act. Within a clause or two (≈ 10 tokens), or anywhere in a very short text.
const NEAR = 10;

/** True when token i lies within NEAR tokens of a police mention (or the text is very short). */
function near(i: number, positions: readonly number[], n: number): boolean {
  if (n <= 2 * NEAR || positions.length === 0) return true;
  for (const p of positions) if (Math.abs(p - i) <= NEAR) return true;
  return false;
}

/** What the risk scorer needs to know about one token, independent of its neighbours. */
export interface RiskFacts {
  /** The risk entry of the token itself. */
  readonly hit: { kind: string; weight: number } | undefined;
  /** True when the token starts a longer risk entry (joined with the next tokens). */
  readonly prefix: boolean;
  /** A denial before a risk word (没有, 并未 …). */
  readonly negator: boolean;
  /** A mark of a comment (你们, ？ …). */
  readonly opinion: boolean;
}

/**
 * Token facts as the risk scorer reads them: token i is ids[i]; bits[id] has B_RISK (a risk word
 * or the start of one: risk[id] says which), B_NEGATOR, B_OPINION and B_ROUTINE.
 */
export interface RiskTable {
  readonly bits: Uint32Array;
  readonly str: readonly string[];
  readonly risk: readonly RiskFacts[];
}

const NO_FACTS: RiskFacts = { hit: undefined, prefix: false, negator: false, opinion: false };

/** The risk facts of one token. */
export function riskFacts(t: string): RiskFacts {
  const lex = riskLexicon();
  const hit = lex.words.get(t);
  const prefix = lex.prefixes.has(t);
  const negator = NEGATED_RISK.has(t);
  const opinion = OPINION_MARKS.has(t);
  return hit === undefined && !prefix && !negator && !opinion ? NO_FACTS : { hit, prefix, negator, opinion };
}

/** The token-table bits of a token's risk facts (and B_ROUTINE for a routine-work word). */
export function riskBits(f: RiskFacts, t: string): number {
  let b = 0;
  if (f.hit !== undefined || f.prefix) b |= B_RISK;
  if (f.negator) b |= B_NEGATOR;
  if (f.opinion) b |= B_OPINION;
  if (routineLexicon().has(t)) b |= B_ROUTINE;
  return b;
}

/** A table of the given tokens (token i has id i), for the public functions. */
function tableOf(tokens: readonly string[]): { tab: RiskTable; ids: Int32Array } {
  const n = tokens.length;
  const risk = tokens.map((t) => riskFacts(t));
  const bits = new Uint32Array(n);
  const ids = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    bits[i] = riskBits(risk[i] as RiskFacts, tokens[i] as string);
    ids[i] = i;
  }
  return { tab: { bits, str: tokens, risk }, ids };
}

/**
 * Sum of risk weights in the tokens (phrases up to 3 tokens), and the kinds seen. In long texts a
 * risk word far from every police mention counts half: it is likely about someone else.
 */
export function riskOf(tokens: readonly string[], policePositions: readonly number[] = []): { risk: number; kinds: string[] } {
  const { tab, ids } = tableOf(tokens);
  return riskOfIds(tab, ids, tokens.length, policePositions);
}

/** riskOf over the n tokens ids[0, n) of a token table. */
export function riskOfIds(tab: RiskTable, ids: Int32Array, n: number, policePositions: readonly number[]): { risk: number; kinds: string[] } {
  const lex = riskLexicon();
  const bits = tab.bits;
  let risk = 0;
  const kinds: string[] = [];
  for (let i = 0; i < n; i++) {
    if (((bits[ids[i] as number] as number) & B_RISK) === 0) continue;
    const f = tab.risk[ids[i] as number] as RiskFacts;
    let hit = f.hit;
    let used = 1;
    if (f.prefix) {
      let joined = tab.str[ids[i] as number] as string;
      for (let k = 1; k <= 2 && i + k < n; k++) {
        joined += tab.str[ids[i + k] as number] as string;
        const h = lex.words.get(joined);
        if (h) {
          hit = h;
          used = k + 1;
        }
        if (!lex.prefixes.has(joined)) break;
      }
    }
    if (!hit) continue;
    // "并未发现暴力执法", "排除他杀": a denied risk is a small one.
    const denied = (i > 0 && (bits[ids[i - 1] as number] as number) & B_NEGATOR) || (i > 1 && (bits[ids[i - 2] as number] as number) & B_NEGATOR);
    const w = denied ? hit.weight * 0.3 : hit.weight;
    risk += near(i, policePositions, n) ? w : w * 0.3;
    if (!kinds.includes(hit.kind)) kinds.push(hit.kind);
    i += used - 1;
  }
  return { risk, kinds };
}

/** True when the tokens read like someone's comment rather than a news report. */
export function isOpinion(tokens: readonly string[]): boolean {
  const { tab, ids } = tableOf(tokens);
  return isOpinionIds(tab, ids, tokens.length);
}

/** isOpinion over the n tokens ids[0, n) of a token table. */
export function isOpinionIds(tab: RiskTable, ids: Int32Array, n: number): boolean {
  let marks = 0;
  for (let i = 0; i < n; i++) if ((tab.bits[ids[i] as number] as number) & B_OPINION && ++marks >= 2) return true;
  return false;
}

let routineWords: Set<string> | null = null;

/** Words of routine police work (data/lexicons/domain/routine.txt), loaded once. */
export function routineLexicon(): Set<string> {
  routineWords ??= new Set(readLexiconLines('domain/routine.txt').map(([w]) => w ?? '').filter(Boolean));
  return routineWords;
}

/** True when the text shows police doing routine work (arrests, rescues, advisories …). */
export function routinePoliceWork(tokens: readonly string[]): boolean {
  const routine = routineLexicon();
  for (const t of tokens) if (routine.has(t)) return true;
  return false;
}

function routineIds(tab: RiskTable, ids: Int32Array, n: number): boolean {
  for (let i = 0; i < n; i++) if ((tab.bits[ids[i] as number] as number) & B_ROUTINE) return true;
  return false;
}

/** Police-negative judgement from relevance, sentiment and the (already computed) tokens. */
export function policeNegative(relevance: RelevanceResult, sentiment: SentimentResult, tokens: readonly string[]): PoliceNegativeResult {
  if (!relevance.related) return { negative: false, score: 0, kinds: [] };
  const { tab, ids } = tableOf(tokens);
  return policeNegativeOf(relevance, sentiment.score, tab, ids, tokens.length);
}

/** policeNegative of a related item over the n tokens ids[0, n) of a token table (relevance positions index ids), with the text's stance cues. */
export function policeNegativeOf(relevance: RelevanceResult, sentimentScore: number, tab: RiskTable, ids: Int32Array, n: number, stance: StanceResult = NO_STANCE): PoliceNegativeResult {
  if (!relevance.related) return { negative: false, score: 0, kinds: [] };
  const found = riskOfIds(tab, ids, n, relevance.positions);
  const { kinds } = found;
  // Rumour words alone (网传, 爆料, 疑似) say a claim is unverified, not that police did wrong: they
  // weigh in full only next to another kind of risk.
  const risk = kinds.length === 1 && kinds[0] === 'rumour' ? found.risk * 0.4 : found.risk;
  const negativity = Math.max(0, -sentimentScore);
  // Police at routine work with no misconduct word: the negative words describe the crime or the
  // accident they are handling (a solved murder, a rescue, a warning about scams), not the police.
  // The same when the writer defends the police: the anger is at someone else.
  const defended = stance.defence > stance.against && risk < 2;
  const aboutTheEvent = (risk < 1 && stance.against < 1 && routineIds(tab, ids, n)) || defended ? 0.25 : 1;
  const evidence = Math.max(0, risk + 3 * negativity * (isOpinionIds(tab, ids, n) ? 1 : 0.5) * aboutTheEvent + stance.against - stance.defence);
  // Relevance past the threshold only nudges: one clear mention of police is enough.
  const score = (1 - Math.exp(-evidence / 2)) * (0.7 + 0.3 * relevance.score);
  const all = stance.cues.length ? [...stance.cues, ...kinds.filter((k) => !stance.cues.includes(k))] : kinds;
  return { negative: score >= NEGATIVE_THRESHOLD, score, kinds: all };
}

const NO_STANCE: StanceResult = { against: 0, defence: 0, cues: [] };
