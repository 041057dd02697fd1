// 系统管理 › 审计日志: who changed what and when, newest first — filtered by person, kind of change
// and time (Beijing time), a page at a time, each entry's before/after as a table of fields in
// Chinese; and the same selection as a CSV file for Excel (GET /api/audit.csv, the same filters).
import './admin-audit.css';
import type { AuditRecord } from '@yuqing/db';
import { api, beijing, button, el, errorText, fromBeijingInput, input, LEVEL_LABELS, query, ROLE_LABELS, select, showError } from './core';
import { describeMatcher } from './silence-form';
import type { User, Wire } from './wire';

/** An entry as GET /api/audit answers (auditOut: the stored record). */
type Entry = Wire<AuditRecord>;

const PAGE_SIZE = 50;

/** What each kind of record is, in the order the action filter lists them. */
const ENTITY_LABELS: Record<string, string> = {
  user: '用户',
  token: 'API 令牌',
  silence: '静默',
  rule: '预警规则',
  receiver: '接收端',
  alert: '预警',
  incident: '事件',
  incident_tag: '事件标签',
  source: '信息源',
  scheme: '监测方案',
  item: '条目研判',
  model: '模型',
  digest: '报告',
};

/** Every action the service records (routes and the command line), in words. */
const ACTION_LABELS: Record<string, string> = {
  'user.create': '添加用户',
  'user.disable': '停用用户',
  'user.enable': '启用用户',
  'user.password_reset': '重置密码',
  'token.create': '创建令牌',
  'token.revoke': '吊销令牌',
  'silence.create': '创建静默',
  'silence.expire': '结束静默',
  'rule.create': '新建预警规则',
  'rule.update': '修改预警规则',
  'rule.delete': '删除预警规则',
  'receiver.create': '添加接收端',
  'receiver.update': '修改接收端',
  'receiver.delete': '删除接收端',
  'receiver.test': '测试接收端',
  'alert.acknowledge': '确认预警',
  'alert.resolve': '解除预警',
  'alert.level': '调整预警级别',
  'incident.create': '建立事件',
  'incident.update': '修改事件',
  'incident.transition': '事件状态变更',
  'incident.note': '事件记录',
  'incident.link': '关联事件',
  'incident_tag.create': '新建事件标签',
  'incident_tag.delete': '删除事件标签',
  'source.add': '添加信息源',
  'source.update': '修改信息源',
  'source.enable': '启用信息源',
  'source.disable': '停用信息源',
  'source.remove': '删除信息源',
  'source.import': '导入信息源',
  'scheme.create': '新建监测方案',
  'scheme.update': '修改监测方案',
  'scheme.delete': '删除监测方案',
  'item.label': '纠正研判结果',
  'item.label.withdraw': '撤回研判纠正',
  'model.train': '训练模型',
  'model.retrain': '重新训练模型',
  'model.activate': '启用模型',
  'digest.generate': '生成报告',
};

/** Field names of the records, in words (others are shown as they are). */
const KEY_LABELS: Record<string, string> = {
  id: '编号',
  name: '名称',
  displayName: '显示名',
  role: '角色',
  disabled: '已停用',
  hasPassword: '已设密码',
  passwordReset: '密码已重置',
  createdAt: '创建时间',
  updatedAt: '更新时间',
  userId: '用户编号',
  userName: '所属用户',
  prefix: '令牌前缀',
  lastUsedAt: '最近使用',
  revokedAt: '吊销时间',
  matchers: '匹配条件',
  startsAt: '开始时间',
  endsAt: '结束时间',
  comment: '备注',
  createdBy: '创建人编号',
  updatedBy: '修改人编号',
  expiredBy: '结束人编号',
  enabled: '启用',
  state: '状态',
  status: '状态',
  level: '级别',
  title: '标题',
  summary: '摘要',
  kind: '类型',
  url: '地址',
  hasSecret: '已设密钥',
  secretChanged: '密钥已更换',
  spec: '规则内容',
  topicId: '话题编号',
  ruleId: '规则编号',
  ruleName: '规则名称',
  reason: '原因',
  acknowledgedBy: '确认人编号',
  acknowledgedAt: '确认时间',
  resolvedBy: '解除人编号',
  resolvedAt: '解除时间',
  manualLevel: '人工级别',
  levelChangeReason: '调级原因',
};

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isMatcher = (v: unknown): v is { field: string; op: string; value: string } =>
  isRecord(v) && typeof v['field'] === 'string' && typeof v['op'] === 'string' && typeof v['value'] === 'string';

