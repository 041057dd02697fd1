// 报表: the six forms the bureau files. #/forms lists them all, #/forms/<kind> one kind (tabs),
// #/forms/12 opens one (forms-edit.ts). 「生成」 assembles a new draft for a kind and a period typed
// as Beijing dates (defaults: last week, last month, last quarter) or for an incident. The
// 信息采集表 and 走访记录 tabs also hold their registers (forms-info.ts, forms-visits.ts).
import './forms.css';
import type { FormKind } from '@yuqing/forms';
import { $, api, beijingMinute, button, can, el, errorText, field, input, query, select, showError, type ApiErrorBody } from './core';
import { closeForm, reset as resetEdit, showForm } from './forms-edit';
import {
  errorLine, isKind, KIND_TABS, KIND_TITLES, KINDS, lastMonth, lastQuarter, lastWeek, periodText, rangeQuery, STATUS_LABELS, statusBadge, whoText, type DayRange,
  type FormAnswer, type FormExists, type FormPage, type FormRecord,
} from './forms-common';
import { infoPanel, reset as resetInfo } from './forms-info';
import { reset as resetVisits, visitsPanel } from './forms-visits';

/** The body of POST /api/forms. */
interface NewFormBody {
  kind: FormKind;
  from?: string;
  to?: string;
  incidentId?: number;
}

/** Each kind's usual period (what 「生成」 offers first). */
const DEFAULT_PERIOD: Record<FormKind, (() => DayRange) | null> = {
  'major-report': null,
  'weekly-report': lastWeek,
  'warning-record': lastMonth,
  'crisis-register': lastMonth,
  'info-collection': lastMonth,
  'visit-record': lastQuarter,
};
/** What an empty list suggests. */
const EMPTY_HINT: Record<FormKind | 'all', string> = {
  all: '还没有报表。',
  'major-report': '还没有重大事项呈报表。在事件页面点「生成重大事项呈报表」，或在上方输入事件编号生成。',
  'weekly-report': '还没有周报表。每周一自动生成上周的草稿，也可点「生成」。',
  'warning-record': '还没有科学预警记录。每月 1 日自动生成上月的记录，也可按任意时段「生成」。',
  'crisis-register': '还没有危机管理登记表。可按时段生成登记册，或输入事件编号生成单个事件的登记表。',
  'info-collection': '还没有生成信息采集表。在上方登记信息后，按时段「生成」或直接导出 Excel。',
  'visit-record': '还没有生成走访记录表。在上方登记走访后，按季度「生成」或直接导出 Excel。',
};

/** The list's state: the tab, the filters as applied, the next page, the latest request. */
const list: { kind: FormKind | null; drawn: FormKind | null | undefined; status: string; range: DayRange | null; cursor: string | null; seq: number } = {
  kind: null,
  /** The tab whose 生成 form and register are drawn (undefined: none yet). */
  drawn: undefined,
  status: '',
  range: null,
  cursor: null,
  seq: 0,
};

interface Built {
  listScreen: HTMLElement;
  detailScreen: HTMLElement;
  tabs: Map<string, HTMLAnchorElement>;
  heading: HTMLElement;
  generate: HTMLElement;
  register: HTMLElement;
  body: HTMLElement;
  empty: HTMLElement;
  more: HTMLButtonElement;
  error: HTMLElement;
  status: HTMLSelectElement;
  from: HTMLInputElement;
  to: HTMLInputElement;
}
let built: Built | null = null;

function build(): Built {
  const root = $('forms-view');
  const listScreen = el('div', 'forms-screen forms-list');
  const detailScreen = el('div', 'forms-screen form-detail');
  detailScreen.id = 'form-detail';
  detailScreen.hidden = true;

  const toolbar = el('div', 'toolbar');
  const heading = el('h2', null, '报表');
  toolbar.append(heading);
  const nav = el('nav', 'forms-tabs');
  nav.setAttribute('aria-label', '报表种类');
  const tabs = new Map<string, HTMLAnchorElement>();
  for (const [name, label] of [['', '全部'], ...KINDS.map((k) => [k, KIND_TABS[k]])] as Array<[string, string]>) {
    const a = el('a', 'tab', label);
    a.href = name ? `#/forms/${name}` : '#/forms';
    a.dataset.kind = name;
    nav.append(a);
    tabs.set(name, a);
  }
  const generate = el('div', 'generate-box');
  const register = el('section', 'form-register');
  register.hidden = true;

  const status = select([['', '全部'], ...Object.entries(STATUS_LABELS)], '');
  status.name = 'status';
  const from = input('date', '', { name: 'from' });
  const to = input('date', '', { name: 'to' });
  const filters = el('form', 'filters forms-filter');
  const clear = button('清除时段', 'secondary clear-range', () => {
    from.value = '';
    to.value = '';
    applyFilters();
  });
  filters.append(field('状态', status, 'inline'), field('时段从', from, 'inline'), field('至（含）', to, 'inline'), clear);
  filters.addEventListener('change', () => applyFilters());
  filters.addEventListener('submit', (ev) => {
    ev.preventDefault();
    applyFilters();
  });
  const error = errorLine();
  const table = el('table', 'grid forms-table');
  const head = el('tr');
  for (const h of ['报表', '时段 / 事件', '状态', '版本', '生成', '最近更新', '审核报送']) head.append(el('th', null, h));
  const thead = el('thead');
  thead.append(head);
  const body = el('tbody');
  body.id = 'forms-body';
  table.append(thead, body);
  const tableWrap = el('div', 'table-wrap');
  tableWrap.append(table);
  const empty = el('p', 'empty forms-empty');
  empty.hidden = true;
  const more = button('加载更多', 'secondary more', () => load(false).catch(() => undefined));
  more.hidden = true;
  const listTitle = el('h3', 'list-title', '已生成的报表');
  listScreen.append(toolbar, nav, generate, register, listTitle, filters, error, tableWrap, empty, more);
  root.replaceChildren(listScreen, detailScreen);
  built = { listScreen, detailScreen, tabs, heading, generate, register, body, empty, more, error, status, from, to };
  return built;
}

