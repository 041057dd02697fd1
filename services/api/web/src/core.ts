// What every view of the page shares: DOM helpers, Beijing time, the API client, labels, and what
// each role may do. Browser TypeScript, bundled by web/build.ts; nothing loaded from anywhere but
// this service. Every text from the server is set with textContent, never as HTML.
import type { Role, User } from './wire';

export type Level = 'blue' | 'yellow' | 'orange' | 'red';
export const LEVELS: readonly Level[] = ['blue', 'yellow', 'orange', 'red'];
export const LEVEL_LABELS: Record<string, string> = { none: '无', blue: '蓝色', yellow: '黄色', orange: '橙色', red: '红色' };
export const ROLE_LABELS: Record<Role, string> = { admin: '管理员', pr: '值班员', leader: '领导', analyst: '研判员', ingest: '数据推送' };

/**
 * What each role may do on the page. Only the choice of buttons and views: the server decides
 * (and refuses with a message the page shows) whatever the page offers.
 */
const ABILITIES = {
  alerts: ['admin', 'pr', 'analyst', 'leader'],
  acknowledge: ['admin', 'pr'],
  adjustAlertLevel: ['admin', 'pr', 'analyst'],
  createIncident: ['admin', 'analyst', 'pr'],
  incidents: ['admin', 'pr', 'analyst', 'leader'],
  editIncident: ['admin', 'analyst', 'pr'],
  noteIncident: ['admin', 'analyst', 'pr', 'leader'],
  instruction: ['leader'],
  digests: ['admin', 'pr', 'analyst', 'leader'],
  generateDigest: ['admin', 'analyst', 'leader'],
  forms: ['admin', 'pr', 'analyst', 'leader'],
  editForms: ['admin', 'analyst'],
  fileForms: ['admin', 'leader'],
  infoEntries: ['admin', 'analyst', 'pr'],
  items: ['admin', 'analyst'],
  labelItem: ['admin', 'analyst'],
  topics: ['admin', 'pr', 'analyst', 'leader'],
  hotlists: ['admin', 'pr', 'analyst', 'leader'],
  schemes: ['admin', 'analyst'],
  editSchemes: ['admin', 'analyst'],
  sources: ['admin'],
  overview: ['admin', 'pr', 'analyst', 'leader'],
  silence: ['admin', 'pr'],
  admin: ['admin'],
} satisfies Record<string, Role[]>;
export type Ability = keyof typeof ABILITIES;

/** The signed-in user and what happens when the session turns out to be gone. */
export const session: { me: User | null; onExpired: (message: string) => void } = {
  me: null,
  /** Set by app.ts: back to the login form. */
  onExpired: () => undefined,
};

export const can = (ability: Ability): boolean => Boolean(session.me && (ABILITIES[ability] as readonly Role[]).includes(session.me.role));

// --- DOM ---
/**
 * The element with this id, typed by the caller (`$<HTMLInputElement>('login-name')`); the page's
 * markup is fixed, so a missing id is a programming error and throws at once.
 */
export function $<T extends HTMLElement = HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (!e) throw new Error(`#${id} is not on the page`);
  return e as T;
}

/** An element with a class and a text (never HTML). */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string | null, text?: string | number | null): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}

export function button(text: string, cls?: string | null, onClick?: (ev: MouseEvent) => void): HTMLButtonElement {
  const b = el('button', cls, text);
  b.type = 'button';
  if (onClick) b.addEventListener('click', onClick);
  return b;
}

/**
 * A link that opens in a new tab and tells the other side nothing. Only web addresses and this
 * service's own paths become links: a crawled item's `javascript:` or `data:` URL stays plain text.
 */
export function outLink(href: string | null | undefined, text: string, cls?: string): HTMLElement {
  let url: URL | null = null;
  try {
    url = href ? new URL(href, location.href) : null;
  } catch {
    url = null;
  }
  if (!url || !['http:', 'https:'].includes(url.protocol)) return el('span', cls, text);
  const a = el('a', cls, text);
  a.href = url.href;
  a.target = '_blank';
  a.rel = 'noopener noreferrer';
  return a;
}

