/**
 * Reposts carry what they repost. A Weibo repost reads `comment //@B: B's comment //转发：original`
 * (or starts with `转发：`), so the reposted text is a suffix of the repost. These helpers list the
 * candidate roots of a text, longest first, so the story index can find the one it already knows.
 */

// `//` that is not part of a URL (`http://`), optionally followed by `@name:` or `转发：`.
const MARKER = /(?<![:：a-zA-Z])\/\/\s*(?:@[^\s:：]{1,30}\s*[:：]\s*)?(?:转发\s*[:：]?\s*)?/g;
const LEADING = /^\s*(?:转发(?:微博)?\s*[:：]\s*|RT\s+@[^\s:：]{1,30}\s*[:：]\s*)/i;

/** Normalizes text for exact root matching: no whitespace, no leading repost noise, lower-case. */
export function rootKey(text: string): string {
  return text.replace(LEADING, '').replace(/\s+/g, '').toLowerCase();
}

/** The user's own words in a repost (before the first marker); the whole text for an original. */
export function repostComment(text: string): string {
  const m = new RegExp(MARKER.source).exec(text);
  const head = m ? text.slice(0, m.index) : text;
  return head.replace(LEADING, '').trim();
}

/**
 * Candidate roots, longest first: the whole text (minus a leading `转发：`), then the suffix after
 * each repost marker. Candidates shorter than `minChars` are dropped (`//转发：好` is no story).
 */
export function rootCandidates(text: string, minChars = 6): string[] {
  const out: string[] = [];
  const whole = text.replace(LEADING, '').trim();
  if (whole.length >= minChars) out.push(whole);
  for (const m of text.matchAll(MARKER)) {
    const suffix = text.slice(m.index + m[0].length).replace(LEADING, '').trim();
    if (suffix.length >= minChars && suffix !== out[out.length - 1]) out.push(suffix);
  }
  return out;
}

/** True when the text is a repost of something (has a marker or a leading 转发). */
export function isRepost(text: string): boolean {
  return LEADING.test(text) || new RegExp(MARKER.source).test(text);
}
