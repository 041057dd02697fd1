// 事件 (危机管理登记): the register (filters, overdue rows in red with the time left or overdue by,
// CSV exports) and one incident (its fields, the edit form, the workflow buttons the server allows,
// notes and leaders' instructions, the timeline, what it is linked to, and the heat before and after
// the official response as a small SVG bar chart).
import type { allowedTransitions } from '@yuqing/alerting';
import type { Incident, IncidentHeat, IncidentLinks, IncidentStatusCode, IncidentTag, IncidentTimelineEntry, IncidentTimelineKind, listIncidentOwners } from '@yuqing/db';
import {
  $, api, beijing, beijingMinute, button, can, duration, el, errorText, field, fromBeijingInput, input, LEVEL_LABELS, LEVELS, levelBadge, minimumLevelOptions, outLink, query,
  ROLE_LABELS, select, session, showError, textarea, toBeijingInput,
} from './core';
import { drawChart, escapeHtml, type ChartOption } from './charts';
import { majorReportButton } from './forms';
import type { Wire } from './wire';

// --- what the routes answer (services/api/src/routes/incidents.ts) ---
/**
 * An incident as the routes show it (incidentView): the stored incident without the response
 * clock's bookkeeping, with its status in words and whether it is overdue now.
 */
type IncidentRow = Wire<Omit<Incident, 'dueAtManual' | 'responseClockFrom' | 'overdueAlertedAt'> & { statusLabel: string; overdue: boolean }>;
/** A transition the caller may make now, and what it needs (the workflow's own answer). */
type Transition = Wire<ReturnType<typeof allowedTransitions>[number]>;
type TransitionNeed = NonNullable<Transition['needs']>;
/** One timeline entry as the routes show it (timelineView). */
type TimelineEntry = Wire<Pick<IncidentTimelineEntry, 'id' | 'at' | 'kind' | 'actorName' | 'body' | 'data'>>;
/**
 * One incident with everything its page shows (detailOf): GET/PATCH /api/incidents/:id, POST
 * /api/incidents, …/transition and …/links all answer with it.
 */
type IncidentDetail = IncidentRow &
  Wire<{ links: IncidentLinks; allowedTransitions: Transition[]; heat: IncidentHeat | null }> & { timeline: TimelineEntry[] };
/** GET /api/incidents. */
interface IncidentPage {
  incidents: IncidentRow[];
  nextCursor: number | null;
}
/** GET /api/incident-owners. */
type Owner = Wire<Awaited<ReturnType<typeof listIncidentOwners>>[number]>;
/** GET /api/incident-tags: the controlled vocabulary. */
type VocabularyTag = Wire<Pick<IncidentTag, 'tag' | 'description'>>;

// --- what the page sends (the routes' request schemas) ---
interface NewIncidentBody {
  title: string;
  level: string;
  category?: string;
  jurisdiction?: string;
  summary?: string;
}
interface IncidentEditBody {
  title?: string;
  category?: string;
  level?: string;
  levelReason?: string;
  jurisdiction?: string;
  ownerId?: number | null;
  dueAt?: string;
  tags?: string[];
  freeTags?: string[];
  summary?: string;
}
interface TransitionBody {
  to: IncidentStatusCode;
  reason?: string;
  response?: { at: string; channel: string; text: string };
  closingSummary?: string;
}

export const STATUS_LABELS: Record<IncidentStatusCode, string> = { new: '新建', assessing: '研判中', handling: '处置中', responded: '已回应', closed: '已结案' };
/** Statuses in which the response clock runs. */
const CLOCK_RUNS: ReadonlySet<string> = new Set<IncidentStatusCode>(['new', 'assessing', 'handling']);
const ALERT_STATE_LABELS: Readonly<Record<string, string | undefined>> = { firing: '未确认', acknowledged: '已确认', resolved: '已解除' };
const TIMELINE_LABELS: Record<IncidentTimelineKind, string> = {
  created: '创建', note: '备注', instruction: '领导批示', status: '状态变更', level: '级别调整', assign: '指派',
  due: '时限调整', response: '官方回应', link: '关联', edit: '修改', overdue: '超时',
};
const RESPONSE_CHANNELS = ['警方官方微博', '警方微信公众号', '警情通报', '新闻发布会', '媒体采访', '政务网站', '其他'];

