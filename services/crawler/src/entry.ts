/** The shape every parser hands to the store, whatever the source's kind. */

/** One entry of a fetched feed or list page, before it is stored. */
export interface Entry {
  url: string;
  title: string | null;
  summary: string | null;
  text: string | null;
  author: string | null;
  publishedAt: Date | null;
  /** Kept with the item (e.g. a hot-list entry's list and rank). */
  extra?: Record<string, unknown>;
}
