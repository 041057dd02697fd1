/**
 * `yuqing schemes list|show|preview` through the real CLI against a real test schema: the stored
 * schemes with their words, generated sources (with health) and matches, and the preview of what a
 * scheme would have matched in the last 7 days.
 */
import { insertItems, insertScheme, loadCatalogue, plannedSources, recordItemSchemes, schemeInputSchema, syncSchemeSources, withTransaction } from '@yuqing/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../test/support/run-cli';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';

let t: TestEnv;
let schemeId: number;
const cli = (argv: string[]) => runCli(argv, { env: t.env });

beforeAll(async () => {
  t = await createTestEnv('schemescli');
  const input = schemeInputSchema.parse({ name: '青石辖区', jurisdiction: true, placeWords: ['青石'], subjectWords: ['派出所'], excludeWords: ['演习'], sources: ['weibo'] });
  schemeId = await withTransaction(t.db, async (c) => {
    const s = await insertScheme(c, input, { id: null, name: 'test' });
    await syncSchemeSources(c, s!, plannedSources(s!, loadCatalogue().entries).sources, { enabledChanged: true });
    return s!.id;
  });
  await t.db.query(`UPDATE sources SET status = 'failing', consecutive_errors = 5, last_error = 'HTTP 503', last_error_at = now()`);
  const now = Date.now();
  const rows = await insertItems(t.db, [
    { sourceId: null, url: 'https://x.example.cn/1', urlHash: 'cli-1', origin: 'crawl', title: '青石派出所民警救人', summary: null, text: '', author: null, language: 'zh', publishedAt: new Date(now - 3_600_000), fetchedAt: new Date() },
    { sourceId: null, url: 'https://x.example.cn/2', urlHash: 'cli-2', origin: 'crawl', title: '青石派出所演习', summary: null, text: '', author: null, language: 'zh', publishedAt: new Date(now - 7_200_000), fetchedAt: new Date() },
  ]);
  await recordItemSchemes(t.db, [{ itemId: rows[0]!.id, schemeId, words: ['青石', '派出所'] }]);
});
afterAll(async () => {
  await t.cleanup();
});

describe('yuqing schemes', () => {
  it('list, show and preview', async () => {
    const list = await cli(['schemes', 'list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`^${schemeId}\\t青石辖区\\t启用\\t本辖区\\t全部\\t微博关键词搜索\\t1\\(1\\)\\t1\\t1\\t地域:青石  主体:派出所  排除:演习$`, 'm'));

    const show = await cli(['schemes', 'show', String(schemeId)]);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain('检索渠道：微博关键词搜索；生成检索 1 个');
    expect(show.stdout).toMatch(/\t故障\tweibo\t青石 派出所\t-\t0\t.* HTTP 503/);
    expect(show.stdout).toContain('青石派出所民警救人');

    const preview = await cli(['schemes', 'preview', String(schemeId), '--json']);
    expect(preview.code).toBe(0);
    const p = JSON.parse(preview.stdout);
    expect(p.total).toBe(1);
    expect(p.items.map((i: { title: string }) => i.title)).toEqual(['青石派出所民警救人']);

    const missing = await cli(['schemes', 'show', '999999']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no scheme 999999');
    expect((await cli(['schemes', 'bogus'])).code).toBe(2);
  });
});
