/**
 * Raw SQL for how a topic spread: its items per hour by source (platform), and for each story its
 * first poster and its biggest amplifiers with when and where they posted — what a spread tree or
 * a ranked list of the topic is drawn from.
 */
import type { Queryable } from '../pool';

/** Sources beyond this many (by items) are folded into 其他 in the timeline. */
const TIMELINE_SOURCES = 8;

export interface TopicSpread {
  /** Items per hour (Beijing-aligned hours) by source, oldest first. */
  timeline: Array<{ hour: Date; source: string; items: number }>;
  /** The sources of the timeline, most items first (其他 last when present). */
  sources: string[];
  stories: Array<{
    storyId: number;
    items: number;
    first: { itemId: number | null; author: string | null; source: string | null; at: Date; title: string | null; url: string | null };
    amplifiers: Array<{ itemId: number | null; author: string | null; source: string | null; at: Date | null; weight: number; followers: number | null; url: string | null }>;
  }>;
}

/** How a topic spread, or null when there is no such topic. */
export async function topicSpread(db: Queryable, topicId: number): Promise<TopicSpread | null> {
  const { rows: exists } = await db.query('SELECT 1 FROM topics WHERE id = $1', [topicId]);
  if (exists.length === 0) return null;
  const { rows: hours } = await db.query<{ hour: Date; source: string; items: number }>(
    `SELECT date_bin('1 hour', i.published_at, '2000-01-01 00:00:00+08'::timestamptz) AS hour,
            COALESCE(NULLIF(i.source_name, ''), '未知来源') AS source, count(*)::int AS items
       FROM items i JOIN story_items si ON si.item_id = i.id JOIN stories st ON st.id = si.story_id
      WHERE st.topic_id = $1
      GROUP BY 1, 2 ORDER BY 1, 2`,
    [topicId],
  );
  const totals = new Map<string, number>();
  for (const h of hours) totals.set(h.source, (totals.get(h.source) ?? 0) + h.items);
  const ranked = [...totals].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([s]) => s);
  const kept = new Set(ranked.slice(0, TIMELINE_SOURCES));
  const folded = new Map<string, { hour: Date; source: string; items: number }>();
  for (const h of hours) {
    const source = kept.has(h.source) ? h.source : '其他';
    const key = `${h.hour.getTime()}|${source}`;
    const f = folded.get(key);
    if (f) f.items += h.items;
    else folded.set(key, { hour: h.hour, source, items: h.items });
  }
  const sources = [...ranked.slice(0, TIMELINE_SOURCES), ...(ranked.length > TIMELINE_SOURCES ? ['其他'] : [])];

  const { rows: stories } = await db.query<{ id: string; items: number; first_item_id: string | null; author: string | null; source: string | null; first_at: Date; title: string | null; url: string | null }>(
    `SELECT st.id, st.items, st.first_item_id, fi.author, COALESCE(fi.source_name, st.first_source) AS source, st.first_at, fi.title, fi.url
       FROM stories st LEFT JOIN items fi ON fi.id = st.first_item_id
      WHERE st.topic_id = $1 ORDER BY st.first_at, st.id`,
    [topicId],
  );
  const { rows: amps } = await db.query<{ story_id: string; item_id: string | null; author: string | null; source: string | null; at: Date | null; weight: number; followers: number | null; url: string | null }>(
    `SELECT st.id AS story_id, i.id AS item_id, i.author, COALESCE(i.source_name, a->>'source') AS source, i.published_at AS at,
            COALESCE((a->>'weight')::float8, 0) AS weight, (a->>'followers')::float8 AS followers, i.url
       FROM stories st CROSS JOIN LATERAL jsonb_array_elements(COALESCE(st.amplifiers, '[]'::jsonb)) AS a
       LEFT JOIN items i ON i.id = CASE WHEN a->>'itemId' ~ '^[0-9]{1,18}$' THEN (a->>'itemId')::bigint END
      WHERE st.topic_id = $1`,
    [topicId],
  );
  return {
    timeline: [...folded.values()].sort((a, b) => a.hour.getTime() - b.hour.getTime() || (a.source < b.source ? -1 : 1)),
    sources,
    stories: stories.map((s) => ({
      storyId: Number(s.id),
      items: s.items,
      first: { itemId: s.first_item_id === null ? null : Number(s.first_item_id), author: s.author, source: s.source, at: s.first_at, title: s.title, url: s.url },
      amplifiers: amps
        .filter((a) => a.story_id === s.id)
        .map((a) => ({ itemId: a.item_id === null ? null : Number(a.item_id), author: a.author, source: a.source, at: a.at, weight: Number(a.weight), followers: a.followers === null ? null : Number(a.followers), url: a.url }))
        .sort((x, y) => y.weight - x.weight),
    })),
  };
}
