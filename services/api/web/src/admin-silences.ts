// 系统管理 › 静默: the silences in force, those not yet started and the recently ended, each with
// its conditions in words; a new silence from scratch (conditions, start and end in Beijing time,
// a reason) or from an open alert (the 「静默」 dialog, silence-form.ts); and 结束静默.
import './admin-silences.css';
import type { AdminRule, TopicView } from '@yuqing/db';
import { api, beijingMinute, button, duration, el, errorText, field, fromBeijingInput, input, levelBadge, showError, textarea, toBeijingInput } from './core';
import { matcherEditor, matcherList, openSilenceDialog, type Alert, type MatcherEditor, type MatcherNames, type Silence, type SilenceStatus } from './silence-form';
import type { User, Wire } from './wire';

type Rule = Wire<AdminRule>;
type Topic = Wire<TopicView>;
type Status = SilenceStatus;

const HOUR = 3_600_000;
const STATUS_LABELS: Record<Status, string> = { active: '生效中', pending: '未开始', expired: '已过期' };
const GROUPS: ReadonlyArray<{ status: Status; empty: string }> = [
  { status: 'active', empty: '当前没有生效中的静默。需要暂停某类预警的通知时，点「新建静默」或「从预警创建」。' },
  { status: 'pending', empty: '没有尚未开始的静默（开始时间设在以后的静默会列在这里）。' },
  { status: 'expired', empty: '还没有已过期的静默。' },
];
/** Ended silences shown before 「显示全部」: the recent ones are what people look for. */
const EXPIRED_SHOWN = 20;
/** Topic titles looked up per load, at most: beyond that a topic shows as its number. */
const TOPIC_LOOKUPS = 20;
const ALERT_STATE_LABELS: Record<string, string> = { firing: '未确认', acknowledged: '已确认', resolved: '已解除' };

interface Built {
  panel: HTMLElement;
  done: HTMLElement;
  error: HTMLElement;
  newForm: HTMLFormElement;
  editor: MatcherEditor;
  start: HTMLInputElement;
  end: HTMLInputElement;
  comment: HTMLTextAreaElement;
  newError: HTMLElement;
  alertsBox: HTMLElement;
  alertsBody: HTMLTableSectionElement;
  alertsEmpty: HTMLElement;
  alertsError: HTMLElement;
  groups: Map<Status, { count: HTMLElement; table: HTMLTableElement; body: HTMLTableSectionElement; empty: HTMLElement; more: HTMLButtonElement }>;
}

let built: Built | null = null;
let showAllExpired = false;
/** Topic titles already looked up (they rarely change; kept until sign-out). */
const topicTitles = new Map<number, string>();
/** Bumped on every load, so an older answer arriving late does not overwrite a newer one. */
let generation = 0;

export async function show(panel: HTMLElement): Promise<void> {
  if (!built || built.panel !== panel || !panel.contains(built.done)) built = build(panel);
  await load();
}

export function reset(): void {
  built = null;
  showAllExpired = false;
  topicTitles.clear();
  generation++;
}

