// 走访人大代表、政协委员记录: the register of visits, a quarter at a time (the form is filed
// quarterly): add a visit, correct or delete one (analysts and admins), export the quarter (.xlsx).
import { api, button, can, el, errorText, field, input, query, select, session, showError, textarea } from './core';
import { beijingDay, cnDate, doneLine, errorLine, quarter, quarterOf, rangeQuery, VISITED, type VisitedRole, type VisitEntry } from './forms-common';

/** The body of POST /api/visits and PATCH /api/visits/:id. */
interface VisitBody {
  visitedOn: string;
  person: string;
  role: VisitedRole;
  organisation: string;
  views: string;
  followUp: string;
  officer: string;
}

/** The quarter shown, and the latest request. */
const state: { seq: number; year: number | null; q: number | null } = { seq: 0, year: null, q: null };

const todayBeijing = (): string => beijingDay(new Date());

/** Draws the 走访记录 panel into `box`. */
export function visitsPanel(box: HTMLElement): void {
  if (state.year === null || state.q === null) [state.year, state.q] = quarterOf(todayBeijing());
  const parts: HTMLElement[] = [el('h3', null, '走访登记')];
  if (can('infoEntries')) parts.push(addForm(box));
  parts.push(listPart(box));
  box.replaceChildren(...parts);
  load(box).catch(() => undefined);
}

/** The inputs of a visit (new, or one being corrected). */
function visitInputs(v: VisitEntry | null): { controls: HTMLElement[]; read: () => VisitBody | string } {
  const me = session.me;
  const on = input('date', v ? beijingDay(v.visitedOn) : todayBeijing(), { name: 'visitedOn', required: '' });
  const person = input('text', v?.person ?? '', { name: 'person', maxlength: '100', required: '' });
  const role = select(VISITED.map((r): [string, string] => [r, r]), v?.role ?? VISITED[0]);
  role.name = 'role';
  const org = input('text', v?.organisation ?? '', { name: 'organisation', maxlength: '200', placeholder: '工作单位及职务' });
  const views = textarea(v?.views ?? '', { name: 'views', rows: '3', maxlength: '5000', placeholder: '对公安工作的意见和建议' });
  const followUp = textarea(v?.followUp ?? '', { name: 'followUp', rows: '2', maxlength: '5000', placeholder: '办理、反馈情况（可空）' });
  const officer = input('text', v?.officer ?? (me ? me.displayName || me.name : ''), { name: 'officer', maxlength: '50', required: '' });
  return {
    controls: [
      field('走访日期', on),
      field('姓名', person),
      field('身份', role),
      field('单位及职务', org),
      field('反映意见', views, 'field wide'),
      field('后续处理', followUp, 'field wide'),
      field('走访民警', officer),
    ],
    read: () => {
      const missing = [
        [!/^\d{4}-\d{2}-\d{2}$/.test(on.value), '走访日期'],
        [!person.value.trim(), '姓名'],
        [!views.value.trim(), '反映意见'],
        [!officer.value.trim(), '走访民警'],
      ].filter(([m]) => m).map(([, name]) => name);
      if (missing.length) return `请填写：${missing.join('、')}`;
      return {
        visitedOn: on.value,
        person: person.value.trim(),
        role: role.value as VisitedRole,
        organisation: org.value.trim(),
        views: views.value.trim(),
        followUp: followUp.value.trim(),
        officer: officer.value.trim(),
      };
    },
  };
}

function addForm(box: HTMLElement): HTMLElement {
  const form = el('form', 'card visit-form');
  form.noValidate = true;
  const { controls, read } = visitInputs(null);
  const err = errorLine();
  const done = doneLine();
  const submit = el('button', null, '添加走访记录');
  submit.type = 'submit';
  const actions = el('div', 'form-actions');
  actions.append(submit);
  const grid = el('div', 'form-grid');
  grid.append(el('h4', 'wide', '添加走访记录'), ...controls, actions, err, done);
  form.append(grid);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    showError(done, '');
    const body = read();
    if (typeof body === 'string') return showError(err, body);
    submit.disabled = true;
    const r = await api<{ visit: VisitEntry }>('POST', '/api/visits', body);
    submit.disabled = false;
    if (r.status === 401) return;
    if (r.status !== 201 && r.status !== 200) return showError(err, errorText(r, '添加失败'));
    showError(err, '');
    showError(done, `已添加：${cnDate(r.data.visit.visitedOn)} 走访${r.data.visit.person}`);
    // The register shows the quarter of the visit just added.
    [state.year, state.q] = quarterOf(body.visitedOn);
    for (const c of form.querySelectorAll<HTMLInputElement | HTMLTextAreaElement>('input[name="person"], input[name="organisation"], textarea')) c.value = '';
    box.querySelector('.visit-list')?.replaceWith(listPart(box));
    await load(box);
  });
  return form;
}