function applyFilters(): void {
  const b = built;
  if (!b) return;
  list.status = b.status.value;
  const { value: first } = b.from;
  const { value: last } = b.to;
  list.range = first && last && first <= last ? { first, last } : null;
  load(true).catch(() => undefined);
}

/** #/forms, #/forms/<kind>, #/forms/12. */
export async function show(id: number | null, sub: string | null): Promise<void> {
  const b = built ?? build();
  closeForm();
  if (id !== null) {
    b.listScreen.hidden = true;
    b.detailScreen.hidden = false;
    await showForm(b.detailScreen, id);
    return;
  }
  b.detailScreen.hidden = true;
  b.listScreen.hidden = false;
  const kind = isKind(sub) ? sub : null;
  const changed = kind !== list.drawn;
  list.kind = kind;
  list.drawn = kind;
  for (const [name, a] of b.tabs) {
    const active = name === (kind ?? '');
    a.classList.toggle('active', active);
    if (active) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  b.heading.textContent = kind ? KIND_TITLES[kind] : '报表';
  if (changed) {
    b.generate.replaceChildren(...(can('editForms') ? [generateForm(kind)] : []));
    b.register.hidden = kind !== 'info-collection' && kind !== 'visit-record';
    if (kind === 'info-collection') infoPanel(b.register);
    else if (kind === 'visit-record') visitsPanel(b.register);
    else b.register.replaceChildren();
  }
  await load(true);
}

// --- the list ---
function formRow(f: FormRecord): HTMLTableRowElement {
  const tr = el('tr', `form-row status-${f.status}`);
  tr.dataset.formId = String(f.id);
  const title = el('td');
  const a = el('a', 'title', f.title || KIND_TITLES[f.kind]);
  a.href = `#/forms/${f.id}`;
  title.append(a, el('div', 'summary', `#${f.id} · ${KIND_TABS[f.kind]}`));
  const scope = el('td', 'time');
  const period = periodText(f.periodStart, f.periodEnd);
  if (period) scope.append(el('div', null, period));
  if (f.incidentId !== null) {
    const inc = el('a', null, `事件 #${f.incidentId}`);
    inc.href = `#/incidents/${f.incidentId}`;
    scope.append(inc);
  }
  const st = el('td');
  st.append(statusBadge(f.status));
  const filing = el('td', 'filing');
  if (f.filedAt) filing.append(el('div', null, `报送：${whoText(f.filedBy)}`), el('div', 'summary time', beijingMinute(f.filedAt)));
  else if (f.submittedAt && f.status === 'review') filing.append(el('div', null, `提交：${whoText(f.submittedBy)}`), el('div', 'summary time', beijingMinute(f.submittedAt)));
  else filing.append(el('span', 'hint', '—'));
  const created = el('td');
  created.append(el('div', null, whoText(f.createdBy) || '—'), el('div', 'summary time', beijingMinute(f.createdAt)));
  tr.append(title, scope, st, el('td', 'num version', `第 ${f.version} 版`), created, el('td', 'time', beijingMinute(f.updatedAt)), filing);
  return tr;
}

async function load(reset: boolean): Promise<void> {
  const b = built;
  if (!b) return;
  const seq = ++list.seq;
  if (reset) list.cursor = null;
  const range = list.range ? rangeQuery(list.range) : {};
  const r = await api<FormPage>('GET', `/api/forms${query({ kind: list.kind, status: list.status, ...range, limit: 50, cursor: list.cursor })}`);
  if (seq !== list.seq || r.status === 401) return;
  if (r.status !== 200) return showError(b.error, errorText(r, '报表列表加载失败'));
  showError(b.error, '');
  const rows = r.data.forms.map(formRow);
  if (reset) b.body.replaceChildren(...rows);
  else b.body.append(...rows);
  list.cursor = r.data.nextCursor ?? null;
  b.more.hidden = list.cursor === null;
  const filtered = Boolean(list.status || list.range);
  b.empty.textContent = filtered ? '没有符合条件的报表。' : EMPTY_HINT[list.kind ?? 'all'];
  b.empty.hidden = b.body.children.length > 0;
}

// --- 生成 ---
/** The 生成 form: for one kind (its tab), or any (the 全部 tab: a kind select first). */
function generateForm(fixed: FormKind | null): HTMLElement {
  const form = el('form', 'card filters generate');
  form.noValidate = true;
  const kinds = fixed ? [fixed] : KINDS.filter((k) => k !== 'major-report');
  const kind = select(kinds.map((k): [string, string] => [k, KIND_TITLES[k]]), kinds[0]);
  kind.name = 'kind';
  kind.hidden = kinds.length === 1;
  const from = input('date', '', { name: 'from' });
  const to = input('date', '', { name: 'to' });
  const incident = input('number', '', { name: 'incidentId', min: '1', step: '1', inputmode: 'numeric' });
  const incidentField = field('事件编号', incident, 'inline');
  const periodBox = el('span', 'period-inputs');
  const quick = el('span', 'quick-periods');
  const setRange = (r: DayRange) => {
    from.value = r.first;
    to.value = r.last;
  };
  quick.append(
    button('上周', 'secondary small', () => setRange(lastWeek())),
    button('上月', 'secondary small', () => setRange(lastMonth())),
    button('上季度', 'secondary small', () => setRange(lastQuarter())),
  );
  periodBox.append(field('从（北京时间）', from, 'inline'), field('至（含）', to, 'inline'), quick);
  const hint = el('span', 'hint gen-hint');
  const err = errorLine();
  const submit = el('button', null, '生成');
  submit.type = 'submit';
  const sync = () => {
    const k = kind.value as FormKind;
    const period = DEFAULT_PERIOD[k];
    if (period) setRange(period());
    periodBox.hidden = k === 'major-report';
    incidentField.hidden = k !== 'major-report' && k !== 'crisis-register';
    hint.textContent =
      k === 'major-report'
        ? '按事件生成；也可在事件页面点「生成重大事项呈报表」。'
        : k === 'crisis-register'
          ? '填写事件编号则生成该事件的登记表；不填则按时段生成登记册。'
          : k === 'weekly-report'
            ? '周报按周一至周日统计。'
            : '';
    showError(err, '');
  };
  kind.addEventListener('change', sync);
  sync();
  form.append(el('strong', null, fixed ? `生成${KIND_TABS[fixed]}` : '生成报表'), kind, periodBox, incidentField, submit, hint, err);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const k = kind.value as FormKind;
    const body: NewFormBody = { kind: k };
    const id = incident.value.trim();
    if (id && !incidentField.hidden) {
      if (!/^\d+$/.test(id) || Number(id) < 1) return showError(err, '事件编号应为正整数');
      body.incidentId = Number(id);
    } else if (k === 'major-report') return showError(err, '请填写事件编号');
    else {
      if (!from.value || !to.value) return showError(err, '请选择时段');
      if (from.value > to.value) return showError(err, '开始日期不能晚于截止日期');
      Object.assign(body, rangeQuery({ first: from.value, last: to.value }));
    }
    submit.disabled = true;
    const r = await api<FormAnswer>('POST', '/api/forms', body);
    submit.disabled = false;
    if (r.status === 401) return;
    if (r.status === 409 && (r.data as unknown as FormExists | null)?.formId) {
      const existing = (r.data as unknown as FormExists).formId as number;
      showError(err, `${errorText(r, '该时段的报表已存在')} `);
      const open = el('a', 'open-existing', `打开已有报表 #${existing}`);
      open.href = `#/forms/${existing}`;
      err.append(open);
      return;
    }
    if (r.status !== 201 && r.status !== 200) return showError(err, errorText(r, '生成失败'));
    location.hash = `#/forms/${r.data.form.id}`;
  });
  return form;
}