// Lookups by a string the server sends (a timeline entry's `data`, a user's role): an unknown one
// shows as it is.
const STATUS_TEXT: Readonly<Record<string, string | undefined>> = STATUS_LABELS;
const ROLE_TEXT: Readonly<Record<string, string | undefined>> = ROLE_LABELS;

/** The register's filters as sent (query string values; empty ones are left out). */
interface Filters {
  status: string;
  level: string;
  overdue: string;
  q: string;
}
/** Register state: the filters as last applied and the next page's cursor. */
const list: { filters: Filters | null; cursor: number | null; seq: number } = { filters: null, cursor: null, seq: 0 };
/** The incident shown, the tag vocabulary and (for admins) the users who may own one: read once. */
const detail: { id: number | null; incident: IncidentDetail | null; vocabulary: VocabularyTag[] | null; owners: Owner[] | null } = {
  id: null,
  incident: null,
  vocabulary: null,
  owners: null,
};

// --- the response clock (redrawn every 30 s wherever it is shown) ---
/** What the response clock reads of an incident (a register row or the one shown). */
type Clocked = Pick<IncidentRow, 'status' | 'dueAt' | 'overdue' | 'responseAt'>;
const clocks = new WeakMap<HTMLElement, Clocked>();

/** `{text, overdue}` for an incident's response clock at `now`, or null once it stopped. */
export function clockOf(inc: Clocked, now: number): { text: string; overdue: boolean } | null {
  if (!CLOCK_RUNS.has(inc.status) || !inc.dueAt) return null;
  const left = Date.parse(inc.dueAt) - now;
  if (left < 0 || inc.overdue) return { text: left < 0 ? `已超时 ${duration(left)}` : '已超时', overdue: true };
  return { text: `剩余 ${duration(left)}`, overdue: false };
}

function drawClock(span: HTMLElement): void {
  const inc = clocks.get(span);
  if (!inc) return;
  const c = clockOf(inc, Date.now());
  span.textContent = c ? c.text : inc.status === 'closed' ? '已结案' : inc.responseAt ? '已回应' : '';
  span.classList.toggle('overdue', Boolean(c && c.overdue));
}

function clockSpan(inc: Clocked): HTMLSpanElement {
  const span = el('span', 'clock');
  clocks.set(span, inc);
  drawClock(span);
  return span;
}

setInterval(() => {
  for (const span of document.querySelectorAll<HTMLElement>('.clock')) drawClock(span);
}, 30_000);

function statusBadge(status: string, label?: string | null): HTMLSpanElement {
  return el('span', `status status-${status}`, label || STATUS_TEXT[status] || status);
}

const isOverdue = (inc: Clocked): boolean => Boolean(clockOf(inc, Date.now())?.overdue);

// --- the register ---
function readFilters(): Filters {
  const status = $<HTMLSelectElement>('f-status').value;
  return {
    status: status === 'open' ? 'new,assessing,handling,responded' : status,
    level: $<HTMLSelectElement>('f-level').value,
    overdue: $<HTMLInputElement>('f-overdue').checked ? 'true' : '',
    q: $<HTMLInputElement>('f-q').value.trim(),
  };
}

function incidentRow(inc: IncidentRow): HTMLTableRowElement {
  const tr = el('tr', `level-${inc.level}`);
  tr.dataset.incidentId = String(inc.id);
  if (isOverdue(inc)) tr.classList.add('overdue');
  const title = el('td');
  const a = el('a', 'title', inc.title);
  a.href = `#/incidents/${inc.id}`;
  title.append(a);
  const tags = [...(inc.tags || []), ...(inc.freeTags || [])];
  if (inc.category || tags.length) title.append(el('div', 'summary', [inc.category, tags.join('、')].filter(Boolean).join(' · ')));
  const level = el('td');
  level.append(levelBadge(inc.level));
  const status = el('td');
  status.append(statusBadge(inc.status, inc.statusLabel));
  const due = el('td', 'time');
  due.append(el('div', null, beijingMinute(inc.dueAt)), clockSpan(inc));
  tr.append(el('td', 'num', `#${inc.id}`), title, level, status, el('td', null, inc.jurisdiction || '—'), el('td', null, inc.ownerName || '未指派'), due, el('td', 'time', beijingMinute(inc.updatedAt)));
  return tr;
}

