// 信息源 (admins only): every source with its health — 正常 / 故障 / 停用, the last success, the last
// error and when, when the current failure streak began, the next poll, the items collected in the
// last 24 hours and on each of the last 7 days (Beijing days, a small bar chart) — failing sources
// first, each with 停用/启用, 编辑 and 删除. 添加信息源: a form whose 测试抓取 shows the entries the
// source gives (or why it failed) before anything is saved. 从目录添加: the shipped catalogue grouped
// by category, with what each entry needs from RSSHub, whether it is already added and the values a
// template needs, beside the health of the RSSHub instances. 导入 OPML: a feed reader's export.
import type { SourcePreview } from '@yuqing/crawler/preview';
import type {
  Catalogue,
  CatalogueCategory,
  CatalogueEntry,
  FetchOutcome,
  NewSource,
  RsshubInstance,
  Selectors,
  Source,
  SourceHealthReport,
  SourceInput,
} from '@yuqing/db';
import type { ErrorBody } from '../../src/errors';
import { $, api, beijingMinute, button, dailySparkline, duration, el, errorText, field, input, outLink, readableRoute, select, session, showError, type ApiResult } from './core';
import type { Wire } from './wire';

// --- what the routes answer (services/api/src/routes/sources-admin.ts and sources.ts build these inline) ---
/** GET /api/sources/health */
type HealthReport = Wire<SourceHealthReport & { summary: { total: number; enabled: number; failing: number; disabled: number } }>;
type SourceRow = HealthReport['sources'][number];
/** POST /api/sources/preview: the crawler's test fetch, and the stored source with the same address. */
type PreviewAnswer = Wire<SourcePreview & { existing: Pick<Source, 'id' | 'name'> | null }>;
/** POST /api/sources (201), DELETE /api/sources/:id; PATCH adds `changed`. */
type SourceAnswer = Wire<{ source: Source; changed?: boolean }>;
/** POST /api/sources/import */
type ImportAnswer = Wire<{ total: number; created: number; existing: number; duplicates: number; sources: Array<Pick<Source, 'id' | 'name' | 'url'>> }>;
/** GET /api/sources/catalogue: each entry with whether it is a template and the sources added from it. */
type CatalogueAnswer = Wire<{ version: Catalogue['version']; updated: Catalogue['updated']; entries: Array<CatalogueEntry & { template: boolean; sourceIds: number[] }> }>;
type CatalogueItem = CatalogueAnswer['entries'][number];
/** POST /api/sources/catalogue (201). */
type CatalogueAdded = Wire<{
  added: Array<{ catalogueId: NewSource['catalogueId']; name: string; sourceId: number | null }>;
  existing: Array<{ catalogueId: NewSource['catalogueId']; name: string }>;
  needs: CatalogueEntry['needs'];
}>;
/** GET /api/sources/rsshub: the configured instances (never used yet: `untried`) and those the crawler knows. */
type RsshubAnswer = Wire<{ configured: string[]; instances: Array<{ configured: boolean } & (RsshubInstance | { baseUrl: string; status: 'untried' })> }>;
/** PATCH /api/sources/:id: what an admin may change on a stored source. */
type SourcePatch = Partial<Pick<SourceInput, 'enabled' | 'name' | 'pollInterval' | 'authority' | 'jurisdictionTags'>>;
type Issue = NonNullable<ErrorBody['error']['issues']>[number];

