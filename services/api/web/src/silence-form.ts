// Silences as people read and write them: matchers in Chinese (「话题为「…」，且预警规则为「…」」),
// an editor of matchers, and the 「静默」 dialog that proposes a silence for one alert (its topic,
// its rule, a duration) — opened from the alert list (admin, pr) and from the admin's 静默 tab.
// The fields and operators are the alerting package's own (typed below against SilenceField and
// SilenceOp, so a field added there fails tsc here until it has a label).
import './silence-form.css';
import type { SilenceField, SilenceOp } from '@yuqing/alerting';
import type { AdminAlert, AdminSilence, SilenceListState, TopicView } from '@yuqing/db';
import { api, beijingMinute, button, can, duration, el, errorText, field, fromBeijingInput, input, LEVEL_LABELS, LEVELS, levelBadge, select, showError, textarea, toBeijingInput } from './core';
import type { Wire } from './wire';

/** Where a silence stands at the time of the answer (silenceOut's `status` in routes/silences.ts). */
export type SilenceStatus = Exclude<SilenceListState, 'current' | 'all'>;
/** A silence as GET/POST /api/silences answer (silenceOut: the stored one and its status). */
export type Silence = Wire<AdminSilence> & { status: SilenceStatus };
/** An alert as GET /api/alerts(/:id) answer (alertOut: the stored one without its dedup key and audience). */
export type Alert = Wire<Omit<AdminAlert, 'dedupKey' | 'audienceRoles'>>;
type Topic = Wire<TopicView>;

export interface Matcher {
  field: SilenceField;
  op: SilenceOp;
  value: string;
}

export const FIELD_LABELS: Record<SilenceField, string> = {
  topicId: '话题',
  rule: '预警规则',
  level: '级别',
  category: '类别',
  place: '地点',
  source: '来源',
  keyword: '关键词',
};
const FIELDS = Object.keys(FIELD_LABELS) as SilenceField[];

/** How each operator reads in a sentence (「级别不为红色」, 「地点符合正则 天河.*」). */
const OP_PHRASES: Record<SilenceOp, string> = { '=': '为', '!=': '不为', '=~': '符合正则', '!~': '不符合正则' };
/** The operator as a choice in the editor. */
const OP_CHOICES: Record<SilenceOp, string> = { '=': '等于', '!=': '不等于', '=~': '符合正则表达式', '!~': '不符合正则表达式' };
const OPS = Object.keys(OP_CHOICES) as SilenceOp[];

/** Names to show instead of ids: topic titles and rule names, where known. */
export interface MatcherNames {
  topics?: ReadonlyMap<number, string>;
  rules?: ReadonlyMap<number, string>;
}

const isField = (f: string): f is SilenceField => (FIELDS as string[]).includes(f);
const isOp = (o: string): o is SilenceOp => (OPS as string[]).includes(o);

/** One matcher as a phrase: 「话题为「民警执法视频」（#1001）」, 「级别不为红色」, 「地点符合正则 天河.*」. */
export function describeMatcher(m: { field: string; op: string; value: string }, names: MatcherNames = {}): string {
  // Stored before a field or operator was renamed: shown as stored rather than guessed.
  if (!isField(m.field) || !isOp(m.op)) return `${m.field} ${m.op} ${m.value}`;
  const label = FIELD_LABELS[m.field];
  const phrase = OP_PHRASES[m.op];
  if (m.op === '=~' || m.op === '!~') return `${label}${phrase} ${m.value}`;
  if (m.value === '') return `${label}${phrase}空`;
  const id = /^\d+$/.test(m.value) ? Number(m.value) : null;
  switch (m.field) {
    case 'topicId': {
      const title = id !== null ? names.topics?.get(id) : undefined;
      return title ? `${label}${phrase}「${title}」（#${m.value}）` : `${label}${phrase} #${m.value}`;
    }
    case 'rule': {
      const name = id !== null ? names.rules?.get(id) : undefined;
      return name ? `${label}${phrase}「${name}」` : `${label}${phrase}「${m.value}」`;
    }
    case 'level':
      return `${label}${phrase}${LEVEL_LABELS[m.value] ?? m.value}`;
    default:
      return `${label}${phrase}「${m.value}」`;
  }
}

