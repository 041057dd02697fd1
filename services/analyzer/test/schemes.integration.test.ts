/**
 * Monitoring schemes in the running analyzer, against real PostgreSQL and Redis: an analysed item is
 * matched against the enabled schemes (item_schemes); an item matching a jurisdiction scheme gets the
 * scheme's place words as jurisdiction hits, which its topic counts (topics.jurisdiction_hits, the
 * `jurisdictionHits` indicator of the levels); a scheme saved while the analyzer runs applies to the
 * next batch, a disabled one to none.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnalyzeQueue, createRedis, createTopicQueue } from '@yuqing/queue';
import { createAnalyzer, type AnalyzeInput } from '@yuqing/nlp';
import { reanalyzeBatch } from '../src/reanalyze-batch';
import { ingestItems } from '@yuqing/crawler';
import { startAnalyzerService, type AnalyzerService } from '@yuqing/analyzer';
import { getAnalysis, insertScheme, schemeInputSchema, type SchemeInput } from '@yuqing/db';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';

const log = pino({ level: 'silent' });
let t: TestEnv;
let producer: ReturnType<typeof createRedis>;
let queue: ReturnType<typeof createAnalyzeQueue>;
let service: AnalyzerService;

async function waitFor(cond: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

const scheme = async (input: SchemeInput) => {
  const s = await insertScheme(t.db, schemeInputSchema.parse(input), { id: null, name: 'test' });
  if (!s) throw new Error('scheme not stored');
  return s.id;
};

/** Ingests items and waits until the topic stage placed them; returns their ids by external id. */
async function ingest(values: Array<{ id: string; text: string }>): Promise<Record<string, number>> {
  await ingestItems({ db: t.db, analyzeQueue: queue, log }, values.map((v) => ({ ...v, source: '测试' })), { origin: 'push' });
  const ids = values.map((v) => v.id);
  await waitFor(
    async () =>
      (await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM items i JOIN story_items si ON si.item_id = i.id WHERE i.external_id = ANY($1)', [ids])).rows[0]?.n ===
      ids.length,
  );
  const { rows } = await t.db.query<{ id: number; external_id: string }>('SELECT id, external_id FROM items WHERE external_id = ANY($1)', [ids]);
  return Object.fromEntries(rows.map((r) => [r.external_id, r.id]));
}

const schemesOf = async (itemId: number) =>
  (await t.db.query<{ scheme_id: number; words: string[] }>('SELECT scheme_id, words FROM item_schemes WHERE item_id = $1 ORDER BY scheme_id', [itemId])).rows.map((r) => ({
    schemeId: Number(r.scheme_id),
    words: r.words,
  }));
const topicHits = async (itemId: number) =>
  (
    await t.db.query<{ jurisdiction_hits: number }>(
      'SELECT t.jurisdiction_hits FROM story_items si JOIN stories s ON s.id = si.story_id JOIN topics t ON t.id = s.topic_id WHERE si.item_id = $1',
      [itemId],
    )
  ).rows[0]?.jurisdiction_hits;

beforeAll(async () => {
  // No JURISDICTION_FILE: the engine finds no jurisdiction hit by itself, so every hit below is the scheme's.
  t = await createTestEnv('schemesanalyzer', { ANALYZER_THREADS: '1', ANALYZER_BATCH_WAIT_MS: '10' });
  producer = createRedis(t.cfg.REDIS_URL, 'producer');
  queue = createAnalyzeQueue(producer, t.cfg.QUEUE_PREFIX);
  service = await startAnalyzerService(t.cfg, { log });
});
afterAll(async () => {
  await service?.close();
  await queue?.close();
  producer?.disconnect();
  await t?.cleanup();
});

describe('schemes in the analyzer', () => {
  let home: number;
  let other: number;
  let off: number;

  it('records the schemes an item matches and turns a jurisdiction scheme’s place words into jurisdiction hits its topic counts', async () => {
    home = await scheme({ name: '本局辖区', jurisdiction: true, placeWords: ['青石', '柳湾'], subjectWords: ['派出所', '民警'] });
    other = await scheme({ name: '白沙关注', placeWords: ['白沙'], eventWords: ['打人'] });
    off = await scheme({ name: '停用方案', enabled: false, eventWords: ['打人'] });
    const ids = await ingest([
      { id: 'scheme-a', text: '网传青石派出所民警在白沙镇执法时打人，当事人质疑执法过程不规范，视频引发网友热议。' },
      { id: 'scheme-b', text: '东湖公园今日举办花展，市民踊跃前往参观游览，现场秩序良好。' },
    ]);
    const a = ids['scheme-a']!;
    const b = ids['scheme-b']!;
    expect(await schemesOf(a)).toEqual([
      { schemeId: home, words: ['青石', '派出所', '民警'] },
      { schemeId: other, words: ['白沙', '打人'] },
    ]);
    expect(await schemesOf(b)).toEqual([]);
    // Only the jurisdiction scheme's place words count as jurisdiction hits (白沙 belongs to a scheme that is not the bureau's own).
    expect((await getAnalysis(t.db, a))?.jurisdictionHits).toEqual(['青石']);
    expect((await getAnalysis(t.db, b))?.jurisdictionHits).toEqual([]);
    expect(await topicHits(a)).toBe(1);
    expect(await topicHits(b)).toBe(0);
    // The disabled scheme's event word (打人) is in item a: it matched nothing all the same.
    expect((await schemesOf(a)).map((x) => x.schemeId)).not.toContain(off);
  });

  it('keeps a jurisdiction scheme’s places as jurisdiction hits when the item is analysed again (a new model)', async () => {
    const a = (await t.db.query<{ id: number }>(`SELECT id FROM items WHERE external_id = 'scheme-a' OR url LIKE '%scheme-a%' ORDER BY id LIMIT 1`)).rows[0]!.id;
    const analyzer = createAnalyzer({ defaultStanceModel: false });
    const engine = { engineVersion: analyzer.engineVersion, analyze: async (inputs: AnalyzeInput[]) => inputs.map((i) => analyzer.analyze(i)) };
    const topicQueue = createTopicQueue(producer, t.cfg.QUEUE_PREFIX);
    try {
      const [outcome] = await reanalyzeBatch({ db: t.db, engine, ensureCurrentModel: async () => undefined, topicQueue, log }, [a]);
      expect(outcome).toBe('stored'); // the model changed (none now): the analysis was replaced
      expect((await getAnalysis(t.db, a))?.jurisdictionHits).toEqual(['青石']);
    } finally {
      await topicQueue.close();
    }
  });

  it('applies a scheme saved while it runs to the next batch, and no longer a disabled one', async () => {
    const late = await scheme({ name: '东湖关注', jurisdiction: true, placeWords: ['东湖'] });
    await t.db.query('UPDATE schemes SET enabled = false, updated_at = now() WHERE id = $1', [home]);
    const ids = await ingest([
      { id: 'scheme-c', text: '东湖派出所民警帮助走失老人回家，家属送来锦旗表示感谢。' },
      { id: 'scheme-d', text: '柳湾街道派出所民警开展反诈宣传进社区活动，提醒居民谨防电信诈骗。' },
    ]);
    expect(await schemesOf(ids['scheme-c']!)).toEqual([{ schemeId: late, words: ['东湖'] }]);
    expect((await getAnalysis(t.db, ids['scheme-c']!))?.jurisdictionHits).toEqual(['东湖']);
    expect(await topicHits(ids['scheme-c']!)).toBeGreaterThanOrEqual(1);
    // 本局辖区 is disabled now: 柳湾 … 派出所 matches nothing.
    expect(await schemesOf(ids['scheme-d']!)).toEqual([]);
    expect((await getAnalysis(t.db, ids['scheme-d']!))?.jurisdictionHits).toEqual([]);
  });
});