function build(panel: HTMLElement): Built {
  panel.replaceChildren();
  const head = el('div', 'toolbar');
  const actions = el('div', 'actions');
  const openNew = button('新建静默', null, () => toggleNew(true));
  openNew.id = 'sl-open-new';
  const openAlerts = button('从预警创建', 'secondary', () => void toggleAlerts(true));
  openAlerts.id = 'sl-open-alerts';
  const refresh = button('刷新', 'secondary', () => void load());
  refresh.id = 'sl-refresh';
  actions.append(openNew, openAlerts, refresh);
  head.append(el('h3', null, '静默'), actions);
  const intro = el(
    'p',
    'hint',
    '静默期间，符合全部条件的预警照常记录和显示，只是不再推送通知（钉钉、短信等）；到期后仍未解除的预警会重新通知。时间均为北京时间。',
  );
  const done = el('p', 'done');
  done.id = 'sl-done';
  done.setAttribute('role', 'status');
  // Focus lands here after 结束静默 (the row and its button move away).
  done.tabIndex = -1;
  done.hidden = true;
  const error = el('p', 'error');
  error.id = 'sl-error';
  error.setAttribute('role', 'alert');
  error.hidden = true;

  // 新建静默
  const newForm = el('form', 'card sl-panel');
  newForm.id = 'sl-new';
  newForm.noValidate = true;
  newForm.hidden = true;
  const editor = matcherEditor([{ field: 'keyword', op: '=', value: '' }]);
  const conditions = el('fieldset', 'sl-conditions');
  conditions.append(el('legend', null, '匹配条件（需同时满足；正则表达式须匹配整个值）'), editor.element);
  const start = input('datetime-local', '', { id: 'sl-start' });
  const end = input('datetime-local', '', { id: 'sl-end' });
  const quick = el('div', 'sl-quick');
  quick.append(el('span', 'caption', '时长：'));
  for (const [ms, label] of [
    [2 * HOUR, '2 小时'],
    [8 * HOUR, '8 小时'],
    [24 * HOUR, '24 小时'],
    [72 * HOUR, '3 天'],
  ] as const) {
    quick.append(
      button(label, 'suggest', () => {
        const from = Math.max(Date.parse(fromBeijingInput(start.value) ?? '') || 0, Date.now());
        end.value = toBeijingInput(new Date(from + ms));
      }),
    );
  }
  const comment = textarea('', { id: 'sl-comment', rows: '2', maxlength: '500', placeholder: '如：夜间系统维护；已知演练；已在处置中' });
  const newError = el('p', 'error');
  newError.setAttribute('role', 'alert');
  newError.hidden = true;
  const submit = el('button', null, '创建静默');
  submit.type = 'submit';
  submit.id = 'sl-submit';
  const cancel = button('取消', 'secondary', () => toggleNew(false));
  const formActions = el('div', 'form-actions');
  formActions.append(submit, cancel);
  const times = el('div', 'sl-times');
  times.append(field('开始（北京时间）', start), field('结束（北京时间）', end), quick);
  newForm.append(el('h4', null, '新建静默'), conditions, times, field('原因（必填）', comment, 'field sl-reason'), newError, formActions);
  newForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    void create(submit);
  });

  // 从预警创建
  const alertsBox = el('div', 'card sl-panel');
  alertsBox.id = 'sl-alerts';
  alertsBox.hidden = true;
  const alertsHead = el('div', 'card-head');
  alertsHead.append(el('h4', null, '从预警创建'), button('关闭', 'secondary', () => void toggleAlerts(false)));
  const alertsTable = el('table', 'grid sl-alert-table');
  const alertsThead = el('thead');
  alertsThead.append(headerRow(['级别', '预警', '状态', '触发时间', '']));
  const alertsBody = el('tbody');
  alertsBody.id = 'sl-alerts-body';
  alertsTable.append(alertsThead, alertsBody);
  const alertsEmpty = el('p', 'empty', '当前没有未解除的预警。');
  alertsEmpty.hidden = true;
  const alertsError = el('p', 'error');
  alertsError.setAttribute('role', 'alert');
  alertsError.hidden = true;
  alertsBox.append(alertsHead, el('p', 'hint', '最近未解除的预警：点「静默」按它的话题和规则创建静默。'), alertsError, alertsTable, alertsEmpty);

  // The three groups; their tables are there from the start so the page does not jump when data arrives.
  const groups: Built['groups'] = new Map();
  const lists = el('div', 'sl-groups');
  for (const g of GROUPS) {
    const section = el('section', 'sl-group');
    section.dataset.status = g.status;
    const h = el('h4', null, STATUS_LABELS[g.status]);
    const count = el('span', 'hint sl-count');
    h.append(' ', count);
    const table = el('table', 'grid silences');
    const thead = el('thead');
    thead.append(headerRow(['状态', '匹配条件', '时间（北京时间）', '原因', '创建 / 结束', '']));
    const body = el('tbody');
    body.id = `sl-body-${g.status}`;
    table.append(thead, body);
    const empty = el('p', 'empty', g.empty);
    empty.hidden = true;
    const more = button('显示全部', 'secondary more', () => {
      showAllExpired = true;
      void load();
    });
    more.hidden = true;
    section.append(h, table, empty, more);
    lists.append(section);
    groups.set(g.status, { count, table, body, empty, more });
  }

  panel.append(head, intro, done, error, newForm, alertsBox, lists);
  return { panel, done, error, newForm, editor, start, end, comment, newError, alertsBox, alertsBody, alertsEmpty, alertsError, groups };
}

function headerRow(labels: string[]): HTMLTableRowElement {
  const tr = el('tr');
  for (const l of labels) tr.append(el('th', null, l));
  return tr;
}

