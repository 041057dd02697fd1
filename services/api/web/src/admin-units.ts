// 系统管理 › 单位: the bureau's units as a tree (市局 → 分局 → 派出所, any depth). Pick a unit in the
// tree to add a unit under it, rename it, move it or delete it; to write its jurisdiction (one
// place a line, its aliases after it); and to keep its people (公关民警, 联络员, …): add, edit, end a
// duty (离任) — the record stays — or delete a record. The two registers (联络员台账, 公关民警登记表)
// are downloaded for the chosen unit and everything below it. Every change goes through the API,
// which checks it (no cycle, the root stays, a unit that still holds something is not deleted) and
// audits it; the page shows the API's Chinese reasons as they come.
import './admin-units.css';
import type { Receiver, UnitKind, UnitNode, UnitPerson, UnitPersonDuty, UnitPlace, UnitPlaceKind } from '@yuqing/db';
import { api, button, el, errorText, field, input, query, ROLE_LABELS, select, showError, textarea } from './core';
import type { User, Wire } from './wire';

type Node = Wire<UnitNode>;
type Person = Wire<UnitPerson>;
type ReceiverW = Wire<Receiver>;
/** A user or a receiver: both belong to a unit, moved through their own routes. */
type Member = { kind: 'user'; user: User } | { kind: 'receiver'; receiver: ReceiverW };

const KIND_LABELS: Record<UnitKind, string> = { city: '市局', branch: '分局', station: '派出所', other: '其他' };
const KIND_KEYS = Object.keys(KIND_LABELS) as UnitKind[];
/** A new unit's kind by default: one level below its parent's (as the API does when none is sent). */
const CHILD_KIND: Record<UnitKind, UnitKind> = { city: 'branch', branch: 'station', station: 'other', other: 'other' };
const DUTIES: readonly UnitPersonDuty[] = ['公关民警', '联络员', '新闻发言人', '分管领导', '其他'];
/** The registers, by duty. */
const REGISTERS: ReadonlyArray<{ duty: UnitPersonDuty; label: string; id: string }> = [
  { duty: '联络员', label: '导出联络员台账', id: 'un-export-liaison' },
  { duty: '公关民警', label: '导出公关民警登记表', id: 'un-export-pr' },
];

interface Built {
  panel: HTMLElement;
  done: HTMLElement;
  error: HTMLElement;
  tree: HTMLElement;
  withEnded: HTMLInputElement;
  exports: HTMLAnchorElement[];
  title: HTMLElement;
  summary: HTMLElement;
  deleteButton: HTMLButtonElement;
  moveButton: HTMLButtonElement;
  childForm: { form: HTMLFormElement; name: HTMLInputElement; kind: HTMLSelectElement; error: HTMLElement };
  renameForm: { form: HTMLFormElement; name: HTMLInputElement; kind: HTMLSelectElement; error: HTMLElement };
  moveForm: { form: HTMLFormElement; parent: HTMLSelectElement; error: HTMLElement };
  places: HTMLTextAreaElement;
  placesHint: HTMLElement;
  placesError: HTMLElement;
  showEnded: HTMLInputElement;
  personForm: {
    form: HTMLFormElement;
    heading: HTMLElement;
    name: HTMLInputElement;
    duty: HTMLSelectElement;
    position: HTMLInputElement;
    phone: HTMLInputElement;
    since: HTMLInputElement;
    until: HTMLInputElement;
    untilField: HTMLElement;
    note: HTMLInputElement;
    error: HTMLElement;
  };
  peopleBody: HTMLTableSectionElement;
  peopleEmpty: HTMLElement;
  membersBody: HTMLTableSectionElement;
  membersEmpty: HTMLElement;
  memberPick: HTMLSelectElement;
  memberError: HTMLElement;
}

let built: Built | null = null;
let units: Node[] = [];
let selected: number | null = null;
let people: Person[] = [];
let users: User[] = [];
let receivers: ReceiverW[] = [];
/** The person the form edits; null: the form adds one. */
let editing: number | null = null;
let generation = 0;

export async function show(panel: HTMLElement): Promise<void> {
  if (!built || built.panel !== panel || !panel.contains(built.done)) built = build(panel);
  await load();
}

