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
import { createAnalyzer, modelWeight, type Analyzer } from './analyze';
import { loadModel, train, type ModelJson, type StanceDecision, type TrainingExample, type TrainOptions } from './model';
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
 * fired (judged by the rules alone, so training never depends on an earlier model), and the rules'
 * own score (the decision is calibrated with it).
 */
export function stanceFeatures(text: string, title?: string | null): { tokens: string[]; ruleScore: number; chars: number } {
  rulesOnly ??= createAnalyzer({ defaultStanceModel: false });
  return rulesOnly.stanceTokens({ id: 'training', text, title: title ?? null });
}

/** The words and rule markers of stanceFeatures. */
export function stanceTrainingTokens(text: string, title?: string | null): string[] {
  return stanceFeatures(text, title).tokens;
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
      const f = stanceFeatures(o.text);
      out.push({ tokens: trainingTokens(o.text), stanceTokens: f.tokens, ruleScore: f.ruleScore, chars: f.chars, police_negative: o.police_negative });
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
  /** A correction counts as this many authored examples (default 5: the bureau's own texts, in its own region's language, teach more than the generic corpus; measured by eval:analyze's learning loop). */
  correctionWeight?: number;
}

/** Corrections needed (and of each class) before the decision is calibrated on them. */
export const CALIBRATION_MIN = { examples: 60, perClass: 15 };
const CALIBRATION_FOLDS = 3;
const THRESHOLDS = [0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8];
// The early-warning operating point: the best F1 among thresholds that keep this recall.
const TARGET_RECALL = 0.8;

function trainHeads(authoredSet: readonly TrainingExample[], corrections: readonly TrainingExample[], opts: StanceTrainOptions): ModelJson {
  const weight = Math.max(1, Math.round(opts.correctionWeight ?? 5));
  const examples: TrainingExample[] = [...authoredSet];
  for (let k = 0; k < weight; k++) examples.push(...corrections);
  // Character 3-grams: Weibo comments are short and oddly segmented; 3-grams catch 不作为, 保护伞,
  // 给个说法 whole. 2^16 weights: as accurate as 2^18 on this corpus, and four times less memory to
  // look features up in (the model runs for every police-related item).
  return train(examples, { charNgrams: 3, bits: 16, ...opts });
}

/** A deterministic fold of an example (by its tokens), so the same corrections split the same way. */
function foldOf(e: TrainingExample, k: number): number {
  let h = 0x811c9dc5;
  for (const t of e.stanceTokens ?? e.tokens) for (let i = 0; i < t.length; i++) h = Math.imul(h ^ t.charCodeAt(i), 0x01000193);
  return (h >>> 0) % k;
}

/**
 * The decision rule that works best on the bureau's own corrections: out-of-fold predictions of
 * models trained like the candidate (the corpus plus the other folds' corrections), each way of
 * combining model and rules at each threshold; the best F1 among those with recall ≥ 0.80.
 * Null when there are too few corrections to tell.
 */
export function calibrateStanceDecision(corrections: readonly TrainingExample[], opts: StanceTrainOptions = {}): StanceDecision | null {
  const usable = corrections.filter((e) => e.police_negative !== undefined && e.ruleScore !== undefined && e.stanceTokens);
  const positives = usable.filter((e) => e.police_negative).length;
  if (usable.length < CALIBRATION_MIN.examples || positives < CALIBRATION_MIN.perClass || usable.length - positives < CALIBRATION_MIN.perClass) return null;
  const folds = usable.map((e) => foldOf(e, CALIBRATION_FOLDS));
  const oof: Array<{ p: number; s: number; w: number; gold: boolean }> = [];
  for (let f = 0; f < CALIBRATION_FOLDS; f++) {
    const rest = usable.filter((_, i) => folds[i] !== f);
    const model = loadModel(trainHeads(authoredStanceExamples(), rest, opts));
    usable.forEach((e, i) => {
      if (folds[i] !== f) return;
      oof.push({ p: model.probability('police_negative', e.stanceTokens as readonly string[]) ?? 0, s: e.ruleScore as number, w: modelWeight(e.chars ?? 0), gold: e.police_negative === true });
    });
  }
  let best: { combine: 'or' | 'model'; threshold: number; p: number; r: number; f1: number } | null = null;
  for (const combine of ['or', 'model'] as const) {
    for (const threshold of THRESHOLDS) {
      let tp = 0;
      let fp = 0;
      let fn = 0;
      for (const x of oof) {
        const flagged = (combine === 'or' ? 1 - (1 - x.w * x.p) * (1 - x.s) : x.p) >= threshold;
        if (flagged && x.gold) tp++;
        else if (flagged) fp++;
        else if (x.gold) fn++;
      }
      const p = tp + fp ? tp / (tp + fp) : 0;
      const r = tp + fn ? tp / (tp + fn) : 0;
      const f1 = p + r ? (2 * p * r) / (p + r) : 0;
      // Keeping the recall comes first; then F1; on a tie the earlier candidate ('or', lower threshold) stays.
      const meets = r >= TARGET_RECALL;
      const bestMeets = best !== null && best.r >= TARGET_RECALL;
      if (!best || (meets && !bestMeets) || (meets === bestMeets && f1 > best.f1 + 1e-9)) best = { combine, threshold, p, r, f1 };
    }
  }
  if (!best) return null;
  const f = (x: number) => x.toFixed(3);
  return { combine: best.combine, threshold: best.threshold, chosenBy: `${CALIBRATION_FOLDS}-fold on ${usable.length} corrections: P ${f(best.p)} R ${f(best.r)} F1 ${f(best.f1)}` };
}

/**
 * Trains a model whose police_negative head learns from the shipped corpus and the corrections
 * (and whose other heads learn from whatever labels the corrections carry), with the decision rule
 * calibrated on the corrections when there are enough of them (else the analyzer's defaults).
 * Deterministic: the same corrections give the same model and the same modelVersion.
 */
export function trainStanceModel(corrections: readonly TrainingExample[], opts: StanceTrainOptions = {}): ModelJson {
  const model = trainHeads(authoredStanceExamples(), corrections, opts);
  const decision = calibrateStanceDecision(corrections, opts);
  if (!decision || model.format !== 'yuqing-lr') return model;
  // The decision changes what the model flags, so it is part of the version.
  const tag = `${decision.combine === 'model' ? 'm' : 'o'}${Math.round(decision.threshold * 100)}`;
  return { ...model, modelVersion: `${model.modelVersion}.${tag}`, stance: decision };
}
