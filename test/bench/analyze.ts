/**
 * pnpm bench:analyze — throughput of the full analysis engine against raw segmentation.
 *
 * Texts: real Weibo and news text from ../shared/data (evaluation-only data; a benchmark may read
 * it, nothing here ships): police/dev.jsonl, the first OSM_N Weibo comments of
 * sentiment/osm-weibo-train.jsonl, every THUC_STEP-th THUCNews headline and the first REPLAY_N
 * items of events/replay-dev.jsonl.gz (Weibo posts, reposts and headlines).
 *
 * In one process: warm up both, then ROUNDS alternating rounds of
 *   raw    nodejieba.cut(text, true) over all texts,
 *   engine createAnalyzer().analyze({ id, text }) over all texts,
 * printing items/s of each per round, the median engine/raw ratio and the peak RSS.
 * Target: ratio ≥ 0.60 (everything besides segmentation costs at most 40 % on top of it) and
 * peak RSS < 400 MB. Exits 1 when a target is missed, 2 when the shared data is missing.
 *
 *   npx tsx test/bench/analyze.ts [rounds]      (pnpm bench:analyze)
 */
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { createAnalyzer } from '../../packages/nlp/src/index';
import { sharedPath } from '../shared-data';

// nodejieba is a dependency of @yuqing/nlp, not of the root: resolved from the package, it is the
// very module instance (same real path, same native binding) the engine's tokenizer uses.
const nodejieba = createRequire(new URL('../../packages/nlp/package.json', import.meta.url))('nodejieba') as { cut(text: string, hmm?: boolean): string[] };

const ROUNDS = Math.max(1, Number(process.argv[2] ?? 5) || 5);
const OSM_N = 4000;
const THUC_STEP = 5;
const REPLAY_N = 4000;
const TARGET_RATIO = 0.6;
const TARGET_RSS_MB = 400;

interface Text {
  id: string;
  text: string;
}

function jsonl(buf: string, limit = Infinity): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (const line of buf.split('\n')) {
    if (out.length >= limit) break;
    if (line.trim()) out.push(JSON.parse(line) as Record<string, unknown>);
  }
  return out;
}

/** The first `limit` records of a gzipped JSONL file, read as a stream (the whole file would inflate the peak RSS measured below). */
async function gzJsonl(path: string, limit: number): Promise<Array<Record<string, unknown>>> {
  const out: Array<Record<string, unknown>> = [];
  const stream = createReadStream(path).pipe(createGunzip());
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.trim()) out.push(JSON.parse(line) as Record<string, unknown>);
    if (out.length >= limit) break;
  }
  lines.close();
  stream.destroy();
  return out;
}

async function loadTexts(): Promise<{ texts: Text[]; parts: string[] }> {
  const files = {
    police: sharedPath('police', 'dev.jsonl'),
    osm: sharedPath('sentiment', 'osm-weibo-train.jsonl'),
    thuc: sharedPath('events', 'thucnews-titles-dev.tsv'),
    replay: sharedPath('events', 'replay-dev.jsonl.gz'),
  };
  const missing = Object.values(files).filter((f) => !existsSync(f));
  if (missing.length > 0) {
    console.error(`bench:analyze needs the shared data (SHARED_DATA_DIR); missing:\n  ${missing.join('\n  ')}`);
    process.exit(2);
  }
  const texts: Text[] = [];
  const parts: string[] = [];
  const add = (name: string, rows: Text[]): void => {
    texts.push(...rows.filter((r) => r.text.length > 0));
    parts.push(`${name} ${rows.length}`);
  };
  const fromJson = (rows: Array<Record<string, unknown>>): Text[] => rows.map((r) => ({ id: String(r.id), text: typeof r.text === 'string' ? r.text : '' }));
  add('police/dev', fromJson(jsonl(readFileSync(files.police, 'utf8'))));
  add('osm-weibo', fromJson(jsonl(readFileSync(files.osm, 'utf8'), OSM_N)));
  const thuc = readFileSync(files.thuc, 'utf8')
    .split('\n')
    .filter((l, i) => l.trim() && i % THUC_STEP === 0)
    .map((l, i) => ({ id: `thuc-${i}`, text: l.split('\t')[0] ?? '' }));
  add('thucnews headlines', thuc);
  add('replay-dev', fromJson(await gzJsonl(files.replay, REPLAY_N)));
  return { texts, parts };
}

let peakRss = 0;
function sampleRss(): void {
  const r = process.memoryUsage.rss();
  if (r > peakRss) peakRss = r;
}

/** Runs f over every text, sampling RSS every 256 items (a timer would never fire in this synchronous loop). */
function timeRound(texts: readonly Text[], f: (t: Text) => unknown): number {
  let sink = 0;
  const started = performance.now();
  for (let i = 0; i < texts.length; i++) {
    const r = f(texts[i] as Text);
    if (r) sink++;
    if ((i & 255) === 0) sampleRss();
  }
  const secs = (performance.now() - started) / 1000;
  sampleRss();
  if (sink < 0) console.log(sink); // keeps the results observably used
  return texts.length / secs;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

const { texts, parts } = await loadTexts();
const chars = texts.reduce((n, t) => n + t.text.length, 0);
console.log(`texts: ${texts.length} (${parts.join(', ')}), ${(chars / 1e6).toFixed(2)} M chars, mean ${(chars / texts.length).toFixed(0)} chars`);
sampleRss();

const analyzer = createAnalyzer();
const raw = (t: Text): unknown => nodejieba.cut(t.text, true);
const engine = (t: Text): unknown => analyzer.analyze({ id: t.id, text: t.text });

// Warm-up. The engine goes first: its first analyze() loads the domain user dictionary into the
// process-wide nodejieba (nodejieba.load), so from then on the raw baseline segments with the very
// same dictionary state as the engine's tokenizer — both measure the same segmentation.
timeRound(texts, engine);
timeRound(texts, raw);

const rawRates: number[] = [];
const engineRates: number[] = [];
const ratios: number[] = [];
for (let r = 1; r <= ROUNDS; r++) {
  const rawRate = timeRound(texts, raw);
  const engineRate = timeRound(texts, engine);
  rawRates.push(rawRate);
  engineRates.push(engineRate);
  ratios.push(engineRate / rawRate);
  console.log(`round ${r}: raw nodejieba.cut ${rawRate.toFixed(0)} items/s, engine analyze ${engineRate.toFixed(0)} items/s, ratio ${(engineRate / rawRate).toFixed(3)}`);
}
const ratio = median(ratios);
const rssMb = peakRss / 2 ** 20;
console.log(`median: raw ${median(rawRates).toFixed(0)} items/s, engine ${median(engineRates).toFixed(0)} items/s`);
console.log(`ratio ${ratio.toFixed(3)} (target ≥ ${TARGET_RATIO.toFixed(2)}), peak RSS ${rssMb.toFixed(0)} MB (target < ${TARGET_RSS_MB} MB)`);
const ok = ratio >= TARGET_RATIO && rssMb < TARGET_RSS_MB;
if (!ok) console.log('BELOW TARGET');
process.exit(ok ? 0 : 1);