export function reset(): void {
  built = null;
  units = [];
  selected = null;
  people = [];
  users = [];
  receivers = [];
  editing = null;
  generation++;
}

/** Today's date in Beijing, YYYY-MM-DD (what a date input and the API take). */
function todayBeijing(): string {
  return new Intl.DateTimeFormat('sv-SE', { timeZone: 'Asia/Shanghai' }).format(new Date());
}

function smallForm(id: string, heading: string): HTMLFormElement {
  const f = el('form', 'card un-form');
  f.id = id;
  f.noValidate = true;
  f.hidden = true;
  f.append(el('h4', null, heading));
  return f;
}

function errorLine(): HTMLElement {
  const p = el('p', 'error');
  p.setAttribute('role', 'alert');
  p.hidden = true;
  return p;
}

function submitButton(text: string, id: string): HTMLButtonElement {
  const b = el('button', null, text);
  b.type = 'submit';
  b.id = id;
  return b;
}

function build(panel: HTMLElement): Built {
  panel.replaceChildren();
  const done = el('p', 'done');
  done.id = 'un-done';
  done.setAttribute('role', 'status');
  done.hidden = true;
  const error = errorLine();
  error.id = 'un-error';

  // The registers of the chosen unit and everything below it.
  const head = el('div', 'toolbar');
  const actions = el('div', 'actions');
  const withEnded = input('checkbox', null, { id: 'un-export-all' });
  const withEndedLabel = el('label', 'check');
  withEndedLabel.append(withEnded, ' 含已离任人员');
  withEnded.addEventListener('change', updateExports);
  const exports = REGISTERS.map((r) => {
    const a = el('a', 'button-link download', r.label);
    a.id = r.id;
    a.setAttribute('download', '');
    return a;
  });
  actions.append(withEndedLabel, ...exports);
  head.append(el('h3', null, '单位'), actions);
  const intro = el('p', 'hint', '在左侧选择单位，可添加下级单位、改名、移动、删除，填写辖区地名和人员。导出的台账包含所选单位及其全部下级单位的人员。');

  const tree = el('nav', 'un-tree');
  tree.id = 'un-tree';
  tree.setAttribute('aria-label', '单位树');

  // The chosen unit.
  const detail = el('section', 'card un-detail');
  detail.id = 'un-detail';
  const title = el('h4', 'un-title');
  title.id = 'un-title';
  title.tabIndex = -1;
  const summary = el('p', 'summary');
  summary.id = 'un-summary';
  const unitActions = el('div', 'form-actions un-actions');
  const addChild = button('添加下级单位', null, () => openForm('child'));
  addChild.id = 'un-open-child';
  const rename = button('改名 / 类型', 'secondary', () => openForm('rename'));
  rename.id = 'un-open-rename';
  const moveButton = button('移动', 'secondary', () => openForm('move'));
  moveButton.id = 'un-open-move';
  const deleteButton = button('删除', 'secondary danger', () => void removeUnit());
  deleteButton.id = 'un-delete';
  unitActions.append(addChild, rename, moveButton, deleteButton);

  const kindSelect = () => select(KIND_KEYS.map((k) => [k, KIND_LABELS[k]] as const));

  const childF = smallForm('un-child-form', '添加下级单位');
  const childName = input('text', '', { id: 'un-child-name', maxlength: '100', autocomplete: 'off', placeholder: '如 城东分局、东门派出所' });
  const childKind = kindSelect();
  childKind.id = 'un-child-kind';
  const childError = errorLine();
  const childGrid = el('div', 'form-grid');
  const childActions = el('div', 'form-actions');
  childActions.append(submitButton('添加', 'un-child-submit'), button('取消', 'secondary', () => closeForms()));
  childGrid.append(field('名称', childName), field('类型', childKind), childError, childActions);
  childF.append(childGrid);
  childF.addEventListener('submit', (ev) => {
    ev.preventDefault();
    void addChildSubmit();
  });

  const renameF = smallForm('un-rename-form', '改名 / 类型');
  const renameName = input('text', '', { id: 'un-rename-name', maxlength: '100', autocomplete: 'off' });
  const renameKind = kindSelect();
  renameKind.id = 'un-rename-kind';
  const renameError = errorLine();
  const renameGrid = el('div', 'form-grid');
  const renameActions = el('div', 'form-actions');
  renameActions.append(submitButton('保存', 'un-rename-submit'), button('取消', 'secondary', () => closeForms()));
  renameGrid.append(field('名称', renameName), field('类型', renameKind), renameError, renameActions);
  renameF.append(renameGrid);
  renameF.addEventListener('submit', (ev) => {
    ev.preventDefault();
    void renameSubmit();
  });

  const moveF = smallForm('un-move-form', '移动到其他上级单位之下');
  const moveParent = el('select');
  moveParent.id = 'un-move-parent';
  const moveError = errorLine();
  const moveActions = el('div', 'form-actions');
  moveActions.append(submitButton('移动', 'un-move-submit'), button('取消', 'secondary', () => closeForms()));
  moveF.append(field('新的上级单位（不能是它自己或它的下级）', moveParent), moveError, moveActions);
  moveF.addEventListener('submit', (ev) => {
    ev.preventDefault();
    void moveSubmit();
  });

  // Jurisdiction.
  const placesSection = el('section', 'un-section');
  const places = textarea('', { id: 'un-places', rows: '6', spellcheck: 'false', placeholder: '例如：\n东门街道 东门 东门口\n东门菜市场' });
  const placesHint = el('p', 'hint');
  placesHint.id = 'un-places-hint';
  const placesError = errorLine();
  const placesSave = button('保存辖区', null, () => void savePlaces());
  placesSave.id = 'un-places-save';
  const placesActions = el('div', 'form-actions');
  placesActions.append(placesSave);
  placesSection.append(
    el('h4', null, '辖区'),
    el('p', 'hint', '每行一个地名，后面可跟它的别名，用空格或顿号隔开。地名类型按名称判断：以区、县、市结尾为区县，以街道、镇、乡结尾为街道乡镇，以派出所结尾为派出所辖区，其余为其他。'),
    field('辖区地名', places),
    placesHint,
    placesError,
    placesActions,
  );

  // People.
  const peopleSection = el('section', 'un-section');
  const peopleHead = el('div', 'toolbar');
  const peopleActions = el('div', 'actions');
  const showEnded = input('checkbox', null, { id: 'un-show-ended' });
  showEnded.addEventListener('change', () => void loadPeople());
  const showEndedLabel = el('label', 'check');
  showEndedLabel.append(showEnded, ' 显示已离任');
  const addPerson = button('添加人员', null, () => openPersonForm(null));
  addPerson.id = 'un-open-person';
  peopleActions.append(showEndedLabel, addPerson);
  peopleHead.append(el('h4', null, '人员（公关民警、联络员等）'), peopleActions);

  const personF = el('form', 'card un-form');
  personF.id = 'un-person-form';
  personF.noValidate = true;
  personF.hidden = true;
  const personHeading = el('h4', null, '添加人员');
  const pName = input('text', '', { id: 'un-person-name', maxlength: '50', autocomplete: 'off' });
  const pDuty = select(DUTIES.map((d) => [d, d] as const), '联络员');
  pDuty.id = 'un-person-duty';
  const pPosition = input('text', '', { id: 'un-person-position', maxlength: '100', autocomplete: 'off', placeholder: '如 副所长、社区民警' });
  const pPhone = input('text', '', { id: 'un-person-phone', maxlength: '50', autocomplete: 'off', placeholder: '如 13800000000 或 0571-87000000 转 8001' });
  const pSince = input('date', '', { id: 'un-person-since' });
  const pUntil = input('date', '', { id: 'un-person-until' });
  const pNote = input('text', '', { id: 'un-person-note', maxlength: '1000', autocomplete: 'off' });
  const pError = errorLine();
  const untilField = field('离任日期（空：在任）', pUntil);
  const personGrid = el('div', 'form-grid');
  const personActions = el('div', 'form-actions');
  personActions.append(submitButton('保存', 'un-person-submit'), button('取消', 'secondary', () => (personF.hidden = true)));
  personGrid.append(
    field('姓名', pName),
    field('职责', pDuty),
    field('职务', pPosition),
    field('联系电话', pPhone),
    field('起始日期', pSince),
    untilField,
    field('备注', pNote, 'field wide'),
    pError,
    personActions,
  );
  personF.append(personHeading, personGrid);
  personF.addEventListener('submit', (ev) => {
    ev.preventDefault();
    void personSubmit();
  });

  const table = el('table', 'grid un-people');
  const thead = el('thead');
  const hr = el('tr');
  for (const h of ['姓名', '职责', '职务', '联系电话', '起始日期', '离任日期', '备注', '']) hr.append(el('th', null, h));
  thead.append(hr);
  const peopleBody = el('tbody');
  peopleBody.id = 'un-people-body';
  table.append(thead, peopleBody);
  const tableWrap = el('div', 'table-wrap');
  tableWrap.append(table);
  const peopleEmpty = el('p', 'empty', '这个单位还没有人员记录：点「添加人员」登记公关民警、联络员。');
  peopleEmpty.hidden = true;
  peopleSection.append(peopleHead, personF, tableWrap, peopleEmpty);

  // Users and receivers of the unit, moved through their own routes.
  const membersSection = el('section', 'un-section');
  const membersTable = el('table', 'grid un-members');
  const mhead = el('thead');
  const mhr = el('tr');
  for (const h of ['类别', '名称', '所属单位']) mhr.append(el('th', null, h));
  mhead.append(mhr);
  const membersBody = el('tbody');
  membersBody.id = 'un-members-body';
  membersTable.append(mhead, membersBody);
  const membersWrap = el('div', 'table-wrap');
  membersWrap.append(membersTable);
  const membersEmpty = el('p', 'empty', '这个单位还没有用户和接收端。');
  membersEmpty.hidden = true;
  const memberPick = el('select');
  memberPick.id = 'un-member-pick';
  const memberAdd = button('调入本单位', 'secondary', () => void moveMember(memberPick.value, selected));
  memberAdd.id = 'un-member-add';
  const memberError = errorLine();
  const memberActions = el('div', 'form-actions un-member-actions');
  memberActions.append(memberPick, memberAdd);
  membersSection.append(
    el('h4', null, '用户与接收端'),
    el('p', 'hint', '每个用户和接收端属于一个单位（未指定时属于最上级单位）。在「所属单位」中可改到其他单位，或从下方把其他单位的用户、接收端调入本单位。'),
    membersWrap,
    membersEmpty,
    memberActions,
    memberError,
  );

  detail.append(title, summary, unitActions, childF, renameF, moveF, placesSection, peopleSection, membersSection);
  const layout = el('div', 'un-layout');
  layout.append(tree, detail);
  panel.append(done, error, head, intro, layout);
  return {
    panel,
    done,
    error,
    tree,
    withEnded,
    exports,
    title,
    summary,
    deleteButton,
    moveButton,
    childForm: { form: childF, name: childName, kind: childKind, error: childError },
    renameForm: { form: renameF, name: renameName, kind: renameKind, error: renameError },
    moveForm: { form: moveF, parent: moveParent, error: moveError },
    places,
    placesHint,
    placesError,
    showEnded,
    personForm: { form: personF, heading: personHeading, name: pName, duty: pDuty, position: pPosition, phone: pPhone, since: pSince, until: pUntil, untilField, note: pNote, error: pError },
    peopleBody,
    peopleEmpty,
    membersBody,
    membersEmpty,
    memberPick,
    memberError,
  };
}

