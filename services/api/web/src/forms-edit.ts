// One form (#/forms/12): its text fields as a form (保存 appends a version, with an optional
// note), the facts assembled from the database read-only, the filing workflow (提交审核 →
// 审核通过并报送, or 退回 with a reason), 重新汇总, the version history (any version opens read-only,
// each downloadable), and 打印: the paper form alone, printed on A4.
import type { FormKind } from '@yuqing/forms';
import { api, beijingMinute, button, can, el, errorText, field, input, showError, textarea, type ApiErrorBody } from './core';
import {
  card, doneLine, documentLink, errorLine, KIND_TITLES, KIND_TABS, periodText, statusBadge, whoText, type DocFormat, type FormAnswer, type FormData, type FormDetail,
  type FormRecord, type FormStatus, type Transition, type VersionDetail, type VersionInfo,
} from './forms-common';
import { opinionFacts, registerBody, sheet, weeklyFigures, weeklyTables } from './forms-print';

/** An editable text of a kind's data: where it is (a path into the data), its caption, how long. */
interface EditField {
  path: readonly string[];
  label: string;
  long?: boolean;
  max: number;
  placeholder?: string;
}
const HEADER: EditField[] = [
  { path: ['header', 'serial'], label: '编号', max: 50, placeholder: '如：公关〔2026〕12号' },
  { path: ['header', 'secrecy'], label: '密级', max: 20, placeholder: '公开 / 内部 / 秘密' },
  { path: ['header', 'unit'], label: '呈报（填报）单位', max: 100 },
];
/** What the analyst writes; everything else is assembled from the database and kept by the server. */
const EDITABLE: Record<FormKind, EditField[]> = {
  'major-report': [
    ...HEADER,
    { path: ['title'], label: '事项名称', max: 200 },
    { path: ['place'], label: '发生地点', max: 200 },
    { path: ['involved'], label: '涉及单位/人员', max: 1000 },
    { path: ['opinion', 'summary'], label: '舆情概况', long: true, max: 5000 },
    { path: ['measures'], label: '已采取措施', long: true, max: 5000 },
    { path: ['response'], label: '回应情况', long: true, max: 5000 },
    { path: ['nextSteps'], label: '下步工作', long: true, max: 5000 },
    { path: ['reporter'], label: '呈报人', max: 50 },
  ],
  'weekly-report': [
    ...HEADER,
    { path: ['overview'], label: '本周舆情概述', long: true, max: 5000 },
    { path: ['mainWork'], label: '本周主要工作', long: true, max: 5000 },
    { path: ['nextWeek'], label: '下周工作安排', long: true, max: 5000 },
    { path: ['filledBy'], label: '填报人', max: 50 },
  ],
  'warning-record': HEADER,
  'crisis-register': HEADER,
  'info-collection': HEADER,
  'visit-record': HEADER,
};

/** The documents each kind is filed as, when an answer lacks `formats` (FORM_FORMATS of @yuqing/forms). */
const FORMATS: Record<FormKind, DocFormat[]> = {
  'major-report': ['docx'],
  'weekly-report': ['docx'],
  'warning-record': ['docx', 'xlsx'],
  'crisis-register': ['docx', 'xlsx'],
  'info-collection': ['xlsx'],
  'visit-record': ['xlsx'],
};
const formatsOf = (f: FormRecord): DocFormat[] => (Array.isArray(f.formats) && f.formats.length ? f.formats : FORMATS[f.kind]);

/** The body of PUT /api/forms/:id. */
interface SaveBody {
  data: FormData;
  note?: string;
  expectVersion: number;
  revise?: true;
}
/** The body of POST /api/forms/:id/status. */
interface StatusBody {
  to: FormStatus;
  note?: string;
}