type Status = 'ok' | 'failing' | 'disabled';
const STATUS_LABELS: Record<Status, string> = { ok: '正常', failing: '故障', disabled: '停用' };
const KIND_LABELS: Record<Source['kind'], string> = { rss: 'RSS', html: '网页列表', rsshub: 'RSSHub' };
/** The catalogue's categories, in its order (packages/db/src/catalogue.ts CATEGORY_NAMES). */
const CATEGORY_LABELS: Record<CatalogueCategory, string> = { central: '中央媒体', 'police-legal': '公安政法', commercial: '商业媒体', regional: '地方及港澳台媒体', platform: '平台与热榜' };
/** Authority tiers of the catalogue (each sets the source's weight: 3 / 2 / 1.5 / 1). */
const TIER_LABELS: Record<number, string> = { 1: '一级（中央及公安政法）', 2: '二级（全国性媒体）', 3: '三级（地方媒体）', 4: '四级（平台）' };
const INTERVALS: ReadonlyArray<readonly [string, string]> = [
  ['5m', '5 分钟'], ['10m', '10 分钟'], ['15m', '15 分钟'], ['30m', '30 分钟'], ['1h', '1 小时'], ['2h', '2 小时'], ['6h', '6 小时'], ['12h', '12 小时'], ['1d', '1 天'],
];
/** Why a fetch failed, in words an admin can act on (the crawler's outcomes). */
const OUTCOME_LABELS: Record<string, string> = {
  http_error: '网站返回了错误状态',
  timeout: '连接或读取超时',
  network_error: '网络错误（无法连接，或域名无法解析）',
  too_many_redirects: '重定向次数过多',
  blocked_address: '地址被拒绝：指向本机、内网或保留地址（确需抓取内网网站时，由运维将其加入 FETCH_ALLOWLIST）',
  robots_denied: '该网站的 robots.txt 禁止抓取此地址',
  parse_error: '内容无法解析（不是 RSS/Atom 订阅，或选择器与网页不符）',
  error: '抓取出错',
} satisfies Partial<Record<FetchOutcome, string>>;
const NEEDS_LABELS: Record<string, string> = { PUPPETEER: '浏览器（PUPPETEER）' };
/** Field names of the service's validation messages. */
const FIELD_LABELS: Record<string, string> = {
  name: '名称', kind: '类型', url: '地址', route: '路由', pollInterval: '抓取间隔', authority: '权重', jurisdictionTags: '辖区标签', charset: '字符集',
  selectors: '选择器', headers: '请求头', item: '条目选择器', link: '链接选择器', title: '标题选择器', time: '时间选择器', summary: '摘要选择器',
  opml: 'OPML', enabled: '启用', entries: '目录条目', params: '模板参数',
};
/** The source model's own (English) messages, in Chinese. */
const MESSAGES: ReadonlyArray<readonly [RegExp, string]> = [
  [/must be an http\(s\) URL/, '须为完整的 http(s) 网址'],
  [/^Required$|received undefined/, '必填'],
  [/html source needs selectors/, '网页列表需要填写选择器'],
  [/selectors only apply to html/, '只有网页列表才用选择器'],
  [/route starts with \//, '路由以 / 开头，如 /weibo/search/hot'],
  [/template placeholder/, '路由中还有模板占位符（如 {uid}），请填入实际值'],
  [/route has no spaces/, '路由中不能有空格'],
  [/route may not contain/, '路由中不能有 // 开头或 . 与 .. 段'],
  [/poll interval must be between|expected seconds or a duration/, '抓取间隔应在 10 秒到 7 天之间'],
  [/invalid CSS selector|selector must not be empty/, 'CSS 选择器无效'],
  [/Unrecognized key/, '含有不认识的字段'],
  [/charset name/, '字符集名称无效（如 gbk、gb18030、utf-8）'],
  [/not a valid HTTP header name/, '请求头名称无效'],
  [/Too small|Too big/, '长度或数值超出范围'],
];
const MAX_OPML_CHARS = 2 * 1024 * 1024;
const SELECTOR_KEYS = ['item', 'link', 'title', 'time', 'summary'] as const satisfies ReadonlyArray<keyof Selectors>;

/** The admin's choices for one catalogue entry: ticked, and the values of its template's placeholders. */
interface CataloguePick {
  checked: boolean;
  params: Record<string, string>;
}

const state: {
  seq: number;
  /** The health report as last loaded. */
  report: HealthReport | null;
  /** The catalogue as last loaded, and the admin's choices in it: id → {checked, params}. */
  catalogue: CatalogueAnswer | null;
  picks: Map<string, CataloguePick>;
  /** The add form: whether the user has typed yet (problems are shown from then on), the preview's request number. */
  touched: boolean;
  previewSeq: number;
  /** The source id to mark in the list after a change. */
  highlight: number | null;
} = {
  seq: 0,
  report: null,
  catalogue: null,
  picks: new Map(),
  touched: false,
  previewSeq: 0,
  highlight: null,
};

const statusOf = (s: SourceRow): Status => (!s.enabled ? 'disabled' : s.status === 'failing' ? 'failing' : 'ok');

/** `600` seconds → `10 分钟`. */
function intervalText(seconds: number): string {
  if (seconds % 86400 === 0) return `${seconds / 86400} 天`;
  if (seconds % 3600 === 0) return `${seconds / 3600} 小时`;
  if (seconds % 60 === 0) return `${seconds / 60} 分钟`;
  return `${seconds} 秒`;
}

/** A validation issue (`{path, message}`) in Chinese: the field's name and the reason. */
function issueText(issue: Partial<Issue>): string {
  // An OPML entry's issue starts with 「第 N 项（地址）：」: keep that, translate the reason.
  const m = /^(第 \d+ 项（[^）]*）：)([\s\S]*)$/.exec(String(issue.message || ''));
  const prefix = m ? (m[1] ?? '') : '';
  const reason = m ? (m[2] ?? '') : String(issue.message || '');
  const known = MESSAGES.find(([re]) => re.test(reason));
  const text = known ? known[1] : reason;
  if (prefix) return prefix + text;
  const last = String(issue.path || '').split('/').filter((p) => p && !/^\d+$/.test(p)).at(-1);
  const name = last ? FIELD_LABELS[last] || last : '';
  return name ? `${name}：${text}` : text;
}

/** A refused request as a message and the list of its issues, in Chinese. */
function refusal(r: ApiResult<unknown>, fallback: string): { message: string; issues: string[] } {
  // Any status but the route's success carries the service's one error shape (errors.ts), or nothing.
  const e = (r.data as Partial<ErrorBody> | null)?.error;
  const issues = e && Array.isArray(e.issues) ? e.issues.map(issueText) : [];
  return { message: (e && e.message) || errorText(r, fallback), issues: [...new Set(issues)] };
}

function showProblems(ul: HTMLElement, items: string[]): void {
  ul.replaceChildren(...items.map((t) => el('li', null, t)));
}

/** The outcome of the last change, above the list (or nothing). */
function done(message?: string | null): void {
  $('src-done').textContent = message || '';
  $('src-done').hidden = !message;
}

// --- the list ---
/** Items per day (7 Beijing days) as a small bar chart with the total, each bar's day and count on hover. */
function sparkline(daily: number[], days: string[]): HTMLTableCellElement {
  const cell = el('td', 'daily');
  cell.append(dailySparkline(daily, days, '近7日每日条数'), el('span', 'spark-total', `共 ${daily.reduce((a, n) => a + n, 0)}`));
  return cell;
}

function timeCell(cls: string, iso: string | null, note?: string): HTMLTableCellElement {
  const td = el('td', `time ${cls}`);
  if (!iso) {
    td.textContent = note || '—';
    return td;
  }
  td.append(el('div', null, beijingMinute(iso)));
  if (note) td.append(el('div', 'summary', note));
  return td;
}

function sourceRow(s: SourceRow, now: number, days: string[]): HTMLTableRowElement {
  const st = statusOf(s);
  const tr = el('tr', `source-row row-${st}`);
  tr.dataset.sourceId = String(s.id);
  if (state.highlight === s.id) tr.classList.add('fresh');

  const status = el('td', 'src-status');
  status.append(el('span', `health health-${st}`, STATUS_LABELS[st]));
  if (s.enabled && s.consecutiveErrors > 0) status.append(el('div', 'summary streak', `连续失败 ${s.consecutiveErrors} 次`));

  const name = el('td', 'src-name');
  name.append(el('div', 'title', s.name));
  const meta = [`每 ${intervalText(s.pollIntervalSeconds)}`, `权重 ${s.authority}`];
  if (s.jurisdictionTags.length) meta.push(s.jurisdictionTags.join('、'));
  if (s.catalogueId) meta.push(`目录：${s.catalogueId}`);
  name.append(el('div', 'summary', meta.join(' · ')));

  const addr = el('td', 'src-url');
  if (s.route) {
    // Shown decoded (a keyword route is percent-encoded Chinese), the stored form on hover.
    const route = el('code', 'route', readableRoute(s.route));
    route.title = s.route;
    addr.append(route);
  } else addr.append(outLink(s.url, s.url, 'url'));

  const success = s.lastSuccessAt ? timeCell('last-success', s.lastSuccessAt) : timeCell('last-success', null, s.lastPolledAt ? '从未成功' : '尚未抓取');

  const err = el('td', 'src-error');
  if (s.lastError) {
    const text = el('div', s.consecutiveErrors > 0 ? 'error-text' : 'error-text recovered', s.lastError.length > 140 ? `${s.lastError.slice(0, 140)}…` : s.lastError);
    text.title = s.lastError;
    err.append(text, el('div', 'summary time', `${beijingMinute(s.lastErrorAt)}${s.consecutiveErrors > 0 ? '' : '（已恢复）'}`));
  } else err.textContent = '—';

  const since = s.failingSince ? timeCell('failing-since', s.failingSince, `已持续 ${duration(now - Date.parse(s.failingSince))}`) : timeCell('failing-since', null);

  let next: HTMLTableCellElement;
  if (!s.enabled || !s.nextPollAt) next = timeCell('next-poll', null, '—');
  else if (Date.parse(s.nextPollAt) <= now) next = timeCell('next-poll', null, '待抓取');
  else next = timeCell('next-poll', s.nextPollAt, `${duration(Date.parse(s.nextPollAt) - now)}后`);

  const actions = el('td', 'actions');
  const toggle = button(s.enabled ? '停用' : '启用', s.enabled ? 'secondary toggle' : 'toggle', () => setEnabled(s, !s.enabled, toggle).catch(() => undefined));
  const edit = button('编辑', 'secondary edit', () => toggleEdit(tr, s));
  const remove = button('删除', 'secondary danger remove', () => removeSource(s, remove).catch(() => undefined));
  actions.append(toggle, edit, remove);

  tr.append(status, name, el('td', 'kind', KIND_LABELS[s.kind] || s.kind), addr, success, err, since, next, el('td', 'num items24h', String(s.items24h)), sparkline(s.daily, days), actions);
  return tr;
}

function filtered(report: HealthReport): SourceRow[] {
  const status = $<HTMLSelectElement>('sf-status').value;
  const kind = $<HTMLSelectElement>('sf-kind').value;
  const q = $<HTMLInputElement>('sf-q').value.trim().toLowerCase();
  return report.sources.filter(
    (s) => (!status || statusOf(s) === status) && (!kind || s.kind === kind) && (!q || s.name.toLowerCase().includes(q) || s.url.toLowerCase().includes(q)),
  );
}

function render(): void {
  const report = state.report;
  if (!report) return;
  const now = Date.parse(report.at) || Date.now();
  const rows = filtered(report).map((s) => sourceRow(s, now, report.days));
  // Marked once: a later refresh does not flash the row again.
  state.highlight = null;
  $('sources-body').replaceChildren(...rows);
  $('sources-empty').hidden = rows.length > 0;
  $('sources-empty').textContent = report.sources.length ? '没有符合条件的信息源' : '尚无信息源：添加一个，或从目录添加、导入 OPML';
  const m = report.summary;
  $('src-summary').textContent = `共 ${m.total} 个 · 正常 ${m.enabled - m.failing} · 故障 ${m.failing} · 停用 ${m.disabled}`;
}

async function load(): Promise<boolean> {
  const seq = ++state.seq;
  const r = await api<HealthReport>('GET', '/api/sources/health');
  if (seq !== state.seq || r.status === 401) return false;
  if (r.status !== 200) {
    showError($('sources-error'), errorText(r, '信息源加载失败'));
    return false;
  }
  showError($('sources-error'), '');
  state.report = r.data;
  render();
  return true;
}

async function setEnabled(s: SourceRow, enabled: boolean, btn: HTMLButtonElement): Promise<void> {
  btn.disabled = true;
  const patch: SourcePatch = { enabled };
  const r = await api<SourceAnswer>('PATCH', `/api/sources/${s.id}`, patch);
  btn.disabled = false;
  if (r.status === 401) return;
  if (r.status !== 200) return showError($('sources-error'), errorText(r, enabled ? '启用失败' : '停用失败'));
  showError($('sources-error'), '');
  state.highlight = s.id;
  done(enabled ? `已启用「${s.name}」，将立即抓取` : `已停用「${s.name}」`);
  await load();
}

async function removeSource(s: SourceRow, btn: HTMLButtonElement): Promise<void> {
  if (!window.confirm(`删除信息源「${s.name}」？\n已采集的条目会保留，但不再抓取此来源。`)) return;
  btn.disabled = true;
  const r = await api<SourceAnswer>('DELETE', `/api/sources/${s.id}`);
  btn.disabled = false;
  if (r.status === 401) return;
  if (r.status !== 200) return showError($('sources-error'), errorText(r, '删除失败'));
  showError($('sources-error'), '');
  done(`已删除「${s.name}」（已采集的条目保留）`);
  await load();
}

/** 编辑: name, interval, weight and jurisdiction tags, in a row under the source. */
function toggleEdit(tr: HTMLTableRowElement, s: SourceRow): void {
  const after = tr.nextElementSibling;
  if (after && after.classList.contains('source-edit')) return after.remove();
  const row = el('tr', 'source-edit');
  row.dataset.sourceId = String(s.id);
  const cell = el('td');
  cell.colSpan = 11;
  const form = el('form', 'inline-form');
  const name = input('text', s.name, { maxlength: '200' });
  const opts: Array<readonly [string, string]> = [...INTERVALS];
  const current = INTERVALS.find(([v]) => toSeconds(v) === s.pollIntervalSeconds);
  if (!current) opts.unshift([String(s.pollIntervalSeconds), intervalText(s.pollIntervalSeconds)]);
  const interval = select(opts, current ? current[0] : String(s.pollIntervalSeconds));
  const authority = input('number', String(s.authority), { min: '0', max: '10', step: '0.5' });
  const tags = input('text', s.jurisdictionTags.join('，'), { maxlength: '1000' });
  const err = el('p', 'error');
  err.setAttribute('role', 'alert');
  err.hidden = true;
  const save = button('保存', 'save');
  save.type = 'submit';
  form.append(field('名称', name), field('抓取间隔', interval), field('权重', authority), field('辖区标签', tags), save, button('取消', 'secondary', () => row.remove()), err);
  const submit = async (): Promise<void> => {
    const patch: SourcePatch = {};
    if (name.value.trim() !== s.name) patch.name = name.value.trim();
    if (toSeconds(interval.value) !== s.pollIntervalSeconds) patch.pollInterval = interval.value;
    const weight = Number(authority.value);
    if (authority.value === '' || !Number.isFinite(weight) || weight < 0 || weight > 10) return showError(err, '权重应在 0 到 10 之间');
    if (!name.value.trim()) return showError(err, '请填写名称');
    if (weight !== s.authority) patch.authority = weight;
    const t = splitTags(tags.value);
    if (t.join('\n') !== s.jurisdictionTags.join('\n')) patch.jurisdictionTags = t;
    if (!Object.keys(patch).length) return row.remove();
    save.disabled = true;
    const r = await api<SourceAnswer>('PATCH', `/api/sources/${s.id}`, patch);
    save.disabled = false;
    if (r.status === 401) return;
    if (r.status !== 200) {
      const f = refusal(r, '保存失败');
      return showError(err, [f.message, ...f.issues].join('；'));
    }
    state.highlight = s.id;
    done(`已保存「${r.data.source.name}」的设置`);
    await load();
  };
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    submit().catch(() => undefined);
  });
  cell.append(form);
  row.append(cell);
  tr.after(row);
  name.focus();
}