const current = (): Node | undefined => units.find((u) => u.id === selected);

/** `城东分局 › 东门派出所`: the unit's place in the tree. */
const pathText = (u: Node): string => u.path.join(' › ');

function countsText(u: Node): string {
  const c = u.counts;
  const parts = [`在任人员 ${c.people}`, `用户 ${c.users}`, `接收端 ${c.receivers}`, `下级单位 ${c.children}`];
  return parts.join(' · ');
}

// --- the tree ---

function drawTree(): void {
  const b = built;
  if (!b) return;
  const list = el('ul', 'un-tree-list');
  for (const u of units) {
    const li = el('li', 'un-node');
    li.dataset.unitId = String(u.id);
    li.dataset.name = u.name;
    li.dataset.depth = String(u.depth);
    li.style.setProperty('--depth', String(u.depth));
    const pick = el('button', u.id === selected ? 'un-pick selected' : 'un-pick');
    pick.type = 'button';
    if (u.id === selected) pick.setAttribute('aria-current', 'true');
    pick.append(el('span', 'un-name', u.name), el('span', `tag un-kind kind-${u.kind}`, KIND_LABELS[u.kind]));
    const n = el('span', 'un-count', `${u.counts.people} 人`);
    n.title = countsText(u);
    pick.append(n);
    pick.addEventListener('click', () => void choose(u.id));
    li.append(pick);
    list.append(li);
  }
  b.tree.replaceChildren(list);
}

