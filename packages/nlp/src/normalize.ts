/**
 * Text normalization before segmentation: cheap, single-pass regexes, each skipped when a
 * one-char probe (indexOf) shows it cannot match, because normalize runs on every item and the
 * analyzer's throughput budget is set against raw nodejieba.cut.
 */
import { detectLanguage, type Language } from './language';
import { hasTraditional, toSimplified } from './traditional';

/** The analysis text plus what was taken out of it. */
export interface Normalized {
  /** For analysis: full-width ASCII → half-width, HTML removed, URLs/@mentions/emoticon codes removed, whitespace collapsed, Simplified. */
  text: string;
  urls: string[];
  mentions: string[];
  /** Weibo emoticon codes without brackets, e.g. '怒'. */
  emoticons: string[];
  language: Language;
  /** True when the input was longer than maxChars and was cut. */
  truncated: boolean;
  /** True when Traditional characters were found and converted. */
  traditional: boolean;
}

export interface NormalizeOptions {
  /** Longest analysis text kept, in UTF-16 units (default 20000). */
  maxChars?: number;
}

const DEFAULT_MAX = 20_000;
// Markup and URLs shrink a page a lot, so the raw cut is generous; it only guards against megabytes.
const RAW_FACTOR = 4;

const SCRIPT_STYLE = /<(script|style|noscript)\b[^>]*>[\s\S]*?<\/\1\s*>/gi;
const HTML_COMMENT = /<!--[\s\S]*?-->/g;
const TAG = /<\/?[a-zA-Z][^<>]*>/g;
const BLOCK_TAG = /^<\/?(?:p|div|br|li|tr|td|h[1-6]|section|article|blockquote)\b/i;
const ENTITY = /&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z]{2,8}));/g;
// Stops at whitespace, quotes, brackets and CJK text/punctuation, which is where Weibo URLs end.
const URL_RE = /\b(?:https?:\/\/|www\.)[^\s<>"'()[\]{}\u3000-\u303F\u4E00-\u9FFF\uFF00-\uFFEF]+/gi;
// "//@name:" repost prefixes lose their "//" and colon too; emails are protected by the lookbehind.
const MENTION = /(?:\/\/)?(?<![A-Za-z0-9_.])@([\u4E00-\u9FFFA-Za-z0-9_-]{1,30})(?:[:：]\s?)?/g;
const EMOTICON = /\[([\u4E00-\u9FFFa-zA-Z]{1,8})\]/g;
const SPACES = /\s+/g;

const NAMED_ENTITIES: Record<string, string> = {
  nbsp: ' ',
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  hellip: '…',
  mdash: '—',
  ndash: '–',
  ldquo: '“',
  rdquo: '”',
  lsquo: '‘',
  rsquo: '’',
  middot: '·',
  times: '×',
  copy: '©',
  ensp: ' ',
  emsp: ' ',
  thinsp: ' ',
  zwj: '',
  zwnj: '',
};

function decodeEntity(m: string, dec?: string, hex?: string, name?: string): string {
  if (name !== undefined) return NAMED_ENTITIES[name.toLowerCase()] ?? m;
  const code = dec !== undefined ? Number.parseInt(dec, 10) : Number.parseInt(hex ?? '', 16);
  // Surrogate and out-of-range code points would reintroduce broken text.
  if (!Number.isFinite(code) || code <= 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return ' ';
  return String.fromCodePoint(code);
}

function tagSpace(t: string): string {
  return BLOCK_TAG.test(t) ? ' ' : '';
}

function stripHtml(s: string): string {
  if (s.indexOf('<') !== -1) {
    s = s.replace(SCRIPT_STYLE, ' ').replace(HTML_COMMENT, ' ');
    // Block tags become spaces so words either side do not merge; inline tags vanish (<b>警</b>察).
    s = s.replace(TAG, tagSpace);
  }
  if (s.indexOf('&') !== -1) s = s.replace(ENTITY, decodeEntity);
  return s;
}

function invisible(c: number): boolean {
  return (c >= 0x200b && c <= 0x200f) || (c >= 0x202a && c <= 0x202e) || (c >= 0x2060 && c <= 0x2064) || c === 0xfeff || c === 0xad;
}

/**
 * One loop over UTF-16 units: full-width ASCII → half-width, ideographic/no-break space → space,
 * invisible formatting chars and lone surrogates dropped. A hand loop beats four regex passes
 * with callbacks, and returns the input itself when nothing changes (most texts lack some of it).
 */
function cleanChars(s: string): string {
  // Pieces are joined with +=, which V8 does as a rope flattened once, cheaper than an array join.
  let out = '';
  let changed = false;
  let from = 0;
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xa0) continue;
    let rep: string;
    if (c >= 0xff01 && c <= 0xff5e) rep = HALF_WIDTH[c - 0xff01] as string;
    else if (c === 0x3000 || c === 0xa0) rep = ' ';
    else if (c >= 0xd800 && c <= 0xdfff) {
      const next = i + 1 < n ? s.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        i++; // a valid pair (emoji) stays
        continue;
      }
      rep = '';
    } else if (invisible(c)) rep = '';
    else continue;
    out += from === i ? rep : s.slice(from, i) + rep;
    changed = true;
    from = i + 1;
  }
  if (!changed) return s;
  return from === n ? out : out + s.slice(from);
}

// U+FF01–U+FF5E made half-width, one string each.
const HALF_WIDTH: string[] = [];
for (let c = 0xff01; c <= 0xff5e; c++) HALF_WIDTH.push(String.fromCharCode(c - 0xfee0));

