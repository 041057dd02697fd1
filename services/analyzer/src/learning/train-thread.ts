/**
 * Runs one candidate evaluation (candidate.ts) in a worker thread and exits: training and
 * cross-validation take seconds of CPU, during which the analyzer's main thread must keep
 * renewing its queue locks and answering PostgreSQL.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { evaluateCandidate, type CandidateInput, type CandidateOutput } from './candidate';

export type TrainThreadResult = { ok: true; output: CandidateOutput } | { ok: false; error: string };

const port = parentPort;
if (!port) throw new Error('train-thread must run in a worker thread');
try {
  port.postMessage({ ok: true, output: evaluateCandidate(workerData as CandidateInput) } satisfies TrainThreadResult);
} catch (err) {
  port.postMessage({ ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) } satisfies TrainThreadResult);
}
