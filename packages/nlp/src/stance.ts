/**
 * Stance toward police: does the text cast *the police* in a negative light? Sentiment near a
 * police word is not enough (a comment furious at a murderer and grateful to the police reads as
 * negative), and much of what a PR officer must see carries no sentiment word at all: a question
 * ("警察人呢？"), mock praise ("效率真高，三个月了还没立案"), a demand ("给个说法"), a note that the
 * comments were closed. Pure; never throws.
 *
 * The cues are sentence patterns by kind (data/lexicons/domain/stance.tsv): distrust, sarcasm,
 * inaction, coverup, accountability, rhetorical, ridicule, fear — and defence, which counts
 * against. A cue counts in full in a sentence that names the police (or anywhere in a short comment
 * that does), less in the sentence next to one, little elsewhere: in a long post most sentences
 * are about someone else. Within a sentence, the clause after 但/却/可是 weighs more than the one
 * before it (what the writer concludes), and a cue right after a negator (不是/没有/别 …) is denied.
 */
import { readLexiconLines } from './lexicon-files';

/** The stance evidence of one text. */
export interface StanceResult {
  /** Evidence against the police (≥ 0), in the units of risk.tsv. */
  against: number;
  /** Evidence of defence or support of the police (≥ 0). */
  defence: number;
  /** The kinds of cue that counted against the police, each once, strongest first. */
  cues: string[];
}

interface Cue {
  kind: string;
  re: RegExp;
  weight: number;
}

let cached: { cues: Cue[]; any: RegExp } | null = null;

/**
 * Loads (once) the stance patterns, and one alternation of them all: most sentences hold no cue,
 * and one search that fails costs a fraction of thirty.
 */
export function stanceCues(): { readonly cues: readonly Cue[]; readonly any: RegExp } {
  if (cached) return cached;
  const cues: Cue[] = [];
  for (const [kind, pattern, w] of readLexiconLines('domain/stance.tsv')) {
    if (!kind || !pattern) continue;
    const weight = Number(w);
    cues.push({ kind, re: new RegExp(pattern, 'gi'), weight: Number.isFinite(weight) ? weight : 1 });
  }
  cached = { cues, any: new RegExp(cues.map((c) => `(?:${c.re.source})`).join('|'), 'i') };
  return cached;
}

// Where the police are named in a sentence: officers, organs, their accounts and the everyday and
// slang names people use (蜀黍, 条子, 帽子叔叔, jc), and what only the police do (出警, 执法记录仪).
const POLICE = /警察|民警|警方|公安|派出所|交警|辅警|协警|特警|刑警|巡警|网警|警官|警员|警长|警局|警队|片警|女警|警花|乘警|铁警|干警|警务|警博|警c|jc|条子|蜀黍|叔叔们?(?:去哪|呢|在哪)|帽子叔叔|阿sir|执法(?:人员|者|部门|机关|记录仪)|出警|接警|报警|报案|110|警车|警服|警号|所长|局长|police|cops?\b/i;
// Comments that name no one but are addressed to the police account they tag ("@XX警方 人呢").
const SHORT = 60;
// The clause after one of these is what the writer concludes.
const CONTRAST = /但是|但|却|可是|然而|不过|只是|可惜/g;
// A cue right after one of these is denied ("不是警察的错" is defence, "没有不作为" no accusation).
// Strong negators may stand before the subject ("不是民警不作为"); 不/没/别 only right before the cue.
const NEGATED_BEFORE = /(?:(?:不是|并非|并不是|绝非|从未|未曾)[^，,。！？!?]{0,4}|(?:没有|并没|不会|没|别|不))$/;
// Kinds a negator in front cannot deny: a rhetorical question stays one, defence handles its own.
const NOT_NEGATABLE = new Set(['rhetorical', 'defence', 'sarcasm']);
// A question about the police that asks why, when, where: mostly a challenge, not a request for facts.
const CHALLENGE = /(?:为什么|为何|凭什么|凭啥|怎么回事|怎么还|什么时候|何时|到底|究竟|你们).{0,40}[？?]|[？?]{2,}/;
const SARCASTIC_EMOTICONS = new Set(['微笑', '呵呵', 'doge', '允悲', '摊手', '白眼', '哼', '鄙视', '挖鼻', '吃瓜', '二哈', '笑cry', '并不简单', '费解', '黑线', '汗']);

/** Splits a text into sentences (keeping their end marks). */
function sentences(text: string): string[] {
  return text.split(/(?<=[。！？!?；;\n…])/).filter((s) => s.trim());
}

/**
 * Stance cues of a normalized text. `addressed` says the text tags a police account (@XX警方),
 * which makes a short comment speak to the police even when it names no officer.
 */
export function stanceOf(text: string, emoticons: readonly string[] = [], addressed = false): StanceResult {
  const { cues, any } = stanceCues();
  const parts = sentences(text);
  const short = text.length <= SHORT;
  const police = parts.map((s) => POLICE.test(s));
  const anyPolice = addressed || police.some(Boolean);
  const byKind = new Map<string, number>();
  let defence = 0;
  parts.forEach((sentence, k) => {
    // How much this sentence speaks of the police.
    const near = police[k] || (short && anyPolice) ? 1 : police[k - 1] || police[k + 1] ? 0.6 : anyPolice ? 0.25 : 0;
    if (near === 0) return;
    const challenge = (police[k] || short) && CHALLENGE.test(sentence);
    if (challenge) byKind.set('question', (byKind.get('question') ?? 0) + 1.2 * near);
    if (!any.test(sentence)) return;
    let pivot = -1;
    for (const m of sentence.matchAll(CONTRAST)) pivot = m.index;
    for (const cue of cues) {
      cue.re.lastIndex = 0;
      for (const m of sentence.matchAll(cue.re)) {
        const at = m.index;
        let w = cue.weight * near;
        if (pivot >= 0) w *= at > pivot ? 1.2 : 0.6;
        if (!NOT_NEGATABLE.has(cue.kind) && NEGATED_BEFORE.test(sentence.slice(Math.max(0, at - 8), at))) {
          // "不是警察不作为": the accusation is denied; a denied defence would be handled by its own pattern.
          if (cue.weight > 0) defence += 0.3 * w;
          continue;
        }
        if (w < 0) defence -= w;
        else byKind.set(cue.kind, (byKind.get(cue.kind) ?? 0) + w);
      }
    }
  });
  if (anyPolice) for (const e of emoticons) if (SARCASTIC_EMOTICONS.has(e)) byKind.set('sarcasm', (byKind.get('sarcasm') ?? 0) + 1);
  // A kind repeated in a long rant adds less and less: at most twice its strongest pattern.
  let against = 0;
  const ranked = [...byKind.entries()].sort((a, b) => b[1] - a[1]);
  for (const [, v] of ranked) against += Math.min(v, 4);
  return { against, defence, cues: ranked.map(([kind]) => kind) };
}
