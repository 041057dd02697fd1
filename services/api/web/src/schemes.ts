// 监测方案 (admins and analysts): the schemes that say what the bureau watches — place words (地域词,
// suggested from the jurisdiction gazetteer), subject words (主体词), event words (事件词) and exclusion
// words (排除词), combined as 全部 (a word of every kind) or 任一 (a word of any kind). Each scheme in
// the list shows its words, the keyword-search sources it generated (微博/贴吧 through RSSHub) with
// their health, and how many items matched in the last 24 hours and each of the last 7 Beijing days;
// a scheme opens to each source's last success and error and its latest matched items. The editor's
// 预览 shows what the scheme would have matched in the last 7 days before it is saved.
import type {
  CatalogueEntry,
  NewScheme,
  SCHEME_LIMITS,
  Scheme,
  SchemeItem,
  SchemeMatchStats,
  SchemePreview,
  SchemePreviewInput,
  SchemeSourceChange,
  SchemeSourceView,
  SEARCH_ROUTES,
  SearchPlan,
  SearchRouteKey,
  WordListKey,
} from '@yuqing/db';
import { $, api, beijingMinute, button, can, dailySparkline, el, errorText, input, outLink, readableRoute, session, showError } from './core';
import type { Wire } from './wire';

// --- what the routes answer (services/api/src/routes/schemes.ts builds these inline from the repository's types) ---
/** One keyword-search route a scheme may use (searchRoutes()). */
type SearchRouteView = Wire<{
  key: SearchRouteKey;
  label: (typeof SEARCH_ROUTES)[SearchRouteKey]['label'];
  catalogueId: (typeof SEARCH_ROUTES)[SearchRouteKey]['catalogueId'];
  route: CatalogueEntry['route'] | null;
  needs: CatalogueEntry['needs'];
}>;
/** A scheme with its generated sources and matches (schemeView()). */
type SchemeView = Wire<Scheme & { searches: SearchPlan; generated: SchemeSourceView[]; matches: SchemeMatchStats }>;
type GeneratedSource = SchemeView['generated'][number];
/** GET /api/schemes */
type SchemeList = Wire<{ days: string[]; limits: typeof SCHEME_LIMITS; searchRoutes: SearchRouteView[]; schemes: SchemeView[] }>;
/** GET /api/schemes/:id */
type SchemeDetail = Wire<{ days: string[]; scheme: SchemeView; recentItems: SchemeItem[] }>;
/** A change to a source as a save or delete lists it (changeView()). */
type SourceChange = Wire<Pick<SchemeSourceChange, 'action' | 'search' | 'keyword' | 'sourceId'> & { name: string | null }>;
/** PUT /api/schemes/:id, POST /api/schemes (DELETE has no `omitted`). */
type SchemeSaved = Wire<{ scheme: Scheme; sourceChanges: SourceChange[]; omitted?: Partial<Record<string, string[]>> }>;
/** POST /api/schemes/preview */
type PreviewResult = Wire<SchemePreview & { searches: SearchPlan; sources: SchemePreviewInput['sources'] }>;
/** GET /api/schemes/gazetteer (gazetteer() in the route). */
interface Gazetteer {
  configured: boolean;
  entries: Array<{ name: string; aliases: string[]; kind: string }>;
  error: string | null;
}
/** What the editor sends (POST/PUT /api/schemes): every field of a scheme. */
type SchemeBody = Wire<NewScheme>;
type Item = Wire<SchemeItem>;

const LISTS: ReadonlyArray<readonly [WordListKey, string, string]> = [
  ['placeWords', '地域词', '如 青石、白沙镇：辖区的区县、街道、乡镇、派出所辖区、地标'],
  ['subjectWords', '主体词', '如 派出所、民警、交警、辅警、本局简称'],
  ['eventWords', '事件词', '如 打人、暴力执法、通报、冲突'],
  ['excludeWords', '排除词', '含有任一排除词的信息不计入，如 演习、招聘'],
];
const listLabel = (key: WordListKey): string => LISTS.find(([k]) => k === key)?.[1] ?? key;
const NEEDS_LABELS: Record<string, string> = { PUPPETEER: '浏览器（PUPPETEER）' };
/** What a word may be (the service checks the same; this only says it sooner). */
const MAX_WORDS = 200;
const MAX_CHARS = 40;
const SEPARATORS = /[\s,，、;；]+/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const COLUMNS = 6;

type Health = 'ok' | 'failing' | 'pending' | 'disabled';

