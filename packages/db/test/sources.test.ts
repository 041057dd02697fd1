import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  claimDueSources,
  insertSource,
  listHealthEvents,
  recordPollFailure,
  recordPollSuccess,
  setSourceEnabled,
  sourceInputSchema,
  upsertSource,
} from '@yuqing/db';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';

let t: TestEnv;
beforeAll(async () => {
  t = await createTestEnv('sources');
});
afterAll(async () => t.cleanup());

const input = (over: Record<string, unknown> = {}) => sourceInputSchema.parse({ name: '测试源', url: `http://127.0.0.1/feed-${Math.random()}.xml`, ...over });

describe('source model', () => {
  it('parses durations and fills defaults', () => {
    const s = sourceInputSchema.parse({ name: 'a', url: 'https://example.com/rss', pollInterval: '15m' });
    expect(s).toMatchObject({ kind: 'rss', pollInterval: 900, enabled: true, authority: 1, fullText: false, jurisdictionTags: [] });
  });

  it('lists every problem: unknown keys, bad URL, html without selectors, interval too short', () => {
    const r = sourceInputSchema.safeParse({ name: 'x', url: 'ftp://x', kind: 'html', pollInterval: '2s', colour: 'red' });
    expect(r.success).toBe(false);
    const paths = r.error!.issues.map((i) => i.path.join('.') || i.code);
    expect(paths).toEqual(expect.arrayContaining(['url', 'pollInterval']));
    expect(JSON.stringify(r.error!.issues)).toContain('colour');
  });
});

describe('sources repository', () => {
  it('refuses a duplicate URL on insert and updates on upsert', async () => {
    const s = input();
    const created = await insertSource(t.db, s);
    expect(created?.id).toBeGreaterThan(0);
    expect(await insertSource(t.db, s)).toBeNull();
    const up = await upsertSource(t.db, { ...s, name: '改名' });
    expect(up).toMatchObject({ created: false, source: { id: created!.id, name: '改名' } });
  });

  it('claims a due source once even when two schedulers race, and again after the lease runs out', async () => {
    const s = await insertSource(t.db, input());
    const [a, b] = await Promise.all([claimDueSources(t.db, 1000, 200), claimDueSources(t.db, 1000, 200)]);
    const claims = [...a, ...b].filter((c) => c.id === s!.id);
    expect(claims).toHaveLength(1);
    expect((await claimDueSources(t.db, 1000, 200)).some((c) => c.id === s!.id)).toBe(false);
    await new Promise((r) => setTimeout(r, 300));
    expect((await claimDueSources(t.db, 1000, 60_000)).some((c) => c.id === s!.id)).toBe(true);
  });

  it('a disabled source is never claimed', async () => {
    const s = await insertSource(t.db, input());
    await setSourceEnabled(t.db, s!.id, false);
    expect((await claimDueSources(t.db, 1000, 1000)).some((c) => c.id === s!.id)).toBe(false);
  });

  it('counts failures with growing backoff, turns failing exactly once at the limit, and recovers', async () => {
    const s = await insertSource(t.db, input());
    const results = [];
    for (let i = 0; i < 6; i++) {
      results.push(await recordPollFailure(t.db, s!.id, { error: `boom ${i}`, maxFailures: 5, backoffBaseMs: 1000, maxBackoffMs: 60_000 }));
    }
    expect(results.map((r) => r!.consecutiveErrors)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(results.map((r) => r!.becameFailing)).toEqual([false, false, false, false, true, false]);
    expect(results[1]!.retryInMs).toBeGreaterThan(results[0]!.retryInMs);
    expect(results[5]!.retryInMs).toBeLessThanOrEqual(60_000 * 1.1);
    expect((await recordPollSuccess(t.db, s!.id, { etag: '"v1"', lastModified: null, nextPollInMs: 1000 })).recovered).toBe(true);
    expect((await recordPollSuccess(t.db, s!.id, { etag: null, lastModified: null, nextPollInMs: 1000 })).recovered).toBe(false);
    const { rows } = await t.db.query('SELECT status, consecutive_errors, etag FROM sources WHERE id = $1', [s!.id]);
    expect(rows[0]).toEqual({ status: 'ok', consecutive_errors: 0, etag: '"v1"' });
    expect(await listHealthEvents(t.db, s!.id)).toEqual([]); // events are written by the crawler, not the repository
  });
});