type Dict = Record<string, unknown>;
function read(data: FormData, path: readonly string[]): string {
  let v: unknown = data;
  for (const k of path) v = v && typeof v === 'object' ? (v as Dict)[k] : undefined;
  return typeof v === 'string' ? v : '';
}
/** A copy of `data` with the texts written in (the facts travel unchanged; the server keeps its own anyway). */
function withTexts(data: FormData, texts: ReadonlyMap<EditField, string>): FormData {
  const copy = structuredClone(data) as unknown as Dict;
  for (const [f, value] of texts) {
    let o = copy;
    for (const k of f.path.slice(0, -1)) {
      const next = o[k];
      if (!next || typeof next !== 'object') o[k] = {};
      o = o[k] as Dict;
    }
    o[f.path[f.path.length - 1] as string] = value;
  }
  return copy as unknown as FormData;
}

/**
 * The form shown: its latest answer, whether its texts were changed since, whether a filed one is
 * being revised, and the root it draws in (the view's detail screen).
 */
const cur: { id: number | null; detail: FormDetail | null; dirty: boolean; revising: boolean; root: HTMLElement | null; seq: number } = {
  id: null,
  detail: null,
  dirty: false,
  revising: false,
  root: null,
  seq: 0,
};

/** Shows form `id` in `root` (the view's detail screen). */
export async function showForm(root: HTMLElement, id: number): Promise<void> {
  cur.root = root;
  if (cur.id !== id) {
    cur.id = id;
    cur.detail = null;
    cur.dirty = false;
    cur.revising = false;
    root.replaceChildren(el('p', 'empty', '加载中…'));
  }
  await reload();
}

async function reload(message?: string): Promise<void> {
  const id = cur.id;
  const root = cur.root;
  if (id === null || !root) return;
  const seq = ++cur.seq;
  const r = await api<FormDetail>('GET', `/api/forms/${id}`);
  if (seq !== cur.seq || cur.id !== id || r.status === 401) return;
  if (r.status !== 200) {
    root.replaceChildren(backLink(null), el('p', 'error', errorText(r, r.status === 404 ? '报表不存在或已被删除' : '报表加载失败')));
    return;
  }
  cur.detail = r.data;
  cur.dirty = false;
  render(message);
}

function backLink(kind: FormKind | null): HTMLAnchorElement {
  const a = el('a', 'back', kind ? `← 返回${KIND_TABS[kind]}列表` : '← 返回报表列表');
  a.href = kind ? `#/forms/${kind}` : '#/forms';
  return a;
}

/** Whether the page offers to write in the form now: a draft; a filed one once 「修订」 is chosen. */
function editable(form: FormRecord): boolean {
  if (!can('editForms')) return false;
  if (form.status === 'draft') return true;
  return form.status === 'filed' && cur.revising;
}

function render(message?: string): void {
  const d = cur.detail;
  const root = cur.root;
  if (!d || !root) return;
  const f = d.form;
  const err = errorLine();
  err.id = 'form-error';
  const done = doneLine();
  done.id = 'form-done';
  if (message) showError(done, message);

  const head = el('div', 'form-head');
  const h = el('h2', 'form-title');
  h.append(el('span', 'num', `#${f.id} `), document.createTextNode(f.title || KIND_TITLES[f.kind]));
  const badges = el('div', 'badges');
  const version = el('span', 'form-version', `第 ${f.version} 版`);
  badges.append(el('span', 'kind-label', KIND_TABS[f.kind]), statusBadge(f.status), version);
  if (f.filedVersion && f.filedVersion !== f.version) badges.append(el('span', 'hint', `已报送第 ${f.filedVersion} 版`));
  head.append(h, badges);

  const grid = el('div', 'form-grid-2');
  const main = el('div', 'form-main');
  main.append(editorCard(d, err, done), factsCard(d));
  const side = el('div', 'form-side');
  side.append(workflowCard(d, err), versionsCard(d));
  grid.append(main, side);
  const parts: HTMLElement[] = [backLink(f.kind), head, metaLine(f)];
  // A 退回's reason stays in view for whoever works on the draft next.
  if (f.status === 'draft' && f.statusNote) {
    const note = el('p', 'status-note');
    note.append(el('strong', null, '退回意见：'), document.createTextNode(f.statusNote));
    parts.push(note);
  }
  root.replaceChildren(...parts, toolbar(d, err, done), err, done, grid);
}

