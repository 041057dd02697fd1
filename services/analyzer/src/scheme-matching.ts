/**
 * Monitoring schemes (监测方案) in the analyzer: when a batch's analyses are stored, each item is
 * matched against the enabled schemes and the matches recorded (item_schemes), in the same
 * transaction as the analyses, so an item is never analysed without its matches nor matched twice.
 *
 * An item matching a jurisdiction scheme (`jurisdiction: true`) through its place words gets those
 * words added to its `jurisdiction_hits` before the row is written: the place words of the bureau's
 * own scheme are its jurisdiction's places, so the topic stage (which reads jurisdiction_hits) counts
 * the item as a jurisdiction hit and the topic's jurisdiction rules of the warning levels apply.
 *
 * Schemes are loaded once and reloaded only when they change: every batch asks PostgreSQL for a
 * one-row version (count, newest id, latest update of the schemes table), which costs a fraction of
 * a millisecond and makes a saved scheme apply from the next batch on, in every analyzer process,
 * with no timer and no message that could be lost.
 */
import {
  compileScheme,
  itemMatchText,
  listEnabledSchemes,
  matchCompiled,
  recordItemSchemes,
  schemesVersion,
  storeAnalyses,
  type CompiledScheme,
  type ItemToAnalyze,
  type PoolClient,
  type Queryable,
  type StoredAnalysis,
} from '@yuqing/db';

/** The compiled enabled schemes of one database schema, and the version they were loaded at. */
const cache = new Map<string, { version: string; schemes: CompiledScheme[] }>();

/** The enabled schemes, compiled; reloaded when the schemes table changed since the last call. */
export async function currentSchemes(db: Queryable): Promise<CompiledScheme[]> {
  const version = await schemesVersion(db);
  const key = version.slice(0, version.indexOf(':'));
  const hit = cache.get(key);
  if (hit && hit.version === version) return hit.schemes;
  const schemes = (await listEnabledSchemes(db)).map((s) => compileScheme(s));
  cache.set(key, { version, schemes });
  return schemes;
}

/** What matching found for one item: the schemes (with the words found) and the jurisdiction places. */
export interface ItemSchemeMatches {
  schemes: Array<{ schemeId: number; words: string[] }>;
  jurisdictionPlaces: string[];
}

/** Matches one item against compiled schemes. */
export function matchItem(schemes: readonly CompiledScheme[], item: { title: string | null; text: string }): ItemSchemeMatches {
  const out: ItemSchemeMatches = { schemes: [], jurisdictionPlaces: [] };
  if (!schemes.length) return out;
  const text = itemMatchText(item);
  for (const s of schemes) {
    const hit = matchCompiled(s, text);
    if (!hit) continue;
    out.schemes.push({ schemeId: s.id, words: [...hit.place, ...hit.subject, ...hit.event] });
    if (s.jurisdiction) for (const p of hit.place) if (!out.jurisdictionPlaces.includes(p)) out.jurisdictionPlaces.push(p);
  }
  return out;
}

/**
 * storeAnalyses with the schemes step: matches the items (`items[i]` is the item of `rows[i]`),
 * adds jurisdiction schemes' place words to the rows' jurisdiction hits, stores the analyses and
 * records the matches of the items actually stored. Returns the ids stored, as storeAnalyses does.
 */
export async function storeAnalysesWithSchemes(client: PoolClient, items: readonly ItemToAnalyze[], rows: StoredAnalysis[]): Promise<number[]> {
  const schemes = await currentSchemes(client);
  if (!schemes.length) return storeAnalyses(client, rows);
  const byId = new Map(items.map((i) => [i.id, i]));
  const matches = new Map<number, ItemSchemeMatches>();
  const withHits = rows.map((r) => {
    const item = byId.get(r.itemId);
    if (!item) return r;
    const m = matchItem(schemes, item);
    if (!m.schemes.length) return r;
    matches.set(r.itemId, m);
    const extra = m.jurisdictionPlaces.filter((p) => !r.jurisdictionHits.includes(p));
    return extra.length ? { ...r, jurisdictionHits: [...r.jurisdictionHits, ...extra] } : r;
  });
  const stored = await storeAnalyses(client, withHits);
  await recordItemSchemes(
    client,
    stored.flatMap((id) => (matches.get(id)?.schemes ?? []).map((m) => ({ itemId: id, schemeId: m.schemeId, words: m.words }))),
  );
  return stored;
}

/**
 * The rows with the jurisdiction schemes' place words added to their jurisdiction hits, as a first
 * analysis stores them: a re-analysis (a new model) must not drop what the schemes added.
 */
export async function withSchemePlaces(client: PoolClient, items: ReadonlyArray<{ id: number; title: string | null; text: string }>, rows: StoredAnalysis[]): Promise<StoredAnalysis[]> {
  const schemes = (await currentSchemes(client)).filter((s) => s.jurisdiction);
  if (!schemes.length) return rows;
  const byId = new Map(items.map((i) => [i.id, i]));
  return rows.map((r) => {
    const item = byId.get(r.itemId);
    if (!item) return r;
    const extra = matchItem(schemes, item).jurisdictionPlaces.filter((p) => !r.jurisdictionHits.includes(p));
    return extra.length ? { ...r, jurisdictionHits: [...r.jurisdictionHits, ...extra] } : r;
  });
}
