/**
 * Which police-negative model runs: the active model of the learning loop (models table) wins,
 * then ANALYZER_MODEL_FILE, then the engine's built-in default (createAnalyzer without a model).
 * The analyzer's threads load it, and the gate judges a candidate against the same one.
 */
import { readFileSync } from 'node:fs';
import { loadModelRow, type Queryable, type TrainedOn } from '@yuqing/db';
import { loadModel, type ModelJson } from '@yuqing/nlp';

/** The model that runs, and where it comes from. */
export interface RunningModel {
  source: 'active' | 'file' | 'default';
  /** The models table version when `active`. */
  version: number | null;
  /** Parsed JSON; null for the built-in default. */
  model: ModelJson | null;
  /** Police-negative corrections it learnt from (active models only; null: unknown or none). */
  trainedOn: TrainedOn[] | null;
}

/** The model of ANALYZER_MODEL_FILE, or the built-in default when none is set. */
export function fallbackModel(modelFile: string | undefined): RunningModel {
  if (!modelFile) return { source: 'default', version: null, model: null, trainedOn: null };
  return { source: 'file', version: null, model: JSON.parse(readFileSync(modelFile, 'utf8')) as ModelJson, trainedOn: null };
}

/**
 * The running model: the active stored one (checked with loadModel: a row that does not load is
 * an error, not a silent fall back), else the file or the default.
 */
export async function runningModel(db: Queryable, modelFile: string | undefined, version?: number): Promise<RunningModel> {
  const row = await loadModelRow(db, version);
  if (!row) return fallbackModel(modelFile);
  loadModel(row.model);
  return { source: 'active', version: row.version, model: row.model as ModelJson, trainedOn: row.trainedOn };
}
