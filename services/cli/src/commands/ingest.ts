/**
 * `yuqing ingest FILE.jsonl` — bulk-insert items produced elsewhere. Streams the file in batches
 * (a file of millions of lines never sits in memory), reports each bad line by number, stores
 * every good one, and is idempotent: running the same file twice inserts nothing the second time.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { createLogger } from '@yuqing/config';
import { ingestItems } from '@yuqing/crawler';
import { createAnalyzeQueue, createRedis } from '@yuqing/queue';
import { cliConfig, withDb } from '../context';
import { CliError, println, type Command } from '../io';

const BATCH = 500;

export const run: Command = async (argv, io) => {
  const [file] = argv;
  if (!file || argv.length > 1) throw new CliError('usage: yuqing ingest FILE.jsonl   ("-" reads stdin)');
  const input =
    file === '-'
      ? io.stdin
      : await stat(resolve(io.cwd, file)).then(
          () => createReadStream(resolve(io.cwd, file)),
          () => {
            throw new CliError(`cannot read ${file}: no such file`);
          },
        );
  const cfg = cliConfig(io);
  const log = createLogger('ingest', cfg.LOG_LEVEL === 'info' ? 'warn' : cfg.LOG_LEVEL);
  const redis = createRedis(cfg.REDIS_URL, 'producer');
  redis.on('error', () => undefined); // a Redis outage only delays analysis (the reconciler catches up)
  const analyzeQueue = createAnalyzeQueue(redis, cfg.QUEUE_PREFIX);
  const totals = { lines: 0, inserted: 0, duplicates: 0, invalid: 0, withUnknownFields: 0 };
  try {
    await withDb(cfg, async (db) => {
      let batch: unknown[] = [];
      let batchStart = 1;
      const flush = async () => {
        if (batch.length === 0) return;
        const r = await ingestItems({ db, analyzeQueue, log }, batch, { origin: 'ingest', indexBase: batchStart });
        totals.inserted += r.inserted;
        totals.duplicates += r.duplicates;
        totals.invalid += r.invalid.length;
        totals.withUnknownFields += r.unknownFields.length;
        for (const bad of r.invalid) println(io.stderr, `line ${bad.index}: ${bad.error}`);
        batch = [];
      };
      const lines = createInterface({ input, crlfDelay: Infinity });
      for await (const line of lines) {
        totals.lines++;
        if (!line.trim()) continue;
        let value: unknown;
        try {
          value = JSON.parse(line);
        } catch (err) {
          // Keep the numbering right: a malformed line still occupies its slot in the batch.
          value = { __malformed: err instanceof Error ? err.message : String(err) };
        }
        if (batch.length === 0) batchStart = totals.lines;
        if (value && typeof value === 'object' && '__malformed' in value) {
          await flush();
          totals.invalid++;
          println(io.stderr, `line ${totals.lines}: not valid JSON (${String((value as { __malformed: string }).__malformed)})`);
          continue;
        }
        batch.push(value);
        if (batch.length >= BATCH) await flush();
      }
      await flush();
    });
  } finally {
    await analyzeQueue.close().catch(() => undefined);
    redis.disconnect();
  }
  println(io.stdout, JSON.stringify(totals));
  return totals.invalid > 0 ? 1 : 0;
};