function toggleNew(open: boolean): void {
  const b = built;
  if (!b) return;
  b.newForm.hidden = !open;
  if (!open) return;
  const now = Date.now();
  b.editor.set([{ field: 'keyword', op: '=', value: '' }]);
  b.start.value = toBeijingInput(new Date(now));
  b.end.value = toBeijingInput(new Date(now + 2 * HOUR));
  b.comment.value = '';
  showError(b.newError, '');
  b.newForm.querySelector<HTMLElement>('.matcher-field')?.focus();
}

async function create(submit: HTMLButtonElement): Promise<void> {
  const b = built;
  if (!b) return;
  const m = b.editor.read();
  if ('error' in m) return showError(b.newError, m.error);
  const startIso = fromBeijingInput(b.start.value);
  const endIso = fromBeijingInput(b.end.value);
  if (!startIso) return showError(b.newError, '请填写开始时间');
  if (!endIso) return showError(b.newError, '请填写结束时间');
  const startsAt = Date.parse(startIso);
  const endsAt = Date.parse(endIso);
  if (endsAt <= startsAt) return showError(b.newError, '结束时间必须晚于开始时间');
  if (endsAt <= Date.now()) return showError(b.newError, '结束时间必须晚于当前时间');
  const comment = b.comment.value.trim();
  if (!comment) {
    b.comment.focus();
    return showError(b.newError, '请填写静默原因');
  }
  showError(b.newError, '');
  submit.disabled = true;
  try {
    // A start already past (the form's default is this minute) means now.
    const body = { matchers: m.matchers, endsAt, comment, ...(startsAt > Date.now() ? { startsAt } : {}) };
    const r = await api<{ silence: Silence }>('POST', '/api/silences', body);
    if (r.status !== 201) return showError(b.newError, errorText(r, '创建静默失败，请稍后重试'));
    b.newForm.hidden = true;
    const s = r.data.silence;
    showError(b.done, `已创建静默 #${s.id}（${STATUS_LABELS[s.status]}），至 ${beijingMinute(s.endsAt)} 结束`);
    await load();
  } finally {
    submit.disabled = false;
  }
}

/** 从预警创建: the open alerts, newest first, each with its 「静默」 button. */
async function toggleAlerts(open: boolean): Promise<void> {
  const b = built;
  if (!b) return;
  b.alertsBox.hidden = !open;
  if (!open) return;
  const r = await api<{ alerts: Alert[] }>('GET', '/api/alerts?state=firing,acknowledged&limit=30');
  if (built !== b) return;
  if (r.status !== 200) {
    showError(b.alertsError, errorText(r, '读取预警失败，请稍后重试'));
    return;
  }
  showError(b.alertsError, '');
  b.alertsBody.replaceChildren(
    ...r.data.alerts.map((a) => {
      const tr = el('tr', `level-${a.level}`);
      tr.dataset.alertId = String(a.id);
      const title = el('td');
      title.append(el('div', 'title', a.title));
      if (a.ruleName) title.append(el('div', 'summary', `规则「${a.ruleName}」`));
      const badge = el('td');
      badge.append(levelBadge(a.level));
      const act = el('td', 'actions');
      act.append(
        button('静默', 'silence-alert', async () => {
          await openSilenceDialog(a.id);
          await load();
        }),
      );
      tr.append(badge, title, el('td', `state-${a.state}`, ALERT_STATE_LABELS[a.state] ?? a.state), el('td', 'time', beijingMinute(a.createdAt)), act);
      return tr;
    }),
  );
  b.alertsEmpty.hidden = r.data.alerts.length > 0;
  b.alertsBox.querySelector<HTMLElement>('button.silence-alert')?.focus();
}

