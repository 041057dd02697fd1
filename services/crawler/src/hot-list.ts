/**
 * Hot lists (热榜): a source whose entries are a ranking (微博热搜, 百度热搜, 知乎热榜 …). Every poll
 * keeps a snapshot of the ranks (rank, title, heat, link), so an entry's rank over time and when it
 * entered and left the list can be shown. Of the entries, only those that name the police or a
 * place of the jurisdiction are stored as items: they are what the bureau must know is trending,
 * and they carry their list and rank into the topic stage (上榜 raises a topic's level).
 */
import { hotListKey, linkHotListItemsByUrl, recordHotListSnapshot, type HotListRank, type Pool, type Source } from '@yuqing/db';
import type { JurisdictionEntry } from '@yuqing/nlp/jurisdiction';
import { policeTermIn } from '@yuqing/nlp/police-terms';
import type { Entry } from './entry';
import { canonicalizeUrl, urlHash } from './parse/url';

/** What made an entry worth storing: a police word or a jurisdiction place it names. */
export interface WatchMatch {
  kind: 'police' | 'place';
  term: string;
}

/** Decides which list entries concern the bureau. */
export type HotListWatch = (text: string) => WatchMatch | null;

/** A watch for police words and the jurisdiction's places and aliases (when a gazetteer is configured). */
export function createHotListWatch(jurisdiction: readonly JurisdictionEntry[] = []): HotListWatch {
  // Names of two characters or more only: a one-character alias would match everywhere.
  const places = [...new Set(jurisdiction.flatMap((e) => [e.name, ...(e.aliases ?? [])]).filter((n) => n.length >= 2))].sort((a, b) => b.length - a.length);
  return (text) => {
    const police = policeTermIn(text);
    if (police) return { kind: 'police', term: police };
    const place = places.find((p) => text.includes(p));
    return place ? { kind: 'place', term: place } : null;
  };
}

const UNIT: Record<string, number> = { 万: 1e4, w: 1e4, 亿: 1e8 };
// 热度 4912345 · 热搜指数：491万 · 1234万热度 · 356万人在看 · 2.3亿阅读
const HEAT_PATTERNS = [
  /(?:热度|热搜指数|指数|热值)\s*[:：]?\s*([\d.,]+)\s*(万|亿|w)?/i,
  /([\d.,]+)\s*(万|亿|w)?\s*(?:热度|热|人在看|人气|讨论|阅读|次播放|播放|浏览)/i,
];

/** The heat figure a list gives an entry (in its title or description), or null. */
export function heatOf(...texts: ReadonlyArray<string | null>): number | null {
  for (const text of texts) {
    if (!text) continue;
    for (const re of HEAT_PATTERNS) {
      const m = re.exec(text);
      if (!m) continue;
      const n = Number((m[1] as string).replace(/,/g, ''));
      if (!Number.isFinite(n)) continue;
      const value = Math.round(n * (UNIT[(m[2] ?? '').toLowerCase()] ?? 1));
      if (value > 0 && value < 1e15) return value;
    }
  }
  return null;
}

/** The ranks of a list's entries in list order, each title once (the first place it holds). */
export function hotListRanks(entries: readonly Entry[]): HotListRank[] {
  const out: HotListRank[] = [];
  const seen = new Set<string>();
  for (const e of entries) {
    const title = (e.title ?? e.summary ?? '').trim();
    const key = hotListKey(title);
    if (!key || seen.has(key)) continue;
    seen.add(key);
    out.push({ rank: out.length + 1, key, title: title.slice(0, 500), url: e.url || null, heat: heatOf(e.title, e.summary) });
  }
  return out;
}

/**
 * Records the snapshot of one poll of a hot-list source and returns the entries to store as items
 * (those the watch matches), each carrying its list, rank and heat in `extra.hotList`.
 */
export async function recordHotList(db: Pool, source: Pick<Source, 'id' | 'name' | 'hotList'>, entries: readonly Entry[], takenAt: Date, watch: HotListWatch): Promise<{ toStore: Entry[]; link: (pageUrl: string) => Promise<void> }> {
  const ranks = hotListRanks(entries);
  const snapshot = await recordHotListSnapshot(db, source.id, takenAt, ranks);
  const byKey = new Map(ranks.map((r) => [r.key, r]));
  const toStore: Entry[] = [];
  for (const e of entries) {
    const title = (e.title ?? e.summary ?? '').trim();
    const rank = byKey.get(hotListKey(title));
    if (!rank || rank.url !== (e.url || null)) continue; // a repeated title: its first place only
    const match = watch(`${title} ${e.summary ?? ''}`);
    if (!match) continue;
    const entryId = snapshot.entryIds.get(rank.key) as number;
    toStore.push({ ...e, extra: { hotList: { sourceId: source.id, entryId, list: source.name, scope: source.hotList ?? 'regional', rank: rank.rank, heat: rank.heat, matched: match } } });
  }
  return {
    toStore,
    // After the items are stored: each entry points at its item (found by the canonical URL).
    link: async (pageUrl) => {
      const links = toStore.flatMap((e) => {
        const canonical = canonicalizeUrl(e.url, pageUrl);
        const entryId = (e.extra?.hotList as { entryId: number } | undefined)?.entryId;
        return canonical && entryId ? [{ entryId, urlHash: urlHash(canonical) }] : [];
      });
      await linkHotListItemsByUrl(db, links);
    },
  };
}
