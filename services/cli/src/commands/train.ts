/**
 * `yuqing train --in labels.jsonl --out model.json` — trains the model (logistic regression over
 * hashed word and character features; naive Bayes with --algorithm nb) that
 * `yuqing analyze --model` and the analyzer combine with the lexicon engine (see
 * packages/nlp/src/model.ts for how). Deterministic: the same labels give the same model. Texts go through the analyzer's own normalize + tokenize,
 * so training and prediction see the same tokens. Needs no database or Redis, except with
 * --from-db: then the analysts' corrections stored in the database (item_labels, made through
 * PUT /api/items/:id/label) are examples too, built exactly as `yuqing labels export` writes them.
 */
import { createReadStream } from 'node:fs';
import { stat, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { describeStats, labelExample, labelLines, parseLabelLine, type LabelLine } from '@yuqing/analyzer/learning';
import { authoredStanceExamples, train, trainStanceModel, type TrainingExample } from '@yuqing/nlp';
import { cliConfig, withDb } from '../context';
import { CliError, println, type Command } from '../io';

// The labels format is one definition shared with `yuqing labels export` and the learning loop.
export { labelExample, parseLabelLine };

const USAGE = `usage: yuqing train [--in labels.jsonl] [--from-db] --out model.json [--algorithm lr|nb]
                    [--epochs 8] [--l2 0.0001] [--bits 18] [--class-weights balanced|none]   (lr)
                    [--alpha 1] [--min-count 2]                                            (nb)
  --algorithm lr (default): L2-regularized logistic regression over hashed word, word-bigram,
  character and negation features; nb: the former naive Bayes. Model size: 2^bits × 4 bytes per
  weight vector (about 1.4 MB of JSON per head at --bits 18).
  Each line of labels.jsonl is a JSON object with "text" (string, required), an optional "title",
  and at least one label:
    "sentiment": "negative" | "neutral" | "positive"   → trains the 3-way and the negative head
    "negative": true | false                           → trains the negative-vs-not head
    "police_negative": true | false                    → trains the police-negative head
    ("police_related" is accepted and ignored: relevance stays rule-based.)
  --from-db adds the analysts' corrections stored in the database (人工校正: the lines
  \`yuqing labels export\` writes); with --in too, both are used, and a line of the file whose
  "item_id" the database has a correction for gives way to the database's current one.
  A head is trained when its label has examples of at least two classes. Bad lines are reported
  on stderr by number and skipped; the exit code is 1 when any line was bad, 0 otherwise.`;

/** The item id a labels line names (`item_id`, as `yuqing labels export` writes), if any. */
function itemIdOf(line: string): number | undefined {
  try {
    const v = (JSON.parse(line) as { item_id?: unknown } | null)?.item_id;
    return typeof v === 'number' && Number.isInteger(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/** Per trained head, how many of the given labels fall in each class (the shipped corpus not counted). */
function labelCounts(examples: readonly TrainingExample[], heads: readonly string[]): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const head of heads) {
    const counts: Record<string, number> = {};
    for (const e of examples) {
      const v = head === 'negative' ? (e.negative ?? (e.sentiment === undefined ? undefined : e.sentiment === 'negative')) : head === 'sentiment' ? e.sentiment : e.police_negative;
      if (v !== undefined) counts[String(v)] = (counts[String(v)] ?? 0) + 1;
    }
    out[head] = counts;
  }
  return out;
}

/** Runs `yuqing train`. */
export const run: Command = async (argv, io) => {
  let values: { in?: string; 'from-db'?: boolean; out?: string; algorithm?: string; epochs?: string; l2?: string; bits?: string; 'class-weights'?: string; alpha?: string; 'min-count'?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        in: { type: 'string' },
        'from-db': { type: 'boolean' },
        out: { type: 'string' },
        algorithm: { type: 'string' },
        epochs: { type: 'string' },
        l2: { type: 'string' },
        bits: { type: 'string' },
        'class-weights': { type: 'string' },
        alpha: { type: 'string' },
        'min-count': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new CliError(`${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
  }
  if (values.help) {
    println(io.stdout, USAGE);
    return 0;
  }
  if ((!values.in && !values['from-db']) || !values.out) throw new CliError(`--out and at least one of --in and --from-db are required\n${USAGE}`);
  const alpha = values.alpha === undefined ? 1 : Number(values.alpha);
  if (!(alpha > 0) || !Number.isFinite(alpha)) throw new CliError(`--alpha must be a positive number\n${USAGE}`);
  const minCount = values['min-count'] === undefined ? 2 : Number(values['min-count']);
  if (!Number.isInteger(minCount) || minCount < 1) throw new CliError(`--min-count must be a whole number ≥ 1\n${USAGE}`);
  const algorithm = values.algorithm ?? 'lr';
  if (algorithm !== 'lr' && algorithm !== 'nb') throw new CliError(`--algorithm must be lr or nb\n${USAGE}`);
  const epochs = values.epochs === undefined ? 8 : Number(values.epochs);
  if (!Number.isInteger(epochs) || epochs < 1 || epochs > 100) throw new CliError(`--epochs must be a whole number 1…100\n${USAGE}`);
  const l2 = values.l2 === undefined ? 1e-4 : Number(values.l2);
  if (!(l2 >= 0) || !Number.isFinite(l2)) throw new CliError(`--l2 must be a number ≥ 0\n${USAGE}`);
  const bits = values.bits === undefined ? 18 : Number(values.bits);
  if (!Number.isInteger(bits) || bits < 12 || bits > 24) throw new CliError(`--bits must be a whole number 12…24\n${USAGE}`);
  const classWeights = values['class-weights'] ?? 'balanced';
  if (classWeights !== 'balanced' && classWeights !== 'none') throw new CliError(`--class-weights must be balanced or none\n${USAGE}`);

  const fromDb = values['from-db'] === true;
  // Examples of the file, with the item id a line names (for --from-db to replace it).
  const fileExamples: Array<{ ex: TrainingExample; itemId: number | undefined }> = [];
  let bad = 0;
  if (values.in) {
    const inPath = resolve(io.cwd, values.in);
    const st = await stat(inPath).catch(() => null);
    if (!st) throw new CliError(`cannot read ${values.in}: no such file`);
    if (st.isDirectory()) throw new CliError(`cannot read ${values.in}: is a directory`);
    let lineNo = 0;
    for await (const line of createInterface({ input: createReadStream(inPath, 'utf8'), crlfDelay: Infinity })) {
      lineNo++;
      if (!line.trim()) continue;
      const ex = parseLabelLine(line);
      if (typeof ex === 'string') {
        bad++;
        println(io.stderr, `line ${lineNo}: ${ex}`);
        continue;
      }
      fileExamples.push({ ex, itemId: fromDb ? itemIdOf(line) : undefined });
    }
  }

  const dbExamples: TrainingExample[] = [];
  const dbItems = new Set<number>();
  if (fromDb) {
    const lines: LabelLine[] = [];
    const stats = await withDb(cliConfig(io), (db) => labelLines(db, (l) => void lines.push(l)));
    for (const l of lines) {
      const ex = labelExample(l);
      // labelLines only hands over lines with a label, so this cannot happen; kept as a guard.
      if (typeof ex === 'string') throw new Error(`item ${l.item_id}: ${ex}`);
      dbExamples.push(ex);
      dbItems.add(l.item_id);
    }
    println(io.stderr, `数据库 (--from-db): ${describeStats(stats)}`);
  }
  const kept = fileExamples.filter((f) => f.itemId === undefined || !dbItems.has(f.itemId));
  if (kept.length < fileExamples.length) {
    println(io.stderr, `${values.in}: ${fileExamples.length - kept.length} lines replaced by the database's current correction of the same item`);
  }
  const examples: TrainingExample[] = [...kept.map((f) => f.ex), ...dbExamples];
  if (fromDb && values.in) println(io.stderr, `examples: ${kept.length} from ${values.in}, ${dbExamples.length} from the database`);
  const where = [values.in, fromDb ? 'the database' : null].filter(Boolean).join(' or ');
  if (examples.length === 0) throw new CliError(`no usable examples in ${where}${bad ? ` (${bad} bad lines)` : ''}`);
  // Police-negative labels train on top of the shipped authored corpus, with the rules' markers and
  // a decision rule calibrated on the labels (what the analyzer's learning loop trains).
  const stance = algorithm === 'lr' && examples.some((e) => e.police_negative !== undefined);
  // Only what was asked for on the command line: the stance model's own defaults (2^16, 3-grams) otherwise.
  const given = { epochs: values.epochs, l2: values.l2, bits: values.bits, classWeights: values['class-weights'] };
  const lrOptions = Object.fromEntries(Object.entries({ epochs, l2, bits, classWeights }).filter(([k]) => given[k as keyof typeof given] !== undefined));
  const model = stance ? trainStanceModel(examples, lrOptions) : train(examples, { algorithm, alpha, minCount, epochs, l2, bits, classWeights });
  const heads = Object.keys(model.heads);
  if (heads.length === 0) throw new CliError('no head could be trained: every label needs examples of at least two classes');
  const outPath = resolve(io.cwd, values.out);
  try {
    await writeFile(outPath, `${JSON.stringify(model)}\n`);
  } catch (err) {
    throw new CliError(`cannot write ${values.out}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  println(io.stdout, JSON.stringify({ out: values.out, format: model.format, modelVersion: model.modelVersion, examples: examples.length, ...(fromDb ? { fromFile: kept.length, fromDb: dbExamples.length } : {}), badLines: bad, heads: labelCounts(examples, Object.keys(model.heads)), ...(stance ? { corpus: authoredStanceExamples().length, decision: 'stance' in model ? (model.stance ?? null) : null } : {}) }));
  return bad > 0 ? 1 : 0;
};