/** One value as people read it: times in Beijing time, yes/no, roles and levels in words. */
function formatValue(key: string, v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'boolean') return v ? '是' : '否';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') {
    if (key === 'role') return ROLE_LABELS[v as keyof typeof ROLE_LABELS] ?? v;
    if (key === 'level' || key === 'manualLevel') return LEVEL_LABELS[v] ?? v;
    if (ISO_TIME.test(v)) return beijing(v);
    return v;
  }
  if (Array.isArray(v)) {
    if (v.every(isMatcher)) return v.map((m) => describeMatcher(m)).join('；且 ');
    if (v.every((x) => ['string', 'number', 'boolean'].includes(typeof x))) return v.length ? v.join('、') : '（无）';
  }
  return JSON.stringify(v);
}

const keyLabel = (k: string): string => KEY_LABELS[k] ?? k;
const actionLabel = (a: string): string => ACTION_LABELS[a] ?? a;
const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');

/** What the entry is about, in a few words: the user, the token, the silence's conditions … */
function subject(e: Entry): string {
  const v = isRecord(e.after) ? e.after : isRecord(e.before) ? e.before : null;
  if (!v) return '';
  switch (e.entity) {
    case 'user': {
      const role = str(v['role']);
      return `${str(v['name'])}${role ? `（${ROLE_LABELS[role as keyof typeof ROLE_LABELS] ?? role}）` : ''}`;
    }
    case 'token':
      return `${str(v['userName'])} 的令牌${str(v['name']) ? `「${str(v['name'])}」` : ''}${str(v['prefix']) ? `（${str(v['prefix'])}…）` : ''}`;
    case 'silence':
      return Array.isArray(v['matchers']) ? formatValue('matchers', v['matchers']) : '';
    default:
      return str(v['name']) || str(v['title']);
  }
}

/** The fields an update changed, as 「字段：旧 → 新」 (the first few). */
function changes(e: Entry): string[] {
  if (!isRecord(e.before) || !isRecord(e.after)) return [];
  const before = e.before;
  const after = e.after;
  return [...new Set([...Object.keys(after), ...Object.keys(before)])]
    .filter((k) => k !== 'updatedAt' && JSON.stringify(before[k]) !== JSON.stringify(after[k]))
    .map((k) => `${keyLabel(k)}：${formatValue(k, before[k])} → ${formatValue(k, after[k])}`);
}

interface Built {
  panel: HTMLElement;
  form: HTMLFormElement;
  actor: HTMLInputElement;
  actors: HTMLDataListElement;
  action: HTMLSelectElement;
  from: HTMLInputElement;
  to: HTMLInputElement;
  csv: HTMLAnchorElement;
  error: HTMLElement;
  body: HTMLTableSectionElement;
  empty: HTMLElement;
  prev: HTMLButtonElement;
  next: HTMLButtonElement;
  page: HTMLElement;
}

let built: Built | null = null;
/** The cursor of each page shown so far (the first page has none), for 上一页. */
let cursors: Array<number | undefined> = [undefined];
let pageIndex = 0;
let nextCursor: number | null = null;
let generation = 0;

export async function show(panel: HTMLElement): Promise<void> {
  if (!built || built.panel !== panel || !panel.contains(built.form)) built = build(panel);
  void loadActors();
  // Each visit shows what happened since: back to the first page of the same filters.
  cursors = [undefined];
  pageIndex = 0;
  await load();
}

export function reset(): void {
  built = null;
  cursors = [undefined];
  pageIndex = 0;
  nextCursor = null;
  generation++;
}