export function levelBadge(level: string): HTMLSpanElement {
  return el('span', `badge ${level}`, LEVEL_LABELS[level] || level);
}

/** Fills a level filter that is a minimum (blue < yellow < orange < red): 「黄色及以上」…. */
export function minimumLevelOptions(sel: HTMLSelectElement): void {
  for (const l of LEVELS) {
    const o = el('option', null, l === 'red' ? LEVEL_LABELS[l] : `${LEVEL_LABELS[l]}及以上`);
    o.value = l;
    sel.append(o);
  }
}

/** A <label> holding a caption and a control. */
export function field(caption: string, control: HTMLElement, cls?: string): HTMLLabelElement {
  const l = el('label', cls || 'field');
  l.append(el('span', 'caption', caption), control);
  return l;
}

export function select(options: ReadonlyArray<readonly [string, string]>, value?: string | null): HTMLSelectElement {
  const s = el('select');
  for (const [v, text] of options) {
    const o = el('option', null, text);
    o.value = v;
    s.append(o);
  }
  if (value !== undefined && value !== null) s.value = value;
  return s;
}

export function input(type: string, value?: string | number | null, attrs?: Record<string, string>): HTMLInputElement {
  const i = el('input');
  i.type = type;
  if (value !== undefined && value !== null) i.value = String(value);
  for (const [k, v] of Object.entries(attrs || {})) i.setAttribute(k, v);
  return i;
}

export function textarea(value?: string | null, attrs?: Record<string, string>): HTMLTextAreaElement {
  const t = el('textarea');
  if (value) t.value = value;
  for (const [k, v] of Object.entries(attrs || {})) t.setAttribute(k, v);
  return t;
}

// --- SVG, drawn with DOM APIs (the CSP allows no inline markup) ---
const SVG_NS = 'http://www.w3.org/2000/svg';