async function loadList(reset: boolean): Promise<void> {
  // Only the latest request's answer is shown (filters changed quickly, 加载更多 clicked twice).
  const seq = ++list.seq;
  if (reset) {
    list.filters = readFilters();
    list.cursor = null;
  }
  const r = await api<IncidentPage>('GET', `/api/incidents${query({ ...list.filters, limit: 50, cursor: list.cursor })}`);
  if (seq !== list.seq || r.status === 401) return;
  if (r.status !== 200) return showError($('inc-error'), errorText(r, '事件列表加载失败'));
  showError($('inc-error'), '');
  const rows = r.data.incidents.map(incidentRow);
  if (reset) $('inc-body').replaceChildren(...rows);
  else $('inc-body').append(...rows);
  list.cursor = r.data.nextCursor ?? null;
  $('inc-more').hidden = list.cursor === null;
  $('inc-empty').hidden = $('inc-body').children.length > 0;
}

/** #/incidents */
export function showList(): void {
  $('inc-new').hidden = !can('createIncident');
  loadList(true).catch(() => undefined);
}

function setUpList(): void {
  // The register's level filter is a minimum (blue < yellow < orange < red).
  minimumLevelOptions($<HTMLSelectElement>('f-level'));
  const status = $<HTMLSelectElement>('f-status');
  for (const [v, label] of Object.entries(STATUS_LABELS)) {
    const o = el('option', null, label);
    o.value = v;
    status.append(o);
  }
  $('inc-filter').addEventListener('submit', (ev) => {
    ev.preventDefault();
    loadList(true).catch(() => undefined);
  });
  for (const id of ['f-status', 'f-level', 'f-overdue']) $(id).addEventListener('change', () => loadList(true).catch(() => undefined));
  $('inc-more').addEventListener('click', () => loadList(false).catch(() => undefined));

  // 「新建事件」 without an alert: title and level are enough to start.
  const newLevel = $<HTMLSelectElement>('new-level');
  for (const l of LEVELS) {
    const o = el('option', null, LEVEL_LABELS[l]);
    o.value = l;
    newLevel.append(o);
  }
  const form = $<HTMLFormElement>('new-incident');
  const submit = $<HTMLButtonElement>('new-submit');
  $('inc-new').addEventListener('click', () => {
    form.hidden = false;
    $('new-title').focus();
  });
  $('new-cancel').addEventListener('click', () => {
    form.hidden = true;
  });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body: NewIncidentBody = { title: $<HTMLInputElement>('new-title').value.trim(), level: newLevel.value };
    const optional = [['category', 'new-category'], ['jurisdiction', 'new-jurisdiction'], ['summary', 'new-summary']] as const;
    for (const [key, id] of optional) {
      const v = $<HTMLInputElement | HTMLTextAreaElement>(id).value.trim();
      if (v) body[key] = v;
    }
    if (!body.title) return showError($('new-error'), '请填写事件标题');
    submit.disabled = true;
    const r = await api<IncidentDetail>('POST', '/api/incidents', body);
    submit.disabled = false;
    if (r.status === 401) return;
    if (r.status !== 201 && r.status !== 200) return showError($('new-error'), errorText(r, '建立事件失败'));
    showError($('new-error'), '');
    form.reset();
    form.hidden = true;
    location.hash = `#/incidents/${r.data.id}`;
  });
}

// --- one incident ---
/** #/incidents/:id */
export async function showDetail(id: number): Promise<void> {
  const box = $('incident-detail');
  if (detail.id !== id) {
    detail.id = id;
    detail.incident = null;
    box.replaceChildren(el('p', 'empty', '加载中…'));
  }
  const r = await api<IncidentDetail>('GET', `/api/incidents/${id}`);
  if (detail.id !== id || r.status === 401) return;
  if (r.status !== 200) {
    box.replaceChildren(backLink(), el('p', 'error', errorText(r, '事件加载失败')));
    return;
  }
  detail.incident = r.data;
  renderDetail();
}

function backLink(): HTMLAnchorElement {
  const a = el('a', 'back', '← 返回事件列表');
  a.href = '#/incidents';
  return a;
}

function card(title: string | null, cls?: string): HTMLElement {
  const c = el('section', `card ${cls || ''}`.trim());
  if (title) c.append(el('h3', null, title));
  return c;
}

function dlRow(dl: HTMLDListElement, term: string, ...values: Array<string | Node>): void {
  const dd = el('dd');
  for (const v of values) dd.append(typeof v === 'string' ? document.createTextNode(v) : v);
  dl.append(el('dt', null, term), dd);
}

/** The latest timeline entry of a kind (who changed the level, and when). */
function latest(inc: IncidentDetail, kind: IncidentTimelineKind): TimelineEntry | null {
  const t = (inc.timeline || []).filter((e) => e.kind === kind);
  return t.at(-1) || null;
}