function build(panel: HTMLElement): Built {
  panel.replaceChildren();
  const head = el('div', 'toolbar');
  const csv = el('a', 'button-link', '导出 CSV');
  csv.id = 'au-csv';
  csv.href = '/api/audit.csv';
  csv.setAttribute('download', '');
  const actions = el('div', 'actions');
  actions.append(csv);
  head.append(el('h3', null, '审计日志'), actions);
  const intro = el('p', 'hint', '系统中每一次更改（账号、令牌、预警规则、静默、预警处置、事件、信息源等）都记录在此，只能查看，不能修改或删除。时间均为北京时间；导出的 CSV 与当前筛选条件一致，可用 Excel 打开。');

  const form = el('form', 'filters card audit-filters');
  form.id = 'au-filter';
  const actor = input('text', '', { id: 'au-actor', list: 'au-actors', maxlength: '200', autocomplete: 'off', placeholder: '登录名，如 admin' });
  const actors = el('datalist');
  actors.id = 'au-actors';
  const action = select([['', '全部操作']]);
  action.id = 'au-action';
  for (const [entity, label] of Object.entries(ENTITY_LABELS)) {
    const group = el('optgroup');
    group.label = label;
    const all = el('option', null, `${label}：全部`);
    all.value = entity;
    group.append(all);
    for (const [a, text] of Object.entries(ACTION_LABELS)) {
      if (a.split('.')[0] !== entity) continue;
      const o = el('option', null, text);
      o.value = a;
      group.append(o);
    }
    action.append(group);
  }
  const from = input('datetime-local', '', { id: 'au-from' });
  const to = input('datetime-local', '', { id: 'au-to' });
  const submit = el('button', null, '查询');
  submit.type = 'submit';
  const clear = button('清除条件', 'secondary', () => {
    form.reset();
    void restart();
  });
  const labelled = (caption: string, control: HTMLElement) => {
    const l = el('label');
    l.append(`${caption} `, control);
    return l;
  };
  form.append(labelled('操作人', actor), actors, labelled('操作', action), labelled('从（北京时间）', from), labelled('至', to), submit, clear);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    void restart();
  });
  // A choice from a list takes effect at once; typed text waits for 查询 (or Enter).
  action.addEventListener('change', () => void restart());

  const error = el('p', 'error');
  error.id = 'au-error';
  error.setAttribute('role', 'alert');
  error.hidden = true;
  const table = el('table', 'grid audit');
  const thead = el('thead');
  const hr = el('tr');
  for (const h of ['时间', '操作人', '操作', '对象', '内容', '']) hr.append(el('th', null, h));
  thead.append(hr);
  const body = el('tbody');
  body.id = 'au-body';
  table.append(thead, body);
  const wrap = el('div', 'table-wrap');
  wrap.append(table);
  const empty = el('p', 'empty', '没有符合条件的记录。可放宽时间范围，或点「清除条件」查看全部。');
  empty.hidden = true;
  const pager = el('div', 'pager');
  const prev = button('上一页', 'secondary', () => void turn(-1));
  prev.id = 'au-prev';
  const next = button('下一页', 'secondary', () => void turn(1));
  next.id = 'au-next';
  const page = el('span', 'hint');
  page.id = 'au-page';
  page.setAttribute('aria-live', 'polite');
  pager.append(prev, page, next);
  panel.append(head, intro, form, error, wrap, empty, pager);
  return { panel, form, actor, actors, action, from, to, csv, error, body, empty, prev, next, page };
}

/** The people who can appear as actors (users, and the system itself), offered as the actor field is typed. */
async function loadActors(): Promise<void> {
  const b = built;
  const r = await api<{ users: User[] }>('GET', '/api/users');
  if (!b || built !== b || r.status !== 200) return;
  b.actors.replaceChildren(
    ...[...r.data.users.map((u) => [u.name, u.displayName] as const), ['system', '系统（自动）'] as const].map(([value, label]) => {
      const o = el('option', null, label);
      o.value = value;
      return o;
    }),
  );
}

/** The filters as the API takes them, or why they cannot be used. */
function filters(b: Built): Record<string, string> | { error: string } {
  const out: Record<string, string> = {};
  const actor = b.actor.value.trim();
  if (actor) out['actor'] = actor;
  if (b.action.value) out['action'] = b.action.value;
  if (b.from.value) {
    const iso = fromBeijingInput(b.from.value);
    if (!iso) return { error: '开始时间格式不正确' };
    out['from'] = iso;
  }
  if (b.to.value) {
    const iso = fromBeijingInput(b.to.value);
    if (!iso) return { error: '结束时间格式不正确' };
    out['to'] = iso;
  }
  if (out['from'] && out['to'] && out['from'] >= out['to']) return { error: '开始时间必须早于结束时间' };
  return out;
}

async function restart(): Promise<void> {
  cursors = [undefined];
  pageIndex = 0;
  await load();
}

async function turn(step: number): Promise<void> {
  if (step > 0) {
    if (nextCursor === null) return;
    cursors[pageIndex + 1] = nextCursor;
    pageIndex++;
  } else if (pageIndex > 0) pageIndex--;
  await load();
}

