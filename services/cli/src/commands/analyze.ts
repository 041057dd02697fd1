/**
 * `yuqing analyze` — JSONL in on stdin, one JSONL line out per item, same order, streaming: an
 * input of 10^5 lines is never held in memory (readline pulls a line, we write its result, and
 * wait for stdout to drain when it is full). A bad line yields `{"id", "error"}` and the rest go on.
 * Needs no database or Redis.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { createAnalyzer, parseJurisdiction, type AnalysisResult } from '@yuqing/nlp';
import { z } from 'zod';
import { cliConfig } from '../context';
import { CliError, type Command } from '../io';

const inputSchema = z.object({
  id: z.union([z.string(), z.number()]).transform(String),
  title: z.string().nullable().optional(),
  text: z.string(),
  publishedAt: z.string().nullable().optional(),
  source: z.string().nullable().optional(),
});

/** The output contract: exactly these fields, in this order. */
function contractLine(r: AnalysisResult): string {
  return JSON.stringify({
    id: r.id,
    policeRelated: r.policeRelated,
    policeScore: r.policeScore,
    sentiment: r.sentiment,
    policeNegative: r.policeNegative,
    keywords: r.keywords,
    simhash: r.simhash,
    categories: r.categories,
    places: r.places,
  });
}

function readJsonFile(path: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new CliError(`cannot read ${what} ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** One input line to one output line; never throws. */
function analyzeLine(analyzer: ReturnType<typeof createAnalyzer>, line: string, lineNo: number): string {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch (err) {
    return JSON.stringify({ id: null, error: `line ${lineNo}: not valid JSON (${err instanceof Error ? err.message : String(err)})` });
  }
  const parsed = inputSchema.safeParse(raw);
  if (!parsed.success) {
    const id = raw && typeof raw === 'object' && 'id' in raw ? (raw as { id: unknown }).id : null;
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'item'}: ${i.message}`).join('; ');
    return JSON.stringify({ id: typeof id === 'string' || typeof id === 'number' ? String(id) : null, error: `line ${lineNo}: ${problems}` });
  }
  try {
    return contractLine(analyzer.analyze(parsed.data));
  } catch (err) {
    // The engine promises not to throw; if it ever does, that line fails, not the stream.
    return JSON.stringify({ id: parsed.data.id, error: `analysis failed: ${err instanceof Error ? err.message : String(err)}` });
  }
}

/** Reads and validates the jurisdiction gazetteer; a bad file is a clear CLI error. */
export function loadJurisdiction(path: string): ReturnType<typeof parseJurisdiction> {
  try {
    return parseJurisdiction(readJsonFile(path, 'jurisdiction gazetteer'));
  } catch (err) {
    throw err instanceof CliError ? err : new CliError(err instanceof Error ? err.message : String(err));
  }
}

export const run: Command = async (argv, io) => {
  const { values } = parseArgs({ args: argv, strict: true, options: { model: { type: 'string' }, threshold: { type: 'string' } } });
  const cfg = cliConfig(io);
  // --threshold, else POLICE_NEGATIVE_THRESHOLD, else the engine's default; the output fields stay the same.
  const threshold = values.threshold === undefined ? cfg.POLICE_NEGATIVE_THRESHOLD : Number(values.threshold);
  if (threshold !== undefined && !(threshold > 0 && threshold < 1)) throw new CliError('--threshold must be a number between 0 and 1 (exclusive)');
  const modelFile = values.model ? resolve(io.cwd, values.model) : cfg.ANALYZER_MODEL_FILE;
  const model = modelFile ? readJsonFile(modelFile, 'model') : null;
  const jurisdiction = cfg.JURISDICTION_FILE ? loadJurisdiction(cfg.JURISDICTION_FILE) : undefined;
  const analyzer = createAnalyzer({
    model: model as never,
    maxChars: cfg.ANALYZER_MAX_CHARS,
    ...(threshold !== undefined ? { policeNegativeThreshold: threshold } : {}),
    ...(jurisdiction ? { jurisdiction: { jurisdiction } } : {}),
  });

  const lines = createInterface({ input: io.stdin, crlfDelay: Infinity });
  let lineNo = 0;
  for await (const line of lines) {
    lineNo++;
    if (!line.trim()) continue;
    const out = analyzeLine(analyzer, line, lineNo);
    if (!io.stdout.write(`${out}\n`)) await once(io.stdout, 'drain');
  }
  return 0;
};