function renderDetail(): void {
  const inc = detail.incident;
  if (!inc) return;
  const box = $('incident-detail');
  const head = el('div', 'incident-head');
  const h = el('h2', 'incident-title');
  h.append(el('span', 'num', `#${inc.id} `), document.createTextNode(inc.title));
  const badges = el('div', 'badges');
  badges.append(statusBadge(inc.status, inc.statusLabel), levelBadge(inc.level));
  if (isOverdue(inc)) badges.append(el('span', 'flag-overdue', '已超时'));
  // 重大事项呈报表: the roles that may report an incident upward (the same as edit it).
  if (can('editIncident')) badges.append(majorReportButton(inc.id, () => document.getElementById('incident-error')));
  head.append(h, badges);

  const err = el('p', 'error');
  err.id = 'incident-error';
  err.setAttribute('role', 'alert');
  err.hidden = true;

  const grid = el('div', 'detail-grid');
  grid.append(fieldsCard(inc), workflowCard(inc));
  const parts: HTMLElement[] = [backLink(), head, err, grid];
  if (inc.heat) parts.push(heatCard(inc.heat));
  parts.push(linksCard(inc), timelineCard(inc));
  box.replaceChildren(...parts);
}

function fieldsCard(inc: IncidentDetail): HTMLElement {
  const c = card(null, 'fields');
  const h = el('div', 'card-head');
  h.append(el('h3', null, '基本信息'));
  // 「编辑事件」 turns this card into the edit form (a closed incident is reopened first).
  if (can('editIncident') && inc.status !== 'closed') {
    const open = button('编辑事件', 'secondary open-edit');
    open.addEventListener('click', async () => {
      open.disabled = true;
      const [tags, people] = await Promise.all([vocabulary(), assignable()]);
      c.replaceChildren(el('h3', null, '编辑事件'), editForm(inc, tags, people));
      c.querySelector('input')?.focus();
    });
    h.append(open);
  }
  c.append(h);
  const dl = el('dl');
  dlRow(dl, '类别', inc.category || '—');
  const level = el('span');
  level.append(levelBadge(inc.level));
  const auto = inc.autoLevel && inc.autoLevel !== 'none' ? `自动级别：${LEVEL_LABELS[inc.autoLevel] || inc.autoLevel}` : '';
  if (inc.levelChangedAt || inc.levelChangeReason) {
    const entry = latest(inc, 'level');
    const who = entry ? entry.actorName : inc.levelChangedBy ? `用户 #${inc.levelChangedBy}` : '';
    const note = [auto, `人工调整：${who} ${beijingMinute(inc.levelChangedAt)}`.trim(), inc.levelChangeReason ? `理由：${inc.levelChangeReason}` : ''].filter(Boolean).join('；');
    dlRow(dl, '级别', level, el('div', 'summary level-change', note));
  } else dlRow(dl, '级别', level, auto ? el('div', 'summary', auto) : '');
  dlRow(dl, '状态', statusBadge(inc.status, inc.statusLabel), inc.reopenCount ? el('span', 'summary', ` 已重开 ${inc.reopenCount} 次`) : '');
  dlRow(dl, '属地', inc.jurisdiction || '—');
  dlRow(dl, '负责人', inc.ownerName || '未指派');
  const due = el('span', 'time', `${beijing(inc.dueAt)} `);
  dlRow(dl, '回应时限', due, clockSpan(inc));
  const tags = el('span', 'tags');
  for (const t of inc.tags || []) tags.append(el('span', 'tag', t));
  for (const t of inc.freeTags || []) tags.append(el('span', 'tag free', t));
  dlRow(dl, '标签', tags.children.length ? tags : '—');
  if (inc.summary) dlRow(dl, '摘要', el('span', 'pre', inc.summary));
  if (inc.responseAt) {
    dlRow(dl, '官方回应', el('div', null, `${beijing(inc.responseAt)} · ${inc.responseChannel || ''}`), el('div', 'pre response-text', inc.responseText || ''));
  }
  if (inc.closedAt) dlRow(dl, '结案', el('div', null, beijing(inc.closedAt)), el('div', 'pre', inc.closingSummary || ''));
  dlRow(dl, '创建', `${inc.createdByName || ''} ${beijing(inc.createdAt)}`.trim());
  dlRow(dl, '最后更新', beijing(inc.updatedAt));
  c.append(dl);
  return c;
}

