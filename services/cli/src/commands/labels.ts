/**
 * `yuqing labels export [--out FILE]` — the analysts' corrections (人工校正, item_labels) as JSONL
 * in the format of `yuqing train --in`, so they can be kept, reviewed and merged with other label
 * files. `yuqing train --from-db` builds its examples from the same lines (labelLines below), so
 * a model trained from an export equals one trained from the database at that moment.
 *
 * One line per corrected item that can train something: title + full text, `police_negative`
 * (the police-negative head) and `sentiment` (the sentiment heads) where the analyst gave them,
 * `police_related` where given (stored and exported; `yuqing train` ignores it: relevance stays
 * rule-based), and `item_id`/`url` to tell the lines apart when merging. An item whose only
 * correction is police-related has nothing to train and is counted, not written.
 */
import { once } from 'node:events';
import { open, type FileHandle } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { listLabelledItems, type LabelledItem, type LabelSentiment, type Queryable } from '@yuqing/db';
import { cliConfig, withDb } from '../context';
import { CliError, println, type CliIO, type Command } from '../io';

const USAGE = `usage: yuqing labels export [--out FILE]
  Writes the analysts' corrections (人工校正) as JSON lines in the format of
  \`yuqing train --in\` (stdout without --out): {"item_id", "url", "title", "text",
  "police_negative"?, "sentiment"?, "police_related"?}. Items corrected only as police-related
  are counted on stderr but not written (relevance stays rule-based: nothing to train).`;

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

async function exportLabels(argv: string[], io: CliIO): Promise<number> {
  let values: { out?: string; help?: boolean };
  try {
    ({ values } = parseArgs({ args: argv, options: { out: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false }));
  } catch (err) {
    throw new CliError(`${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
  }
  if (values.help) {
    println(io.stdout, USAGE);
    return 0;
  }
  const cfg = cliConfig(io);
  // Opened before reading anything, so a bad path fails at once.
  let file: FileHandle | null = null;
  if (values.out) {
    try {
      file = await open(resolve(io.cwd, values.out), 'w');
    } catch (err) {
      throw new CliError(`cannot write ${values.out}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  let stats: LabelStats;
  try {
    stats = await withDb(cfg, (db) =>
      labelLines(db, async (line) => {
        const text = `${JSON.stringify(line)}\n`;
        if (file) await file.write(text);
        else if (!io.stdout.write(text)) await once(io.stdout, 'drain');
      }),
    );
  } finally {
    await file?.close();
  }
  println(io.stderr, describeStats(stats));
  return 0;
}

/** Runs `yuqing labels`. */
export const run: Command = async (argv, io) => {
  const [sub, ...rest] = argv;
  if (sub === 'export') return exportLabels(rest, io);
  if (sub === '--help' || sub === '-h' || sub === 'help') {
    println(io.stdout, USAGE);
    return 0;
  }
  throw new CliError(USAGE);
};
