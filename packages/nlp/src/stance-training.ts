/**
 * Training the police-negative model from what ships plus what analysts corrected.
 *
 * The shipped corpus (data/training/stance/*.jsonl) is the team's own labelled texts, written here
 * by the guideline (data/training/stance/README.md); nothing in it comes from evaluation data.
 * Analysts' corrections (item_labels) are added on top and weigh more: they are the bureau's own
 * texts, in its own region's language. The shipped default model is trainStanceModel([]).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createAnalyzer, type Analyzer } from './analyze';
import { train, type ModelJson, type TrainingExample, type TrainOptions } from './model';
import { normalize } from './normalize';
import { tokenize } from './segment';

/** Directory of the team's authored training texts. */
export const STANCE_CORPUS_DIR = fileURLToPath(new URL('../data/training/stance/', import.meta.url));

/** One authored line. */
interface AuthoredLine {
  text: string;
  police_related: boolean;
  police_negative: boolean;
  kind?: string;
}

let rulesOnly: Analyzer | null = null;

/** The tokens a model sees for a text (and optional title), as the analyzer segments them. */
export function trainingTokens(text: string, title?: string | null): string[] {
  const body = tokenize(normalize(text).text);
  return title ? [...tokenize(normalize(title).text), '。', ...body] : body;
}

/**
 * What the police_negative head reads for a text: its words and the markers of the rules that
 * fired (judged by the rules alone, so training never depends on an earlier model).
 */
export function stanceTrainingTokens(text: string, title?: string | null): string[] {
  rulesOnly ??= createAnalyzer({ defaultStanceModel: false });
  return rulesOnly.stanceTokens({ id: 'training', text, title: title ?? null });
}

let authored: TrainingExample[] | null = null;

/**
 * The authored corpus as police_negative examples: only its police-related texts, because the
 * model is asked only about items the rules already call police-related. Loaded once.
 */
export function authoredStanceExamples(): readonly TrainingExample[] {
  if (authored) return authored;
  const out: TrainingExample[] = [];
  let files: string[] = [];
  try {
    files = readdirSync(STANCE_CORPUS_DIR).filter((f) => f.endsWith('.jsonl')).sort();
  } catch {
    files = [];
  }
  for (const file of files) {
    const lines = readFileSync(STANCE_CORPUS_DIR + file, 'utf8').split('\n');
    lines.forEach((line, i) => {
      if (!line.trim()) return;
      let o: AuthoredLine;
      try {
        o = JSON.parse(line) as AuthoredLine;
      } catch (err) {
        throw new Error(`${file}:${i + 1}: not valid JSON (${err instanceof Error ? err.message : String(err)})`);
      }
      if (typeof o.text !== 'string' || typeof o.police_related !== 'boolean' || typeof o.police_negative !== 'boolean') throw new Error(`${file}:${i + 1}: needs text, police_related and police_negative`);
      if (!o.police_related) return;
      out.push({ tokens: trainingTokens(o.text), stanceTokens: stanceTrainingTokens(o.text), police_negative: o.police_negative });
    });
  }
  authored = out;
  return out;
}

/** When the shipped model says it was trained (fixed, so the same corpus gives the same file). */
const SHIPPED_CREATED_AT = '2026-12-07T00:00:00.000Z';

/** The shipped model's file (analyze.ts loads it). */
export { SHIPPED_STANCE_MODEL_FILE as SHIPPED_STANCE_MODEL } from './analyze';

/** The shipped police-negative model: trainStanceModel with no corrections. */
export function trainShippedStanceModel(): ModelJson {
  return trainStanceModel([], { createdAt: SHIPPED_CREATED_AT });
}

/** Options of trainStanceModel: those of train, plus how much a correction weighs. */
export interface StanceTrainOptions extends TrainOptions {
  /** A correction counts as this many authored examples (default 2). */
  correctionWeight?: number;
}

/**
 * Trains a model whose police_negative head learns from the shipped corpus and the corrections
 * (and whose other heads learn from whatever labels the corrections carry). Deterministic.
 */
export function trainStanceModel(corrections: readonly TrainingExample[], opts: StanceTrainOptions = {}): ModelJson {
  const weight = Math.max(1, Math.round(opts.correctionWeight ?? 2));
  const examples: TrainingExample[] = [...authoredStanceExamples()];
  for (let k = 0; k < weight; k++) examples.push(...corrections);
  // Character 3-grams: Weibo comments are short and oddly segmented; 3-grams catch 不作为, 保护伞, 给个说法 whole.
  return train(examples, { charNgrams: 3, ...opts });
}