// --- workflow ---
function workflowCard(inc: IncidentDetail): HTMLElement {
  const c = card('处置流程', 'workflow');
  const steps = el('ol', 'steps');
  for (const [status, label] of Object.entries(STATUS_LABELS)) {
    const li = el('li', status === inc.status ? 'current' : '', label);
    steps.append(li);
  }
  c.append(steps);
  const buttons = el('div', 'transitions');
  const formBox = el('div', 'transition-form-box');
  for (const t of inc.allowedTransitions || []) {
    const b = button(t.label || STATUS_LABELS[t.to] || t.to, 'transition');
    b.dataset.to = t.to;
    b.addEventListener('click', () => {
      if (!t.needs) {
        transition(inc, { to: t.to }, b).catch(() => undefined);
        return;
      }
      formBox.replaceChildren(transitionForm(inc, t, t.needs, formBox));
      formBox.querySelector<HTMLElement>('textarea, input')?.focus();
    });
    buttons.append(b);
  }
  if (!buttons.children.length) buttons.append(el('p', 'hint', inc.status === 'closed' ? '事件已结案。' : '当前没有可执行的流程操作。'));
  c.append(buttons, formBox);
  return c;
}

/** The form a transition needs: the official response, the closing summary, or a reason. */
function transitionForm(inc: IncidentDetail, t: Transition, needs: TransitionNeed, formBox: HTMLElement): HTMLFormElement {
  const form = el('form', 'transition-form');
  form.dataset.needs = needs;
  const err = el('p', 'error');
  err.hidden = true;
  const label = t.label || STATUS_LABELS[t.to] || t.to;
  /** The request body, or what is missing (in words). */
  let read: () => TransitionBody | string;
  if (needs === 'response') {
    const at = input('datetime-local', toBeijingInput(new Date().toISOString()), { name: 'at', required: '' });
    const channel = input('text', '', { name: 'channel', required: '', maxlength: '100', list: 'response-channels', placeholder: '如：警方官方微博' });
    const list = el('datalist');
    list.id = 'response-channels';
    for (const ch of RESPONSE_CHANNELS) {
      const o = el('option');
      o.value = ch;
      list.append(o);
    }
    const text = textarea('', { name: 'text', required: '', rows: '4', maxlength: '5000', placeholder: '官方回应的内容' });
    form.append(el('h4', null, `${label}：登记官方回应`), field('回应时间（北京时间）', at), field('回应渠道', channel), list, field('回应内容', text));
    read = () => {
      const when = fromBeijingInput(at.value);
      if (!when) return '请填写回应时间';
      if (!channel.value.trim()) return '请填写回应渠道';
      if (!text.value.trim()) return '请填写回应内容';
      return { to: t.to, response: { at: when, channel: channel.value.trim(), text: text.value.trim() } };
    };
  } else if (needs === 'closingSummary') {
    const text = textarea('', { name: 'closingSummary', required: '', rows: '4', maxlength: '5000', placeholder: '处置经过与结果' });
    form.append(el('h4', null, label), field('结案摘要', text));
    read = () => (text.value.trim() ? { to: t.to, closingSummary: text.value.trim() } : '请填写结案摘要');
  } else {
    const text = textarea('', { name: 'reason', required: '', rows: '3', maxlength: '2000' });
    form.append(el('h4', null, label), field('理由', text));
    read = () => (text.value.trim() ? { to: t.to, reason: text.value.trim() } : '请填写理由');
  }
  const submit = el('button', null, `确定${label}`);
  submit.type = 'submit';
  form.append(submit, button('取消', 'secondary', () => formBox.replaceChildren()), err);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const body = read();
    if (typeof body === 'string') return showError(err, body);
    transition(inc, body, submit, err).catch(() => undefined);
  });
  return form;
}

async function transition(inc: IncidentDetail, body: TransitionBody, btn: HTMLButtonElement, err?: HTMLElement): Promise<void> {
  btn.disabled = true;
  const r = await api<IncidentDetail>('POST', `/api/incidents/${inc.id}/transition`, body);
  btn.disabled = false;
  if (r.status === 401) return;
  if (r.status !== 200) return showError(err || $('incident-error'), errorText(r, '操作失败'));
  showAnswered(r.data);
}

/** Redraws the page from an answer that is the whole incident (transition, edit). */
function showAnswered(incident: IncidentDetail | null): void {
  if (!incident || detail.id !== incident.id) return;
  detail.incident = incident;
  renderDetail();
}

