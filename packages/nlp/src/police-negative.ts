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

/** Anything carrying risk facts (the analyzer's TokenInfo, or a bare wrapper). */
export interface RiskInfo {
  readonly risk: RiskFacts;
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

function riskInfos(tokens: readonly string[]): RiskInfo[] {
  return tokens.map((t) => ({ risk: riskFacts(t) }));
}

/**
 * Sum of risk weights in the tokens (phrases up to 3 tokens), and the kinds seen. In long texts a
 * risk word far from every police mention counts half: it is likely about someone else.
 */
export function riskOf(tokens: readonly string[], policePositions: readonly number[] = [], infos: readonly RiskInfo[] = riskInfos(tokens)): { risk: number; kinds: string[] } {
  const lex = riskLexicon();
  let risk = 0;
  const kinds: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const f = (infos[i] as RiskInfo).risk;
    if (f.hit === undefined && !f.prefix) continue;
    let hit = f.hit;
    let used = 1;
    if (f.prefix) {
      let joined = tokens[i] as string;
      for (let k = 1; k <= 2 && i + k < tokens.length; k++) {
        joined += tokens[i + k] as string;
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
    const denied = (i > 0 && (infos[i - 1] as RiskInfo).risk.negator) || (i > 1 && (infos[i - 2] as RiskInfo).risk.negator);
    const w = denied ? hit.weight * 0.3 : hit.weight;
    risk += near(i, policePositions, tokens.length) ? w : w * 0.3;
    if (!kinds.includes(hit.kind)) kinds.push(hit.kind);
    i += used - 1;
  }
  return { risk, kinds };
}

/** True when the tokens read like someone's comment rather than a news report. */
export function isOpinion(tokens: readonly string[], infos: readonly RiskInfo[] = riskInfos(tokens)): boolean {
  let marks = 0;
  for (let i = 0; i < tokens.length; i++) if ((infos[i] as RiskInfo).risk.opinion && ++marks >= 2) return true;
  return false;
}

/** Police-negative judgement from relevance, sentiment and the (already computed) tokens; infos when the caller looked them up already. */
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

/** Police-negative judgement from relevance, sentiment and the (already computed) tokens. */
export function policeNegative(relevance: RelevanceResult, sentiment: SentimentResult, tokens: readonly string[], infos?: readonly RiskInfo[]): PoliceNegativeResult {
  if (!relevance.related) return { negative: false, score: 0, kinds: [] };
  const looked = infos ?? riskInfos(tokens);
  const found = riskOf(tokens, relevance.positions, looked);
  const { kinds } = found;
  // Rumour words alone (网传, 爆料, 疑似) say a claim is unverified, not that police did wrong: they
  // weigh in full only next to another kind of risk.
  const risk = kinds.length === 1 && kinds[0] === 'rumour' ? found.risk * 0.4 : found.risk;
  const negativity = Math.max(0, -sentiment.score);
  // Police at routine work with no misconduct word: the negative words describe the crime or the
  // accident they are handling (a solved murder, a rescue, a warning about scams), not the police.
  const aboutTheEvent = risk < 1 && routinePoliceWork(tokens) ? 0.25 : 1;
  const evidence = risk + 3 * negativity * (isOpinion(tokens, looked) ? 1 : 0.5) * aboutTheEvent;
  // Relevance past the threshold only nudges: one clear mention of police is enough.
  const score = (1 - Math.exp(-evidence / 2)) * (0.7 + 0.3 * relevance.score);
  return { negative: score >= NEGATIVE_THRESHOLD, score, kinds };
}
