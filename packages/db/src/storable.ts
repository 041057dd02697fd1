/**
 * Text as PostgreSQL (and the XML and JSON we send on) can hold it. A crawled feed may carry NUL
 * bytes (badly generated feeds do), other C0 control characters, or lone UTF-16 surrogates (a
 * JSON push with "\ud800"): PostgreSQL refuses a NUL in `text` and `jsonb` ("invalid byte sequence
 * for encoding UTF8: 0x00") and would fail the whole batch with it, so one bad item would cost a
 * poll all its items. Every item is cleaned here before it is stored, and its fields are capped
 * at the lengths below, so a 1,000,000-character title never reaches the page, a digest or a
 * webhook message.
 */

/** The longest each stored field of an item may be, in characters (README: 数据与限制). */
export const ITEM_FIELD_LIMITS = {
  title: 500,
  author: 200,
  sourceName: 200,
  externalId: 500,
  language: 16,
  summary: 20_000,
  text: 5_000_000,
} as const;

// NUL and the C0 controls other than tab, line feed and carriage return; the noncharacters
// U+FFFE/U+FFFF; and surrogates that are not part of a pair.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROLS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * `s` without the characters PostgreSQL or XML cannot hold (controls dropped, a lone surrogate
 * replaced by U+FFFD), cut to `max` characters (ending in 「…」 when cut, never inside a pair).
 */
export function storableText(s: string, max = Infinity): string {
  let out = s.replace(CONTROLS, '').replace(LONE_SURROGATE, '\uFFFD');
  if (out.length > max) {
    let end = Math.max(0, max - 1);
    // Do not cut a surrogate pair in two.
    if (end > 0 && /[\uD800-\uDBFF]/.test(out.charAt(end - 1))) end -= 1;
    out = `${out.slice(0, end)}…`;
  }
  return out;
}

/** The same, or null for null. */
export function storableOrNull(s: string | null | undefined, max = Infinity): string | null {
  return s == null ? null : storableText(s, max);
}

/** A JSON value with every string (keys too) cleaned, for jsonb columns (which refuse \u0000). */
export function storableJson<T>(v: T): T {
  if (typeof v === 'string') return storableText(v) as T;
  if (Array.isArray(v)) return v.map((x) => storableJson(x)) as T;
  if (v && typeof v === 'object' && !(v instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[storableText(k)] = storableJson(x);
    return out as T;
  }
  return v;
}