// --- edit ---
const splitTags = (s: string): string[] => [...new Set(s.split(/[,，、;；\s]+/).map((t) => t.trim()).filter(Boolean))];
const sameList = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

async function vocabulary(): Promise<VocabularyTag[]> {
  if (detail.vocabulary) return detail.vocabulary;
  const r = await api<{ tags: VocabularyTag[] }>('GET', '/api/incident-tags');
  if (r.status === 200 && r.data && Array.isArray(r.data.tags)) detail.vocabulary = r.data.tags;
  return detail.vocabulary || [];
}

/** People an incident may be assigned to (every enabled user who handles incidents). */
async function assignable(): Promise<Owner[]> {
  if (detail.owners) return detail.owners;
  const r = await api<{ owners: Owner[] }>('GET', '/api/incident-owners');
  if (r.status !== 200 || !r.data || !Array.isArray(r.data.owners)) return [];
  detail.owners = r.data.owners;
  return detail.owners;
}

function editForm(inc: IncidentDetail, vocab: readonly VocabularyTag[], people: readonly Owner[]): HTMLFormElement {
  const form = el('form', 'edit-form');
  const title = input('text', inc.title, { name: 'title', required: '', maxlength: '200' });
  const category = input('text', inc.category, { name: 'category', maxlength: '50' });
  const level = select(
    LEVELS.map((l): [string, string] => [l, LEVEL_LABELS[l] ?? l]),
    inc.level,
  );
  level.name = 'level';
  const levelReason = input('text', '', { name: 'levelReason', maxlength: '500', placeholder: '调整级别时必填' });
  const reasonField = field('级别调整理由', levelReason);
  reasonField.hidden = true;
  level.addEventListener('change', () => {
    reasonField.hidden = level.value === inc.level;
  });
  const jurisdiction = input('text', inc.jurisdiction, { name: 'jurisdiction', maxlength: '100' });
  const owners: Array<[string, string]> = [['', '未指派']];
  if (inc.ownerId) owners.push([String(inc.ownerId), inc.ownerName || `用户 #${inc.ownerId}`]);
  if (session.me && session.me.id !== inc.ownerId) owners.push([String(session.me.id), `${session.me.displayName || session.me.name}（我）`]);
  for (const u of people) {
    if (!owners.some(([id]) => id === String(u.id))) owners.push([String(u.id), `${u.displayName || u.name}（${ROLE_TEXT[u.role] || u.role}）`]);
  }
  const owner = select(owners, inc.ownerId ? String(inc.ownerId) : '');
  owner.name = 'ownerId';
  const due = input('datetime-local', toBeijingInput(inc.dueAt), { name: 'dueAt' });
  const tagBox = el('div', 'tag-choices');
  const chosen = new Set(inc.tags || []);
  for (const t of vocab) {
    const box = input('checkbox', t.tag, { name: 'tags' });
    box.checked = chosen.has(t.tag);
    const l = el('label', 'check');
    l.title = t.description || '';
    l.append(box, document.createTextNode(t.tag));
    tagBox.append(l);
  }
  const freeTags = input('text', (inc.freeTags || []).join('，'), { name: 'freeTags', maxlength: '500', placeholder: '以逗号分隔' });
  const summary = textarea(inc.summary, { name: 'summary', rows: '4', maxlength: '5000' });
  const err = el('p', 'error');
  err.hidden = true;
  const save = el('button', null, '保存修改');
  save.type = 'submit';
  form.append(
    field('标题', title), field('类别', category), field('级别', level), reasonField, field('属地', jurisdiction), field('负责人', owner),
    field('回应时限（北京时间）', due),
  );
  if (vocab.length) form.append(field('规范标签', tagBox));
  const actions = el('div', 'form-actions');
  actions.append(save, button('取消', 'secondary', () => renderDetail()));
  form.append(field('自定义标签', freeTags), field('摘要', summary, 'field wide'), actions, err);

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body: IncidentEditBody = {};
    if (title.value.trim() !== inc.title) body.title = title.value.trim();
    if (category.value.trim() !== (inc.category || '')) body.category = category.value.trim();
    if (level.value !== inc.level) {
      if (!levelReason.value.trim()) return showError(err, '调整级别需填写理由');
      body.level = level.value;
      body.levelReason = levelReason.value.trim();
    }
    if (jurisdiction.value.trim() !== (inc.jurisdiction || '')) body.jurisdiction = jurisdiction.value.trim();
    const ownerId = owner.value ? Number(owner.value) : null;
    if (ownerId !== (inc.ownerId ?? null)) body.ownerId = ownerId;
    if (due.value !== toBeijingInput(inc.dueAt)) {
      const when = fromBeijingInput(due.value);
      if (!when) return showError(err, '回应时限无效');
      body.dueAt = when;
    }
    const tags = [...tagBox.querySelectorAll<HTMLInputElement>('input:checked')].map((b) => b.value);
    if (vocab.length && !sameList(tags, (inc.tags || []).filter((t) => vocab.some((v) => v.tag === t)))) body.tags = tags;
    const free = splitTags(freeTags.value);
    if (!sameList(free, inc.freeTags || [])) body.freeTags = free;
    if (summary.value.trim() !== (inc.summary || '')) body.summary = summary.value.trim();
    if (!body.title && 'title' in body) return showError(err, '标题不能为空');
    if (!Object.keys(body).length) return showError(err, '没有修改');
    save.disabled = true;
    const r = await api<IncidentDetail>('PATCH', `/api/incidents/${inc.id}`, body);
    save.disabled = false;
    if (r.status === 401) return;
    if (r.status !== 200) return showError(err, errorText(r, '保存失败'));
    showAnswered(r.data);
  });
  return form;
}