const state: {
  seq: number;
  /** GET /api/schemes as last loaded. */
  data: SchemeList | null;
  /** The editor: the scheme being edited (null: a new one), its word lists, whether the user has typed. */
  editing: SchemeView | null;
  words: Record<WordListKey, string[]>;
  touched: boolean;
  previewSeq: number;
  gazetteer: Gazetteer | null;
  /** Opened rows: scheme id → detail row. */
  open: Map<number, HTMLTableRowElement>;
  highlight: number | null;
} = {
  seq: 0,
  data: null,
  editing: null,
  words: { placeWords: [], subjectWords: [], eventWords: [], excludeWords: [] },
  touched: false,
  previewSeq: 0,
  gazetteer: null,
  open: new Map(),
  highlight: null,
};

/** The editor's tag inputs (built once in setUp): the box of chips and the text entry in it. */
const tagInputs = new Map<WordListKey, { box: HTMLDivElement; entry: HTMLInputElement }>();

const norm = (w: string): string => w.normalize('NFKC').toLowerCase();
const canEdit = (): boolean => can('editSchemes');

function done(message?: string | null): void {
  $('sch-done').textContent = message || '';
  $('sch-done').hidden = !message;
}

const routeLabel = (key: string): string => {
  const r = state.data && state.data.searchRoutes.find((x) => x.key === key);
  return r ? r.label : key;
};

const needsText = (needs: readonly string[]): string => needs.map((n) => NEEDS_LABELS[n] || n).join('、');

/** A generated source's health: 停用, 故障, 待抓取 (never polled) or 正常. */
function healthOf(g: GeneratedSource): [Health, string] {
  if (!g.enabled) return ['disabled', '停用'];
  if (g.status === 'failing') return ['failing', '故障'];
  if (!g.lastPolledAt) return ['pending', '待抓取'];
  return ['ok', '正常'];
}

// --- the list ---
/** The words of a scheme, one line per kind, long lists cut short (all of them on hover). */
function wordsCell(s: SchemeView): HTMLTableCellElement {
  const td = el('td', 'sch-words');
  for (const [key, label] of LISTS) {
    const words = s[key] || [];
    if (!words.length) continue;
    const line = el('div', `words words-${key}`);
    line.append(el('span', 'caption', `${label}：`));
    const shown = words.slice(0, 8).join('、') + (words.length > 8 ? ` 等 ${words.length} 个` : '');
    const text = el('span', key === 'excludeWords' ? 'excluded' : null, shown);
    text.title = words.join('、');
    line.append(text);
    td.append(line);
  }
  return td;
}

/** The generated sources of a scheme, each with its health; the failing ones say why. */
function sourcesCell(s: SchemeView, data: SchemeList): HTMLTableCellElement {
  const td = el('td', 'sch-sources');
  if (!s.generated.length) {
    td.append(el('span', 'summary', s.sources.length ? '无（没有可生成的检索）' : '未选检索渠道'));
    return td;
  }
  const counts: Record<Health, number> = { ok: 0, failing: 0, pending: 0, disabled: 0 };
  for (const g of s.generated) counts[healthOf(g)[0]]++;
  const parts = [`${s.generated.length} 个`];
  if (counts.ok) parts.push(`正常 ${counts.ok}`);
  if (counts.failing) parts.push(`故障 ${counts.failing}`);
  if (counts.pending) parts.push(`待抓取 ${counts.pending}`);
  if (counts.disabled) parts.push(`停用 ${counts.disabled}`);
  td.append(el('div', 'summary sch-source-summary', parts.join(' · ')));
  const ul = el('ul', 'sch-source-list');
  for (const g of s.generated) {
    const [cls, text] = healthOf(g);
    const li = el('li', `sch-source health-row-${cls}`);
    li.dataset.sourceId = String(g.sourceId);
    li.append(el('span', `health health-${cls}`, text), el('span', 'sch-keyword', `${routeLabel(g.search)}：${g.keyword}`));
    if (!g.generated) li.append(el('span', 'tag free', '已有信息源'));
    if (g.enabled && g.consecutiveErrors > 0 && g.lastError) {
      const err = el('div', 'error-text sch-source-error', g.lastError.length > 80 ? `${g.lastError.slice(0, 80)}…` : g.lastError);
      err.title = g.lastError;
      li.append(err);
    }
    ul.append(li);
  }
  td.append(ul);
  if (s.searches.omitted.length) td.append(el('div', 'summary omitted', `另有 ${s.searches.omitted.length} 个检索未生成（每个渠道最多 ${data.limits.searchesPerRoute} 个）`));
  return td;
}