const UNIT_SECONDS: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86400 };

/** `10m` → 600 (the interval choices). */
function toSeconds(v: string | number): number {
  const m = /^(\d+)([smhd]?)$/.exec(String(v));
  if (!m) return NaN;
  return Number(m[1]) * (UNIT_SECONDS[m[2] ?? ''] ?? NaN);
}

const splitTags = (text: string): string[] => [...new Set(text.split(/[,，、;；\s]+/).map((t) => t.trim()).filter(Boolean))];

// --- 添加信息源 ---
/** The form as a source (the API's body) and what is wrong with it. */
function readForm(): { body: SourceInput; problems: string[] } {
  const problems: string[] = [];
  const name = $<HTMLInputElement>('sa-name').value.trim();
  const kindValue = $<HTMLSelectElement>('sa-kind').value;
  const kind: Source['kind'] = kindValue === 'rsshub' || kindValue === 'html' ? kindValue : 'rss';
  const target = $<HTMLInputElement>('sa-url').value.trim();
  if (!name) problems.push('请填写名称');
  const body: SourceInput = { name: name || '未命名', kind };
  if (kind === 'rsshub') {
    if (!target) problems.push('请填写 RSSHub 路由');
    else if (!target.startsWith('/')) problems.push('路由以 / 开头，如 /weibo/search/hot');
    else if (/\s/.test(target)) problems.push('路由中不能有空格');
    else if (/[{}]/.test(target)) problems.push('路由中还有模板占位符（如 {uid}），请填入实际值');
    body.route = target;
  } else {
    let ok = false;
    try {
      const u = new URL(target);
      ok = (u.protocol === 'http:' || u.protocol === 'https:') && Boolean(u.host);
    } catch {
      ok = false;
    }
    if (!target) problems.push('请填写地址');
    else if (!ok) problems.push('地址须为完整的 http(s) 网址');
    body.url = target;
  }
  body.pollInterval = $<HTMLSelectElement>('sa-interval').value;
  const authorityText = $<HTMLInputElement>('sa-authority').value;
  const authority = Number(authorityText);
  if (authorityText === '' || !Number.isFinite(authority) || authority < 0 || authority > 10) problems.push('权重应在 0 到 10 之间');
  else body.authority = authority;
  const tags = splitTags($<HTMLInputElement>('sa-tags').value);
  body.jurisdictionTags = tags;
  if (tags.length > 50) problems.push('辖区标签最多 50 个');
  const charset = $<HTMLInputElement>('sa-charset').value.trim();
  if (charset) {
    if (!/^[A-Za-z0-9_-]{2,40}$/.test(charset)) problems.push('字符集名称无效（如 gbk、gb18030、utf-8）');
    body.charset = charset;
  }
  if (kind === 'html') {
    const selectors: Partial<Selectors> = {};
    for (const k of SELECTOR_KEYS) {
      const v = $<HTMLInputElement>(`sa-sel-${k}`).value.trim();
      if (v) selectors[k] = v;
    }
    // Without an item selector the form is not sent at all (the problem blocks saving and testing).
    if (!selectors.item) problems.push('网页列表需要填写「条目」选择器');
    else body.selectors = { ...selectors, item: selectors.item };
  }
  body.enabled = $<HTMLInputElement>('sa-enabled').checked;
  return { body, problems };
}