// --- heat before and after the response ---
/**
 * Items per hour before (grey) and after (blue) the response, with a line at the response; its
 * words (aria-label, data-*) say what it shows for screen readers and the tests.
 */
export function heatChart(heat: Wire<IncidentHeat>): HTMLElement {
  const before = heat.before.perHour || [];
  const after = heat.after.perHour || [];
  const box = el('div', 'heat-chart');
  box.dataset.before = String(before.reduce((n, v) => n + v, 0));
  box.dataset.after = String(after.reduce((n, v) => n + v, 0));
  const labels = [...before.map((_, i) => `前${before.length - i}时`), ...after.map((_, i) => `后${i + 1}时`)];
  const titles = [...before.map((v, i) => `回应前第 ${before.length - i} 小时：${v} 条`), ...after.map((v, i) => `回应后第 ${i + 1} 小时：${v} 条`)];
  const option: ChartOption = {
    legend: { show: false },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, confine: true, className: 'series-tip', formatter: (p) => escapeHtml(titles[(Array.isArray(p) ? p[0] : p)?.dataIndex ?? -1] ?? '') },
    grid: { left: 8, right: 16, top: 28, bottom: 8, containLabel: true },
    xAxis: { type: 'category', data: labels, axisLabel: { hideOverlap: true } },
    yAxis: { type: 'value', name: '条/小时', minInterval: 1 },
    series: [
      {
        type: 'bar',
        name: '条目',
        barMaxWidth: 24,
        data: [...before.map((v) => ({ value: v, itemStyle: { color: '#9aa5b1' } })), ...after.map((v) => ({ value: v, itemStyle: { color: '#1e6fd9' } }))],
        // The hours after the response, shaded and named with its time.
        markArea: after.length
          ? {
              silent: true,
              itemStyle: { color: 'rgba(30, 111, 217, 0.08)' },
              label: { position: 'insideTopLeft', color: '#d93025', formatter: `回应 ${beijingMinute(heat.responseAt)}` },
              data: [[{ xAxis: labels[before.length] }, { xAxis: labels[labels.length - 1] }]],
            }
          : undefined,
      },
    ],
  };
  const label = `回应前后每小时条目数：回应前 ${box.dataset.before} 条，回应后 ${box.dataset.after} 条，回应于 ${beijingMinute(heat.responseAt)}（北京时间）`;
  box.setAttribute('role', 'img');
  box.setAttribute('aria-label', label);
  // ECharts measures its container: drawn once the box is in the page.
  requestAnimationFrame(() => {
    if (box.isConnected) drawChart(box, option, label);
  });
  return box;
}

function heatCard(heat: Wire<IncidentHeat>): HTMLElement {
  const c = card('回应前后热度', 'heat-card');
  c.append(heatChart(heat));
  const hoursAfter = (heat.after.perHour || []).length;
  c.append(el('p', 'summary heat-caption', `回应前 ${heat.hoursBefore} 小时共 ${heat.before.items} 条，回应后 ${hoursAfter} 小时共 ${heat.after.items} 条（灰色为回应前，蓝色为回应后）。`));
  return c;
}