/** Period or incident, and who did what when. */
function metaLine(f: FormRecord): HTMLElement {
  const p = el('p', 'form-meta');
  const parts: Node[] = [];
  const period = periodText(f.periodStart, f.periodEnd);
  if (period) parts.push(el('span', null, `时段：${period}`));
  if (f.incidentId !== null) {
    const a = el('a', 'incident-link', `事件 #${f.incidentId}`);
    a.href = `#/incidents/${f.incidentId}`;
    const s = el('span', null, '关联：');
    s.append(a);
    parts.push(s);
  }
  parts.push(el('span', null, `生成：${[whoText(f.createdBy), beijingMinute(f.createdAt)].filter(Boolean).join(' ')}`));
  if (f.submittedAt) parts.push(el('span', null, `提交审核：${[whoText(f.submittedBy), beijingMinute(f.submittedAt)].filter(Boolean).join(' ')}`));
  if (f.filedAt) parts.push(el('span', 'filed', `报送：${[whoText(f.filedBy), beijingMinute(f.filedAt)].filter(Boolean).join(' ')}`));
  parts.push(el('span', 'hint', '时间均为北京时间'));
  p.append(...parts);
  return p;
}

/** 打印 and the current version's downloads. */
function toolbar(d: FormDetail, err: HTMLElement, done: HTMLElement): HTMLElement {
  const bar = el('div', 'form-toolbar');
  const print = button('打印', 'secondary open-print', () => openSheet(d.form, d.data, d.form.version, true));
  print.title = '按纸质表样式显示，可打印为 A4';
  bar.append(print);
  for (const fmt of formatsOf(d.form)) bar.append(documentLink(d.form, fmt));
  if (can('editForms') && d.form.status !== 'filed') {
    const regen = button('重新汇总', 'secondary regenerate');
    regen.title = '按数据库中的最新数据重新汇总事实部分（保留已填写的文字），另存为新版本';
    regen.addEventListener('click', async () => {
      if (cur.dirty) return showError(err, '有未保存的修改：请先保存，再重新汇总');
      regen.disabled = true;
      const r = await api<FormAnswer>('POST', `/api/forms/${d.form.id}/regenerate`);
      regen.disabled = false;
      if (r.status === 401) return;
      if (r.status !== 200 && r.status !== 201) return showError(err, errorText(r, '重新汇总失败'));
      showError(done, '');
      await reload(`已重新汇总，保存为第 ${r.data.form.version} 版`);
    });
    bar.append(regen);
  }
  return bar;
}

