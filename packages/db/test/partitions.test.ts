/**
 * Month partitions (migration 028): items and their analyses land in the partition of the month
 * whose id block they were drawn from, a URL is stored once across months, evidence is stored
 * once across months, and retention drops whole months — the rows that name their items first.
 * An installation upgraded with data keeps its rows in the legacy partitions.
 */
import { randomBytes } from 'node:crypto';
import { loadConfig } from '@yuqing/config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createPool,
  dropExpiredMonths,
  ensureMonthPartitions,
  insertItems,
  listMonthPartitions,
  migrate,
  pruneEvidence,
  putEvidence,
  type NewItem,
  type Pool,
} from '../src';
import { createTestEnv, type TestEnv } from '../../../test/support/test-env';

let t: TestEnv;
beforeAll(async () => {
  t = await createTestEnv('partitions');
});
afterAll(async () => {
  await t?.cleanup();
});

/** The first day of this month in Asia/Shanghai, 'YYYY-MM-01', and its id block. */
function thisMonth(offset = 0): { month: string; suffix: string; base: number } {
  const local = new Date(Date.now() + 8 * 3600_000);
  const d = new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth() + offset, 1));
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + 1;
  return { month: `${y}-${String(m).padStart(2, '0')}-01`, suffix: `${y}_${String(m).padStart(2, '0')}`, base: (y * 100 + m) * 1e10 };
}

let seq = 0;
function item(url = `https://news.example.cn/${Date.now()}-${seq++}`): NewItem {
  return {
    sourceId: null,
    url,
    urlHash: `h-${url}`,
    origin: 'push',
    externalId: null,
    parentUrlHash: null,
    title: '派出所民警出警',
    summary: null,
    text: '派出所民警出警处置纠纷',
    author: null,
    authorInfo: null,
    metrics: null,
    language: 'zh',
    sourceName: null,
    publishedAt: new Date(),
    fetchedAt: new Date(),
  };
}

const partitionOf = async (db: Pool, table: string, column: string, id: number): Promise<string> =>
  (await db.query(`SELECT tableoid::regclass::text AS p FROM ${table} WHERE ${column} = $1`, [id])).rows[0]?.p;

async function analyse(db: Pool, id: number): Promise<void> {
  await db.query(
    `INSERT INTO item_analysis (item_id, engine_version, police_related, police_score, sentiment, sentiment_score, police_negative, police_negative_score, simhash)
     VALUES ($1, 'test', true, 0.9, 'negative', 0.8, true, 0.8, '0')`,
    [id],
  );
}

describe('month partitions on a fresh installation', () => {
  it('has this month and two ahead for items, analyses and evidence, and draws ids from this month’s block', async () => {
    const parts = await listMonthPartitions(t.db);
    for (const table of ['items', 'item_analysis', 'evidence'] as const) {
      expect(parts.filter((p) => p.table === table).map((p) => p.month)).toEqual([thisMonth().month, thisMonth(1).month, thisMonth(2).month]);
    }
    const [stored] = await insertItems(t.db, [item()]);
    expect(stored!.id).toBeGreaterThanOrEqual(thisMonth().base);
    expect(stored!.id).toBeLessThan(thisMonth(1).base);
    expect(stored!.id).toBeLessThan(Number.MAX_SAFE_INTEGER);
    expect(await partitionOf(t.db, 'items', 'id', stored!.id)).toBe(`items_p${thisMonth().suffix}`);
    await analyse(t.db, stored!.id);
    expect(await partitionOf(t.db, 'item_analysis', 'item_id', stored!.id)).toBe(`item_analysis_p${thisMonth().suffix}`);
    // Making partitions again makes nothing and never moves the ids backwards.
    expect(await ensureMonthPartitions(t.db)).toBe(0);
    const [next] = await insertItems(t.db, [item()]);
    expect(next!.id).toBeGreaterThan(stored!.id);
  });

  it('stores a URL once, whether it was stored in an earlier partition or by two writers at once', async () => {
    const url = `https://news.example.cn/once-${randomBytes(3).toString('hex')}`;
    // A row in the legacy partition (an id below every month block), as an upgraded install has.
    await t.db.query(`INSERT INTO items (id, url, url_hash, origin, published_at) VALUES (42, $1, $2, 'crawl', now())`, [url, `h-${url}`]);
    expect(await partitionOf(t.db, 'items', 'id', 42)).toBe('items_legacy');
    expect(await insertItems(t.db, [item(url)])).toEqual([]);

    const racing = `https://news.example.cn/race-${randomBytes(3).toString('hex')}`;
    const results = await Promise.all([insertItems(t.db, [item(racing)]), insertItems(t.db, [item(racing)]), insertItems(t.db, [item(racing), item(racing)])]);
    expect(results.flat()).toHaveLength(1);
    const { rows } = await t.db.query('SELECT count(*)::int AS n FROM items WHERE url_hash = $1', [`h-${racing}`]);
    expect(rows[0].n).toBe(1);
  });

  it('stores evidence bytes once across months, and makes the month of a fetch stamped ahead', async () => {
    const e = { sha256: randomBytes(32).toString('hex'), url: 'https://news.example.cn/feed', contentType: 'application/rss+xml', size: 3, truncated: false, gz: Buffer.from('abc') };
    await putEvidence(t.db, { ...e, fetchedAt: new Date() });
    await putEvidence(t.db, { ...e, fetchedAt: new Date(Date.now() + 40 * 86_400_000) });
    const { rows } = await t.db.query('SELECT tableoid::regclass::text AS p FROM evidence WHERE sha256 = $1', [e.sha256]);
    expect(rows.map((r) => r.p)).toEqual([`evidence_p${thisMonth().suffix}`]);

    const ahead = { ...e, sha256: randomBytes(32).toString('hex') };
    await putEvidence(t.db, { ...ahead, fetchedAt: new Date(Date.now() + 400 * 86_400_000) });
    const far = await t.db.query('SELECT tableoid::regclass::text AS p FROM evidence WHERE sha256 = $1', [ahead.sha256]);
    expect(far.rows[0].p).toBe(`evidence_p${thisMonth(13).suffix}`);
  });
});