function schemeRow(s: SchemeView, data: SchemeList): HTMLTableRowElement {
  const tr = el('tr', `scheme-row${s.enabled ? '' : ' row-disabled'}`);
  tr.dataset.schemeId = String(s.id);
  if (state.highlight === s.id) tr.classList.add('fresh');

  const status = el('td', 'sch-status');
  status.append(el('span', `health health-${s.enabled ? 'ok' : 'disabled'}`, s.enabled ? '启用' : '停用'));

  const name = el('td', 'sch-name');
  const toggle = button(s.name, 'scheme-toggle title');
  toggle.setAttribute('aria-expanded', 'false');
  toggle.addEventListener('click', () => toggleDetail(tr, toggle, s).catch(() => undefined));
  name.append(toggle);
  const tags = el('div', 'tags');
  if (s.jurisdiction) tags.append(el('span', 'tag jurisdiction', '本辖区'));
  tags.append(el('span', 'tag free', s.match === 'any' ? '任一类别' : '全部类别'));
  for (const k of s.sources) tags.append(el('span', 'tag', routeLabel(k)));
  name.append(tags);
  if (s.description) name.append(el('div', 'summary', s.description));
  name.append(el('div', 'summary', `${s.updatedByName} 更新于 ${beijingMinute(s.updatedAt)}`));

  const matches = el('td', 'sch-matches');
  const m = s.matches;
  matches.append(el('div', 'sch-counts', `近24小时 ${m.items24h} · 近7日 ${m.items7d}`), dailySparkline(m.daily, data.days, '近7日每日命中'));

  const actions = el('td', 'actions');
  if (canEdit()) {
    const edit = button('编辑', 'secondary edit', () => openEditor(s));
    const onoff = button(s.enabled ? '停用' : '启用', s.enabled ? 'secondary toggle' : 'toggle', () => setEnabled(s, !s.enabled, onoff).catch(() => undefined));
    const remove = button('删除', 'secondary danger remove', () => removeScheme(s, remove).catch(() => undefined));
    actions.append(edit, onoff, remove);
  }
  tr.append(status, name, wordsCell(s), sourcesCell(s, data), matches, actions);
  return tr;
}

function render(): void {
  const data = state.data;
  if (!data) return;
  state.open.clear();
  const rows = data.schemes.map((s) => schemeRow(s, data));
  state.highlight = null;
  $('schemes-body').replaceChildren(...rows);
  $('schemes-empty').hidden = rows.length > 0;
  const all = data.schemes;
  const failing = all.reduce((n, s) => n + s.generated.filter((g) => g.enabled && g.status === 'failing').length, 0);
  $('sch-summary').textContent = all.length ? `共 ${all.length} 个 · 启用 ${all.filter((s) => s.enabled).length} · 检索信息源 ${all.reduce((n, s) => n + s.generated.length, 0)} 个（故障 ${failing}）` : '';
  $('sch-sources-link').hidden = !can('sources');
}

async function load(): Promise<boolean> {
  const seq = ++state.seq;
  const r = await api<SchemeList>('GET', '/api/schemes');
  if (seq !== state.seq || r.status === 401) return false;
  if (r.status !== 200) {
    showError($('schemes-error'), errorText(r, '监测方案加载失败'));
    return false;
  }
  showError($('schemes-error'), '');
  state.data = r.data;
  render();
  renderRoutes();
  return true;
}