/**
 * 「生成重大事项呈报表」 on an incident's page (incidents.ts): the report is assembled from the
 * incident and opened; when one exists already, that one is opened.
 */
export function majorReportButton(incidentId: number, errorBox: () => HTMLElement | null): HTMLButtonElement {
  const b = button('生成重大事项呈报表', 'secondary make-major-report');
  b.title = '按本事件汇总生成《重大事项呈报表》草稿（已生成过则打开已有的）';
  b.addEventListener('click', async () => {
    b.disabled = true;
    const r = await api<FormAnswer>('POST', `/api/incidents/${incidentId}/major-report`);
    b.disabled = false;
    if (r.status === 401) return;
    const exists = r.status === 409 && (r.data as ApiErrorBody | null)?.error?.code === 'FORM_EXISTS' ? (r.data as unknown as FormExists).formId : undefined;
    if (exists) {
      location.hash = `#/forms/${exists}`;
      return;
    }
    if (r.status !== 201 && r.status !== 200) {
      const box = errorBox();
      if (box) showError(box, errorText(r, '生成重大事项呈报表失败'));
      return;
    }
    location.hash = `#/forms/${r.data.form.id}`;
  });
  return b;
}

/** Signed out: forget everything shown. */
export function reset(): void {
  resetEdit();
  resetInfo();
  resetVisits();
  list.kind = null;
  list.drawn = undefined;
  list.status = '';
  list.range = null;
  list.cursor = null;
  list.seq++;
  built = null;
  $('forms-view').replaceChildren();
}