// --- the texts ---
function editorCard(d: FormDetail, err: HTMLElement, done: HTMLElement): HTMLElement {
  const f = d.form;
  const c = card(null, 'form-editor');
  const h = el('div', 'card-head');
  h.append(el('h3', null, '填写内容'));
  const canWrite = editable(f);
  if (f.status === 'filed' && can('editForms') && !cur.revising) {
    const revise = button('修订', 'secondary revise', () => {
      cur.revising = true;
      render();
      cur.root?.querySelector<HTMLElement>('.form-editor input, .form-editor textarea')?.focus();
    });
    revise.title = '已报送的版本保留不变；修订另存为新的草稿版本';
    h.append(revise);
  }
  c.append(h);
  if (!canWrite) {
    const why =
      f.status === 'review'
        ? '审核中的报表不能修改；需要修改时请审核人「退回」。'
        : f.status === 'filed'
          ? '已报送。' + (can('editForms') ? '如需更正，点「修订」另存为新的草稿版本（已报送的版本保留）。' : '')
          : '只读：修改报表需研判员或管理员账号。';
    c.append(el('p', 'hint', why));
  } else if (cur.revising) c.append(el('p', 'hint', '修订：保存后生成新的草稿版本，需重新提交审核；已报送的版本保留不变。'));

  const form = el('form', 'edit-texts');
  form.noValidate = true;
  const controls = new Map<EditField, HTMLInputElement | HTMLTextAreaElement>();
  for (const spec of EDITABLE[f.kind]) {
    const value = read(d.data, spec.path);
    const attrs: Record<string, string> = { name: spec.path.join('.'), maxlength: String(spec.max) };
    if (spec.placeholder) attrs.placeholder = spec.placeholder;
    const control = spec.long ? textarea(value, { ...attrs, rows: value.length > 300 ? '8' : '5' }) : input('text', value, attrs);
    control.readOnly = !canWrite;
    controls.set(spec, control);
    form.append(field(spec.label, control, spec.long ? 'field wide' : 'field'));
  }
  if (canWrite) {
    const note = input('text', '', { name: 'note', maxlength: '500', placeholder: '如：补充已采取措施' });
    const save = el('button', 'save', '保存');
    save.type = 'submit';
    const actions = el('div', 'form-actions');
    actions.append(save, el('span', 'hint dirty-hint', ''));
    form.append(field('修改说明（可空，记入版本记录）', note, 'field wide'), actions);
    form.addEventListener('input', (ev) => {
      if (ev.target === note) return;
      cur.dirty = true;
      const hint = actions.querySelector('.dirty-hint');
      if (hint) hint.textContent = '有未保存的修改';
    });
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const texts = new Map<EditField, string>();
      for (const [spec, control] of controls) texts.set(spec, control.value.trim());
      save.disabled = true;
      saveTexts(d, texts, note.value.trim(), err, done).finally(() => {
        save.disabled = false;
      });
    });
  }
  c.append(form);
  return c;
}

async function saveTexts(d: FormDetail, texts: Map<EditField, string>, note: string, err: HTMLElement, done: HTMLElement): Promise<void> {
  const body: SaveBody = { data: withTexts(d.data, texts), expectVersion: d.form.version };
  if (note) body.note = note;
  if (d.form.status === 'filed') body.revise = true;
  const r = await api<FormAnswer>('PUT', `/api/forms/${d.form.id}`, body);
  if (r.status === 401) return;
  if (r.status !== 200) {
    showError(done, '');
    const code = (r.data as ApiErrorBody | null)?.error?.code;
    if (code === 'FORM_VERSION_CONFLICT') {
      // Someone saved (or re-assembled) meanwhile: their version is kept; this one is not lost until the user chooses.
      showError(err, `${errorText(r, '报表已被他人修改')}。您的修改尚未保存：可先复制需要保留的文字，再点「载入最新版本」。`);
      err.append(' ', button('载入最新版本', 'secondary reload-latest', () => reload().catch(() => undefined)));
      return;
    }
    if (code === 'FORM_FILED') return showError(err, `${errorText(r, '报表已报送，不能直接修改')}。如需更正，请点「修订」。`);
    return showError(err, errorText(r, '保存失败'));
  }
  showError(err, '');
  cur.revising = false;
  // An edit that changes nothing appends nothing (the server answers with the current version).
  await reload(r.data.form.version === d.form.version ? '没有修改，未生成新版本' : `已保存为第 ${r.data.form.version} 版`);
}