/** One scheme opened under its row: each source's health in full and the latest matched items. */
async function toggleDetail(tr: HTMLTableRowElement, toggle: HTMLButtonElement, s: SchemeView): Promise<void> {
  const openRow = state.open.get(s.id);
  if (openRow) {
    openRow.remove();
    state.open.delete(s.id);
    toggle.setAttribute('aria-expanded', 'false');
    return;
  }
  const row = el('tr', 'scheme-detail');
  row.dataset.schemeId = String(s.id);
  const cell = el('td');
  cell.colSpan = COLUMNS;
  cell.append(el('p', 'hint', '加载中…'));
  row.append(cell);
  tr.after(row);
  state.open.set(s.id, row);
  toggle.setAttribute('aria-expanded', 'true');
  const r = await api<SchemeDetail>('GET', `/api/schemes/${s.id}`);
  if (r.status === 401 || state.open.get(s.id) !== row) return;
  if (r.status !== 200) return cell.replaceChildren(el('p', 'error', errorText(r, '方案详情加载失败')));
  const d = r.data;
  const box = el('div', 'scheme-detail-box');

  const srcPart = el('div', 'scheme-part');
  srcPart.append(el('h4', null, '检索信息源'));
  if (!d.scheme.generated.length) srcPart.append(el('p', 'hint', '没有生成信息源'));
  else {
    const table = el('table', 'grid sch-source-table');
    const head = el('tr');
    for (const h of ['状态', '检索', '路由', '上次成功', '最近错误', '近24小时']) head.append(el('th', null, h));
    const thead = el('thead');
    thead.append(head);
    const tbody = el('tbody');
    for (const g of d.scheme.generated) {
      const [cls, text] = healthOf(g);
      const row2 = el('tr', `sch-source-row row-${cls}`);
      row2.dataset.sourceId = String(g.sourceId);
      const st = el('td');
      st.append(el('span', `health health-${cls}`, text));
      if (g.enabled && g.consecutiveErrors > 0) st.append(el('div', 'summary', `连续失败 ${g.consecutiveErrors} 次`));
      const route = el('td');
      const code = el('code', 'route', readableRoute(g.route || ''));
      code.title = g.route || '';
      route.append(code);
      const err = el('td', 'src-error');
      if (g.lastError) err.append(el('div', g.consecutiveErrors > 0 ? 'error-text' : 'error-text recovered', g.lastError), el('div', 'summary time', beijingMinute(g.lastErrorAt)));
      else err.textContent = '—';
      row2.append(
        st,
        el('td', null, `${routeLabel(g.search)}：${g.keyword}`),
        route,
        el('td', 'time last-success', g.lastSuccessAt ? beijingMinute(g.lastSuccessAt) : g.lastPolledAt ? '从未成功' : '尚未抓取'),
        err,
        el('td', 'num', String(g.items24h)),
      );
      tbody.append(row2);
    }
    table.append(thead, tbody);
    srcPart.append(table);
    const routes = state.data ? state.data.searchRoutes : [];
    const needs = [...new Set(routes.filter((x) => d.scheme.sources.includes(x.key)).flatMap((x) => x.needs))];
    if (needs.length) srcPart.append(el('p', 'needs', `需在 RSSHub 配置：${needsText(needs)}`));
  }
  if (d.scheme.searches.omitted.length) srcPart.append(el('p', 'summary', `未生成的检索：${d.scheme.searches.omitted.join('、')}`));

  const itemsPart = el('div', 'scheme-part');
  itemsPart.append(el('h4', null, '最近命中'));
  if (!d.recentItems.length) itemsPart.append(el('p', 'hint', '暂无命中的条目（方案保存后分析的新条目才会记录命中；过去 7 日可用「预览」查看）'));
  else itemsPart.append(itemList(d.recentItems, 'recent-items'));
  box.append(srcPart, itemsPart);
  cell.replaceChildren(box);
}

/** Items (a preview's or a scheme's latest matches) as a list. */
function itemList(items: Item[], cls: string): HTMLUListElement {
  const ul = el('ul', `sch-items ${cls}`);
  for (const i of items) {
    const li = el('li', 'sch-item');
    li.dataset.itemId = String(i.id);
    const head = el('div', 'item-head');
    head.append(el('span', 'time', beijingMinute(i.publishedAt)), outLink(i.url, i.title || i.url, 'title'));
    if (i.policeNegative) head.append(el('span', 'flag-negative', '涉警负面'));
    li.append(head);
    const meta = [i.source || '未知来源'];
    if (i.words.length) meta.push(`命中：${i.words.join('、')}`);
    li.append(el('div', 'summary', meta.join(' · ')));
    ul.append(li);
  }
  return ul;
}

async function setEnabled(s: SchemeView, enabled: boolean, btn: HTMLButtonElement): Promise<void> {
  btn.disabled = true;
  const r = await api<SchemeSaved>('PUT', `/api/schemes/${s.id}`, { ...bodyOf(s), enabled });
  btn.disabled = false;
  if (r.status === 401) return;
  if (r.status !== 200) return showError($('schemes-error'), errorText(r, enabled ? '启用失败' : '停用失败'));
  showError($('schemes-error'), '');
  state.highlight = s.id;
  done(`${enabled ? '已启用' : '已停用'}「${s.name}」${changesText(r.data.sourceChanges)}`);
  await load();
}