async function choose(id: number): Promise<void> {
  selected = id;
  closeForms();
  // What was said was about the unit chosen before.
  if (built) {
    showError(built.done, '');
    showError(built.error, '');
    built.personForm.form.hidden = true;
    showError(built.memberError, '');
  }
  drawTree();
  drawDetail();
  drawMembers();
  await loadPeople();
}

function drawDetail(): void {
  const b = built;
  const u = current();
  if (!b || !u) return;
  b.title.textContent = u.name;
  b.summary.textContent = `${KIND_LABELS[u.kind]} · ${pathText(u)} · ${countsText(u)}`;
  const isRoot = u.parentId === null;
  b.moveButton.hidden = isRoot;
  b.deleteButton.hidden = isRoot;
  b.places.value = u.places.map((p) => [p.name, ...p.aliases].join(' ')).join('\n');
  b.placesHint.textContent = isRoot
    ? '最上级单位未填写辖区时，沿用部署时配置的辖区词表文件（JURISDICTION_FILE）；填写后以这里为准。'
    : u.places.length
      ? `已填写 ${u.places.length} 个地名。`
      : '还没有填写辖区地名。';
  showError(b.placesError, '');
  updateExports();
}

function updateExports(): void {
  const b = built;
  if (!b) return;
  REGISTERS.forEach((r, i) => {
    b.exports[i]!.href = `/api/unit-people.xlsx${query({ unitId: selected, duty: r.duty, all: b.withEnded.checked })}`;
  });
}

