/**
 * Runs in a worker thread: loads the analysis engine once (dictionaries, lexicons, model) and
 * analyses the batches the main thread sends. nodejieba is synchronous, so keeping it here keeps
 * the main thread's event loop free for BullMQ's lock renewals and PostgreSQL.
 */
import { readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { createAnalyzer, parseJurisdiction, type AnalyzeInput, type AnalysisResult } from '@yuqing/nlp';

export interface EngineThreadOptions {
  maxChars: number;
  modelFile?: string | undefined;
  jurisdictionFile?: string | undefined;
}

export type EngineRequest = { id: number; inputs: AnalyzeInput[] };
export type EngineResponse = { id: number; results: AnalysisResult[] } | { id: number; error: string };
export type EngineReady = { ready: true; engineVersion: string; modelVersion: string | null } | { ready: false; error: string };

const opts = workerData as EngineThreadOptions;
const port = parentPort;
if (!port) throw new Error('engine-thread must run in a worker thread');

try {
  const model = opts.modelFile ? JSON.parse(readFileSync(opts.modelFile, 'utf8')) : null;
  const jurisdiction = opts.jurisdictionFile ? parseJurisdiction(JSON.parse(readFileSync(opts.jurisdictionFile, 'utf8'))) : undefined;
  const analyzer = createAnalyzer({ model, maxChars: opts.maxChars, ...(jurisdiction ? { jurisdiction: { jurisdiction } } : {}) });
  // Dictionaries and lexicons load on first use: pay that before saying ready, not on the first item.
  analyzer.analyze({ id: 'warm-up', title: '警情通报', text: '某派出所民警接到群众报警后赶到现场处置，网友纷纷点赞。' });
  port.postMessage({ ready: true, engineVersion: analyzer.engineVersion, modelVersion: analyzer.modelVersion } satisfies EngineReady);
  port.on('message', (req: EngineRequest) => {
    try {
      port.postMessage({ id: req.id, results: req.inputs.map((i) => analyzer.analyze(i)) } satisfies EngineResponse);
    } catch (err) {
      port.postMessage({ id: req.id, error: err instanceof Error ? err.message : String(err) } satisfies EngineResponse);
    }
  });
} catch (err) {
  port.postMessage({ ready: false, error: err instanceof Error ? err.message : String(err) } satisfies EngineReady);
}