async function removeScheme(s: SchemeView, btn: HTMLButtonElement): Promise<void> {
  if (!window.confirm(`删除监测方案「${s.name}」？\n由此方案生成、且没有其他方案使用的检索信息源会一并删除（已采集的条目保留）。`)) return;
  btn.disabled = true;
  const r = await api<SchemeSaved>('DELETE', `/api/schemes/${s.id}`);
  btn.disabled = false;
  if (r.status === 401) return;
  if (r.status !== 200) return showError($('schemes-error'), errorText(r, '删除失败'));
  showError($('schemes-error'), '');
  if (state.editing && state.editing.id === s.id) closeEditor();
  done(`已删除「${s.name}」${changesText(r.data.sourceChanges)}`);
  await load();
}

/** What a save did to the sources, in words (empty when nothing). */
function changesText(changes: SourceChange[] | null | undefined): string {
  if (!changes || !changes.length) return '';
  const n = (a: SourceChange['action']) => changes.filter((c) => c.action === a).length;
  const parts: string[] = [];
  if (n('add')) parts.push(`新建检索信息源 ${n('add')} 个`);
  if (n('link')) parts.push(`使用已有信息源 ${n('link')} 个`);
  if (n('enable')) parts.push(`启用 ${n('enable')} 个`);
  if (n('disable')) parts.push(`停用 ${n('disable')} 个`);
  if (n('remove')) parts.push(`删除 ${n('remove')} 个`);
  if (n('unlink')) parts.push(`不再使用 ${n('unlink')} 个`);
  return parts.length ? `：${parts.join('，')}` : '';
}

// --- the editor ---
const bodyOf = (s: SchemeView): SchemeBody => ({
  name: s.name,
  description: s.description,
  enabled: s.enabled,
  jurisdiction: s.jurisdiction,
  match: s.match,
  placeWords: s.placeWords,
  subjectWords: s.subjectWords,
  eventWords: s.eventWords,
  excludeWords: s.excludeWords,
  sources: s.sources,
});

/** Problems with one word, or null. */
function wordProblem(label: string, w: string): string | null {
  if (CONTROL.test(w)) return `${label}「${w.replace(CONTROL, '')}」含有控制字符`;
  if ([...w].length > MAX_CHARS) return `${label}「${w.slice(0, 20)}…」超过 ${MAX_CHARS} 个字`;
  return null;
}

/** Adds words to a list (typed, pasted or picked); returns the problems of those refused. */
function addWords(key: WordListKey, text: string): string[] {
  const label = listLabel(key);
  const list = state.words[key];
  const problems: string[] = [];
  for (const w of text.split(SEPARATORS).map((x) => x.trim()).filter(Boolean)) {
    const p = wordProblem(label, w);
    if (p) {
      problems.push(p);
      continue;
    }
    if (list.some((x) => norm(x) === norm(w))) continue;
    if (list.length >= MAX_WORDS) {
      problems.push(`${label}最多 ${MAX_WORDS} 个`);
      break;
    }
    list.push(w);
  }
  renderTags(key);
  return problems;
}

function removeWord(key: WordListKey, w: string): void {
  state.words[key] = state.words[key].filter((x) => x !== w);
  renderTags(key);
  changed();
}

function renderTags(key: WordListKey): void {
  const t = tagInputs.get(key);
  if (!t) return;
  const chips = state.words[key].map((w) => {
    const chip = el('span', 'chip');
    chip.dataset.word = w;
    chip.append(el('span', 'chip-text', w));
    const x = button('×', 'chip-remove', () => removeWord(key, w));
    x.setAttribute('aria-label', `删除「${w}」`);
    chip.append(x);
    return chip;
  });
  t.box.replaceChildren(...chips, t.entry);
  $(`se-count-${key}`).textContent = `${state.words[key].length}/${MAX_WORDS}`;
  if (key === 'placeWords') renderGazetteer();
}

/** Commits what is typed in a tag input (Enter, a separator, leaving the field). */
function commitTyped(key: WordListKey, entry: HTMLInputElement): void {
  if (!entry.value.trim()) return;
  const problems = addWords(key, entry.value);
  entry.value = '';
  $(`se-problem-${key}`).textContent = problems.join('；');
  changed();
}

