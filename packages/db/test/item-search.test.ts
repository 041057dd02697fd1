/**
 * Keyword search in listItems goes two ways for analysed items — by the ids the GIN index gives
 * for a rare word, along the newest items for a common one — plus substring matching for items
 * not analysed yet or analysed before search vectors existed. Both ways must give the same page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertItems, listItems, type NewItem } from '../src';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';

let t: TestEnv;
beforeAll(async () => {
  t = await createTestEnv('itemsearch');
});
afterAll(async () => {
  await t?.cleanup();
});

function item(n: number, text: string): NewItem {
  const url = `https://news.example.cn/search/${n}`;
  return {
    sourceId: null, url, urlHash: `h-${url}`, origin: 'push', externalId: null, parentUrlHash: null, title: `条目${n}`, summary: null,
    text, author: null, authorInfo: null, metrics: null, language: 'zh', sourceName: null,
    publishedAt: new Date(Date.UTC(2026, 11, 1) + n * 60_000), fetchedAt: new Date(),
  };
}

describe('keyword search', () => {
  it('finds the same items, newest first, whether it goes by the index’s ids or along the newest items, and includes unanalysed and pre-009 items by substring', async () => {
    const texts = Array.from({ length: 120 }, (_, n) => (n % 7 === 0 ? '执法记录仪 民警' : n % 2 === 0 ? '通报 民警' : '天气 晴朗'));
    const stored = await insertItems(t.db, texts.map((x, n) => item(n, x)));
    const byN = new Map(stored.map((s, n) => [n, s.id]));
    // Analyse all but the last ten; item 0 and item 7 analysed before search vectors (NULL).
    for (let n = 0; n < 110; n++) {
      const id = byN.get(n)!;
      await t.db.query(
        `INSERT INTO item_analysis (item_id, engine_version, police_related, police_score, sentiment, sentiment_score, police_negative, police_negative_score, simhash, search)
         VALUES ($1, 'test', true, 1, 'neutral', 0, false, 0, '0', CASE WHEN $2 THEN NULL ELSE array_to_tsvector(string_to_array($3, ' ')) END)`,
        [id, n === 0 || n === 7, texts[n]],
      );
      await t.db.query('UPDATE items SET analyzed_at = now() WHERE id = $1', [id]);
    }
    const expected = texts
      .map((x, n) => ({ x, n }))
      .filter(({ x }) => x.includes('执法记录仪'))
      .map(({ n }) => byN.get(n))
      .reverse(); // newest first
    for (const limit of [5, 50]) {
      const search = { raw: '执法记录仪', terms: ['执法记录仪'] };
      const byIds = await listItems(t.db, { search, limit });
      const alongNewest = await listItems(t.db, { search, limit }, { rareWordMatches: 0 });
      expect(byIds.map((i) => i.id)).toEqual(expected.slice(0, limit));
      expect(alongNewest.map((i) => i.id)).toEqual(expected.slice(0, limit));
    }
    // Unanalysed (n = 112, 119) and pre-009 (n = 0, 7) items are among them.
    const all = (await listItems(t.db, { search: { raw: '执法记录仪', terms: ['执法记录仪'] }, limit: 100 })).map((i) => i.id);
    for (const n of [0, 7, 112, 119]) expect(all).toContain(byN.get(n));
    // A word nobody wrote: nothing, both ways.
    expect(await listItems(t.db, { search: { raw: '无此词', terms: ['无此词'] }, limit: 10 })).toEqual([]);
    expect(await listItems(t.db, { search: { raw: '无此词', terms: ['无此词'] }, limit: 10 }, { rareWordMatches: 0 })).toEqual([]);
  });
});