function listPart(box: HTMLElement): HTMLElement {
  const wrap = el('div', 'visit-list');
  const thisYear = Number(todayBeijing().slice(0, 4));
  const years: Array<[string, string]> = [];
  for (let y = thisYear; y >= thisYear - 5; y--) years.push([String(y), `${y} 年`]);
  if (state.year !== null && !years.some(([y]) => Number(y) === state.year)) years.push([String(state.year), `${state.year} 年`]);
  const year = select(years, String(state.year));
  year.name = 'year';
  const q = select([['1', '第一季度'], ['2', '第二季度'], ['3', '第三季度'], ['4', '第四季度']], String(state.q));
  q.name = 'quarter';
  const exp = el('a', 'button-link export-visits', '导出本季度 Excel');
  exp.setAttribute('download', '');
  const filters = el('div', 'filters');
  filters.append(field('年份', year, 'inline'), field('季度', q, 'inline'), exp);
  const change = () => {
    state.year = Number(year.value);
    state.q = Number(q.value);
    load(box).catch(() => undefined);
  };
  year.addEventListener('change', change);
  q.addEventListener('change', change);
  const err = errorLine();
  err.classList.add('visit-error');
  const table = el('table', 'grid visits');
  const head = el('tr');
  for (const h of ['走访日期', '姓名', '身份', '单位及职务', '反映意见', '后续处理', '走访民警', '']) head.append(el('th', null, h));
  const thead = el('thead');
  thead.append(head);
  table.append(thead, el('tbody', 'visit-body'));
  const empty = el('p', 'empty visit-empty', can('infoEntries') ? '本季度没有走访记录。在上方添加一条。' : '本季度没有走访记录。');
  empty.hidden = true;
  const tableWrap = el('div', 'table-wrap');
  tableWrap.append(table);
  wrap.append(el('h4', null, '走访记录'), filters, err, tableWrap, empty);
  return wrap;
}

async function load(box: HTMLElement): Promise<void> {
  const seq = ++state.seq;
  if (state.year === null || state.q === null) return;
  const range = rangeQuery(quarter(state.year, state.q));
  const exp = box.querySelector<HTMLAnchorElement>('.export-visits');
  if (exp) exp.href = `/api/visits.xlsx${query(range)}`;
  const r = await api<{ visits: VisitEntry[] }>('GET', `/api/visits${query(range)}`);
  if (seq !== state.seq || r.status === 401) return;
  const err = box.querySelector<HTMLElement>('.visit-error');
  const body = box.querySelector<HTMLElement>('.visit-body');
  if (!err || !body) return;
  if (r.status !== 200) return showError(err, errorText(r, '走访记录加载失败'));
  showError(err, '');
  body.replaceChildren(...r.data.visits.map((v) => visitRow(box, v)));
  const empty = box.querySelector<HTMLElement>('.visit-empty');
  if (empty) empty.hidden = body.children.length > 0;
}

function visitRow(box: HTMLElement, v: VisitEntry): HTMLTableRowElement {
  const tr = el('tr', 'visit');
  tr.dataset.visitId = String(v.id);
  const actions = el('td', 'actions');
  if (can('editForms')) {
    actions.append(
      button('修改', 'secondary edit-visit', () => tr.replaceWith(editRow(box, v, tr))),
      // Two steps, in the row (no dialog): 删除, then 确认删除 or 取消.
      button('删除', 'secondary danger delete-visit', (ev) => {
        const first = ev.currentTarget as HTMLButtonElement;
        const err = errorLine();
        const confirm = button('确认删除', 'danger confirm-delete', async () => {
          confirm.disabled = true;
          const r = await api('DELETE', `/api/visits/${v.id}`);
          confirm.disabled = false;
          if (r.status === 401) return;
          if (r.status !== 200 && r.status !== 204) return showError(err, errorText(r, '删除失败'));
          load(box).catch(() => undefined);
        });
        const cancel = button('取消', 'secondary', () => {
          confirm.remove();
          cancel.remove();
          err.remove();
          first.hidden = false;
          first.focus();
        });
        first.hidden = true;
        actions.append(confirm, cancel, err);
        confirm.focus();
      }),
    );
  }
  tr.append(
    el('td', 'time', beijingDay(v.visitedOn)),
    el('td', 'person', v.person),
    el('td', null, v.role),
    el('td', null, v.organisation || '—'),
    el('td', 'pre', v.views),
    el('td', 'pre', v.followUp || '—'),
    el('td', null, v.officer),
    actions,
  );
  return tr;
}

/** A visit being corrected, in place of its row. */
function editRow(box: HTMLElement, v: VisitEntry, row: HTMLTableRowElement): HTMLTableRowElement {
  const tr = el('tr', 'visit-edit');
  const cell = el('td');
  cell.colSpan = 8;
  const form = el('form', 'form-grid edit-visit-form');
  form.noValidate = true;
  const { controls, read } = visitInputs(v);
  const err = errorLine();
  const save = el('button', null, '保存修改');
  save.type = 'submit';
  const actions = el('div', 'form-actions');
  actions.append(save, button('取消', 'secondary', () => tr.replaceWith(row)));
  form.append(...controls, actions, err);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = read();
    if (typeof body === 'string') return showError(err, body);
    save.disabled = true;
    const r = await api<{ visit: VisitEntry }>('PATCH', `/api/visits/${v.id}`, body);
    save.disabled = false;
    if (r.status === 401) return;
    if (r.status !== 200) return showError(err, errorText(r, '保存失败'));
    load(box).catch(() => undefined);
  });
  cell.append(form);
  tr.append(cell);
  requestAnimationFrame(() => form.querySelector<HTMLElement>('input')?.focus());
  return tr;
}

export function reset(): void {
  state.seq++;
  state.year = null;
  state.q = null;
}
