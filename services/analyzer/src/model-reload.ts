/**
 * Hot reload of the police-negative model: when another model becomes active (an activation by
 * the gate, an admin's roll-back through the API or the CLI), every analyzer process switches its
 * engine threads to it without a restart. The activation is announced on Redis pub/sub
 * (modelEventsChannel); the models table is also checked every MODEL_CHECK_MS, in case a message
 * is lost. Either way the table decides: the message is only a hint to look.
 */
import type { Config, Logger } from '@yuqing/config';
import { getActiveModelRef, type Pool } from '@yuqing/db';
import { createRedis, modelEventsChannel } from '@yuqing/queue';
import type { EnginePool } from './engine-pool';
import { fallbackModel, runningModel } from './model-source';

export interface ModelReloader {
  /** The models-table version the threads run (null: ANALYZER_MODEL_FILE or the built-in default). */
  readonly version: number | null;
  /** Looks at the models table and reloads the threads if another model is active; one check at a time. */
  refresh(): Promise<void>;
  close(): Promise<void>;
}

export interface ModelReloaderDeps {
  cfg: Pick<Config, 'REDIS_URL' | 'QUEUE_PREFIX' | 'MODEL_CHECK_MS' | 'ANALYZER_MODEL_FILE'>;
  db: Pool;
  log: Logger;
  engine: Pick<EnginePool, 'reload'>;
  /** The version the threads were started with (null: file or default). */
  initialVersion: number | null;
}

/** Subscribes to model announcements and starts the periodic check. */
export async function startModelReloader(deps: ModelReloaderDeps): Promise<ModelReloader> {
  const { cfg, db, log, engine } = deps;
  let version = deps.initialVersion;
  let closed = false;

  const check = async (): Promise<void> => {
    if (closed) return;
    const active = await getActiveModelRef(db);
    const want = active?.version ?? null;
    if (want === version) return;
    const next = want === null ? fallbackModel(cfg.ANALYZER_MODEL_FILE) : await runningModel(db, cfg.ANALYZER_MODEL_FILE, want);
    const modelVersion = await engine.reload(next.model);
    log.info({ from: version, to: next.version, source: next.source, modelVersion }, 'analysis model reloaded');
    version = next.version;
  };
  // One check at a time: a message and the timer arriving together reload once.
  let chain: Promise<void> = Promise.resolve();
  const refresh = (): Promise<void> => {
    const run = chain.then(check);
    chain = run.catch(() => undefined);
    return run;
  };
  const quietly = (why: string) =>
    void refresh().catch((err: unknown) => log.warn({ err: err instanceof Error ? err.message : String(err), why }, 'could not check the active model'));

  const subscriber = createRedis(cfg.REDIS_URL, 'worker');
  subscriber.on('error', (err) => log.warn({ err: err.message }, 'redis (model subscriber) error'));
  subscriber.on('message', () => quietly('announcement'));
  await subscriber.subscribe(modelEventsChannel(cfg.QUEUE_PREFIX));
  const timer = setInterval(() => quietly('periodic check'), cfg.MODEL_CHECK_MS);
  timer.unref();
  // An activation between reading the model at start and subscribing would otherwise wait for the timer.
  quietly('start');

  return {
    get version() {
      return version;
    },
    refresh,
    async close() {
      closed = true;
      clearInterval(timer);
      await chain;
      await subscriber.quit().catch(() => undefined);
    },
  };
}