/** Every matcher, one per line (all must hold). */
export function matcherList(matchers: ReadonlyArray<{ field: string; op: string; value: string }>, names: MatcherNames = {}): HTMLUListElement {
  const ul = el('ul', 'matcher-list');
  for (const m of matchers) {
    const li = el('li', null, describeMatcher(m, names));
    li.title = `${m.field} ${m.op} ${m.value}`;
    ul.append(li);
  }
  return ul;
}

/** Whether a regular expression compiles as the alerter will compile it (anchored, Unicode). */
function compiles(v: string): boolean {
  try {
    new RegExp(`^(?:${v})$`, 'u');
    return true;
  } catch {
    return false;
  }
}

/** A form's list of matchers: add, change and remove rows; read() checks them as the server will. */
export interface MatcherEditor {
  element: HTMLElement;
  set(matchers: readonly Matcher[]): void;
  add(m: Matcher): void;
  read(): { matchers: Matcher[] } | { error: string };
}

export function matcherEditor(initial: readonly Matcher[], onChange: () => void = () => undefined): MatcherEditor {
  const box = el('div', 'matcher-editor');
  const rows = el('div', 'matcher-rows');
  const empty = el('p', 'hint matcher-empty', '还没有条件：点「添加条件」，至少需要一个。');
  const addBtn = button('添加条件', 'secondary add-matcher', () => {
    addRow({ field: 'keyword', op: '=', value: '' });
    rows.lastElementChild?.querySelector<HTMLElement>('.matcher-value')?.focus();
    changed();
  });
  box.append(rows, empty, addBtn);

  const changed = () => {
    empty.hidden = rows.childElementCount > 0;
    addBtn.disabled = rows.childElementCount >= 20;
    rows.querySelectorAll<HTMLElement>('.matcher-row').forEach((r, i) => {
      r.querySelector('.remove-matcher')?.setAttribute('aria-label', `删除第 ${i + 1} 个条件`);
    });
    onChange();
  };

  function valueControl(f: SilenceField, op: SilenceOp, value: string): HTMLInputElement | HTMLSelectElement {
    let c: HTMLInputElement | HTMLSelectElement;
    if (f === 'level' && (op === '=' || op === '!=')) {
      c = select(LEVELS.map((l) => [l, LEVEL_LABELS[l] ?? l] as const), (LEVELS as readonly string[]).includes(value) ? value : 'red');
    } else {
      const placeholder = op.includes('~') ? '正则表达式，如 天河.*' : f === 'topicId' ? '话题编号' : f === 'rule' ? '规则编号或名称' : '';
      c = input('text', value, { maxlength: '200', autocomplete: 'off', spellcheck: 'false', placeholder });
    }
    c.className = 'matcher-value';
    c.setAttribute('aria-label', '条件的值');
    c.addEventListener('input', changed);
    c.addEventListener('change', changed);
    return c;
  }

  function addRow(m: Matcher): void {
    const row = el('div', 'matcher-row');
    const f = select(FIELDS.map((x) => [x, FIELD_LABELS[x]] as const), m.field);
    f.className = 'matcher-field';
    f.setAttribute('aria-label', '条件字段');
    const o = select(OPS.map((x) => [x, OP_CHOICES[x]] as const), m.op);
    o.className = 'matcher-op';
    o.setAttribute('aria-label', '比较方式');
    let v = valueControl(m.field, m.op, m.value);
    // A level is chosen from the four levels; anything else (or a pattern) is typed.
    const swap = () => {
      const next = valueControl(f.value as SilenceField, o.value as SilenceOp, v.value);
      if (next.tagName !== v.tagName) {
        v.replaceWith(next);
        v = next;
      }
      changed();
    };
    f.addEventListener('change', swap);
    o.addEventListener('change', swap);
    const remove = button('删除', 'secondary remove-matcher', () => {
      const next = row.nextElementSibling ?? row.previousElementSibling;
      row.remove();
      (next?.querySelector<HTMLElement>('.remove-matcher') ?? addBtn).focus();
      changed();
    });
    row.append(f, o, v, remove);
    rows.append(row);
  }

  const editor: MatcherEditor = {
    element: box,
    set(matchers) {
      rows.replaceChildren();
      for (const m of matchers) addRow(m);
      changed();
    },
    add(m) {
      addRow(m);
      changed();
    },
    read() {
      const out: Matcher[] = [];
      const all = [...rows.querySelectorAll<HTMLElement>('.matcher-row')];
      if (all.length === 0) return { error: '至少需要一个匹配条件' };
      for (const [i, r] of all.entries()) {
        const f = r.querySelector<HTMLSelectElement>('.matcher-field')!.value as SilenceField;
        const op = r.querySelector<HTMLSelectElement>('.matcher-op')!.value as SilenceOp;
        const value = r.querySelector<HTMLInputElement | HTMLSelectElement>('.matcher-value')!.value.trim();
        const n = `第 ${i + 1} 个条件`;
        if (!value) return { error: `${n}（${FIELD_LABELS[f]}）还没有填写值` };
        if (value.length > 200) return { error: `${n}的值最多 200 个字符` };
        if (op.includes('~') && !compiles(value)) return { error: `${n}的正则表达式写法有误` };
        if (f === 'topicId' && !op.includes('~') && !/^\d+$/.test(value)) return { error: `${n}：话题应填写话题编号（数字）` };
        out.push({ field: f, op, value });
      }
      return { matchers: out };
    },
  };
  editor.set(initial);
  return editor;
}

