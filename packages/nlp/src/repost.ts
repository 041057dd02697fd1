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

// What people type when they repost without saying anything: no stance of its own.
const BARE = /^(?:转发微博|转发|轉發微博|轉發|repost|rt|转|扩散|扩|顶|mark|马克|已阅|关注|围观|路过|[\s\p{P}\p{S}])*$/iu;

/**
 * The words a repost adds of its own, in front of the post it quotes (`comment //@B: … //转发：…`);
 * null for an original post, for a repost that quotes with nothing in front (`转发：原文`), and for
 * bare repost noise (转发微博, 扩散, ???, emoticons): those say nothing of their own.
 */
export function ownWords(text: string): string | null {
  const m = new RegExp(MARKER.source).exec(text);
  if (!m) return null;
  const head = text.slice(0, m.index).replace(LEADING, '').trim();
  return head && !BARE.test(head.replace(/\[[^\]]{1,8}\]/g, '')) ? head : null;
}

/**
 * The words a reply adds of its own (an item that answers a parent: a forum reply, a comment pushed
 * with its post): a repost's comment as ownWords reads it, else the whole text; null for bare noise.
 */
export function replyWords(text: string): string | null {
  if (isRepost(text)) return ownWords(text);
  const t = text.trim();
  return t && !BARE.test(t.replace(/\[[^\]]{1,8}\]/g, '')) ? t : null;
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
