/**
 * Hot-list retention: snapshots (and their ranks) older than the retention go, in batches; newer
 * ones and every entry (with its first/last seen and best rank) stay.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertSource, pruneHotListSnapshots, recordHotListSnapshot, sourceInputSchema } from '../src';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';

let t: TestEnv;
beforeAll(async () => {
  t = await createTestEnv('hotlistretention');
});
afterAll(async () => {
  await t?.cleanup();
});

const DAY = 86_400_000;
const count = async (table: string): Promise<number> => (await t.db.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n;

describe('pruneHotListSnapshots', () => {
  it('deletes snapshots past the retention with their ranks, a batch at a time; entries stay', async () => {
    const source = await insertSource(t.db, sourceInputSchema.parse({ name: '热搜', url: 'rsshub:/weibo/search/hot', kind: 'rsshub', hotList: 'national' }));
    if (!source) throw new Error('source not inserted');
    const now = Date.now();
    const ranks = [
      { rank: 1, key: '某地警情通报', title: '某地警情通报', url: null, heat: 100 },
      { rank: 2, key: '天气', title: '天气', url: null, heat: 50 },
    ];
    // Five old snapshots (100–96 days ago) and two recent ones.
    for (const d of [100, 99, 98, 97, 96, 2, 1]) await recordHotListSnapshot(t.db, source.id, new Date(now - d * DAY), ranks);
    expect(await count('hot_list_snapshots')).toBe(7);
    expect(await count('hot_list_ranks')).toBe(14);
    const entries = await count('hot_list_entries');

    expect(await pruneHotListSnapshots(t.db, 90, 3)).toBe(3);
    expect(await pruneHotListSnapshots(t.db, 90, 3)).toBe(2);
    expect(await pruneHotListSnapshots(t.db, 90, 3)).toBe(0);
    const left = (await t.db.query('SELECT taken_at FROM hot_list_snapshots ORDER BY taken_at')).rows.map((r) => Math.round((now - r.taken_at.getTime()) / DAY));
    expect(left).toEqual([2, 1]);
    expect(await count('hot_list_ranks')).toBe(4);
    expect(await count('hot_list_entries')).toBe(entries);
  });
});