// --- the 「静默」 dialog ---

const HOUR = 3_600_000;
/** The durations offered; the first is the default. */
const DURATIONS: ReadonlyArray<readonly [number, string]> = [
  [2 * HOUR, '2 小时'],
  [8 * HOUR, '8 小时'],
  [24 * HOUR, '24 小时'],
];

/** A scope the dialog proposes for an alert: what it silences, in words, and its matchers. */
interface Scope {
  label: string;
  matchers: Matcher[];
}

/** What can silence this alert, narrowest first. */
function scopesFor(a: Alert, topicTitle: string | null): Scope[] {
  const scopes: Scope[] = [];
  const topic = topicTitle ? `「${topicTitle}」` : `#${a.topicId}`;
  if (a.topicId !== null) {
    const byTopic: Matcher = { field: 'topicId', op: '=', value: String(a.topicId) };
    if (a.ruleId !== null) {
      const rule = a.ruleName ? `「${a.ruleName}」` : `#${a.ruleId}`;
      scopes.push({ label: `仅此预警：话题${topic}在预警规则${rule}下的预警`, matchers: [byTopic, { field: 'rule', op: '=', value: String(a.ruleId) }] });
    }
    scopes.push({ label: `话题${topic}的全部预警（任何规则）`, matchers: [byTopic] });
  }
  if (a.kind === 'source_health' && a.sourceId !== null) {
    scopes.push({ label: '此信息源的异常预警', matchers: [{ field: 'source', op: '=', value: String(a.sourceId) }] });
  }
  return scopes;
}

/** Extra conditions a custom silence may add, from the alert and its topic. */
function suggestionsFor(a: Alert, topic: Topic | null): Matcher[] {
  const out: Matcher[] = [{ field: 'level', op: '=', value: a.level }];
  if (topic) {
    for (const k of topic.keywords.slice(0, 5)) out.push({ field: 'keyword', op: '=', value: k });
    for (const p of Object.keys(topic.indicators.places).slice(0, 3)) out.push({ field: 'place', op: '=', value: p });
    for (const c of Object.keys(topic.indicators.categories).slice(0, 3)) out.push({ field: 'category', op: '=', value: c });
  }
  return out;
}

let openDialog: HTMLDialogElement | null = null;

/**
 * The 「静默」 dialog for one alert: loads it, proposes what to silence (this alert; its topic under
 * any rule; a custom set of conditions) and for how long, asks why, and creates the silence.
 * Resolves when the dialog closes, whether a silence was created or not.
 */
export function openSilenceDialog(alertId: number): Promise<void> {
  openDialog?.close();
  const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  const dlg = el('dialog', 'silence-dialog');
  dlg.id = 'silence-dialog';
  dlg.setAttribute('aria-labelledby', 'sd-title');
  const heading = el('h2', null, '静默预警');
  heading.id = 'sd-title';
  const body = el('div', 'sd-body');
  body.append(el('p', 'hint sd-loading', '正在读取预警…'));
  dlg.append(heading, body);
  document.body.append(dlg);
  openDialog = dlg;
  dlg.showModal();

  const closed = new Promise<void>((resolve) => {
    dlg.addEventListener('close', () => {
      dlg.remove();
      if (openDialog === dlg) openDialog = null;
      if (opener?.isConnected) opener.focus();
      resolve();
    });
  });
  void fill(dlg, body, alertId);
  return closed;
}

