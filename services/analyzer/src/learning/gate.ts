/**
 * The gate of the learning loop: does a candidate model replace the running one? Pure: it sees
 * predictions, never models, so the rule is tested alone (test/gate.test.ts).
 *
 * The rule (GATE_RULE, stored with every model):
 * - the candidate's predictions come from k-fold cross-validation over the police-negative
 *   corrections (each correction predicted by a model trained on the shipped corpus plus the
 *   corrections of the other folds), so the candidate is never judged on what it learnt from;
 * - the running model is judged on the corrections *it* was not trained on (all of them for the
 *   shipped default or a model file, whose training the system does not know);
 * - both are compared on that same set U: police-negative F1 against the analysts' labels;
 * - U needs at least `minCorrections` corrections with both classes among them — below that the
 *   figures are noise, and the running model stays;
 * - the candidate replaces the running model only when its F1 is strictly higher (a tie keeps
 *   what runs: a change must earn its re-analysis).
 */

/** The rule in words, recorded with every model. */
export const GATE_RULE =
  'k-fold cross-validation of the candidate over the police-negative corrections; the running model is judged on the corrections it was not trained on (all of them for the shipped default or a model file); ' +
  'both are compared by police-negative F1 on that same set, which needs at least MODEL_MIN_CORRECTIONS corrections with both classes; the candidate replaces the running model only when its F1 is strictly higher.';

/** A binary confusion matrix. */
export interface Confusion {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

/** A confusion matrix with its precision, recall and F1 (0 where undefined). */
export interface Figures extends Confusion {
  n: number;
  precision: number;
  recall: number;
  f1: number;
}

/** Counts predictions against labels. */
export function confusionOf(pairs: Iterable<{ predicted: boolean; actual: boolean }>): Confusion {
  const c: Confusion = { tp: 0, fp: 0, fn: 0, tn: 0 };
  for (const { predicted, actual } of pairs) {
    if (predicted && actual) c.tp++;
    else if (predicted) c.fp++;
    else if (actual) c.fn++;
    else c.tn++;
  }
  return c;
}

const round = (v: number) => Math.round(v * 10_000) / 10_000;

/** Precision, recall and F1 of a confusion matrix (each 0 when its denominator is). */
export function figuresOf(c: Confusion): Figures {
  const precision = c.tp + c.fp ? c.tp / (c.tp + c.fp) : 0;
  const recall = c.tp + c.fn ? c.tp / (c.tp + c.fn) : 0;
  const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
  return { ...c, n: c.tp + c.fp + c.fn + c.tn, precision: round(precision), recall: round(recall), f1: round(f1) };
}

/**
 * Deterministic stratified folds: positives in item id order dealt round-robin over the folds,
 * then negatives continuing the deal, so every fold gets its share of each class and the same
 * corrections always give the same folds. Returns item id → fold (0 … k−1).
 */
export function assignFolds(items: ReadonlyArray<{ itemId: number; label: boolean }>, k: number): Map<number, number> {
  if (!Number.isInteger(k) || k < 2) throw new Error(`folds must be a whole number ≥ 2, got ${k}`);
  const out = new Map<number, number>();
  let next = 0;
  for (const cls of [true, false]) {
    const ids = items.filter((i) => i.label === cls).map((i) => i.itemId).sort((a, b) => a - b);
    for (const id of ids) {
      out.set(id, next % k);
      next++;
    }
  }
  return out;
}

/** One correction of the evaluation set with both models' predictions. */
export interface Judged {
  itemId: number;
  actual: boolean;
  candidate: boolean;
  current: boolean;
}

/** The gate's verdict. */
export interface GateVerdict {
  accepted: boolean;
  /** Why, in words an analyst reads (Chinese, as the rest of the interface). */
  reason: string;
  /** The candidate's and the running model's figures on the same set (null when too few to judge). */
  candidate: Figures | null;
  current: Figures | null;
  evaluated: { n: number; positives: number; negatives: number };
}

/** Applies the rule to the corrections the running model was not trained on (see the module comment). */
export function decideGate(judged: readonly Judged[], minCorrections: number): GateVerdict {
  const positives = judged.filter((j) => j.actual).length;
  const evaluated = { n: judged.length, positives, negatives: judged.length - positives };
  if (judged.length < minCorrections || positives === 0 || evaluated.negatives === 0) {
    return {
      accepted: false,
      reason: `可评估的校正不足：当前模型未训练过的涉警负面校正 ${judged.length} 条（是 ${positives}，否 ${evaluated.negatives}），至少需要 ${minCorrections} 条且两类都有；保留当前模型`,
      candidate: null,
      current: null,
      evaluated,
    };
  }
  const candidate = figuresOf(confusionOf(judged.map((j) => ({ predicted: j.candidate, actual: j.actual }))));
  const current = figuresOf(confusionOf(judged.map((j) => ({ predicted: j.current, actual: j.actual }))));
  const accepted = candidate.f1 > current.f1;
  const on = `在当前模型未训练过的 ${judged.length} 条校正上`;
  return {
    accepted,
    reason: accepted
      ? `${on}，候选模型 F1 ${candidate.f1.toFixed(3)} 高于当前模型 ${current.f1.toFixed(3)}：启用候选模型`
      : `${on}，候选模型 F1 ${candidate.f1.toFixed(3)} 不高于当前模型 ${current.f1.toFixed(3)}：保留当前模型`,
    candidate,
    current,
    evaluated,
  };
}