function updateForm(): void {
  const kind = $<HTMLSelectElement>('sa-kind').value;
  $('sa-selectors').hidden = kind !== 'html';
  $('sa-url-caption').textContent = kind === 'rsshub' ? 'RSSHub 路由（如 /weibo/search/hot，不含实例地址）' : kind === 'html' ? '列表页地址（URL）' : '订阅地址（URL）';
  const { problems } = readForm();
  showProblems($('sa-problems'), state.touched ? problems : []);
  $<HTMLButtonElement>('sa-save').disabled = problems.length > 0;
  // A test fetch needs everything but the name.
  $<HTMLButtonElement>('sa-test').disabled = problems.filter((p) => p !== '请填写名称').length > 0;
}

function openAdd(): void {
  closePanels('src-add');
  $('src-add').hidden = false;
  updateForm();
  $('sa-name').focus();
}

function resetForm(): void {
  $<HTMLFormElement>('src-add').reset();
  $<HTMLInputElement>('sa-authority').value = '1';
  $<HTMLSelectElement>('sa-interval').value = '10m';
  state.touched = false;
  state.previewSeq++;
  $('sa-preview').hidden = true;
  $('sa-preview').replaceChildren();
  showError($('sa-error'), '');
  updateForm();
}

const kb = (n: number): string => (n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : `${Math.max(1, Math.round(n / 1024))} KB`);

