/**
 * Police relevance (涉警) of a tokenized text, per data/police/GUIDELINE.md: police or public
 * security organs or officers are an actor, target or subject. Pure; never throws.
 *
 * Works on tokens from segment.tokenize, whose user dictionary keeps police words whole
 * (交警大队, 公安分局, 报警) and false friends whole too (警惕, 预警, 报警器, 火警), so a false
 * friend is simply a token we do not list. Evidence adds up: s = Σ weights (title tokens ×1.5),
 * score = 1 − e^(−s), related when score ≥ 0.5 (one strong term, or two weaker ones).
 * Damped: impersonation (冒充警察), fiction (饰演, 剧中), a rumour citing "公安资料".
 */

import { B_REL } from './token-bits';

/** Relevance of one item. */
export interface RelevanceResult {
  related: boolean;
  /** 1 − e^(−evidence), in [0, 1). */
  score: number;
  /** The police tokens found, in order, for explanations and the risk scorer. */
  hits: string[];
  /** Indices in the body tokens of the police tokens, so the risk scorer can tell near from far. */
  positions: number[];
}

/** Score at or above which an item is police-related. */
export const RELATED_THRESHOLD = 0.5;

// Officers and organs named outright. Tokens that contain one of these morphemes count too
// (交警支队, 公安分局, 某某派出所), except the EXCLUDED ones.
const CORE_MORPHEMES = ['警察', '民警', '警方', '公安', '派出所', '交警', '辅警', '协警', '特警', '刑警', '巡警', '网警', '警官', '警员', '警长', '警局'];
const STRONG = new Map<string, number>([
  ['片警', 1], ['女警', 1], ['男警', 1], ['警花', 1], ['铁警', 1], ['乘警', 1], ['巡特警', 1], ['袭警', 1.2], ['警察局', 1.2],
  ['干警', 1], ['警务人员', 1], ['警博', 1], ['蜀黍', 0.8], ['公安局', 1.2], ['公安厅', 1.2], ['公安部', 1.2], ['公安机关', 1.2], ['警方通报', 1.2], ['警情通报', 1.2], ['police', 1], ['cop', 0.8], ['cops', 0.8],
]);
// Police things and acts: one alone is suggestive, two are enough.
const MEDIUM = new Map<string, number>([
  ['警车', 0.5], ['警犬', 0.7], ['警棍', 0.7], ['警服', 0.5], ['警力', 0.6], ['警情', 0.6], ['警务', 0.6], ['出警', 0.7], ['接警', 0.7],
  ['处警', 0.7], ['接处警', 0.7], ['警号', 0.5], ['警徽', 0.5], ['警衔', 0.5], ['警械', 0.5], ['警灯', 0.4], ['警笛', 0.4], ['警队', 0.7],
  ['警营', 0.6], ['警民', 0.6], ['警民关系', 0.8], ['警民冲突', 1], ['军警', 0.8], ['警嫂', 0.5], ['暴力袭警', 1.2], ['袭警罪', 1.2],
  ['报假警', 0.8], ['报警', 0.35], ['报了警', 0.35], ['110', 0.5], ['报警电话', 0.3], ['报警人', 0.4], ['执法记录仪', 0.4], ['警戒线', 0.3],
  ['执法人员', 0.35], ['执法部门', 0.35], ['执法机关', 0.35], ['执法者', 0.35], ['治安', 0.25], ['刑侦', 0.6], ['缉毒', 0.4], ['扫黄', 0.3], ['立案侦查', 0.5], ['刑拘', 0.3], ['行政拘留', 0.4], ['拘留', 0.2],
]);
/**
 * Words that name the police on their own, for matching text that is not segmented (a hot-list
 * title): the core morphemes, the strong names, and the medium words that only police acts are.
 */
export const POLICE_NAMING_TERMS: readonly string[] = [
  ...CORE_MORPHEMES,
  ...[...STRONG].filter(([, w]) => w >= 1).map(([t]) => t),
  ...[...MEDIUM].filter(([, w]) => w >= 0.7).map(([t]) => t),
];

// Not police under the guideline even though they contain a police morpheme.
const EXCLUDED = new Set(['武警', '武警部队', '狱警', '法警', '保安', '警惕', '警告', '警示', '警钟', '警觉', '警醒', '预警', '火警', '报警器', '警句', '警戒', '警世']);
// Reporting to police only becomes police-related when the police are then judged (报警后没人管).
const AFTER_REPORT = new Set(['不管', '没人管', '不理', '不理会', '不理不睬', '解决不了', '没用', '没有用', '不受理', '不立案', '没事', '不怎么', '推诿', '敷衍', '出动', '赶到', '到场', '赶来', '处理',
  // or judged by how it went: "报警不如发微博", "报警没有被受理"
  '受理', '不如', '不及', '微博', '热搜', '媒体', '舆论', '可悲', '悲哀', '寒心', '失望']);