/** The dialog's content once the alert is read (or why it could not be). */
async function fill(dlg: HTMLDialogElement, body: HTMLElement, alertId: number): Promise<void> {
  const closeButton = (text: string) => button(text, 'secondary', () => dlg.close());
  const r = await api<{ alert: Alert }>('GET', `/api/alerts/${alertId}`);
  if (!dlg.open) return;
  if (r.status !== 200) {
    const err = el('p', 'error', errorText(r, '读取预警失败，请稍后重试'));
    err.setAttribute('role', 'alert');
    const close = closeButton('关闭');
    const row = el('div', 'form-actions');
    row.append(close);
    body.replaceChildren(err, row);
    close.focus();
    return;
  }
  const a = r.data.alert;
  // The topic's title and words make the proposals readable; the dialog works without them.
  let topic: Topic | null = null;
  if (a.topicId !== null) {
    const t = await api<{ topic: Topic }>('GET', `/api/topics/${a.topicId}`);
    if (t.status === 200) topic = t.data.topic;
    if (!dlg.open) return;
  }

  const form = el('form', 'sd-form');
  form.noValidate = true;

  const head = el('div', 'sd-alert');
  head.append(levelBadge(a.level), el('span', 'title', a.title));
  const meta = el('div', 'hint', `预警 #${a.id} · 首次触发 ${beijingMinute(a.createdAt)}（北京时间）${a.ruleName ? ` · 规则「${a.ruleName}」` : ''}`);
  const explain = el('p', 'hint', '静默期间，符合条件的预警照常记录和显示，只是不再推送通知；到期后仍未解除的预警会重新通知。');

  // Scope: the proposals, then 「自定义条件」 with the editor.
  const scopes = scopesFor(a, topic?.title ?? null);
  const names: MatcherNames = {
    ...(topic ? { topics: new Map([[topic.id, topic.title]]) } : {}),
    ...(a.ruleId !== null && a.ruleName ? { rules: new Map([[a.ruleId, a.ruleName]]) } : {}),
  };
  const scopeSet = el('fieldset', 'sd-scope');
  scopeSet.append(el('legend', null, '静默范围'));
  const custom = el('div', 'sd-custom');
  // The editor reports its first rows while it is built, before the preview below exists.
  let ready = false;
  const editor = matcherEditor(scopes[0]?.matchers ?? [], () => {
    if (ready) updatePreview();
  });
  const suggest = el('div', 'sd-suggest');
  const suggestions = suggestionsFor(a, topic);
  if (suggestions.length) {
    suggest.append(el('span', 'caption', '可添加：'));
    for (const m of suggestions) {
      const b = button(`＋ ${describeMatcher(m, names)}`, 'suggest', () => editor.add(m));
      suggest.append(b);
    }
  }
  custom.append(el('p', 'hint', '以下条件需同时满足。正则表达式须匹配整个值。'), editor.element, suggest);

  const choices: Array<{ radio: HTMLInputElement; scope: Scope | null }> = [];
  const addChoice = (label: string, scope: Scope | null, i: number) => {
    const radio = input('radio', String(i), { name: 'sd-scope' });
    radio.className = 'sd-scope-choice';
    const l = el('label', 'check');
    l.append(radio, el('span', null, label));
    scopeSet.append(l);
    radio.addEventListener('change', () => {
      custom.hidden = scope !== null;
      updatePreview();
    });
    choices.push({ radio, scope });
  };
  scopes.forEach((s, i) => addChoice(s.label, s, i));
  addChoice('自定义条件', null, scopes.length);
  if (scopes.length === 0) scopeSet.append(el('p', 'hint', '这条预警没有可按话题或规则静默的信息，请自定义条件（如关键词、地点）。'));
  scopeSet.append(custom);
  choices[0]!.radio.checked = true;
  custom.hidden = scopes.length > 0;

  // Duration: the usual ones, or an end time.
  const durSet = el('fieldset', 'sd-duration');
  durSet.append(el('legend', null, '静默时长'));
  const durRow = el('div', 'sd-duration-choices');
  const durRadios: Array<{ radio: HTMLInputElement; ms: number | null }> = [];
  const endInput = input('datetime-local', toBeijingInput(new Date(Date.now() + 24 * HOUR)), { 'aria-label': '结束时间（北京时间）' });
  endInput.className = 'sd-end';
  for (const [ms, label] of DURATIONS) {
    const radio = input('radio', String(ms), { name: 'sd-duration' });
    const l = el('label', 'check');
    l.append(radio, el('span', null, label));
    durRow.append(l);
    durRadios.push({ radio, ms });
  }
  const customDur = input('radio', 'custom', { name: 'sd-duration' });
  const customLabel = el('label', 'check');
  customLabel.append(customDur, el('span', null, '至（北京时间）'));
  durRow.append(customLabel, endInput);
  durRadios.push({ radio: customDur, ms: null });
  durRadios[0]!.radio.checked = true;
  endInput.disabled = true;
  for (const d of durRadios) {
    d.radio.addEventListener('change', () => {
      endInput.disabled = d.ms !== null;
      if (d.ms === null) endInput.focus();
      updatePreview();
    });
  }
  endInput.addEventListener('input', () => updatePreview());
  durSet.append(durRow);

  const reason = textarea('', { rows: '2', maxlength: '500', placeholder: '如：已在处置中；已知演练；重复推送', required: '' });
  reason.id = 'sd-reason';
  reason.addEventListener('input', () => {
    if (reason.value.trim() && err.textContent === '请填写静默原因') showError(err, '');
  });
  const preview = el('p', 'sd-preview');
  preview.setAttribute('aria-live', 'polite');
  const err = el('p', 'error');
  err.setAttribute('role', 'alert');
  err.hidden = true;
  const submit = el('button', null, '创建静默');
  submit.type = 'submit';
  submit.id = 'sd-submit';
  const actions = el('div', 'form-actions');
  actions.append(submit, closeButton('取消'));
  form.append(head, meta, explain, scopeSet, durSet, field('静默原因（必填）', reason, 'field sd-reason'), preview, err, actions);
  body.replaceChildren(form);

  function chosenMatchers(): { matchers: Matcher[] } | { error: string } {
    const c = choices.find((x) => x.radio.checked);
    return c?.scope ? { matchers: c.scope.matchers } : editor.read();
  }
  function endsAt(): number | { error: string } {
    const d = durRadios.find((x) => x.radio.checked);
    if (d && d.ms !== null) return Date.now() + d.ms;
    const iso = fromBeijingInput(endInput.value);
    if (!iso) return { error: '请填写结束时间' };
    const t = Date.parse(iso);
    if (t <= Date.now()) return { error: '结束时间必须晚于当前时间' };
    return t;
  }
  function updatePreview(): void {
    const end = endsAt();
    const m = chosenMatchers();
    if (typeof end !== 'number' || 'error' in m) {
      preview.textContent = '';
      return;
    }
    const what = m.matchers.map((x) => describeMatcher(x, names)).join('，且');
    preview.textContent = `将静默：${what}的预警；至北京时间 ${beijingMinute(new Date(end))} 结束（约 ${duration(end - Date.now())}）。`;
  }
  ready = true;
  updatePreview();

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const m = chosenMatchers();
    if ('error' in m) return showError(err, m.error);
    const end = endsAt();
    if (typeof end !== 'number') return showError(err, end.error);
    const comment = reason.value.trim();
    if (!comment) {
      showError(err, '请填写静默原因');
      reason.focus();
      return;
    }
    showError(err, '');
    submit.disabled = true;
    try {
      const res = await api<{ silence: Silence }>('POST', '/api/silences', { matchers: m.matchers, endsAt: end, comment });
      if (res.status !== 201) return showError(err, errorText(res, '创建静默失败，请稍后重试'));
      done(res.data.silence);
    } finally {
      submit.disabled = false;
    }
  });
  // The first choice is where the keyboard starts.
  choices[0]!.radio.focus();

  /** Created: say what and until when, then only 关闭 (and, for an admin, where silences are kept). */
  function done(s: Silence): void {
    const ok = el('div', 'sd-done');
    ok.setAttribute('role', 'status');
    ok.append(el('p', 'done', `已创建静默 #${s.id}，至北京时间 ${beijingMinute(s.endsAt)} 结束。`), matcherList(s.matchers, names));
    const close = closeButton('关闭');
    close.id = 'sd-close';
    const row = el('div', 'form-actions');
    row.append(close);
    if (can('admin') && !location.hash.startsWith('#/admin/silences')) {
      const link = el('a', 'button-link', '查看全部静默');
      link.href = '#/admin/silences';
      link.addEventListener('click', () => dlg.close());
      row.append(link);
    }
    ok.append(row);
    body.replaceChildren(ok);
    close.focus();
  }
}
