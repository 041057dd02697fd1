/**
 * Analysts' corrections (人工校正, item_labels) as training lines and examples — one definition for
 * `yuqing labels export`, `yuqing train --from-db` and the learning loop, so a model trained from
 * an export equals one trained from the database at that moment, and the loop learns from exactly
 * what `yuqing train --from-db` would.
 *
 * One line per corrected item that can train something: title + full text, `police_negative`
 * (the police-negative head) and `sentiment` (the sentiment heads) where the analyst gave them,
 * `police_related` where given (stored and exported; training ignores it: relevance stays
 * rule-based), and `item_id`/`url` to tell the lines apart when merging. An item whose only
 * correction is police-related has nothing to train and is counted, not written.
 */
import { listLabelledItems, type LabelledItem, type LabelSentiment, type Queryable } from '@yuqing/db';
import { stanceFeatures, trainingTokens, type TrainingExample } from '@yuqing/nlp';

/** A labels line (the --in format of yuqing train, plus item_id and url). */
export interface LabelLine {
  item_id: number;
  url: string;
  title?: string;
  text: string;
  police_negative?: boolean;
  sentiment?: LabelSentiment;
  police_related?: boolean;
}

/** What the corrections held, per label. */
export interface LabelStats {
  /** Corrected items read. */
  items: number;
  /** Lines written / examples built. */
  lines: number;
  /** Items whose only correction is police-related (nothing to train). */
  onlyPoliceRelated: number;
  policeNegative: { true: number; false: number };
  sentiment: Record<LabelSentiment, number>;
  policeRelated: { true: number; false: number };
}

/** Counts of nothing read yet. */
export const emptyStats = (): LabelStats => ({
  items: 0,
  lines: 0,
  onlyPoliceRelated: 0,
  policeNegative: { true: 0, false: 0 },
  sentiment: { negative: 0, neutral: 0, positive: 0 },
  policeRelated: { true: 0, false: 0 },
});

/** The line of a corrected item, or null when it carries nothing to train. */
export function labelLineOf(item: LabelledItem): LabelLine | null {
  const { label } = item;
  if (label.policeNegative === null && label.sentiment === null) return null;
  return {
    item_id: item.itemId,
    url: item.url,
    ...(item.title ? { title: item.title } : {}),
    text: item.text,
    ...(label.policeNegative !== null ? { police_negative: label.policeNegative } : {}),
    ...(label.sentiment !== null ? { sentiment: label.sentiment } : {}),
    ...(label.policeRelated !== null ? { police_related: label.policeRelated } : {}),
  };
}

/** Reads every correction (in pages, item id order), hands each trainable line to `fn`, and counts. */
export async function labelLines(db: Queryable, fn: (line: LabelLine) => void | Promise<void>): Promise<LabelStats> {
  const stats = emptyStats();
  let after = 0;
  for (;;) {
    const page = await listLabelledItems(db, { afterItemId: after, limit: 500 });
    if (!page.length) break;
    for (const item of page) {
      stats.items++;
      const l = item.label;
      if (l.policeRelated !== null) stats.policeRelated[String(l.policeRelated) as 'true' | 'false']++;
      const line = labelLineOf(item);
      if (!line) {
        stats.onlyPoliceRelated++;
        continue;
      }
      stats.lines++;
      if (l.policeNegative !== null) stats.policeNegative[String(l.policeNegative) as 'true' | 'false']++;
      if (l.sentiment !== null) stats.sentiment[l.sentiment]++;
      await fn(line);
    }
    after = page.at(-1)!.itemId;
  }
  return stats;
}

/** The counts as the analysts read them (stderr). */
export function describeStats(s: LabelStats): string {
  return [
    `人工校正 ${s.items} 条，可训练 ${s.lines} 条`,
    `  涉警负面 (police_negative)：是 ${s.policeNegative.true}，否 ${s.policeNegative.false}`,
    `  情感 (sentiment)：负面 ${s.sentiment.negative}，中性 ${s.sentiment.neutral}，正面 ${s.sentiment.positive}`,
    `  涉警 (police_related)：是 ${s.policeRelated.true}，否 ${s.policeRelated.false}（保存但不参与训练：涉警判断仍按规则）`,
    ...(s.onlyPoliceRelated ? [`  仅校正涉警的 ${s.onlyPoliceRelated} 条没有可训练的标签，未输出`] : []),
  ].join('\n');
}

const SENTIMENTS = new Set(['negative', 'neutral', 'positive']);

/** A parsed labels line (or a database correction as a line) as an example, or the reason it is unusable. */
export function labelExample(v: unknown): TrainingExample | string {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return 'not a JSON object';
  const o = v as Record<string, unknown>;
  if (typeof o.text !== 'string') return '"text" must be a string';
  if (o.title !== undefined && o.title !== null && typeof o.title !== 'string') return '"title" must be a string';
  const ex: { tokens: string[]; stanceTokens?: string[]; ruleScore?: number; chars?: number; negative?: boolean; sentiment?: 'negative' | 'neutral' | 'positive'; police_negative?: boolean } = { tokens: [] };
  if (o.sentiment !== undefined) {
    if (typeof o.sentiment !== 'string' || !SENTIMENTS.has(o.sentiment)) return '"sentiment" must be "negative", "neutral" or "positive"';
    ex.sentiment = o.sentiment as 'negative' | 'neutral' | 'positive';
  }
  for (const key of ['negative', 'police_negative'] as const) {
    if (o[key] === undefined) continue;
    if (typeof o[key] !== 'boolean') return `"${key}" must be true or false`;
    ex[key] = o[key];
  }
  if (ex.sentiment === undefined && ex.negative === undefined && ex.police_negative === undefined) {
    return 'no label: give "sentiment", "negative" or "police_negative"';
  }
  const title = typeof o.title === 'string' ? o.title : null;
  ex.tokens = trainingTokens(o.text, title);
  // The police-negative head reads the words and the rules' markers, as the analyzer asks it.
  if (ex.police_negative !== undefined) {
    const f = stanceFeatures(o.text, title);
    ex.stanceTokens = f.tokens;
    ex.ruleScore = f.ruleScore;
    ex.chars = f.chars;
  }
  return ex;
}

/** Parses one labels line into an example, or returns the reason it is unusable. */
export function parseLabelLine(line: string): TrainingExample | string {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch (err) {
    return `not valid JSON (${err instanceof Error ? err.message : String(err)})`;
  }
  return labelExample(v);
}

/** Every trainable correction in the database, in item id order, with the counts. */
export async function readCorrections(db: Queryable): Promise<{ lines: LabelLine[]; stats: LabelStats }> {
  const lines: LabelLine[] = [];
  const stats = await labelLines(db, (l) => void lines.push(l));
  return { lines, stats };
}