function renderPreview(p: PreviewAnswer): void {
  const box = $('sa-preview');
  box.replaceChildren();
  box.hidden = false;
  if (!p.ok) {
    box.append(
      el('p', 'error preview-error', `测试抓取失败：${OUTCOME_LABELS[p.outcome] || p.outcome}${p.httpStatus ? `（HTTP ${p.httpStatus}）` : ''}`),
      el('p', 'summary pre preview-detail', `详细信息：${p.error}`),
    );
  } else {
    const shown = p.entries.length < p.total ? `，以下为前 ${p.entries.length} 条` : '';
    box.append(el('p', 'done preview-ok', `抓取成功：HTTP ${p.httpStatus} · 编码 ${p.charset} · ${kb(p.bytes)}${p.truncated ? '（内容过大，已截断）' : ''} · 解析出 ${p.total} 条${shown}`));
    if (!p.entries.length) box.append(el('p', 'hint', '没有解析出任何条目：请检查地址，网页列表请检查选择器。'));
    else {
      const table = el('table', 'grid preview-entries');
      const head = el('tr');
      for (const h of ['标题', '发布时间（北京时间）', '链接']) head.append(el('th', null, h));
      const thead = el('thead');
      thead.append(head);
      const tbody = el('tbody');
      for (const e of p.entries) {
        const tr = el('tr', 'preview-entry');
        const link = el('td', 'url');
        link.append(outLink(e.url, e.url));
        tr.append(el('td', 'title', e.title || '（无标题）'), el('td', 'time', e.publishedAt ? beijingMinute(e.publishedAt) : '未识别'), link);
        tbody.append(tr);
      }
      table.append(thead, tbody);
      box.append(table);
    }
  }
  if (p.existing) box.append(el('p', 'error preview-existing', `此地址已是信息源「${p.existing.name}」（#${p.existing.id}），无需重复添加。`));
}