describe('retention by month', () => {
  it('drops whole item months with their analyses after removing or unlinking what names their items; evidence by its own retention', async () => {
    const [kept] = await t.db.query<{ id: number }>(`INSERT INTO items (id, url, url_hash, origin, published_at) VALUES (7, 'urn:legacy:7', 'h-legacy-7', 'crawl', now()) RETURNING id`).then((r) => r.rows);
    const [old] = await insertItems(t.db, [item()]);
    await analyse(t.db, old!.id);
    await t.db.query(`INSERT INTO item_labels (item_id, police_related, police_negative, labelled_by_name) VALUES ($1, true, true, '分析员')`, [old!.id]);
    await t.db.query(`INSERT INTO sources (name, url, kind) VALUES ('热搜', 'https://hot.example.cn/', 'rss')`);
    await t.db.query(
      `INSERT INTO hot_list_entries (source_id, entry_key, title, first_seen_at, last_seen_at, best_rank, last_rank, item_id)
       VALUES ((SELECT max(id) FROM sources), 'k', '警情', now(), now(), 1, 1, $1)`,
      [old!.id],
    );

    // Nothing is old yet.
    expect(await dropExpiredMonths(t.db, { evidenceDays: 30, itemMonths: 3 })).toEqual({ evidence: [], items: [] });
    // 0 keeps forever, however late it is.
    const later = new Date(Date.now() + 500 * 86_400_000);
    expect(await dropExpiredMonths(t.db, { evidenceDays: 0, itemMonths: 0, now: later })).toEqual({ evidence: [], items: [] });

    // Seven months on, with three months of items and 30 days of evidence kept: the months made
    // so far (this one and two ahead) have all ended long enough ago; the far month of evidence has not.
    const sevenMonthsOn = new Date(Date.now() + 7 * 31 * 86_400_000);
    const dropped = await dropExpiredMonths(t.db, { evidenceDays: 30, itemMonths: 3, now: sevenMonthsOn });
    expect(dropped.items).toEqual([0, 1, 2].map((k) => `items_p${thisMonth(k).suffix}`));
    expect(dropped.evidence).toContain(`evidence_p${thisMonth().suffix}`);
    expect(dropped.evidence).not.toContain(`evidence_p${thisMonth(13).suffix}`);
    const names = (await listMonthPartitions(t.db)).map((p) => p.name);
    expect(names).not.toContain(`items_p${thisMonth().suffix}`);
    expect(names).not.toContain(`item_analysis_p${thisMonth().suffix}`);

    expect((await t.db.query('SELECT count(*)::int AS n FROM items WHERE id = $1', [old!.id])).rows[0].n).toBe(0);
    expect((await t.db.query('SELECT count(*)::int AS n FROM item_labels WHERE item_id = $1', [old!.id])).rows[0].n).toBe(0);
    const entry = await t.db.query(`SELECT title, item_id FROM hot_list_entries WHERE entry_key = 'k'`);
    expect(entry.rows).toEqual([{ title: '警情', item_id: null }]);
    // The legacy partition is not a month: it stays.
    expect((await t.db.query('SELECT count(*)::int AS n FROM items WHERE id = $1', [kept!.id])).rows[0].n).toBe(1);

    // The crawler's hourly maintenance makes this month again.
    expect(await ensureMonthPartitions(t.db)).toBeGreaterThan(0);
    const [fresh] = await insertItems(t.db, [item()]);
    expect(await partitionOf(t.db, 'items', 'id', fresh!.id)).toBe(`items_p${thisMonth().suffix}`);

    // Two crawlers' maintenance at the same moment: no deadlock, each month dropped once, nothing
    // left detached (every month partition gone from the catalogue, not only from the parent).
    const both = await Promise.all([0, 1].map(() => dropExpiredMonths(t.db, { evidenceDays: 30, itemMonths: 3, now: sevenMonthsOn })));
    const items = both.flatMap((r) => r.items).sort();
    expect(items).toEqual([...new Set(items)]);
    const left = await t.db.query(`SELECT count(*)::int AS n FROM pg_class WHERE relnamespace = current_schema()::regnamespace AND relname = ANY($1)`, [
      [0, 1, 2].flatMap((k) => [`items_p${thisMonth(k).suffix}`, `item_analysis_p${thisMonth(k).suffix}`, `evidence_p${thisMonth(k).suffix}`]),
    ]);
    // Whichever process held the lock dropped them; the other may have found it held and left them for the next hour.
    const remaining = (await listMonthPartitions(t.db)).filter((x) => [0, 1, 2].some((k) => x.name.endsWith(thisMonth(k).suffix)));
    expect(left.rows[0].n).toBe(remaining.length);
    await dropExpiredMonths(t.db, { evidenceDays: 30, itemMonths: 3, now: sevenMonthsOn });
    expect((await listMonthPartitions(t.db)).filter((x) => [0, 1, 2].some((k) => x.name.endsWith(thisMonth(k).suffix)))).toEqual([]);
    await ensureMonthPartitions(t.db);
  });
});