// --- the facts ---
function factsCard(d: FormDetail): HTMLElement {
  const f = d.form;
  const c = card('汇总数据（自动生成，只读）', 'form-facts');
  if (f.kind === 'major-report') {
    const data = d.data as FormData<'major-report'>;
    const dl = el('dl');
    const row = (term: string, value: string | Node) => {
      const dd = el('dd');
      dd.append(value);
      dl.append(el('dt', null, term), dd);
    };
    const a = el('a', null, `事件 #${data.incidentId}`);
    a.href = `#/incidents/${data.incidentId}`;
    row('关联事件', a);
    row('呈报时间', beijingMinute(data.reportedAt));
    row('发生时间', beijingMinute(data.occurredAt) || '—');
    const facts = el('ul', 'facts');
    for (const t of opinionFacts(data)) facts.append(el('li', null, t));
    row('舆情数据', facts);
    c.append(dl);
  } else if (f.kind === 'weekly-report') {
    const data = d.data as FormData<'weekly-report'>;
    const figures = el('ul', 'facts');
    for (const t of weeklyFigures(data)) figures.append(el('li', null, t));
    const { warnings, incidents } = weeklyTables(data);
    c.append(figures, el('h4', null, '预警情况'), warnings, el('h4', null, '事件处置'), incidents);
  } else {
    const wrap = el('div', 'table-wrap');
    wrap.append(...registerBody(f, d.data));
    c.append(wrap);
  }
  c.append(el('p', 'hint', '这些数据从系统中汇总；数据有变化时点「重新汇总」。'));
  return c;
}

// --- filing ---
function workflowCard(d: FormDetail, err: HTMLElement): HTMLElement {
  const f = d.form;
  const c = card('审核报送', 'form-workflow');
  const steps = el('ol', 'steps');
  for (const s of ['draft', 'review', 'filed'] as const) steps.append(el('li', s === f.status ? 'current' : '', { draft: '草稿', review: '审核', filed: '已报送' }[s]));
  c.append(steps);
  const buttons = el('div', 'transitions');
  const box = el('div', 'transition-form-box');
  const go = async (b: HTMLButtonElement, body: StatusBody, success: string, boxErr?: HTMLElement): Promise<void> => {
    b.disabled = true;
    const r = await api<{ form: FormRecord }>('POST', `/api/forms/${f.id}/status`, body);
    b.disabled = false;
    if (r.status === 401) return;
    if (r.status !== 200) return showError(boxErr || err, errorText(r, '操作失败'));
    showError(err, '');
    await reload(success);
  };
  // The changes the server says this caller may make now (FORM_TRANSITIONS), nothing else.
  for (const t of f.allowedTransitions) {
    const b = button(t.label, `transition to-${t.to}${t.to === 'draft' ? ' secondary' : ''}`);
    b.dataset.to = t.to;
    b.addEventListener('click', () => {
      if (!t.needsNote) {
        if (t.to === 'review' && cur.dirty) return showError(err, '有未保存的修改：请先保存，再提交审核');
        const success = t.to === 'filed' ? `已审核通过并报送（第 ${f.version} 版）` : t.to === 'review' ? '已提交审核' : `已${t.label}`;
        go(b, { to: t.to }, success).catch(() => undefined);
        return;
      }
      box.replaceChildren(noteForm(t, box, (ok, body, boxErr) => go(ok, body, `已${t.label}`, boxErr)));
      box.querySelector('textarea')?.focus();
    });
    buttons.append(b);
  }
  if (!buttons.children.length) {
    const text: Record<FormStatus, string> = {
      draft: '草稿：由研判员填写完成后「提交审核」。',
      review: '审核中：等待领导审核通过并报送。',
      filed: `已报送${f.filedVersion ? `（第 ${f.filedVersion} 版）` : ''}。`,
    };
    buttons.append(el('p', 'hint', text[f.status]));
  }
  c.append(buttons, box);
  return c;
}

/** The reason a transition needs (退回修改): asked for in place, sent with it. */
function noteForm(t: Transition, box: HTMLElement, send: (ok: HTMLButtonElement, body: StatusBody, err: HTMLElement) => Promise<void>): HTMLFormElement {
  const form = el('form', 'transition-form note-form');
  form.dataset.to = t.to;
  const note = textarea('', { name: 'note', rows: '3', maxlength: '1000', placeholder: '需修改之处' });
  const boxErr = errorLine();
  const ok = el('button', null, `确定${t.label}`);
  ok.type = 'submit';
  form.append(field(t.to === 'draft' ? '退回理由' : '说明', note), ok, button('取消', 'secondary', () => box.replaceChildren()), boxErr);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (!note.value.trim()) return showError(boxErr, t.to === 'draft' ? '请填写退回理由' : '请填写说明');
    send(ok, { to: t.to, note: note.value.trim() }, boxErr).catch(() => undefined);
  });
  return form;
}