// --- unit changes ---

function closeForms(): void {
  const b = built;
  if (!b) return;
  b.childForm.form.hidden = true;
  b.renameForm.form.hidden = true;
  b.moveForm.form.hidden = true;
}

function openForm(which: 'child' | 'rename' | 'move'): void {
  const b = built;
  const u = current();
  if (!b || !u) return;
  closeForms();
  if (which === 'child') {
    b.childForm.name.value = '';
    b.childForm.kind.value = CHILD_KIND[u.kind];
    showError(b.childForm.error, '');
    b.childForm.form.hidden = false;
    b.childForm.name.focus();
  } else if (which === 'rename') {
    b.renameForm.name.value = u.name;
    b.renameForm.kind.value = u.kind;
    showError(b.renameForm.error, '');
    b.renameForm.form.hidden = false;
    b.renameForm.name.focus();
  } else {
    // Not itself nor anything below it (the API refuses those too).
    const below = new Set<number>([u.id]);
    for (const x of units) if (x.parentId !== null && below.has(x.parentId)) below.add(x.id);
    const options = units.filter((x) => !below.has(x.id)).map((x) => {
      const o = el('option', null, `${'　'.repeat(x.depth)}${x.name}（${KIND_LABELS[x.kind]}）`);
      o.value = String(x.id);
      return o;
    });
    b.moveForm.parent.replaceChildren(...options);
    if (u.parentId !== null) b.moveForm.parent.value = String(u.parentId);
    showError(b.moveForm.error, '');
    b.moveForm.form.hidden = false;
    b.moveForm.parent.focus();
  }
}

async function addChildSubmit(): Promise<void> {
  const b = built;
  const u = current();
  if (!b || !u) return;
  const name = b.childForm.name.value.trim();
  if (!name) return showError(b.childForm.error, '请填写单位名称');
  const r = await api<{ unit: Node }>('POST', '/api/units', { parentId: u.id, name, kind: b.childForm.kind.value });
  if (r.status !== 201) return showError(b.childForm.error, errorText(r, '添加单位失败，请稍后重试'));
  b.childForm.form.hidden = true;
  showError(b.done, `已在「${u.name}」下添加「${r.data.unit.name}」`);
  await load(r.data.unit.id);
}

