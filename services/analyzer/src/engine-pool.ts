/**
 * A small pool of engine threads. A batch is split across the threads and the results come back
 * in input order. A thread that dies is replaced; its in-flight batch fails (and its jobs are
 * retried by BullMQ), nothing else is affected.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { AnalyzeInput, AnalysisResult } from '@yuqing/nlp';
import type { EngineReady, EngineResponse, EngineThreadOptions } from './engine-thread';

interface Slot {
  worker: Worker;
  busy: number;
  waiting: Map<number, { resolve: (r: AnalysisResult[]) => void; reject: (e: Error) => void }>;
}

export interface EnginePool {
  analyze(inputs: AnalyzeInput[]): Promise<AnalysisResult[]>;
  readonly engineVersion: string;
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

  const start = (): Promise<Slot> =>
    new Promise((resolve, reject) => {
      const worker = new Worker(THREAD_FILE, { workerData: opts });
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

  const send = (slot: Slot, inputs: AnalyzeInput[]) =>
    new Promise<AnalysisResult[]>((resolve, reject) => {
      const id = nextId++;
      slot.waiting.set(id, { resolve, reject });
      slot.busy++;
      slot.worker.postMessage({ id, inputs });
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
      const results = await Promise.all(parts.map((p) => send(p.slot, p.part)));
      return results.flat();
    },
    async close() {
      closing = true;
      await Promise.all(slots.map((s) => s.worker.terminate()));
    },
  };
}
