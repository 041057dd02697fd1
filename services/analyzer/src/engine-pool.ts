/**
 * A small pool of engine threads. A batch is split across the threads and the results come back
 * in input order. A thread that dies is replaced; its in-flight batch fails (and its jobs are
 * retried by BullMQ), nothing else is affected.
 *
 * `reload(model)` switches every thread to another model without a restart: each thread takes the
 * reload after the batches already sent to it (they finish with the old model) and before any
 * sent later; a thread started afterwards (replacing a crashed one) starts with the new model.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { AnalyzeInput, AnalysisResult } from '@yuqing/nlp';
import type { EngineReady, EngineRequest, EngineResponse, EngineThreadOptions } from './engine-thread';

interface Pending {
  resolve: (r: AnalysisResult[] | string | null) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  busy: number;
  waiting: Map<number, Pending>;
}

export interface EnginePool {
  analyze(inputs: AnalyzeInput[]): Promise<AnalysisResult[]>;
  /**
   * Switches every thread to `model` (parsed JSON; null: the engine's built-in default) and
   * resolves with its modelVersion once all have. Validate the model first (loadModel): a thread
   * that cannot load it keeps its old one and the promise rejects.
   */
  reload(model: unknown): Promise<string | null>;
  readonly engineVersion: string;
  /** The model of the latest load or reload (a batch in flight may still finish with the previous one). */
  readonly modelVersion: string | null;
  close(): Promise<void>;
}

const THREAD_FILE = new URL('./engine-thread-boot.mjs', import.meta.url);

/** Starts `threads` engine threads (0: one per core but one, at least one) and waits until they are loaded. */
export async function createEnginePool(threads: number, opts: EngineThreadOptions): Promise<EnginePool> {
  const count = threads > 0 ? threads : Math.max(1, availableParallelism() - 1);
  let nextId = 1;
  let closing = false;
  let versions: { engineVersion: string; modelVersion: string | null } = { engineVersion: 'unknown', modelVersion: null };
  let slots: Slot[] = [];
  // What a thread started now loads: the options, with the latest reloaded model.
  let threadOptions: EngineThreadOptions = { ...opts };

  const start = (): Promise<Slot> =>
    new Promise((resolve, reject) => {
      const worker = new Worker(THREAD_FILE, { workerData: threadOptions });
      const slot: Slot = { worker, busy: 0, waiting: new Map() };
      worker.once('message', (m: EngineReady) => {
        if (!m.ready) {
          reject(new Error(`analysis engine failed to load: ${m.error}`));
          void worker.terminate();
          return;
        }
        versions = { engineVersion: m.engineVersion, modelVersion: m.modelVersion };
        worker.on('message', (r: EngineResponse) => {
          const w = slot.waiting.get(r.id);
          if (!w) return;
          slot.waiting.delete(r.id);
          slot.busy--;
          if ('error' in r) w.reject(new Error(r.error));
          else if ('reloaded' in r) w.resolve(r.modelVersion);
          else w.resolve(r.results);
        });
        resolve(slot);
      });
      worker.on('error', (err) => {
        for (const w of slot.waiting.values()) w.reject(err);
        slot.waiting.clear();
        reject(err);
      });
      worker.on('exit', () => {
        for (const w of slot.waiting.values()) w.reject(new Error('engine thread exited'));
        slot.waiting.clear();
        const i = slots.indexOf(slot);
        if (!closing && i >= 0) {
          // Replace a crashed thread so the pool keeps its size.
          start().then((s) => (slots[i] = s), () => undefined);
        }
      });
    });

  slots = await Promise.all(Array.from({ length: count }, start));

  const send = <T extends AnalysisResult[] | string | null>(slot: Slot, req: { inputs: AnalyzeInput[] } | { reload: { model: unknown } }) =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      slot.waiting.set(id, { resolve: resolve as Pending['resolve'], reject });
      slot.busy++;
      slot.worker.postMessage({ id, ...req } satisfies EngineRequest);
    });

  return {
    get engineVersion() {
      return versions.engineVersion;
    },
    get modelVersion() {
      return versions.modelVersion;
    },
    async analyze(inputs) {
      if (inputs.length === 0) return [];
      // Split evenly across threads, least busy first.
      const order = [...slots].sort((a, b) => a.busy - b.busy);
      const size = Math.ceil(inputs.length / order.length);
      const parts = order.map((slot, i) => ({ slot, part: inputs.slice(i * size, (i + 1) * size) })).filter((p) => p.part.length);
      const results = await Promise.all(parts.map((p) => send<AnalysisResult[]>(p.slot, { inputs: p.part })));
      return results.flat();
    },
    async reload(model) {
      threadOptions = { ...opts, model: model ?? null };
      const loaded = await Promise.all(slots.map((s) => send<string | null>(s, { reload: { model: model ?? null } })));
      const modelVersion = loaded[0] ?? null;
      versions = { ...versions, modelVersion };
      return modelVersion;
    },
    async close() {
      closing = true;
      await Promise.all(slots.map((s) => s.worker.terminate()));
    },
  };
}