async function renameSubmit(): Promise<void> {
  const b = built;
  const u = current();
  if (!b || !u) return;
  const name = b.renameForm.name.value.trim();
  if (!name) return showError(b.renameForm.error, '请填写单位名称');
  const r = await api<{ unit: Node }>('PATCH', `/api/units/${u.id}`, { name, kind: b.renameForm.kind.value });
  if (r.status !== 200) return showError(b.renameForm.error, errorText(r, '保存失败，请稍后重试'));
  b.renameForm.form.hidden = true;
  showError(b.done, `已保存「${r.data.unit.name}」`);
  await load(u.id);
}

async function moveSubmit(): Promise<void> {
  const b = built;
  const u = current();
  if (!b || !u) return;
  const parentId = Number(b.moveForm.parent.value);
  const target = units.find((x) => x.id === parentId);
  const r = await api<{ unit: Node }>('PATCH', `/api/units/${u.id}`, { parentId });
  if (r.status !== 200) return showError(b.moveForm.error, errorText(r, '移动失败，请稍后重试'));
  b.moveForm.form.hidden = true;
  showError(b.done, `已把「${u.name}」移到「${target?.name ?? ''}」之下`);
  await load(u.id);
}

async function removeUnit(): Promise<void> {
  const b = built;
  const u = current();
  if (!b || !u) return;
  if (!confirm(`确定删除单位「${u.name}」？只有没有下级单位、用户、接收端和人员记录的单位才能删除。`)) return;
  const r = await api<{ unit: Node }>('DELETE', `/api/units/${u.id}`);
  if (r.status !== 200) return showError(b.error, errorText(r, '删除失败，请稍后重试'));
  showError(b.error, '');
  showError(b.done, `已删除单位「${u.name}」`);
  await load(u.parentId ?? undefined);
}

// --- jurisdiction ---

/** A place's kind from its name, as the hint says. */
function placeKind(name: string): UnitPlaceKind {
  if (/派出所$/.test(name)) return 'station';
  if (/(街道|镇|乡)$/.test(name)) return 'town';
  if (/[区县市]$/.test(name)) return 'district';
  return 'other';
}

/** The textarea's lines as places: the first word the name, the rest its aliases; a kind already stored is kept. */
function parsePlaces(text: string, stored: ReadonlyArray<Wire<UnitPlace>>): Array<{ name: string; aliases: string[]; kind: UnitPlaceKind }> {
  const kinds = new Map(stored.map((p) => [p.name, p.kind]));
  return text
    .split('\n')
    .map((line) => line.split(/[\s,，、;；]+/).filter(Boolean))
    .filter((words) => words.length > 0)
    .map(([name, ...aliases]) => ({ name: name!, aliases, kind: kinds.get(name!) ?? placeKind(name!) }));
}

async function savePlaces(): Promise<void> {
  const b = built;
  const u = current();
  if (!b || !u) return;
  const places = parsePlaces(b.places.value, u.places);
  const seen = new Set<string>();
  for (const p of places) {
    if (seen.has(p.name)) return showError(b.placesError, `地名「${p.name}」重复，请合并为一行`);
    seen.add(p.name);
  }
  const r = await api<{ places: Array<Wire<UnitPlace>> }>('PUT', `/api/units/${u.id}/places`, { places });
  if (r.status !== 200) return showError(b.placesError, errorText(r, '保存辖区失败，请稍后重试'));
  showError(b.placesError, '');
  showError(b.done, `已保存「${u.name}」的辖区（${r.data.places.length} 个地名）`);
  await load(u.id);
}

// --- people ---

function openPersonForm(p: Person | null): void {
  const b = built;
  if (!b) return;
  const f = b.personForm;
  editing = p?.id ?? null;
  f.heading.textContent = p ? `编辑人员：${p.name}` : '添加人员';
  f.name.value = p?.name ?? '';
  f.duty.value = p?.duty ?? '联络员';
  f.position.value = p?.position ?? '';
  f.phone.value = p?.phone ?? '';
  f.since.value = p?.since ?? todayBeijing();
  f.until.value = p?.until ?? '';
  f.untilField.hidden = !p;
  f.note.value = p?.note ?? '';
  showError(f.error, '');
  f.form.hidden = false;
  f.name.focus();
}

