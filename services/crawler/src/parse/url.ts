/**
 * URL canonicalization, so that one article reached through different links is stored once.
 *
 * The same article arrives with share and campaign parameters appended by WeChat, Bilibili,
 * newsletters and ad networks, with `#fragments`, `:80`, mixed-case hosts and `%2f`-style escapes.
 * We strip only parameters that are known to be trackers: dropping a parameter that selects
 * content (`id`, `page`, `kw`, `ref` on code hosts) would merge different pages into one.
 */
import { createHash } from 'node:crypto';

// Exact parameter names (compared lower-case) that never select content.
const TRACKING_PARAMS = new Set([
  'spm', 'scm', 'spm_id_from', 'from_spmid', // Alibaba / Bilibili click tracking
  'gclid', 'dclid', 'gbraid', 'wbraid', 'msclkid', 'fbclid', 'yclid', 'igshid', 'twclid', // ad click ids
  'mc_cid', 'mc_eid', // Mailchimp
  '_hsenc', '_hsmi', // HubSpot
  'wt_mc', 'wt_zmc', // Webtrekk (German publishers)
  'ref_src', 'ref_url', // Twitter embeds (plain `ref` is kept: GitHub and others use it for content)
  'isappinstalled', 'wxshare_count', // WeChat share decoration
  'share_source', 'share_medium', 'share_plat', 'share_from', 'share_tag', 'share_session_id', 'vd_source', // Bilibili share
]);

// `from` is a real parameter on many Chinese sites; only these values are WeChat/QQ share markers.
const SHARE_FROM_VALUES = new Set(['timeline', 'singlemessage', 'groupmessage']);

// WeChat article URLs carry per-reader state (scene, chksm, pass_ticket, …); the article is __biz+mid+idx+sn.
const WECHAT_ARTICLE_PARAMS = new Set(['__biz', 'mid', 'idx', 'sn']);

/**
 * Canonical absolute form of an http(s) URL (resolved against `base`); null for other schemes or garbage.
 * Keeps `ref`, `from` (except WeChat share values) and every parameter not known to be a tracker.
 */
export function canonicalizeUrl(raw: string, base?: string): string | null {
  let url: URL;
  try {
    url = base === undefined ? new URL(raw.trim()) : new URL(raw.trim(), base);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (!url.hostname) return null;
  // URL already lower-cases the host, converts IDN to punycode, drops default ports and resolves dot segments.
  const host = url.hostname.replace(/\.$/, '') + (url.port ? `:${url.port}` : '');
  const auth = url.username ? `${url.username}${url.password ? `:${url.password}` : ''}@` : '';
  const path = normalizePercent(url.pathname || '/');
  const query = canonicalQuery(url.search, url.hostname, url.pathname);
  return `${url.protocol}//${auth}${host}${path}${query ? `?${query}` : ''}`;
}

/** SHA-256 hex of a canonical URL, the key under which an item is de-duplicated. */
export function urlHash(canonical: string): string {
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}

/** Query string without trackers and empty pairs, sorted by key (stable, so repeated keys keep their order). */
function canonicalQuery(search: string, hostname: string, pathname: string): string {
  if (search.length <= 1) return '';
  const isWechatArticle = hostname === 'mp.weixin.qq.com' && (pathname === '/s' || pathname.startsWith('/s/'));
  const pairs: { key: string; text: string }[] = [];
  for (const part of search.slice(1).split('&')) {
    if (!part) continue;
    const text = normalizePercent(part);
    const eq = text.indexOf('=');
    const key = eq < 0 ? text : text.slice(0, eq);
    const value = eq < 0 ? '' : text.slice(eq + 1);
    if (!key) continue;
    const name = safeDecode(key).toLowerCase();
    if (isWechatArticle && !WECHAT_ARTICLE_PARAMS.has(name)) continue;
    if (isTracker(name, safeDecode(value).toLowerCase())) continue;
    pairs.push({ key, text });
  }
  // Array.prototype.sort is stable, which keeps `a=1&a=2` in page order.
  pairs.sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
  return pairs.map((p) => p.text).join('&');
}

function isTracker(name: string, value: string): boolean {
  if (name.startsWith('utm_')) return true;
  if (TRACKING_PARAMS.has(name)) return true;
  return name === 'from' && SHARE_FROM_VALUES.has(value);
}

/** Upper-cases percent escapes and decodes escaped unreserved characters (RFC 3986 §6.2.2). */
function normalizePercent(s: string): string {
  return s.replace(/%([0-9a-fA-F]{2})/g, (_m, hex: string) => {
    const ch = String.fromCharCode(parseInt(hex, 16));
    return /[A-Za-z0-9\-._~]/.test(ch) ? ch : `%${hex.toUpperCase()}`;
  });
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}