// --- links and timeline ---
function linksCard(inc: IncidentDetail): HTMLElement {
  const c = card('关联内容', 'links');
  const links = inc.links || { alerts: [], topics: [], items: [] };
  const ul = el('ul', 'link-list');
  for (const a of links.alerts || []) {
    const li = el('li', 'linked-alert');
    li.append(el('span', 'kind', '预警'), levelBadge(a.level), el('span', null, ` #${a.id} ${a.title} `), el('span', 'summary', ALERT_STATE_LABELS[a.state] || a.state));
    ul.append(li);
  }
  for (const t of links.topics || []) {
    const li = el('li', 'linked-topic');
    li.append(el('span', 'kind', '话题'));
    if (t.level && t.level !== 'none') li.append(levelBadge(t.level));
    // The topic itself: its series, stories and level history in the 话题 view.
    const a = el('a', 'topic-link', `#${t.id} ${t.title}`);
    a.href = `#/topics/${t.id}`;
    li.append(a, el('span', 'summary', t.stage || ''));
    ul.append(li);
  }
  for (const it of links.items || []) {
    const li = el('li', 'linked-item');
    li.append(el('span', 'kind', '条目'), outLink(it.url, it.title || it.url), el('span', 'summary', ` ${it.sourceName || ''} ${beijingMinute(it.publishedAt)}`));
    ul.append(li);
  }
  c.append(ul.children.length ? ul : el('p', 'hint', '暂无关联内容'));
  return c;
}

/** A value of a timeline entry's `data` (free-form JSON) as text; anything but a string is none. */
const dataText = (v: unknown): string => (typeof v === 'string' ? v : '');

function timelineText(e: TimelineEntry): string {
  if (e.body) return e.body;
  const d = e.data || {};
  const from = dataText(d.from);
  const to = dataText(d.to);
  if (e.kind === 'status' && to) return `${STATUS_TEXT[from] || from} → ${STATUS_TEXT[to] || to}`;
  if (e.kind === 'level' && to) return `${LEVEL_LABELS[from] || from} → ${LEVEL_LABELS[to] || to}`;
  return '';
}

function timelineCard(inc: IncidentDetail): HTMLElement {
  const c = card('时间线', 'timeline-card');
  const ol = el('ol', 'timeline');
  for (const e of inc.timeline || []) {
    const li = el('li', `entry kind-${e.kind}`);
    li.dataset.kind = e.kind;
    const head = el('div', 'entry-head');
    head.append(el('span', 'time', beijing(e.at)), el('span', 'entry-kind', TIMELINE_LABELS[e.kind] || e.kind), el('span', 'actor', e.actorName || ''));
    li.append(head, el('div', 'entry-body pre', timelineText(e)));
    ol.append(li);
  }
  c.append(ol.children.length ? ol : el('p', 'hint', '暂无记录'));
  if (can('noteIncident')) c.append(noteForm(inc));
  return c;
}

function noteForm(inc: IncidentDetail): HTMLFormElement {
  const form = el('form', 'note-form');
  const body = textarea('', { name: 'body', rows: '3', maxlength: '5000', placeholder: can('instruction') ? '批示或备注内容' : '备注内容' });
  const err = el('p', 'error');
  err.hidden = true;
  let kind: HTMLSelectElement | null = null;
  if (can('instruction')) {
    kind = select([['instruction', '领导批示'], ['note', '备注']], 'instruction');
    kind.name = 'kind';
  }
  const submit = el('button', null, can('instruction') ? '提交' : '添加备注');
  submit.type = 'submit';
  form.append(field(can('instruction') ? '批示 / 备注' : '添加备注', body));
  if (kind) form.append(field('类型', kind));
  form.append(submit, err);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!body.value.trim()) return showError(err, '请填写内容');
    submit.disabled = true;
    const r = await api<TimelineEntry>('POST', `/api/incidents/${inc.id}/notes`, { body: body.value.trim(), ...(kind ? { kind: kind.value } : {}) });
    submit.disabled = false;
    if (r.status === 401) return;
    if (r.status !== 200 && r.status !== 201) return showError(err, errorText(r, '提交失败'));
    await showDetail(inc.id);
  });
  return form;
}

/** Logged out: forget what was shown. */
export function reset(): void {
  detail.id = null;
  detail.incident = null;
  detail.vocabulary = null;
  detail.owners = null;
  $('incident-detail').replaceChildren();
  $('inc-body').replaceChildren();
}

setUpList();