async function personSubmit(): Promise<void> {
  const b = built;
  const u = current();
  if (!b || !u) return;
  const f = b.personForm;
  const name = f.name.value.trim();
  if (!name) return showError(f.error, '请填写姓名');
  if (!f.since.value) return showError(f.error, '请填写起始日期');
  const body: Record<string, unknown> = {
    name,
    duty: f.duty.value,
    position: f.position.value.trim(),
    phone: f.phone.value.trim(),
    since: f.since.value,
    note: f.note.value.trim(),
  };
  if (editing !== null) body['until'] = f.until.value || null;
  const r = editing === null ? await api<{ person: Person }>('POST', `/api/units/${u.id}/people`, body) : await api<{ person: Person }>('PATCH', `/api/unit-people/${editing}`, body);
  if (r.status !== 200 && r.status !== 201) return showError(f.error, errorText(r, '保存人员失败，请稍后重试'));
  f.form.hidden = true;
  showError(b.done, `已保存${r.data.person.duty}「${r.data.person.name}」`);
  await load(u.id);
}

async function endDuty(p: Person): Promise<void> {
  const b = built;
  if (!b) return;
  const day = todayBeijing();
  if (!confirm(`确定登记「${p.name}」自今天（${day}）起不再担任${p.duty}？记录会保留，可在「显示已离任」中查看。`)) return;
  const r = await api<{ person: Person }>('PATCH', `/api/unit-people/${p.id}`, { until: day });
  if (r.status !== 200) return showError(b.error, errorText(r, '登记离任失败，请稍后重试'));
  showError(b.error, '');
  showError(b.done, `已登记「${p.name}」离任`);
  await load(selected ?? undefined);
}

async function removePerson(p: Person): Promise<void> {
  const b = built;
  if (!b) return;
  if (!confirm(`确定删除「${p.name}」的人员记录？删除后无法恢复；人员调离请用「离任」。`)) return;
  const r = await api<{ person: Person }>('DELETE', `/api/unit-people/${p.id}`);
  if (r.status !== 200) return showError(b.error, errorText(r, '删除人员记录失败，请稍后重试'));
  showError(b.error, '');
  showError(b.done, `已删除「${p.name}」的人员记录`);
  await load(selected ?? undefined);
}

function personRow(p: Person): HTMLTableRowElement {
  const tr = el('tr', p.current ? 'un-person' : 'un-person ended');
  tr.dataset.person = p.name;
  const act = el('td', 'actions');
  act.append(button('编辑', 'secondary edit', () => openPersonForm(p)));
  if (p.current) act.append(button('离任', 'secondary end', () => void endDuty(p)));
  act.append(button('删除', 'secondary danger remove', () => void removePerson(p)));
  tr.append(
    el('td', 'un-person-name', p.name),
    el('td', null, p.duty),
    el('td', null, p.position),
    el('td', 'un-phone', p.phone),
    el('td', 'time', p.since),
    el('td', 'time', p.until ?? (p.current ? '在任' : '')),
    el('td', null, p.note),
    act,
  );
  return tr;
}

async function loadPeople(): Promise<void> {
  const b = built;
  if (!b || selected === null) return;
  const gen = ++generation;
  const r = await api<{ people: Person[] }>('GET', `/api/units/${selected}/people${query({ all: b.showEnded.checked })}`);
  if (gen !== generation || built !== b) return;
  if (r.status !== 200) return showError(b.error, errorText(r, '读取人员失败，请稍后重试'));
  people = r.data.people;
  b.peopleBody.replaceChildren(...people.map(personRow));
  b.peopleEmpty.hidden = people.length > 0;
  b.peopleBody.closest('.table-wrap')!.toggleAttribute('hidden', people.length === 0);
}

// --- users and receivers ---

