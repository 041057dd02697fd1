/**
 * Single-pass topic clustering: each topic keeps a centroid of keyword weights; a new story is
 * compared only with topics that share one of its keywords, through an inverted index whose
 * postings hold the centroid weights, so similarities are accumulated term by term without
 * visiting a topic twice (no scan of every topic). Very common terms (in more than `maxPosting`
 * topics) only refine the exact score of the best candidates: they would make every lookup a scan
 * and say little about which event a story is about.
 */
export type TermVector = Map<string, number>;

/** Keyword list (best first) to a weighted vector: earlier keywords weigh more. */
export function keywordVector(keywords: string[]): TermVector {
  const v: TermVector = new Map();
  keywords.forEach((k, i) => {
    if (!v.has(k)) v.set(k, 1 / (1 + 0.2 * i));
  });
  return v;
}

function norm(v: TermVector): number {
  let s = 0;
  for (const w of v.values()) s += w * w;
  return Math.sqrt(s);
}

export class TopicIndex {
  /** term → topic → that term's weight in the topic's centroid. */
  private readonly postings = new Map<string, Map<number, number>>();
  private readonly centroids = new Map<number, TermVector>();
  private readonly norms = new Map<number, number>();

  constructor(
    private readonly centroidTerms: number,
    private readonly maxPosting = 2000,
    private readonly shortlist = 16,
  ) {}

  /** Topics most similar to `v`, best first, with cosine similarity ≥ `min`. */
  candidates(v: TermVector, min: number, limit = 3): Array<{ topicId: number; similarity: number }> {
    const vn = norm(v);
    if (vn === 0) return [];
    const partial = new Map<number, number>();
    for (const [term, w] of v) {
      const posting = this.postings.get(term);
      if (!posting || posting.size > this.maxPosting) continue;
      for (const [id, tw] of posting) partial.set(id, (partial.get(id) ?? 0) + w * tw);
    }
    if (partial.size === 0) return [];
    // Exact cosine (common terms included) for the best few by partial score.
    const best = [...partial].sort((a, b) => b[1] - a[1]).slice(0, this.shortlist);
    const out: Array<{ topicId: number; similarity: number }> = [];
    for (const [id] of best) {
      const c = this.centroids.get(id);
      const cn = this.norms.get(id) ?? 0;
      if (!c || cn === 0) continue;
      let dot = 0;
      for (const [t, w] of v) dot += w * (c.get(t) ?? 0);
      const sim = dot / (vn * cn);
      if (sim >= min) out.push({ topicId: id, similarity: sim });
    }
    return out.sort((a, b) => b.similarity - a.similarity || a.topicId - b.topicId).slice(0, limit);
  }

  /** Adds a story's vector to a topic's centroid (creating the topic's entry when new). */
  add(topicId: number, v: TermVector): void {
    let c = this.centroids.get(topicId);
    if (!c) this.centroids.set(topicId, (c = new Map()));
    for (const [t, w] of v) {
      const nw = (c.get(t) ?? 0) + w;
      c.set(t, nw);
      let p = this.postings.get(t);
      if (!p) this.postings.set(t, (p = new Map()));
      p.set(topicId, nw);
    }
    if (c.size > this.centroidTerms * 2) this.prune(topicId, c);
    this.norms.set(topicId, norm(c));
  }

  /** Moves topic `from` into `into` (a merge). */
  merge(from: number, into: number): void {
    const c = this.centroids.get(from);
    if (!c) return;
    this.remove(from);
    this.add(into, c);
  }

  /** Removes a topic from the index. */
  remove(topicId: number): void {
    const c = this.centroids.get(topicId);
    if (!c) return;
    for (const t of c.keys()) this.unpost(t, topicId);
    this.centroids.delete(topicId);
    this.norms.delete(topicId);
  }

  /** The topic's strongest terms, best first. */
  topTerms(topicId: number, k: number): string[] {
    const c = this.centroids.get(topicId);
    if (!c) return [];
    return [...c].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, k).map(([t]) => t);
  }

  /** A topic's centroid as pairs (for snapshots). */
  centroidOf(topicId: number): Array<[string, number]> {
    return [...(this.centroids.get(topicId) ?? [])];
  }

  /** Whether the topic is indexed. */
  has(topicId: number): boolean {
    return this.centroids.has(topicId);
  }

  /** Keeps a centroid to its strongest terms and the postings in step with it. */
  private prune(topicId: number, c: TermVector): void {
    const kept = [...c].sort((a, b) => b[1] - a[1]).slice(0, this.centroidTerms);
    const keep = new Set(kept.map(([t]) => t));
    for (const t of c.keys()) if (!keep.has(t)) this.unpost(t, topicId);
    c.clear();
    for (const [t, w] of kept) c.set(t, w);
  }

  private unpost(term: string, topicId: number): void {
    const p = this.postings.get(term);
    if (!p) return;
    p.delete(topicId);
    if (p.size === 0) this.postings.delete(term);
  }
}