async function testFetch(): Promise<void> {
  const { body, problems } = readForm();
  state.touched = true;
  updateForm();
  if (problems.filter((p) => p !== '请填写名称').length) return;
  const seq = ++state.previewSeq;
  const btn = $<HTMLButtonElement>('sa-test');
  btn.disabled = true;
  btn.textContent = '正在抓取…';
  showError($('sa-error'), '');
  const r = await api<PreviewAnswer>('POST', '/api/sources/preview', body);
  btn.textContent = '测试抓取';
  updateForm();
  if (seq !== state.previewSeq || r.status === 401) return;
  if (r.status !== 200) {
    const f = refusal(r, '测试抓取失败');
    $('sa-preview').hidden = true;
    return showError($('sa-error'), [f.message, ...f.issues].join('；'));
  }
  renderPreview(r.data);
}

async function save(ev: SubmitEvent): Promise<void> {
  ev.preventDefault();
  state.touched = true;
  updateForm();
  const { body, problems } = readForm();
  if (problems.length) return;
  $<HTMLButtonElement>('sa-save').disabled = true;
  const r = await api<SourceAnswer>('POST', '/api/sources', body);
  updateForm();
  if (r.status === 401) return;
  if (r.status !== 201) {
    const f = refusal(r, '保存失败');
    return showError($('sa-error'), [f.message, ...f.issues].join('；'));
  }
  const s = r.data.source;
  resetForm();
  $('src-add').hidden = true;
  state.highlight = s.id;
  done(`已添加信息源「${s.name}」${s.enabled ? '，将立即开始抓取' : '（未启用）'}`);
  await load();
}

// --- 从目录添加 ---
function needsText(needs: readonly string[]): string {
  return needs.map((n) => NEEDS_LABELS[n] || n).join('、');
}

function pickOf(id: string): CataloguePick {
  let pick = state.picks.get(id);
  if (!pick) {
    pick = { checked: false, params: {} };
    state.picks.set(id, pick);
  }
  return pick;
}

/** What keeps the checked entries from being added (a template's empty values), in words. */
function pickProblems(): string[] {
  const out: string[] = [];
  for (const e of checkedEntries()) {
    const params = e.params || {};
    const missing = Object.keys(params).filter((p) => !(pickOf(e.id).params[p] || '').trim());
    // A placeholder's description starts with its name in words (「留言板对象编号，见…」): that name is enough here.
    if (missing.length) out.push(`「${e.name}」需要填写：${missing.map((p) => (params[p] ?? p).split(/[，,（(]/)[0]).join('、')}`);
  }
  return out;
}

const checkedEntries = (): CatalogueItem[] => (state.catalogue ? state.catalogue.entries.filter((e) => pickOf(e.id).checked) : []);

function updateCatalogueButton(): void {
  const n = checkedEntries().length;
  const problems = pickProblems();
  const add = $<HTMLButtonElement>('cat-add');
  add.textContent = n ? `添加所选（${n}）` : '添加所选';
  add.disabled = n === 0 || problems.length > 0;
  showError($('cat-add-error'), problems.join('；'));
}

function catalogueEntry(e: CatalogueItem): HTMLDivElement {
  const pick = pickOf(e.id);
  const added = e.sourceIds;
  const box = el('div', `cat-entry${added.length ? ' added' : ''}`);
  box.dataset.entryId = e.id;
  const head = el('label', 'check cat-head');
  const cb = input('checkbox');
  cb.className = 'cat-pick';
  // An entry that is not a template exists once: added means done.
  cb.disabled = added.length > 0 && !e.template;
  cb.checked = pick.checked && !cb.disabled;
  cb.addEventListener('change', () => {
    pick.checked = cb.checked;
    updateCatalogueButton();
  });
  head.append(cb, el('span', 'title', e.name));
  box.append(head);

  const tags = el('div', 'tags');
  tags.append(el('span', 'tag', KIND_LABELS[e.kind] || e.kind), el('span', 'tag free', `每 ${intervalText(toSeconds(e.pollInterval))}`));
  tags.append(el('span', 'tag free', TIER_LABELS[e.tier] || `${e.tier} 级`));
  if (e.hotList) tags.append(el('span', 'tag hot', '热榜'));
  if (e.confidence === 'low') tags.append(el('span', 'tag low', '待核实'));
  if (added.length) tags.append(el('span', 'tag added-mark', e.template ? `已添加 ${added.length} 个` : `已添加（#${added.join('、#')}）`));
  box.append(tags, el('div', 'summary cat-target', e.route || e.url));
  if (e.needs.length) box.append(el('div', 'needs', `需在 RSSHub 配置：${needsText(e.needs)}`));
  for (const [p, desc] of Object.entries(e.params || {})) {
    const v = input('text', pick.params[p] || '', { maxlength: '200', 'data-param': p, 'aria-label': desc });
    v.className = 'cat-param';
    v.placeholder = desc;
    v.addEventListener('input', () => {
      pick.params[p] = v.value;
      // Typing a value means this entry is wanted.
      if (v.value.trim() && !pick.checked) {
        pick.checked = true;
        cb.checked = true;
      }
      updateCatalogueButton();
    });
    box.append(field(`{${p}}`, v, 'field cat-param-field'));
  }
  return box;
}