const memberKey = (m: Member): string => (m.kind === 'user' ? `user:${m.user.name}` : `receiver:${m.receiver.id}`);
const memberUnit = (m: Member): number | undefined => (m.kind === 'user' ? m.user.unitId : m.receiver.unitId);
const memberLabel = (m: Member): string => (m.kind === 'user' ? `用户 ${m.user.name}（${m.user.displayName} · ${ROLE_LABELS[m.user.role]}）` : `接收端 ${m.receiver.name}`);

/** Moves a user (`user:<name>`) or a receiver (`receiver:<id>`) to a unit, through its own route. */
async function moveMember(key: string, unitId: number | null): Promise<void> {
  const b = built;
  if (!b || !key || unitId === null) return;
  const [kind, ref] = [key.slice(0, key.indexOf(':')), key.slice(key.indexOf(':') + 1)];
  const r =
    kind === 'user'
      ? await api('PATCH', `/api/users/${encodeURIComponent(ref)}`, { unitId })
      : await api('PATCH', `/api/receivers/${encodeURIComponent(ref)}`, { unitId });
  if (r.status !== 200) return showError(b.memberError, errorText(r, '调整所属单位失败，请稍后重试'));
  showError(b.memberError, '');
  const to = units.find((u) => u.id === unitId);
  showError(b.done, `已把${kind === 'user' ? '用户' : '接收端'} ${kind === 'user' ? ref : (receivers.find((x) => String(x.id) === ref)?.name ?? ref)} 调到「${to?.name ?? ''}」`);
  await load(selected ?? undefined);
}

function drawMembers(): void {
  const b = built;
  if (!b || selected === null) return;
  const all: Member[] = [...users.map((user) => ({ kind: 'user', user }) as const), ...receivers.map((receiver) => ({ kind: 'receiver', receiver }) as const)];
  const here = all.filter((m) => memberUnit(m) === selected);
  const unitOptions = units.map((u) => [String(u.id), `${'　'.repeat(u.depth)}${u.name}`] as const);
  b.membersBody.replaceChildren(
    ...here.map((m) => {
      const tr = el('tr', 'un-member');
      tr.dataset.member = memberKey(m);
      const pickUnit = select(unitOptions, String(selected));
      pickUnit.setAttribute('aria-label', `${memberLabel(m)}的所属单位`);
      pickUnit.addEventListener('change', () => void moveMember(memberKey(m), Number(pickUnit.value)));
      const cell = el('td');
      cell.append(pickUnit);
      tr.append(el('td', null, m.kind === 'user' ? '用户' : '接收端'), el('td', null, memberLabel(m).replace(/^(用户|接收端) /, '')), cell);
      return tr;
    }),
  );
  b.membersEmpty.hidden = here.length > 0;
  b.membersBody.closest('.table-wrap')!.toggleAttribute('hidden', here.length === 0);
  const elsewhere = all.filter((m) => memberUnit(m) !== selected);
  const byId = new Map(units.map((u) => [u.id, u.name]));
  b.memberPick.replaceChildren(
    ...elsewhere.map((m) => {
      const o = el('option', null, `${memberLabel(m)} — ${byId.get(memberUnit(m) ?? -1) ?? ''}`);
      o.value = memberKey(m);
      return o;
    }),
  );
  b.memberPick.disabled = elsewhere.length === 0;
}

/** Reads the tree again; selects `focus` (else the unit selected before, else the root). */
async function load(focus?: number): Promise<void> {
  const b = built;
  if (!b) return;
  const gen = ++generation;
  const [r, u, rc] = await Promise.all([
    api<{ rootId: number; units: Node[] }>('GET', '/api/units'),
    api<{ users: User[] }>('GET', '/api/users'),
    api<{ receivers: ReceiverW[] }>('GET', '/api/receivers'),
  ]);
  if (gen !== generation || built !== b) return;
  if (r.status !== 200) return showError(b.error, errorText(r, '读取单位失败，请稍后重试'));
  if (u.status !== 200 || rc.status !== 200) return showError(b.error, errorText(u.status !== 200 ? u : rc, '读取用户和接收端失败，请稍后重试'));
  units = r.data.units;
  users = u.data.users;
  receivers = rc.data.receivers;
  const want = focus ?? selected;
  selected = units.some((x) => x.id === want) ? want! : r.data.rootId;
  drawTree();
  drawDetail();
  drawMembers();
  await loadPeople();
}