function tagField(key: WordListKey, label: string, hint: string): HTMLDivElement {
  const wrap = el('div', 'field wide tag-field');
  const cap = el('span', 'caption');
  const count = el('span', 'tag-count', '');
  count.id = `se-count-${key}`;
  cap.append(el('span', null, label), count);
  const box = el('div', 'tag-input');
  box.dataset.list = key;
  const entry = input('text', '', { maxlength: '2000', 'aria-label': label, placeholder: hint, spellcheck: 'false', autocomplete: 'off' });
  // Not while an input method is composing: Enter and space there pick a candidate (拼音 → 汉字).
  entry.addEventListener('keydown', (ev) => {
    if (ev.isComposing || ev.keyCode === 229) return;
    if (ev.key === 'Enter') {
      ev.preventDefault();
      commitTyped(key, entry);
    } else if (ev.key === 'Backspace' && !entry.value) {
      const last = state.words[key].at(-1);
      if (last !== undefined) removeWord(key, last);
    }
  });
  entry.addEventListener('input', (ev) => {
    if (!(ev instanceof InputEvent && ev.isComposing) && SEPARATORS.test(entry.value)) commitTyped(key, entry);
  });
  entry.addEventListener('compositionend', () => {
    if (SEPARATORS.test(entry.value)) commitTyped(key, entry);
  });
  entry.addEventListener('blur', () => commitTyped(key, entry));
  box.append(entry);
  box.addEventListener('click', (ev) => {
    if (ev.target === box) entry.focus();
  });
  tagInputs.set(key, { box, entry });
  const problem = el('div', 'tag-problem error');
  problem.id = `se-problem-${key}`;
  wrap.append(cap, box, problem);
  return wrap;
}

function renderRoutes(): void {
  const box = $('se-routes');
  if (!state.data || box.dataset.built === '1') return;
  box.dataset.built = '1';
  for (const r of state.data.searchRoutes) {
    const l = el('label', 'check route-choice');
    const cb = input('checkbox');
    cb.value = r.key;
    cb.className = 'se-route';
    cb.addEventListener('change', changed);
    l.append(cb, el('span', null, r.label));
    if (r.needs.length) l.append(el('span', 'needs', `（需在 RSSHub 配置：${needsText(r.needs)}）`));
    box.append(l);
  }
}

/** The gazetteer's places as buttons that add a place word; the ones added already are marked. */
function renderGazetteer(): void {
  const box = $('se-gazetteer');
  const g = state.gazetteer;
  if (!g) return;
  if (!g.configured || g.error) {
    box.replaceChildren(el('p', g.error ? 'error' : 'hint', g.error || '未配置辖区地名库（JURISDICTION_FILE）：地域词请直接填写。'));
    $('se-gaz-tools').hidden = true;
    return;
  }
  $('se-gaz-tools').hidden = false;
  const q = norm($<HTMLInputElement>('se-gaz-filter').value.trim());
  const have = new Set(state.words.placeWords.map(norm));
  const buttons: HTMLButtonElement[] = [];
  for (const e of g.entries) {
    const names: Array<readonly [string, boolean]> = [[e.name, false], ...e.aliases.map((a) => [a, true] as const)];
    for (const [name, alias] of names) {
      if (q && !norm(name).includes(q)) continue;
      const b = button(name, `suggest${alias ? ' alias' : ''}${have.has(norm(name)) ? ' added' : ''}`, () => {
        addWords('placeWords', name);
        changed();
      });
      b.dataset.place = name;
      b.disabled = have.has(norm(name));
      b.title = alias ? `「${e.name}」的别名` : '加入地域词';
      buttons.push(b);
    }
  }
  box.replaceChildren(...(buttons.length ? buttons : [el('span', 'hint', '没有符合的地名')]));
}

async function loadGazetteer(): Promise<void> {
  if (state.gazetteer) return renderGazetteer();
  const r = await api<Gazetteer>('GET', '/api/schemes/gazetteer');
  if (r.status === 401) return;
  state.gazetteer = r.status === 200 ? r.data : { configured: true, entries: [], error: errorText(r, '辖区地名库加载失败') };
  renderGazetteer();
}

/** The search routes ticked in the editor, as the keys the service knows. */
function checkedRoutes(): SearchRouteKey[] {
  const routes = state.data ? state.data.searchRoutes : [];
  return [...document.querySelectorAll<HTMLInputElement>('#se-routes input.se-route:checked')].flatMap((c) => {
    const r = routes.find((x) => x.key === c.value);
    return r ? [r.key] : [];
  });
}