async function load(): Promise<void> {
  const b = built;
  if (!b) return;
  const f = filters(b);
  if ('error' in f) return showError(b.error, f.error);
  // The export follows the filters, whatever page is shown.
  b.csv.href = `/api/audit.csv${query(f)}`;
  const gen = ++generation;
  const r = await api<{ entries: Entry[]; nextCursor: number | null }>('GET', `/api/audit${query({ ...f, limit: PAGE_SIZE, cursor: cursors[pageIndex] })}`);
  if (gen !== generation || built !== b) return;
  if (r.status !== 200) return showError(b.error, errorText(r, '读取审计日志失败，请稍后重试'));
  showError(b.error, '');
  nextCursor = r.data.nextCursor;
  b.body.replaceChildren(...r.data.entries.flatMap((e) => entryRows(e)));
  b.empty.hidden = r.data.entries.length > 0;
  b.prev.disabled = pageIndex === 0;
  b.next.disabled = nextCursor === null;
  b.page.textContent = r.data.entries.length ? `第 ${pageIndex + 1} 页（每页 ${PAGE_SIZE} 条）` : '';
}

/** An entry's row and its (folded) detail row. */
function entryRows(e: Entry): HTMLTableRowElement[] {
  const tr = el('tr', 'audit-row');
  tr.dataset.auditId = String(e.id);
  tr.dataset.action = e.action;
  const action = el('td', 'au-action');
  action.append(el('div', null, actionLabel(e.action)));
  action.append(el('code', 'au-code', e.action));
  const entity = el('td', 'au-entity', `${ENTITY_LABELS[e.entity] ?? e.entity}${e.entityId ? ` #${e.entityId}` : ''}`);
  const what = el('td', 'au-what');
  const s = subject(e);
  if (s) what.append(el('div', null, s));
  const changed = changes(e);
  for (const c of changed.slice(0, 3)) what.append(el('div', 'summary', c));
  if (changed.length > 3) what.append(el('div', 'summary', `等 ${changed.length} 项变更`));

  const detail = el('tr', 'audit-detail');
  detail.hidden = true;
  const cell = el('td');
  cell.colSpan = 6;
  cell.id = `au-detail-${e.id}`;
  detail.append(cell);
  const toggle = button('详情', 'secondary detail-toggle', () => {
    const open = detail.hidden;
    if (open && !cell.firstChild) cell.append(detailTable(e));
    detail.hidden = !open;
    toggle.setAttribute('aria-expanded', String(open));
    toggle.textContent = open ? '收起' : '详情';
  });
  toggle.setAttribute('aria-expanded', 'false');
  toggle.setAttribute('aria-controls', cell.id);
  const act = el('td', 'actions');
  act.append(toggle);
  tr.append(el('td', 'time', beijing(e.at)), el('td', 'au-actor', e.actorName === 'system' ? '系统' : e.actorName), action, entity, what, act);
  return [tr, detail];
}

/** Before and after, field by field; the changed ones marked. */
function detailTable(e: Entry): HTMLElement {
  const box = el('div', 'audit-detail-box');
  const before = isRecord(e.before) ? e.before : null;
  const after = isRecord(e.after) ? e.after : null;
  const keys = [...new Set([...Object.keys(after ?? {}), ...Object.keys(before ?? {})])];
  if (keys.length === 0 && (e.before !== null || e.after !== null)) {
    // Not an object (never so far): shown whole.
    box.append(el('div', 'pre', `变更前：${formatValue('', e.before)}\n变更后：${formatValue('', e.after)}`));
  } else if (keys.length) {
    const table = el('table', 'grid audit-fields');
    const head = el('tr');
    head.append(el('th', null, '字段'));
    if (before) head.append(el('th', null, '变更前'));
    if (after) head.append(el('th', null, '变更后'));
    const thead = el('thead');
    thead.append(head);
    const tbody = el('tbody');
    for (const k of keys) {
      const tr = el('tr');
      if (before && after && JSON.stringify(before[k]) !== JSON.stringify(after[k])) tr.className = 'changed';
      const name = el('th', null, keyLabel(k));
      name.scope = 'row';
      if (KEY_LABELS[k]) name.title = k;
      tr.append(name);
      if (before) tr.append(el('td', 'pre', formatValue(k, before[k])));
      if (after) tr.append(el('td', 'pre', formatValue(k, after[k])));
      tbody.append(tr);
    }
    table.append(thead, tbody);
    box.append(table);
  } else {
    box.append(el('p', 'hint', '此记录没有附带变更内容。'));
  }
  const meta = [`记录编号 ${e.id}`, e.actorId !== null ? `操作人用户编号 ${e.actorId}` : null, e.requestId ? `请求编号 ${e.requestId}` : null].filter(Boolean).join(' · ');
  box.append(el('p', 'hint', meta));
  return box;
}
