/**
 * Runs in a worker thread: loads the analysis engine once (dictionaries, lexicons, model) and
 * analyses the batches the main thread sends. nodejieba is synchronous, so keeping it here keeps
 * the main thread's event loop free for BullMQ's lock renewals and PostgreSQL.
 *
 * Hot reload: a `reload` message carries another model; the thread builds a new analyzer with it
 * and answers. Messages are handled in order, so the batches sent before the reload finish with
 * the old analyzer and those sent after it run with the new one; every result names the model
 * that produced it (AnalysisResult.modelVersion).
 */
import { readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { createAnalyzer, parseJurisdiction, type Analyzer, type AnalyzeInput, type AnalysisResult, type ModelJson } from '@yuqing/nlp';

export interface EngineThreadOptions {
  maxChars: number;
  /**
   * The model (parsed JSON) to run: a stored model of the learning loop. Undefined: `modelFile`
   * if set, else the engine's built-in default; null: the built-in default.
   */
  model?: unknown;
  modelFile?: string | undefined;
  jurisdictionFile?: string | undefined;
  /** POLICE_NEGATIVE_THRESHOLD; undefined: the engine's default. */
  policeNegativeThreshold?: number | undefined;
}

export type EngineRequest = { id: number; inputs: AnalyzeInput[] } | { id: number; reload: { model: unknown } };
export type EngineResponse =
  | { id: number; results: AnalysisResult[] }
  | { id: number; reloaded: true; modelVersion: string | null }
  | { id: number; error: string };
export type EngineReady = { ready: true; engineVersion: string; modelVersion: string | null } | { ready: false; error: string };

const opts = workerData as EngineThreadOptions;
const port = parentPort;
if (!port) throw new Error('engine-thread must run in a worker thread');

const WARM_UP: AnalyzeInput = { id: 'warm-up', title: '警情通报', text: '某派出所民警接到群众报警后赶到现场处置，网友纷纷点赞。' };

try {
  const jurisdiction = opts.jurisdictionFile ? parseJurisdiction(JSON.parse(readFileSync(opts.jurisdictionFile, 'utf8'))) : undefined;
  const build = (model: unknown): Analyzer => {
    const a = createAnalyzer({
      model: (model ?? null) as ModelJson | null,
      maxChars: opts.maxChars,
      ...(opts.policeNegativeThreshold !== undefined ? { policeNegativeThreshold: opts.policeNegativeThreshold } : {}),
      ...(jurisdiction ? { jurisdiction: { jurisdiction } } : {}),
    });
    // Dictionaries and lexicons load on first use: pay that before saying ready, not on the first item.
    a.analyze(WARM_UP);
    return a;
  };
  const initial = opts.model !== undefined ? opts.model : opts.modelFile ? JSON.parse(readFileSync(opts.modelFile, 'utf8')) : null;
  let analyzer = build(initial);
  port.postMessage({ ready: true, engineVersion: analyzer.engineVersion, modelVersion: analyzer.modelVersion } satisfies EngineReady);
  port.on('message', (req: EngineRequest) => {
    try {
      if ('reload' in req) {
        // A bad model leaves the running analyzer in place (the main thread validated it already).
        analyzer = build(req.reload.model);
        port.postMessage({ id: req.id, reloaded: true, modelVersion: analyzer.modelVersion } satisfies EngineResponse);
        return;
      }
      port.postMessage({ id: req.id, results: req.inputs.map((i) => analyzer.analyze(i)) } satisfies EngineResponse);
    } catch (err) {
      port.postMessage({ id: req.id, error: err instanceof Error ? err.message : String(err) } satisfies EngineResponse);
    }
  });
} catch (err) {
  port.postMessage({ ready: false, error: err instanceof Error ? err.message : String(err) } satisfies EngineReady);
}