/** Reads the silences (current and ended) and who made them, and redraws the three groups. */
async function load(): Promise<void> {
  const b = built;
  if (!b) return;
  const gen = ++generation;
  const [current, expired, users, rules] = await Promise.all([
    api<{ silences: Silence[] }>('GET', '/api/silences?state=current'),
    api<{ silences: Silence[] }>('GET', '/api/silences?state=expired'),
    api<{ users: User[] }>('GET', '/api/users'),
    api<{ rules: Rule[] }>('GET', '/api/rules'),
  ]);
  if (gen !== generation || built !== b) return;
  if (current.status !== 200 || expired.status !== 200) {
    showError(b.error, errorText(current.status !== 200 ? current : expired, '读取静默失败，请稍后重试'));
    return;
  }
  showError(b.error, '');
  const all = [...current.data.silences, ...expired.data.silences];
  // Names in place of numbers; without them (an error) the numbers still say which.
  const people = new Map((users.status === 200 ? users.data.users : []).map((u) => [u.id, u.displayName || u.name]));
  const ruleNames = new Map((rules.status === 200 ? rules.data.rules : []).map((r) => [r.id, r.name]));
  const wanted = [...new Set(all.flatMap((s) => s.matchers.filter((m) => m.field === 'topicId' && /^\d+$/.test(m.value)).map((m) => Number(m.value))))]
    .filter((id) => !topicTitles.has(id))
    .slice(0, TOPIC_LOOKUPS);
  await Promise.all(
    wanted.map(async (id) => {
      const t = await api<{ topic: Topic }>('GET', `/api/topics/${id}`);
      if (t.status === 200) topicTitles.set(id, t.data.topic.title);
    }),
  );
  if (gen !== generation || built !== b) return;
  const names: MatcherNames = { topics: topicTitles, rules: ruleNames };
  const now = Date.now();
  for (const g of GROUPS) {
    const parts = b.groups.get(g.status)!;
    const rows = all.filter((s) => s.status === g.status);
    const shown = g.status === 'expired' && !showAllExpired ? rows.slice(0, EXPIRED_SHOWN) : rows;
    parts.body.replaceChildren(...shown.map((s) => row(s, names, people, now)));
    parts.count.textContent = g.status === 'expired' && rows.length > shown.length ? `（最近 ${shown.length} 条，共 ${rows.length} 条）` : `（${rows.length}）`;
    parts.empty.hidden = rows.length > 0;
    parts.table.hidden = rows.length === 0;
    parts.more.hidden = rows.length <= shown.length;
    parts.more.textContent = `显示全部已过期（${rows.length}）`;
  }
}

function row(s: Silence, names: MatcherNames, people: Map<number, string>, now: number): HTMLTableRowElement {
  const tr = el('tr', `silence-row status-${s.status}`);
  tr.dataset.silenceId = String(s.id);
  const status = el('td');
  status.append(el('span', `silence-status ${s.status}`, STATUS_LABELS[s.status]));
  status.append(el('div', 'hint', `#${s.id}`));
  const matchers = el('td', 'sl-matchers');
  matchers.append(matcherList(s.matchers, names));
  const time = el('td', 'sl-time');
  time.append(el('div', 'time', `${beijingMinute(s.startsAt)} 起`), el('div', 'time', `${beijingMinute(s.endsAt)} 止`));
  const left = Date.parse(s.endsAt) - now;
  const toStart = Date.parse(s.startsAt) - now;
  time.append(
    el('div', 'summary', s.status === 'active' ? `还剩 ${duration(left)}` : s.status === 'pending' ? `${duration(toStart)}后开始` : `${duration(-left)}前结束`),
  );
  const who = el('td', 'sl-who');
  who.append(el('div', null, s.createdBy === null ? '系统' : (people.get(s.createdBy) ?? `用户 #${s.createdBy}`)));
  who.append(el('div', 'summary', `创建于 ${beijingMinute(s.createdAt)}`));
  if (s.expiredBy !== null) who.append(el('div', 'summary', `由 ${people.get(s.expiredBy) ?? `用户 #${s.expiredBy}`} 提前结束`));
  const act = el('td', 'actions');
  if (s.status !== 'expired') {
    act.append(button('结束静默', 'secondary danger expire', (ev) => void expire(s, ev.currentTarget as HTMLButtonElement)));
  }
  tr.append(status, matchers, time, el('td', 'pre sl-comment', s.comment), who, act);
  return tr;
}

async function expire(s: Silence, btn: HTMLButtonElement): Promise<void> {
  const b = built;
  if (!b) return;
  if (!confirm(`确定现在结束静默 #${s.id}？结束后，符合条件且仍未解除的预警会重新通知。`)) return;
  btn.disabled = true;
  const r = await api<{ silence: Silence; changed: boolean }>('POST', `/api/silences/${s.id}/expire`);
  btn.disabled = false;
  if (built !== b) return;
  if (r.status !== 200) return showError(b.error, errorText(r, '结束静默失败，请稍后重试'));
  showError(b.error, '');
  showError(b.done, r.data.changed ? `已结束静默 #${s.id}，已移入「已过期」` : `静默 #${s.id} 此前已经结束`);
  await load();
  b.done.focus();
}