describe('upgrading an installation with data', () => {
  it('keeps its rows in the legacy partitions, starts month partitions next month, and keeps ids and URLs unique', async () => {
    const schema = `t_partup_${randomBytes(4).toString('hex')}`;
    const cfg = loadConfig({ DATABASE_SCHEMA: schema, LOG_LEVEL: 'silent' });
    const db = createPool({ url: cfg.DATABASE_URL, schema, max: 2 });
    try {
      await migrate(db, schema, { upTo: 27 });
      const { rows } = await db.query<{ id: number }>(`INSERT INTO items (url, url_hash, origin, published_at) VALUES ('urn:old:1', 'h-old-1', 'crawl', now()) RETURNING id`);
      const oldId = rows[0]!.id;
      await db.query(`INSERT INTO evidence (sha256, url, size, gz, fetched_at) VALUES ('ab', 'urn:old', 1, '\\x00', now() - interval '400 days')`);
      expect(await migrate(db, schema)).toContain('028_month_partitions');

      expect(await partitionOf(db, 'items', 'id', oldId)).toBe('items_legacy');
      const parts = await listMonthPartitions(db);
      expect(parts.filter((p) => p.table === 'items').map((p) => p.month)).toEqual([thisMonth(1).month, thisMonth(2).month]);
      // Until next month, new items continue in the legacy partition with the old sequence.
      const [next] = await insertItems(db, [item()]);
      expect(next!.id).toBe(oldId + 1);
      expect(await partitionOf(db, 'items', 'id', next!.id)).toBe('items_legacy');
      expect(await insertItems(db, [{ ...item('urn:old:1'), urlHash: 'h-old-1' }])).toEqual([]);
      // The legacy evidence is still pruned row by row (it is not a month).
      expect(await pruneEvidence(db, 365)).toBe(1);
    } finally {
      await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
      await db.end();
    }
  });
});