/** The editor as a scheme body, and what keeps it from being saved. */
function readEditor(): { body: SchemeBody; problems: string[] } {
  const body: SchemeBody = {
    name: $<HTMLInputElement>('se-name').value.trim(),
    description: $<HTMLInputElement>('se-desc').value.trim(),
    enabled: $<HTMLInputElement>('se-enabled').checked,
    jurisdiction: $<HTMLInputElement>('se-jurisdiction').checked,
    match: $<HTMLSelectElement>('se-match').value === 'any' ? 'any' : 'all',
    placeWords: [...state.words.placeWords],
    subjectWords: [...state.words.subjectWords],
    eventWords: [...state.words.eventWords],
    excludeWords: [...state.words.excludeWords],
    sources: checkedRoutes(),
  };
  const problems: string[] = [];
  if (!body.name) problems.push('请填写方案名称');
  if (!body.placeWords.length && !body.subjectWords.length && !body.eventWords.length) problems.push('地域词、主体词、事件词至少填写一类');
  const wanted = new Set([...body.placeWords, ...body.subjectWords, ...body.eventWords].map(norm));
  for (const w of body.excludeWords) if (wanted.has(norm(w))) problems.push(`「${w}」既是排除词又是要监测的词`);
  return { body, problems };
}

function updateEditor(): void {
  const { problems } = readEditor();
  const shown = state.touched ? problems : [];
  $('se-problems').replaceChildren(...shown.map((p) => el('li', null, p)));
  $<HTMLButtonElement>('se-save').disabled = problems.length > 0;
  $<HTMLButtonElement>('se-preview-btn').disabled = problems.filter((p) => p !== '请填写方案名称').length > 0;
}

/** Something in the editor changed: the preview shown is for what it said before. */
function changed(): void {
  state.touched = true;
  state.previewSeq++;
  $('se-preview').hidden = true;
  updateEditor();
}

function openEditor(s: SchemeView | null): void {
  state.editing = s;
  state.touched = false;
  state.previewSeq++;
  $('se-title').textContent = s ? `编辑监测方案「${s.name}」` : '新建监测方案';
  $<HTMLInputElement>('se-name').value = s ? s.name : '';
  $<HTMLInputElement>('se-desc').value = s ? s.description : '';
  $<HTMLInputElement>('se-enabled').checked = s ? s.enabled : true;
  $<HTMLInputElement>('se-jurisdiction').checked = s ? s.jurisdiction : false;
  $<HTMLSelectElement>('se-match').value = s ? s.match : 'all';
  for (const [key] of LISTS) {
    state.words[key] = s ? [...s[key]] : [];
    $(`se-problem-${key}`).textContent = '';
    renderTags(key);
  }
  for (const cb of document.querySelectorAll<HTMLInputElement>('#se-routes input.se-route')) cb.checked = s ? s.sources.some((k) => k === cb.value) : false;
  $('se-delete').hidden = !s;
  $('se-preview').hidden = true;
  showError($('se-error'), '');
  $('sch-editor').hidden = false;
  updateEditor();
  loadGazetteer().catch(() => undefined);
  $('se-name').focus();
}

function closeEditor(): void {
  state.editing = null;
  state.previewSeq++;
  $('sch-editor').hidden = true;
}

function renderPreview(p: PreviewResult): void {
  const box = $('se-preview');
  box.replaceChildren();
  box.hidden = false;
  box.append(el('p', 'done preview-total', `近7日（${p.days[0] ?? ''} 至 ${p.days.at(-1) ?? ''}，北京时间）将命中 ${p.total} 条，其中涉警负面 ${p.policeNegative} 条`));
  const bars = el('div', 'preview-days');
  p.days.forEach((d, i) => {
    const day = el('span', 'preview-day');
    day.dataset.day = d;
    day.append(el('span', 'caption', d.slice(5)), el('strong', null, String(p.daily[i] || 0)));
    bars.append(day);
  });
  box.append(bars);
  const routes = p.sources.map(routeLabel);
  if (routes.length) {
    const s = p.searches;
    const text = `保存后将生成检索：${routes.join('、')}${routes.length > 1 ? ' 各' : ''} ${s.keywords.length} 个（${s.keywords.join('、')}）`;
    box.append(el('p', 'summary preview-searches', s.omitted.length ? `${text}；超出上限未生成 ${s.omitted.length} 个：${s.omitted.join('、')}` : text));
  } else box.append(el('p', 'summary preview-searches', '未选检索渠道：只对已采集的信息做匹配，不新建信息源。'));
  if (!p.items.length) box.append(el('p', 'hint', '近7日没有命中的条目。'));
  else {
    if (p.total > p.items.length) box.append(el('p', 'hint', `以下为最新的 ${p.items.length} 条`));
    box.append(itemList(p.items, 'preview-items'));
  }
}