function renderCatalogue(): void {
  const catalogue = state.catalogue;
  if (!catalogue) return;
  const cat = $<HTMLSelectElement>('cat-category').value;
  const tier = $<HTMLSelectElement>('cat-tier').value;
  const hot = $<HTMLSelectElement>('cat-hot').value;
  const hideAdded = $<HTMLInputElement>('cat-hide-added').checked;
  const groups: HTMLElement[] = [];
  for (const [key, label] of Object.entries(CATEGORY_LABELS)) {
    const entries = catalogue.entries.filter(
      (e) =>
        e.category === key &&
        (!cat || cat === key) &&
        (!tier || String(e.tier) === tier) &&
        (!hot || String(Boolean(e.hotList)) === hot) &&
        !(hideAdded && e.sourceIds.length && !e.template),
    );
    if (!entries.length) continue;
    const g = el('section', 'cat-group');
    g.dataset.category = key;
    g.append(el('h4', null, `${label}（${entries.length}）`));
    const list = el('div', 'cat-entries');
    list.append(...entries.map(catalogueEntry));
    g.append(list);
    groups.push(g);
  }
  $('cat-list').replaceChildren(...(groups.length ? groups : [el('p', 'empty', '没有符合条件的目录条目')]));
  updateCatalogueButton();
}

function renderRsshub(r: ApiResult<RsshubAnswer>): void {
  const box = $('cat-rsshub');
  box.replaceChildren();
  if (r.status !== 200) {
    box.append(el('p', 'error', errorText(r, 'RSSHub 实例状态加载失败')));
    return;
  }
  const d = r.data;
  if (!d.instances.length) {
    box.append(el('p', 'error rsshub-none', '未配置 RSSHub 实例（RSSHUB_URL）：「RSSHub」类型的信息源现在无法抓取。'));
    return;
  }
  box.append(el('h4', null, 'RSSHub 实例'));
  const ul = el('ul', 'rsshub-list');
  for (const i of d.instances) {
    const st = i.status === 'failing' ? '故障' : i.status === 'ok' ? '正常' : '尚未使用';
    const li = el('li', `rsshub-instance rsshub-${i.status}`);
    li.append(el('span', `health health-${i.status === 'failing' ? 'failing' : i.status === 'ok' ? 'ok' : 'disabled'}`, st), el('code', null, i.baseUrl));
    const bits: string[] = [];
    if (!i.configured) bits.push('已不在 RSSHUB_URL 中');
    // An instance never used yet has no record: nothing more to say about it.
    if (i.status !== 'untried') {
      if (i.lastSuccessAt) bits.push(`上次成功 ${beijingMinute(i.lastSuccessAt)}`);
      if (i.requests) bits.push(`请求 ${i.requests} 次，失败 ${i.failures} 次`);
      if (i.status === 'failing' && i.lastError) bits.push(`最近错误（${beijingMinute(i.lastErrorAt)}）：${i.lastError}`);
    }
    if (bits.length) li.append(el('span', 'summary', bits.join(' · ')));
    ul.append(li);
  }
  box.append(ul);
}

async function loadCatalogue(): Promise<void> {
  const [c, h] = await Promise.all([api<CatalogueAnswer>('GET', '/api/sources/catalogue'), api<RsshubAnswer>('GET', '/api/sources/rsshub')]);
  if (c.status === 401 || h.status === 401) return;
  renderRsshub(h);
  if (c.status !== 200) return showError($('cat-error'), errorText(c, '目录加载失败'));
  showError($('cat-error'), '');
  state.catalogue = c.data;
  renderCatalogue();
}

async function addFromCatalogue(): Promise<void> {
  const entries = checkedEntries().map((e) => {
    const params: Record<string, string> = {};
    for (const p of Object.keys(e.params || {})) params[p] = (pickOf(e.id).params[p] || '').trim();
    return Object.keys(params).length ? { id: e.id, params } : { id: e.id };
  });
  if (!entries.length) return;
  $<HTMLButtonElement>('cat-add').disabled = true;
  showError($('cat-done'), '');
  const r = await api<CatalogueAdded>('POST', '/api/sources/catalogue', { entries, enabled: $<HTMLInputElement>('cat-enabled').checked });
  if (r.status === 401) return;
  if (r.status !== 201) {
    updateCatalogueButton();
    const f = refusal(r, '添加失败');
    return showError($('cat-add-error'), [f.message, ...f.issues].join('；'));
  }
  const d = r.data;
  const parts: string[] = [];
  if (d.added.length) parts.push(`已添加 ${d.added.length} 个：${d.added.map((a) => a.name).join('、')}`);
  if (d.existing.length) parts.push(`${d.existing.length} 个已存在，未改动：${d.existing.map((a) => a.name).join('、')}`);
  if (d.needs.length) parts.push(`请确认 RSSHub 已配置：${needsText(d.needs)}`);
  $('cat-done').textContent = `${parts.join('。')}。`;
  $('cat-done').hidden = false;
  state.picks.clear();
  const first = d.added[0];
  if (first) state.highlight = first.sourceId;
  await Promise.all([loadCatalogue(), load()]);
}

// --- 导入 OPML ---
/** The file's text: its XML declaration's encoding when that is a Chinese legacy one (GBK/Big5), else UTF-8. */
async function readOpml(file: File): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, 200));
  const m = /encoding\s*=\s*["']([A-Za-z0-9_-]+)["']/i.exec(head);
  const enc = m?.[1] ? m[1].toLowerCase() : 'utf-8';
  try {
    return new TextDecoder(['gbk', 'gb2312', 'gb18030', 'big5'].includes(enc) ? enc : 'utf-8').decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes);
  }
}