/** Cuts at most max UTF-16 units without splitting a surrogate pair. */
function cut(s: string, max: number): string {
  if (s.length <= max) return s;
  const last = s.charCodeAt(max - 1);
  return s.slice(0, last >= 0xd800 && last <= 0xdbff ? max - 1 : max);
}

/**
 * True when normalize would return the text unchanged: no markup, entity, URL, mention or
 * emoticon probe char, nothing cleanChars changes, no whitespace but single inner spaces. One
 * loop over the text, so the common short Weibo post or headline skips every other pass.
 */
function alreadyClean(s: string): boolean {
  const n = s.length;
  if (n === 0 || s.charCodeAt(0) === 0x20 || s.charCodeAt(n - 1) === 0x20) return false;
  let prevSpace = false;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      if (c === 0x20) {
        if (prevSpace) return false;
        prevSpace = true;
        continue;
      }
      // Control chars (tabs, newlines …) and the probe chars of stripHtml, MENTION, EMOTICON.
      if (c < 0x20 || c === 0x7f || c === 0x3c || c === 0x26 || c === 0x40 || c === 0x5b) return false;
    } else if (c >= 0x4e00 && c <= 0x9fff) {
      // Han: the common case.
    } else if (c >= 0xd800 && c <= 0xdfff) {
      // A valid pair (emoji) stays; a lone surrogate is dropped by cleanChars.
      if (c > 0xdbff || i + 1 >= n) return false;
      const next = s.charCodeAt(i + 1);
      if (next < 0xdc00 || next > 0xdfff) return false;
      i++;
    } else if (
      (c >= 0xff01 && c <= 0xff5e) ||
      c === 0x3000 ||
      c === 0xa0 ||
      c === 0x85 ||
      c === 0x1680 ||
      (c >= 0x2000 && c <= 0x200a) ||
      c === 0x2028 ||
      c === 0x2029 ||
      c === 0x202f ||
      c === 0x205f ||
      invisible(c)
    ) {
      return false;
    }
    prevSpace = false;
  }
  // URL_RE is probed by these substrings (as in normalize).
  return s.indexOf('http') === -1 && s.indexOf('www.') === -1 && s.indexOf('HTTP') === -1;
}

// The result the replace callbacks below add to: module-level functions rather than closures
// made per call (normalize is synchronous, and runs for every item).
let current: Normalized | undefined;

function takeUrl(u: string): string {
  current?.urls.push(u);
  return ' ';
}

// Weibo text copied without spaces glues the comment to the account it tags ("@云南警方求真相").
// A police account's name ends with its unit word (警方, 公安, 警察 …) and an optional suffix
// (发布, 在线, 巡查执法 …): what follows is the comment, given back to the text.
const GLUED_POLICE_ACCOUNT = /^(.{0,12}?(?:警方|公安局|公安厅|公安部|公安|警察|警博|网警|交警|派出所|刑侦局)(?:发布|在线|巡查执法|微博|官微|刑侦局|儿童失踪信息紧急发布平台|\d{1,4})?)(.+)$/;

function takeMention(_m: string, name: string): string {
  const glued = name.length > 4 ? GLUED_POLICE_ACCOUNT.exec(name) : null;
  if (glued) {
    current?.mentions.push(glued[1] as string);
    return ` ${glued[2] as string}`;
  }
  current?.mentions.push(name);
  return ' ';
}

function takeEmoticon(_m: string, name: string): string {
  current?.emoticons.push(name);
  return ' ';
}

/** Normalizes raw item text for analysis; never throws. */
export function normalize(input: string, opts?: NormalizeOptions): Normalized {
  const maxChars = Math.max(1, Math.floor(opts?.maxChars ?? DEFAULT_MAX)) || DEFAULT_MAX;
  const out: Normalized = {
    text: '',
    urls: [],
    mentions: [],
    emoticons: [],
    language: 'unknown',
    truncated: false,
    traditional: false,
  };
  if (typeof input !== 'string' || input.length === 0) return out;

  let s = input;
  if (s.length <= maxChars && alreadyClean(s)) {
    // Nothing to strip, clean or collapse: only the Traditional check and the language remain.
    if (hasTraditional(s)) {
      s = toSimplified(s);
      out.traditional = true;
    }
    out.text = s;
    out.language = detectLanguage(s);
    return out;
  }
  if (s.length > maxChars * RAW_FACTOR) {
    s = cut(s, maxChars * RAW_FACTOR);
    out.truncated = true;
  }
  // After HTML so decoded entities (&#12288;, &#xFF01;) are cleaned too; before URL/mention matching so ＠ and ｈｔｔｐ count.
  s = cleanChars(stripHtml(s));
  if (s.indexOf('http') !== -1 || s.indexOf('www.') !== -1 || s.indexOf('HTTP') !== -1) {
    current = out;
    s = s.replace(URL_RE, takeUrl);
  }
  if (s.indexOf('@') !== -1) {
    current = out;
    s = s.replace(MENTION, takeMention);
  }
  if (s.indexOf('[') !== -1) {
    current = out;
    s = s.replace(EMOTICON, takeEmoticon);
  }
  s = s.replace(SPACES, ' ').trim();
  if (s.length > maxChars) {
    s = cut(s, maxChars).trimEnd();
    out.truncated = true;
  }
  if (hasTraditional(s)) {
    s = toSimplified(s);
    out.traditional = true;
  }
  out.text = s;
  out.language = detectLanguage(s);
  return out;
}
