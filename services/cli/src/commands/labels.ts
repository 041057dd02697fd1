/**
 * `yuqing labels export [--out FILE]` — the analysts' corrections (人工校正, item_labels) as JSONL
 * in the format of `yuqing train --in`, so they can be kept, reviewed and merged with other label
 * files. `yuqing train --from-db` builds its examples from the same lines (labelLines, in @yuqing/analyzer/learning), so
 * a model trained from an export equals one trained from the database at that moment.
 *
 * The lines are built in @yuqing/analyzer/learning (labels.ts), shared with the learning loop.
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
import { describeStats, labelLines, type LabelStats } from '@yuqing/analyzer/learning';
import { cliConfig, withDb } from '../context';
import { CliError, println, type CliIO, type Command } from '../io';

const USAGE = `usage: yuqing labels export [--out FILE]
  Writes the analysts' corrections (人工校正) as JSON lines in the format of
  \`yuqing train --in\` (stdout without --out): {"item_id", "url", "title", "text",
  "police_negative"?, "sentiment"?, "police_related"?}. Items corrected only as police-related
  are counted on stderr but not written (relevance stays rule-based: nothing to train).`;

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
