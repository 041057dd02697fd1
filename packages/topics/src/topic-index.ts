/**
 * Single-pass topic clustering: each topic keeps a centroid of keyword weights; a new story is
 * compared only with topics that share one of its keywords (an inverted index), by cosine
 * similarity. Very common terms (in more than `maxPosting` topics) are not used to find candidates:
 * they would make every lookup a scan and say little about which event a story is about.
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

interface Entry {
  centroid: TermVector;
  norm: number;
}

export class TopicIndex {
  private readonly postings = new Map<string, Set<number>>();
  private readonly topics = new Map<number, Entry>();

  constructor(
    private readonly centroidTerms: number,
    private readonly maxPosting = 5000,
  ) {}

  /** Topics most similar to `v`, best first, with similarity ≥ `min`. */
  candidates(v: TermVector, min: number, limit = 3): Array<{ topicId: number; similarity: number }> {
    const vn = norm(v);
    if (vn === 0) return [];
    const seen = new Set<number>();
    const out: Array<{ topicId: number; similarity: number }> = [];
    for (const term of v.keys()) {
      const posting = this.postings.get(term);
      if (!posting || posting.size > this.maxPosting) continue;
      for (const id of posting) {
        if (seen.has(id)) continue;
        seen.add(id);
        const e = this.topics.get(id);
        if (!e || e.norm === 0) continue;
        let dot = 0;
        for (const [t, w] of v) dot += w * (e.centroid.get(t) ?? 0);
        const sim = dot / (vn * e.norm);
        if (sim >= min) out.push({ topicId: id, similarity: sim });
      }
    }
    return out.sort((a, b) => b.similarity - a.similarity || a.topicId - b.topicId).slice(0, limit);
  }

  /** Adds a story's vector to a topic's centroid (creating the topic's entry when new). */
  add(topicId: number, v: TermVector): void {
    let e = this.topics.get(topicId);
    if (!e) {
      e = { centroid: new Map(), norm: 0 };
      this.topics.set(topicId, e);
    }
    for (const [t, w] of v) e.centroid.set(t, (e.centroid.get(t) ?? 0) + w);
    this.prune(topicId, e);
  }

  /** Moves topic `from` into `into` (a merge). */
  merge(from: number, into: number): void {
    const e = this.topics.get(from);
    if (!e) return;
    this.remove(from);
    this.add(into, e.centroid);
  }

  /** Removes a topic from the index. */
  remove(topicId: number): void {
    const e = this.topics.get(topicId);
    if (!e) return;
    for (const t of e.centroid.keys()) {
      const p = this.postings.get(t);
      p?.delete(topicId);
      if (p && p.size === 0) this.postings.delete(t);
    }
    this.topics.delete(topicId);
  }

  /** The topic's strongest terms, best first. */
  topTerms(topicId: number, k: number): string[] {
    const e = this.topics.get(topicId);
    if (!e) return [];
    return [...e.centroid].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, k).map(([t]) => t);
  }

  /** A topic's centroid as pairs (for snapshots). */
  centroidOf(topicId: number): Array<[string, number]> {
    return [...(this.topics.get(topicId)?.centroid ?? [])];
  }

  /** Whether the topic is indexed. */
  has(topicId: number): boolean {
    return this.topics.has(topicId);
  }

  /** Keeps the centroid to its strongest terms and the postings in step with it. */
  private prune(topicId: number, e: Entry): void {
    if (e.centroid.size > this.centroidTerms * 2) {
      const kept = [...e.centroid].sort((a, b) => b[1] - a[1]).slice(0, this.centroidTerms);
      const keep = new Set(kept.map(([t]) => t));
      for (const t of e.centroid.keys()) {
        if (!keep.has(t)) {
          const p = this.postings.get(t);
          p?.delete(topicId);
          if (p && p.size === 0) this.postings.delete(t);
        }
      }
      e.centroid = new Map(kept);
    }
    for (const t of e.centroid.keys()) {
      let p = this.postings.get(t);
      if (!p) this.postings.set(t, (p = new Set()));
      p.add(topicId);
    }
    e.norm = norm(e.centroid);
  }
}
