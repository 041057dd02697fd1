/**
 * pnpm bench:topics — the topic stage alone (clustering, stories, detection), items already
 * analysed, with 50,000 live topics in the window.
 *
 * Texts are real headlines (../shared/data/events/thucnews-titles-dev.tsv), analysed once before
 * timing; distinct stories are pairs of headlines, so 50,000+ distinct texts with real keywords.
 * Timed: a stream of 60% reposts of live stories and 40% new items, in event time, against the
 * 50,000 live topics. Prints items/s per round and the median, and memory per 100,000 live stories
 * (heap after a forced GC, before and after adding them).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createAnalyzer } from '@yuqing/nlp';
import { TopicEngine, type TopicItem } from '@yuqing/topics';
import { sharedPath } from '../shared-data';

const LIVE_TOPICS = 50_000;
const STREAM = 50_000;
const ROUNDS = Number(process.argv[2] ?? 3);

const file = sharedPath('events', 'thucnews-titles-dev.tsv');
if (!existsSync(file)) {
  console.error(`bench:topics needs ${file} (../shared/data); not found`);
  process.exit(2);
}
const titles = readFileSync(file, 'utf8').split('\n').map((l) => l.split('\t')[0]?.trim() ?? '').filter(Boolean);
const analyzer = createAnalyzer();
const analysed = titles.map((t, i) => ({ text: t, a: analyzer.analyze({ id: String(i), text: t }) }));

/** A distinct "story" from three headlines: text and keywords of all three. */
function story(i: number): { text: string; keywords: string[]; policeNegative: boolean } {
  const n = analysed.length;
  const parts = [analysed[i % n]!, analysed[(Math.floor(i / n) * 7919 + i * 31 + 13) % n]!, analysed[(i * 104729 + 7) % n]!];
  const keywords: string[] = [];
  for (let k = 0; k < 8; k++) for (const p of parts) if (p.a.keywords[k] && !keywords.includes(p.a.keywords[k]!)) keywords.push(p.a.keywords[k]!);
  return { text: parts.map((p) => p.text).join('；'), keywords: keywords.slice(0, 8), policeNegative: parts.some((p) => p.a.policeNegative) };
}

function toItem(id: string, t: number, s: { text: string; keywords: string[]; policeNegative: boolean }, text = s.text): TopicItem {
  return {
    id,
    publishedAt: t,
    text,
    source: `src${id.length % 17}`,
    analysis: { policeRelated: s.policeNegative, policeNegative: s.policeNegative, sentiment: 'neutral', keywords: s.keywords, places: [], jurisdictionHits: [], categories: [] },
  };
}

const gc = (globalThis as { gc?: () => void }).gc;
const heapMb = () => {
  gc?.();
  return process.memoryUsage().heapUsed / 2 ** 20;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const T0 = Date.UTC(2024, 0, 1);
const rates: number[] = [];
let perStories = 0;
for (let round = 0; round < ROUNDS; round++) {
  const engine = new TopicEngine();
  const before = heapMb();
  // 50,000 live topics: distinct stories one second apart (all inside the 48 h window).
  for (let i = 0; i < LIVE_TOPICS; i++) engine.process(toItem(`w${i}`, T0 + i * 1000, story(i)));
  const afterWarm = heapMb();
  const live = [...engine.topics.values()].filter((t) => t.status === 'open').length;
  const warmStories = engine.stories.size;
  // The stream: reposts of live stories and new items, in event time.
  const stream: TopicItem[] = [];
  let t = T0 + LIVE_TOPICS * 1000;
  for (let i = 0; i < STREAM; i++) {
    t += 200;
    if (i % 5 < 3) {
      const k = (i * 104729) % LIVE_TOPICS;
      const s = story(k);
      stream.push(toItem(`r${round}-${i}`, t, s, `说得好 ${i} //转发：${s.text}`));
    } else stream.push(toItem(`n${round}-${i}`, t, story(LIVE_TOPICS + round * STREAM + i)));
  }
  const started = performance.now();
  for (const item of stream) engine.process(item);
  const rate = STREAM / ((performance.now() - started) / 1000);
  rates.push(rate);
  perStories = ((afterWarm - before) / warmStories) * 100_000;
  console.log(`round ${round + 1}: ${Math.round(rate)} items/s with ${live} live topics (${warmStories} stories); heap +${Math.round(afterWarm - before)} MB for them`);
}
console.log(`bench:topics median ${Math.round(median(rates))} items/s (target ≥ 5000) with ${LIVE_TOPICS} live topics; ~${Math.round(perStories)} MB per 100,000 live stories (each its own topic)${gc ? '' : ' (run with --expose-gc for exact heap figures)'}`);