const IMPERSONATION = new Set(['冒充', '假冒', '假扮', '扮成', '伪装成', '冒称']);
const FICTION = new Set(['饰演', '主演', '扮演', '剧中', '电视剧', '剧集', '日剧', '韩剧', '美剧', '电影', '影片', '片中', '小说', '角色', '主角', '游戏', '动画', '漫画', '剧情']);
// Fire and emergency services also 接警/出警; with them present, those words say little.
const OTHER_RESPONDERS = new Set(['消防', '消防局', '消防队', '消防员', '消防车', '应急联动', '120', '急救']);
const HEARSAY_SOURCE = new Set(['资料', '内部资料', '内部消息']);
const EMPTY: readonly string[] = [];

/** The evidence weight of one token, 0 for none. */
function tokenWeight(t: string): number {
  const m = MEDIUM.get(t);
  if (m !== undefined) return m;
  const s = STRONG.get(t);
  if (s !== undefined) return s;
  // 武警官兵 contains 警官 but is the armed police.
  if (t.length < 2 || EXCLUDED.has(t) || t.startsWith('武警')) return 0;
  // Cheap pre-check: every core morpheme contains 警, 公 or 派.
  if (!t.includes('警') && !t.includes('公') && !t.includes('派')) return 0;
  for (const m2 of CORE_MORPHEMES) if (t.includes(m2)) return t.includes('冒充') ? 0 : 1;
  return 0;
}

// Per-token facts, computed once per distinct token (token-info.ts caches them for the analyzer).
const F_FICTION = 1;
const F_RESPONDER = 2;
const F_AFTER_REPORT = 4;
const F_IMPERSONATION = 8;
const F_HEARSAY = 16;
const F_LE = 32; // 了
const F_BAO = 64; // 报
const F_JING = 128; // starts with 警

/** What relevance needs to know about one token, independent of its neighbours. */
export interface RelevanceFacts {
  /** tokenWeight of the token (lower-cased when short). */
  readonly weight: number;
  /** F_* flags. */
  readonly flags: number;
  /** Its MEDIUM weight (0 when not listed), for the other-responders discount. */
  readonly medium: number;
}

/**
 * Token facts as relevance reads them: token i is ids[i]; bits[id] has B_REL when rel[id] says
 * anything (the analyzer's token table, or a table of the caller's own tokens).
 */
export interface RelevanceTable {
  readonly bits: Uint32Array;
  readonly str: readonly string[];
  readonly rel: readonly RelevanceFacts[];
}

const NO_FACTS: RelevanceFacts = { weight: 0, flags: 0, medium: 0 };

/** The relevance facts of one token. */
export function relevanceFacts(t: string): RelevanceFacts {
  const weight = tokenWeight(t.length <= 8 ? t.toLowerCase() : t);
  let flags = 0;
  if (FICTION.has(t)) flags |= F_FICTION;
  if (OTHER_RESPONDERS.has(t)) flags |= F_RESPONDER;
  if (AFTER_REPORT.has(t)) flags |= F_AFTER_REPORT;
  if (IMPERSONATION.has(t)) flags |= F_IMPERSONATION;
  if (HEARSAY_SOURCE.has(t)) flags |= F_HEARSAY;
  if (t === '了') flags |= F_LE;
  if (t === '报') flags |= F_BAO;
  if (t.startsWith('警')) flags |= F_JING;
  const medium = MEDIUM.get(t) ?? 0;
  return weight === 0 && flags === 0 && medium === 0 ? NO_FACTS : { weight, flags, medium };
}

/** The token-table bit of relevance facts. */
export function relevanceBits(f: RelevanceFacts): number {
  return f === NO_FACTS ? 0 : B_REL;
}

/** A table of the given tokens (token i has id i), for the public functions. */
function tableOf(tokens: readonly string[]): { tab: RelevanceTable; ids: Int32Array } {
  const n = tokens.length;
  const str = tokens.map((t) => (typeof t === 'string' ? t : ''));
  const rel = str.map((t) => relevanceFacts(t));
  const bits = new Uint32Array(n);
  const ids = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    bits[i] = relevanceBits(rel[i] as RelevanceFacts);
    ids[i] = i;
  }
  return { tab: { bits, str: tokens, rel }, ids };
}

/**
 * Evidence of the token range ids[from, to) (title or body), appending hits when given and
 * positions (i − posBase) when given.
 */