async function importOpml(ev: SubmitEvent): Promise<void> {
  ev.preventDefault();
  const fileInput = $<HTMLInputElement>('imp-file');
  const file = fileInput.files?.[0];
  showProblems($('imp-problems'), []);
  $('imp-done').hidden = true;
  if (!file) return showError($('imp-error'), '请选择 OPML 文件');
  const text = await readOpml(file);
  if (text.length > MAX_OPML_CHARS) return showError($('imp-error'), 'OPML 文件不能超过 2 MB');
  const submit = $<HTMLButtonElement>('imp-submit');
  submit.disabled = true;
  const r = await api<ImportAnswer>('POST', '/api/sources/import', { opml: text, enabled: $<HTMLInputElement>('imp-enabled').checked });
  submit.disabled = false;
  if (r.status === 401) return;
  if (r.status !== 200) {
    const f = refusal(r, '导入失败');
    showError($('imp-error'), f.message);
    return showProblems($('imp-problems'), f.issues);
  }
  showError($('imp-error'), '');
  const d = r.data;
  $('imp-done').textContent = `导入完成：OPML 共 ${d.total} 项，新增 ${d.created} 个，已存在 ${d.existing} 个（保持原有设置）${d.duplicates ? `，重复 ${d.duplicates} 项` : ''}。`;
  $('imp-done').hidden = false;
  fileInput.value = '';
  await load();
}

// --- panels ---
function closePanels(except: string | null): void {
  for (const id of ['src-add', 'src-catalogue', 'src-import']) if (id !== except) $(id).hidden = true;
}

function setUp(): void {
  for (const [v, t] of INTERVALS) {
    const o = el('option', null, t);
    o.value = v;
    $('sa-interval').append(o);
  }
  $<HTMLSelectElement>('sa-interval').value = '10m';
  for (const [v, t] of Object.entries(CATEGORY_LABELS)) {
    const o = el('option', null, t);
    o.value = v;
    $('cat-category').append(o);
  }
  for (const [v, t] of Object.entries(TIER_LABELS)) {
    const o = el('option', null, t);
    o.value = v;
    $('cat-tier').append(o);
  }

  $('src-open-add').addEventListener('click', openAdd);
  $('src-open-catalogue').addEventListener('click', () => {
    closePanels('src-catalogue');
    $('src-catalogue').hidden = false;
    $('cat-done').hidden = true;
    loadCatalogue().catch(() => undefined);
  });
  $('src-open-import').addEventListener('click', () => {
    closePanels('src-import');
    $('src-import').hidden = false;
  });
  $('src-refresh').addEventListener('click', () => load().catch(() => undefined));

  const form = $<HTMLFormElement>('src-add');
  form.addEventListener('input', (ev) => {
    state.touched = true;
    // The preview was for what the form said before: a changed address or selector makes it stale.
    if (ev.target instanceof Element && ev.target.closest('#sa-url, #sa-kind, #sa-selectors, #sa-charset')) {
      state.previewSeq++;
      $('sa-preview').hidden = true;
    }
    updateForm();
  });
  form.addEventListener('change', updateForm);
  form.addEventListener('submit', (ev) => save(ev).catch(() => undefined));
  $('sa-test').addEventListener('click', () => testFetch().catch(() => undefined));
  $('sa-cancel').addEventListener('click', () => {
    resetForm();
    form.hidden = true;
  });

  for (const id of ['cat-category', 'cat-tier', 'cat-hot', 'cat-hide-added']) $(id).addEventListener('change', renderCatalogue);
  $('cat-add').addEventListener('click', () => addFromCatalogue().catch(() => undefined));
  $('cat-close').addEventListener('click', () => {
    $('src-catalogue').hidden = true;
  });

  const fileInput = $<HTMLInputElement>('imp-file');
  const importForm = $<HTMLFormElement>('src-import');
  fileInput.addEventListener('change', () => {
    $<HTMLButtonElement>('imp-submit').disabled = !(fileInput.files && fileInput.files.length);
    showError($('imp-error'), '');
  });
  importForm.addEventListener('submit', (ev) => importOpml(ev).catch(() => undefined));
  $('imp-cancel').addEventListener('click', () => {
    importForm.reset();
    $<HTMLButtonElement>('imp-submit').disabled = true;
    importForm.hidden = true;
  });

  $('src-filter').addEventListener('submit', (ev) => ev.preventDefault());
  for (const id of ['sf-status', 'sf-kind']) $(id).addEventListener('change', render);
  $('sf-q').addEventListener('input', render);

  // Health changes as the crawler works: refresh a shown list every minute, unless a row is being edited.
  setInterval(() => {
    if (session.me && !$('sources-view').hidden && !document.querySelector('#sources-body tr.source-edit')) load().catch(() => undefined);
  }, 60_000);
}

/** #/sources */
export async function show(): Promise<void> {
  state.highlight = null;
  done('');
  await load();
}

/** Logged out: forget what was shown. */
export function reset(): void {
  state.seq++;
  state.report = null;
  state.catalogue = null;
  state.picks.clear();
  state.highlight = null;
  $('sources-body').replaceChildren();
  $('cat-list').replaceChildren();
  $('cat-rsshub').replaceChildren();
  $('src-summary').textContent = '';
  done('');
  resetForm();
  $<HTMLFormElement>('src-import').reset();
  closePanels(null);
}

setUp();