// --- versions ---
function versionsCard(d: FormDetail): HTMLElement {
  const f = d.form;
  const c = card('版本记录', 'form-versions');
  const ol = el('ol', 'versions');
  const versions = [...d.versions].sort((a, b) => b.version - a.version);
  for (const v of versions) ol.append(versionRow(f, v));
  c.append(ol.children.length ? ol : el('p', 'hint', '暂无版本记录'));
  return c;
}

function versionRow(f: FormRecord, v: VersionInfo): HTMLLIElement {
  const li = el('li', 'version');
  li.dataset.version = String(v.version);
  const head = el('div', 'version-head');
  head.append(el('strong', null, `第 ${v.version} 版`));
  if (v.version === f.version) head.append(el('span', 'tag', '当前'));
  if (v.version === f.filedVersion) head.append(el('span', 'tag filed-mark', '已报送'));
  if (v.assembled) head.append(el('span', 'tag', '系统汇总'));
  head.append(el('span', 'summary', `${whoText(v.createdBy)} ${beijingMinute(v.createdAt)}`.trim()));
  li.append(head);
  if (v.note) li.append(el('div', 'summary pre', v.note));
  const tools = el('div', 'version-tools');
  const view = button('查看', 'secondary view-version', async () => {
    view.disabled = true;
    const r = await api<VersionDetail>('GET', `/api/forms/${f.id}/versions/${v.version}`);
    view.disabled = false;
    if (r.status === 401) return;
    if (r.status !== 200) return showError(document.getElementById('form-error') ?? li, errorText(r, '版本加载失败'));
    openSheet(f, r.data.data, v.version, v.version === f.version);
  });
  view.setAttribute('aria-label', `查看第 ${v.version} 版`);
  tools.append(view);
  for (const fmt of formatsOf(f)) tools.append(documentLink(f, fmt, v.version, fmt === 'docx' ? 'Word' : 'Excel'));
  li.append(tools);
  return li;
}

// --- the paper form ---
/**
 * The print view of one version: the paper form alone (forms.css prints only it), its downloads,
 * 打印 and 返回. The detail screen stays underneath, hidden, so 返回 keeps unsaved texts.
 */
function openSheet(f: FormRecord, data: FormData, version: number, current: boolean): void {
  const root = cur.root;
  const view = root?.parentElement;
  if (!root || !view) return;
  view.querySelector('.print-view')?.remove();
  const pv = el('div', 'print-view');
  const tools = el('div', 'print-tools');
  const close = () => {
    pv.remove();
    root.hidden = false;
    root.querySelector<HTMLElement>('.open-print')?.focus();
  };
  const print = button('打印', 'do-print', () => window.print());
  tools.append(
    el('strong', null, `${KIND_TITLES[f.kind]} · 第 ${version} 版${current ? '' : '（历史版本，只读）'}`),
    print,
    ...formatsOf(f).map((fmt) => documentLink(f, fmt, version)),
    button('返回', 'secondary close-print', close),
    el('span', 'hint', '打印时只输出表格（A4）；浏览器打印设置中可关闭「页眉和页脚」。'),
  );
  pv.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape') close();
  });
  const paper = el('div', 'paper');
  paper.append(sheet(f, data, version));
  pv.append(tools, paper);
  root.hidden = true;
  view.append(pv);
  print.focus();
}

/** Leaving the form (another view, another form, signed out): the print view goes with it. */
export function closeForm(): void {
  cur.root?.parentElement?.querySelector('.print-view')?.remove();
  if (cur.root) cur.root.hidden = false;
}

export function reset(): void {
  closeForm();
  cur.id = null;
  cur.detail = null;
  cur.dirty = false;
  cur.revising = false;
  cur.root = null;
}