function evidence(tab: RelevanceTable, ids: Int32Array, from: number, to: number, hits: string[] | null, positions: number[] | null, posBase: number): { s: number; fiction: boolean } {
  let s = 0;
  let fiction = false;
  let responders = false;
  let reportAt = -100;
  let medium = 0;
  const bits = tab.bits;
  const rel = tab.rel;
  for (let i = from; i < to; i++) {
    const id = ids[i] as number;
    // A token without relevance facts changes nothing below.
    if (((bits[id] as number) & B_REL) === 0) continue;
    const f = rel[id] as RelevanceFacts;
    const flags = f.flags;
    if (flags & F_FICTION) fiction = true;
    if (flags & F_RESPONDER) responders = true;
    if (reportAt >= 0 && i - reportAt <= 12 && flags & F_AFTER_REPORT) {
      s += 0.5;
      reportAt = -100;
    }
    let w = f.weight;
    // 报了警 is cut 报|了|警…: read it as 报警.
    if (w === 0 && flags & F_JING && i - 2 >= from && (rel[ids[i - 1] as number] as RelevanceFacts).flags & F_LE && (rel[ids[i - 2] as number] as RelevanceFacts).flags & F_BAO) w = 0.35;
    if (w === 0) continue;
    if (w === 0.35) reportAt = i;
    // 冒充警察 / 假冒民警: an impostor, not the police.
    if ((i - 1 >= from && (rel[ids[i - 1] as number] as RelevanceFacts).flags & F_IMPERSONATION) || (i - 2 >= from && (rel[ids[i - 2] as number] as RelevanceFacts).flags & F_IMPERSONATION)) continue;
    // "据公安资料显示" inside a rumour cites police as a source of hearsay only.
    if (i + 1 < to && (rel[ids[i + 1] as number] as RelevanceFacts).flags & F_HEARSAY) w *= 0.3;
    s += w;
    hits?.push(tab.str[id] as string);
    // How much of the evidence came from medium tokens (the ones other responders share).
    medium += f.medium;
    positions?.push(i - posBase);
  }
  if (responders) s = Math.max(0, s - medium * 0.5);
  return { s, fiction };
}

/**
 * Evidence from @-mentions of police accounts (@云南警方): a short comment addressed to the police
 * is about them; a long post that tags them, often a rumour, is not (guideline).
 */
function mentionEvidence(mentions: readonly string[], textLength: number, hits: string[]): number {
  let s = 0;
  for (const m of mentions) {
    if (!isPoliceAccount(m)) continue;
    // A bare list of tags ("@云南警方@人民日报") says nothing about anyone.
    s += textLength < 4 ? 0 : textLength <= 100 ? 0.7 : 0.2;
    hits.push(`@${m}`);
  }
  return s;
}

/** True when an @-mentioned account (without the @) is a police account: named after the unit, or 平安 + place (平安北京). */
export function isPoliceAccount(name: string): boolean {
  return tokenWeight(name) !== 0 || name.startsWith('平安') || name.includes('警博') || CORE_MORPHEMES.some((c) => name.includes(c));
}

/** Optional context for policeRelevance. */
export interface RelevanceContext {
  /** @-mentions removed by normalize (without the @). */
  mentions?: readonly string[];
  /** Length of the normalized text, to tell a short comment from a long post. */
  textLength?: number;
}

/** Police relevance of an item from its title tokens (weighted 1.5×), body tokens and @-mentions. */
export function policeRelevance(tokens: readonly string[], titleTokens: readonly string[] = EMPTY, ctx: RelevanceContext = {}): RelevanceResult {
  const title = tableOf(titleTokens);
  const body = tableOf(tokens);
  const hits: string[] = [];
  const positions: number[] = [];
  const t = evidence(title.tab, title.ids, 0, titleTokens.length, hits, null, 0);
  const b = evidence(body.tab, body.ids, 0, tokens.length, hits, positions, 0);
  const s = t.s * 1.5 + b.s + mentionEvidence(ctx.mentions ?? EMPTY, ctx.textLength ?? 0, hits);
  return result(s, t.fiction || b.fiction, hits, positions);
}

function result(evidenceSum: number, fiction: boolean, hits: string[], positions: number[]): RelevanceResult {
  // Police characters in films, dramas and games are not police (guideline).
  const s = fiction ? evidenceSum * 0.3 : evidenceSum;
  const score = 1 - Math.exp(-s);
  return { related: score >= RELATED_THRESHOLD, score, hits, positions };
}

const NO_HITS: string[] = [];

/**
 * policeRelevance over one token array of the analyzer: the title is ids[0, titleTo), the body
 * ids[bodyFrom, n), with the item's @-mentions and text length (see RelevanceContext). Positions are indices into ids (not relative to the body); hits are not
 * collected (the result's hits is an empty array shared by every call).
 */
export function relevanceOf(tab: RelevanceTable, ids: Int32Array, titleTo: number, bodyFrom: number, n: number, mentions: readonly string[] = EMPTY, textLength = 0): RelevanceResult {
  const positions: number[] = [];
  const t = evidence(tab, ids, 0, titleTo, null, null, 0);
  const b = evidence(tab, ids, bodyFrom, n, null, positions, 0);
  const s = t.s * 1.5 + b.s + (mentions.length > 0 ? mentionEvidence(mentions, textLength, []) : 0);
  return result(s, t.fiction || b.fiction, NO_HITS, positions);
}
