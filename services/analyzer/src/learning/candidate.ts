/**
 * Trains a candidate police-negative model from the corrections and judges it against the running
 * model (gate.ts). CPU only, synchronous, deterministic for the same input: it runs in a worker
 * thread (train-thread.ts) so that an analyzer's event loop keeps its queue locks meanwhile.
 *
 * Cost: k + 1 trainings (trainStanceModel: the shipped corpus plus the corrections) and one
 * analysis per correction and model — a few seconds per training on the shipped corpus.
 */
import { createAnalyzer, trainStanceModel, type Analyzer, type ModelJson, type TrainingExample } from '@yuqing/nlp';
import type { TrainedOn } from '@yuqing/db';
import { assignFolds, decideGate, figuresOf, confusionOf, GATE_RULE, type Figures, type Judged } from './gate';
import { labelExample, type LabelLine } from './labels';

/** Where the running model comes from. */
export type CurrentSource = 'active' | 'file' | 'default';

/** What the candidate is judged against. */
export interface CurrentModel {
  source: CurrentSource;
  /** The models table version when `active`. */
  version: number | null;
  model: ModelJson | null;
  /** The police-negative corrections it was trained on; null: unknown or none (a file, the default). */
  trainedOn: TrainedOn[] | null;
}

export interface CandidateInput {
  lines: LabelLine[];
  current: CurrentModel;
  folds: number;
  minCorrections: number;
  /** The police-negative threshold the analyzers run with (undefined: the engine's default). */
  threshold?: number | undefined;
  maxChars?: number | undefined;
  /** Written into the trained models (the training's snapshot time). */
  createdAt: string;
}

/** The gate's record: rule, figures of both, decision (stored as models.metrics). */
export interface GateMetrics {
  rule: string;
  folds: number;
  /** The police-negative threshold the candidate was judged at (POLICE_NEGATIVE_THRESHOLD, else its own operating point); null in rows written before it was recorded. */
  threshold: number | null;
  minCorrections: number;
  corrections: { total: number; policeNegative: number; positives: number; unseenByCurrent: number };
  candidate: (Figures & { on: 'unseen-by-current' }) | null;
  /** The candidate's cross-validated figures over every police-negative correction (for reference). */
  candidateAll: Figures | null;
  current: { source: CurrentSource; version: number | null; modelVersion: string | null; figures: Figures | null };
  decision: 'activate' | 'reject';
  reason: string;
}

export interface CandidateOutput {
  model: ModelJson;
  examples: number;
  trainedOn: TrainedOn[];
  accepted: boolean;
  reason: string;
  metrics: GateMetrics;
}

interface Correction {
  line: LabelLine;
  example: TrainingExample;
}

const key = (itemId: number, label: boolean) => `${itemId}:${label ? 1 : 0}`;

/** Trains the candidate on every correction, cross-validates it and applies the gate. */
export function evaluateCandidate(input: CandidateInput): CandidateOutput {
  const corrections: Correction[] = input.lines.map((line) => {
    const example = labelExample(line);
    // labelLines hands over only lines with a label, so this cannot happen; kept as a guard.
    if (typeof example === 'string') throw new Error(`item ${line.item_id}: ${example}`);
    return { line, example };
  });
  const opts = { createdAt: input.createdAt };
  const model = trainStanceModel(corrections.map((c) => c.example), opts);
  const labelled = corrections.filter((c) => c.line.police_negative !== undefined);
  const trainedOn: TrainedOn[] = labelled.map((c) => [c.line.item_id, c.line.police_negative ? 1 : 0]);
  const analyzerOf = (m: ModelJson | null): Analyzer =>
    createAnalyzer({ model: m, ...(input.threshold !== undefined ? { policeNegativeThreshold: input.threshold } : {}), ...(input.maxChars !== undefined ? { maxChars: input.maxChars } : {}) });
  const predict = (a: Analyzer, c: Correction): boolean => a.analyze({ id: String(c.line.item_id), title: c.line.title ?? null, text: c.line.text }).policeNegative;

  // The set both are judged on: corrections the running model did not learn (with this label).
  const seen = new Set((input.current.trainedOn ?? []).map(([id, l]) => key(id, l === 1)));
  const unseen = labelled.filter((c) => !seen.has(key(c.line.item_id, c.line.police_negative === true)));
  const positives = labelled.filter((c) => c.line.police_negative).length;
  const unseenPositives = unseen.filter((c) => c.line.police_negative).length;
  const judgeable = unseen.length >= input.minCorrections && unseenPositives > 0 && unseenPositives < unseen.length;

  const candidatePrediction = new Map<number, boolean>();
  const k = Math.min(input.folds, labelled.length);
  if (judgeable && k >= 2) {
    const fold = assignFolds(labelled.map((c) => ({ itemId: c.line.item_id, label: c.line.police_negative === true })), k);
    for (let f = 0; f < k; f++) {
      const held = new Set(labelled.filter((c) => fold.get(c.line.item_id) === f).map((c) => c.line.item_id));
      if (!held.size) continue;
      // Corrections without a police-negative label (sentiment only) are never held out.
      const foldModel = trainStanceModel(corrections.filter((c) => !held.has(c.line.item_id)).map((c) => c.example), opts);
      const a = analyzerOf(foldModel);
      for (const c of labelled) if (held.has(c.line.item_id)) candidatePrediction.set(c.line.item_id, predict(a, c));
    }
  }
  const running = judgeable ? analyzerOf(input.current.model) : null;
  const judged: Judged[] = running
    ? unseen.map((c) => ({ itemId: c.line.item_id, actual: c.line.police_negative === true, candidate: candidatePrediction.get(c.line.item_id) === true, current: predict(running, c) }))
    : unseen.map((c) => ({ itemId: c.line.item_id, actual: c.line.police_negative === true, candidate: false, current: false }));
  // Not judgeable: the gate refuses on the counts alone (the placeholder predictions are never compared).
  const verdict = decideGate(judged, input.minCorrections);
  const candidateAll = candidatePrediction.size
    ? figuresOf(confusionOf(labelled.map((c) => ({ predicted: candidatePrediction.get(c.line.item_id) === true, actual: c.line.police_negative === true }))))
    : null;
  const metrics: GateMetrics = {
    rule: GATE_RULE,
    folds: k,
    // Unset: the candidate's own operating point (calibrated on the corrections, or the engine's default).
    threshold: input.threshold ?? analyzerOf(model).policeNegativeThreshold,
    minCorrections: input.minCorrections,
    corrections: { total: corrections.length, policeNegative: labelled.length, positives, unseenByCurrent: unseen.length },
    candidate: verdict.candidate ? { ...verdict.candidate, on: 'unseen-by-current' } : null,
    candidateAll,
    current: {
      source: input.current.source,
      version: input.current.version,
      // The built-in default may carry a model of its own: name what actually ran.
      modelVersion: running ? running.modelVersion : input.current.model && typeof input.current.model.modelVersion === 'string' ? input.current.model.modelVersion : null,
      figures: verdict.current,
    },
    decision: verdict.accepted ? 'activate' : 'reject',
    reason: verdict.reason,
  };
  return { model, examples: corrections.length, trainedOn, accepted: verdict.accepted, reason: verdict.reason, metrics };
}