async function preview(): Promise<void> {
  const { body } = readEditor();
  state.touched = true;
  updateEditor();
  const btn = $<HTMLButtonElement>('se-preview-btn');
  if (btn.disabled) return;
  const seq = ++state.previewSeq;
  btn.disabled = true;
  btn.textContent = '正在预览…';
  showError($('se-error'), '');
  // A preview needs no name: without one the words alone are sent (the service ignores it anyway).
  const { name: _name, ...words } = body;
  const r = await api<PreviewResult>('POST', '/api/schemes/preview', body.name ? body : words);
  btn.textContent = '预览';
  updateEditor();
  if (seq !== state.previewSeq || r.status === 401) return;
  if (r.status !== 200) {
    $('se-preview').hidden = true;
    return showError($('se-error'), errorText(r, '预览失败'));
  }
  renderPreview(r.data);
}

async function save(ev: SubmitEvent): Promise<void> {
  ev.preventDefault();
  state.touched = true;
  updateEditor();
  const { body, problems } = readEditor();
  if (problems.length) return;
  $<HTMLButtonElement>('se-save').disabled = true;
  const editing = state.editing;
  const r = editing ? await api<SchemeSaved>('PUT', `/api/schemes/${editing.id}`, body) : await api<SchemeSaved>('POST', '/api/schemes', body);
  updateEditor();
  if (r.status === 401) return;
  if (r.status !== 200 && r.status !== 201) return showError($('se-error'), errorText(r, '保存失败'));
  const s = r.data.scheme;
  // Every route searches the same keywords, so the first route's left-out ones say how many there are.
  const omitted = Object.values(r.data.omitted || {})[0];
  closeEditor();
  state.highlight = s.id;
  done(`已${editing ? '保存' : '新建'}监测方案「${s.name}」${changesText(r.data.sourceChanges)}${omitted && omitted.length ? `；超出上限未生成的检索 ${omitted.length} 个` : ''}`);
  await load();
}

function setUp(): void {
  const lists = $('se-lists');
  for (const [key, label, hint] of LISTS) {
    const f = tagField(key, label, hint);
    lists.append(f);
    if (key === 'placeWords') {
      const gaz = el('div', 'gazetteer wide');
      const tools = el('div', 'gaz-tools');
      tools.id = 'se-gaz-tools';
      const filter = input('search', '', { maxlength: '40', placeholder: '筛选地名', 'aria-label': '筛选辖区地名' });
      filter.id = 'se-gaz-filter';
      filter.addEventListener('input', renderGazetteer);
      tools.append(el('span', 'caption', '辖区地名库（点击加入地域词）'), filter);
      const box = el('div', 'suggestions');
      box.id = 'se-gazetteer';
      gaz.append(tools, box);
      lists.append(gaz);
    }
  }
  $('sch-new').addEventListener('click', () => openEditor(null));
  $('sch-refresh').addEventListener('click', () => load().catch(() => undefined));
  const form = $<HTMLFormElement>('sch-editor');
  form.addEventListener('submit', (ev) => save(ev).catch(() => undefined));
  for (const id of ['se-name', 'se-desc']) $(id).addEventListener('input', changed);
  for (const id of ['se-enabled', 'se-jurisdiction', 'se-match']) $(id).addEventListener('change', changed);
  $('se-preview-btn').addEventListener('click', () => preview().catch(() => undefined));
  $('se-cancel').addEventListener('click', closeEditor);
  $('se-delete').addEventListener('click', () => {
    if (state.editing) removeScheme(state.editing, $<HTMLButtonElement>('se-delete')).catch(() => undefined);
  });
  // Health changes as the crawler works: refresh a shown list every minute, unless the editor is open.
  setInterval(() => {
    if (session.me && !$('schemes-view').hidden && $('sch-editor').hidden) load().catch(() => undefined);
  }, 60_000);
}

/** #/schemes */
export async function show(): Promise<void> {
  $('sch-new').hidden = !canEdit();
  done('');
  await load();
}

/** Logged out: forget what was shown. */
export function reset(): void {
  state.seq++;
  state.data = null;
  state.gazetteer = null;
  state.open.clear();
  state.highlight = null;
  $('schemes-body').replaceChildren();
  $('sch-summary').textContent = '';
  done('');
  closeEditor();
}

setUp();