/** An SVG element with attributes and a text. */
export function svg(tag: string, attrs?: Record<string, string | number>, text?: string): SVGElement {
  const e = document.createElementNS(SVG_NS, tag) as SVGElement;
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/**
 * Counts per Beijing day as a small bar chart (the sources and schemes lists): each bar's day and
 * count on hover; `label` names what is counted for screen readers (近7日每日条数 …).
 */
export function dailySparkline(daily: number[], days: string[], label: string): SVGElement {
  const w = 84;
  const h = 24;
  const bw = w / Math.max(daily.length, 1);
  const max = daily.reduce((m, n) => Math.max(m, n), 1);
  const chart = svg('svg', { viewBox: `0 0 ${w} ${h}`, class: 'spark', role: 'img', 'aria-label': `${label}：${daily.join('、')}` });
  daily.forEach((n, i) => {
    const bh = n ? Math.max(2, ((h - 2) * n) / max) : 0;
    const r = svg('rect', { x: (i * bw + 1).toFixed(1), y: (h - 1 - bh).toFixed(1), width: Math.max(bw - 2, 1).toFixed(1), height: bh.toFixed(1), class: 'bar' });
    r.append(svg('title', {}, `${days[i] || ''}：${n} 条`));
    chart.append(r);
  });
  chart.append(svg('line', { x1: 0, y1: h - 0.5, x2: w, y2: h - 0.5, class: 'axis' }));
  return chart;
}

/** A percent-encoded RSSHub route as people read it (`/weibo/keyword/警方通报`). */
export function readableRoute(route: string): string {
  try {
    return decodeURIComponent(route);
  } catch {
    return route;
  }
}

/** Shows (or hides, with no message) an error paragraph. */
export function showError(p: HTMLElement, message?: string | null): void {
  p.textContent = message || '';
  p.hidden = !message;
}

// --- time: always Beijing time (Asia/Shanghai), whatever the machine's zone ---
const SHANGHAI = new Intl.DateTimeFormat('zh-CN', {
  timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
});
type Parts = Record<'year' | 'month' | 'day' | 'hour' | 'minute' | 'second', string>;
function parts(iso: string | Date | null | undefined): Parts | null {
  if (!iso) return null;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return null;
  const p: Record<string, string> = {};
  for (const x of SHANGHAI.formatToParts(d)) p[x.type] = x.value;
  return p as Parts;
}
/** `2025-01-02 08:00:00` in Beijing time. */
export function beijing(iso: string | Date | null | undefined): string {
  const p = parts(iso);
  return p ? `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}` : '';
}
/** `2025-01-02 08:00` in Beijing time. */
export function beijingMinute(iso: string | Date | null | undefined): string {
  const p = parts(iso);
  return p ? `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}` : '';
}
/** The value of an <input type="datetime-local"> showing this instant in Beijing time. */
export function toBeijingInput(iso: string | Date | null | undefined): string {
  const p = parts(iso);
  return p ? `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}` : '';
}
/** An <input type="datetime-local"> value read as Beijing time → ISO 8601 (UTC), or null. */
export function fromBeijingInput(value: string | null | undefined): string | null {
  if (!value || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(value)) return null;
  const d = new Date(`${value.length === 16 ? `${value}:00` : value}+08:00`);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}
/** A span of time in words: `2天3小时`, `3小时5分钟`, `12分钟`, `不到1分钟`. */
export function duration(ms: number): string {
  const min = Math.floor(Math.abs(ms) / 60_000);
  if (min < 1) return '不到1分钟';
  const d = Math.floor(min / 1440);
  const h = Math.floor((min % 1440) / 60);
  const m = min % 60;
  if (d > 0) return h > 0 ? `${d}天${h}小时` : `${d}天`;
  if (h > 0) return m > 0 ? `${h}小时${m}分钟` : `${h}小时`;
  return `${m}分钟`;
}

// --- HTTP ---
/** The service's one error shape (errors.ts). */
export interface ApiErrorBody {
  error?: { code: string; message: string; issues?: Array<{ message?: unknown }> };
}
/**
 * An answer: `data` is typed by the caller as what the route sends on success (`T`, the server's
 * own types through wire.ts); on any other status it holds the error shape, so read `data` as `T`
 * only after checking `status`.
 */
export interface ApiResult<T> {
  status: number;
  data: T;
}

/** One request to the API: `{status, data}`; a 401 also sends the page back to the login form. */
export async function api<T = unknown>(method: string, url: string, body?: unknown): Promise<ApiResult<T>> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const init: RequestInit = { method, credentials: 'same-origin', headers };
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res: Response;
  try {
    res = await fetch(url, init);
  } catch {
    return { status: 0, data: { error: { code: 'NETWORK', message: '无法连接服务器，请检查网络' } } as T };
  }
  let data: unknown = null;
  if (res.status !== 204) data = await res.json().catch(() => null);
  if (res.status === 401 && !url.startsWith('/api/auth/')) session.onExpired('登录已过期，请重新登录');
  return { status: res.status, data: data as T };
}

/** The Chinese message of an error answer (the service's one error shape), else the fallback. */
export function errorText(r: ApiResult<unknown>, fallback: string): string {
  const e = (r.data as ApiErrorBody | null)?.error;
  if (!e) return r.status === 403 ? '无权执行此操作' : fallback;
  // A refused form: the service's own (Chinese) reasons say what to fix; a library's English
  // default texts would not help the user, so only Chinese ones are shown.
  const reasons = (Array.isArray(e.issues) ? e.issues : []).map((i) => i.message).filter((m) => typeof m === 'string' && /[\u4e00-\u9fff]/.test(m));
  if (reasons.length) return `${e.message}：${[...new Set(reasons)].join('；')}`;
  return e.message || fallback;
}

/** A query string from the non-empty entries. */
export function query(params: Record<string, string | number | boolean | null | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '' && v !== false) q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}
