// 预警规则 (系统管理 → 预警规则): every alert rule with all its criteria in words, and a form that
// edits every criterion the rule schema has (@yuqing/alerting ruleSchema). The form is drawn from
// CRITERIA, a description typed against the schema's own output type: a criterion added to the
// schema and not described here fails tsc, so the page cannot silently drop a field on save (a PUT
// replaces the whole rule). 「预览」 replays the chosen past days of level and stage changes through
// the rule as drafted (POST /api/rules/preview) — how many times it would have fired and on what —
// before anything is saved.
import './admin-rules.css';
import type { Rule, RulePreview } from '@yuqing/alerting';
import type { AdminRule, Receiver, Scheme, Source } from '@yuqing/db';
import { api, beijing, beijingMinute, button, el, errorText, field, input, LEVEL_LABELS, levelBadge, select, showError } from './core';
import type { Wire } from './wire';

/** A rule's criteria as the API sends and takes them (ruleSchema's output). */
type Spec = Wire<Rule>;
type AlertLevel = Spec['minLevel'];
type AudienceRole = Spec['audienceRoles'][number];
type Keywords = Spec['keywords'];
type QuietHours = NonNullable<Spec['quietHours']>;
/** GET /api/rules: the stored row with `spec` parsed by ruleSchema (routes/rules.ts `shown`). */
type StoredRule = Wire<Omit<AdminRule, 'spec'> & { spec: Rule }>;
/** POST /api/rules/preview. */
type Preview = Wire<RulePreview> & { days: number; replayed: number };
type Fire = Preview['fires'][number];

/** What the rule form offers to pick from; each list may fail to load on its own. */
interface Lookups {
  receivers: { list: Array<Wire<Receiver>> | null; error: string | null };
  schemes: { list: Array<Wire<Scheme>> | null; error: string | null };
  /** Names of the configured sources (suggestions: a topic's sources are its items' source names). */
  sourceNames: string[];
  /** Place words of the monitoring schemes (suggestions for 地域). */
  placeWords: string[];
}

// --- the criteria, described once -------------------------------------------------------------

/** A control of the form: its element, the value as entered, and what stops it from being saved. */
interface Control<V> {
  node: HTMLElement;
  read(): V;
  /** In Chinese; empty when the value can be saved. */
  problems(): string[];
}

/** One criterion of a rule: how to edit it and how to say it in the list. */
interface Criterion<V> {
  group: 'match' | 'notify';
  hint?: string;
  control(value: V, ctx: Lookups, changed: () => void): Control<V>;
  /** The criterion in words; null when it does not narrow the rule (its default). */
  describe(value: V, ctx: Lookups): string | null;
}

type CriterionKey = Exclude<keyof Spec, 'name' | 'enabled'>;

const LEVEL_ORDER: readonly AlertLevel[] = ['blue', 'yellow', 'orange', 'red'];
const orAbove = (l: AlertLevel): string => (l === 'red' ? `${LEVEL_LABELS[l]}` : `${LEVEL_LABELS[l]}及以上`);
const LEVEL_CHOICES: ReadonlyArray<readonly [AlertLevel, string]> = LEVEL_ORDER.map((l) => [l, orAbove(l)] as const);
const asLevel = (v: string): AlertLevel => LEVEL_ORDER.find((l) => l === v) ?? 'yellow';

/** The roles that read alerts (AUDIENCE_ROLES): a Record, so a role added there must be named here. */
const AUDIENCE_LABELS: Record<AudienceRole, string> = { admin: '管理员', pr: '值班员', leader: '领导', analyst: '研判员' };
const AUDIENCE = Object.keys(AUDIENCE_LABELS) as AudienceRole[];

/** The categories of the shipped rule file (packages/nlp/data/dict/categories.json): suggestions only, a deployment may have others. */
const CATEGORY_SUGGESTIONS = ['执法争议', '警察违纪', '警民冲突/袭警', '群体性事件', '刑事案件', '交通事故', '火灾/灾害', '电信诈骗', '谣言', '其他'];

/** Words of a list may be typed separated by these (or one per Enter). */
const SEPARATORS = /[,，、;；\n]+/;
const norm = (s: string): string => s.normalize('NFKC').toLowerCase();
const list = (xs: readonly string[]): string => xs.join('、');

let uidSeq = 0;
const uid = (prefix: string): string => `${prefix}-${++uidSeq}`;

/** A caption and control inside a <fieldset> (a group of checkboxes or several inputs). */
function group(caption: string, cls: string): HTMLFieldSetElement {
  const fs = el('fieldset', `criterion-set ${cls}`);
  fs.append(el('legend', null, caption));
  return fs;
}

/** A list of words (chips): typed, pasted, picked from suggestions; each removable. */
function wordsControl(
  o: { label: string; max: number; maxChars: number; placeholder: string; suggestions?: readonly string[] },
  value: readonly string[],
  changed: () => void,
): Control<string[]> {
  const words = [...value];
  let refused: string[] = [];
  const wrap = el('div', 'field tag-field');
  const cap = el('span', 'caption');
  const count = el('span', 'tag-count');
  cap.append(el('span', null, o.label), count);
  const box = el('div', 'tag-input');
  const entry = input('text', '', { maxlength: '2000', 'aria-label': o.label, placeholder: o.placeholder, spellcheck: 'false', autocomplete: 'off' });
  box.append(entry);
  const problem = el('div', 'tag-problem error');
  problem.setAttribute('role', 'alert');
  wrap.append(cap, box, problem);
  if (o.suggestions?.length) {
    const dl = el('datalist');
    dl.id = uid('suggest');
    for (const s of o.suggestions) {
      const opt = el('option');
      opt.value = s;
      dl.append(opt);
    }
    entry.setAttribute('list', dl.id);
    wrap.append(dl);
  }

  const render = () => {
    const chips = words.map((w) => {
      const chip = el('span', 'chip');
      chip.dataset.word = w;
      chip.append(el('span', 'chip-text', w));
      const x = button('×', 'chip-remove', () => {
        words.splice(words.indexOf(w), 1);
        refused = [];
        render();
        changed();
        entry.focus();
      });
      x.setAttribute('aria-label', `删除「${w}」`);
      chip.append(x);
      return chip;
    });
    // The entry stays where it is (moving it would take the keyboard focus away while typing).
    for (const c of [...box.querySelectorAll('.chip')]) c.remove();
    entry.before(...chips);
    count.textContent = `${words.length}/${o.max}`;
    problem.textContent = refused.join('；');
  };
  /** Takes what is typed: words too long or beyond the limit are refused, and said so. */
  const commit = () => {
    const typed = entry.value.split(SEPARATORS).map((w) => w.trim()).filter(Boolean);
    if (!typed.length) return;
    entry.value = '';
    refused = [];
    for (const w of typed) {
      if (w.length > o.maxChars) refused.push(`「${w.slice(0, 20)}${w.length > 20 ? '…' : ''}」超过 ${o.maxChars} 个字`);
      else if (words.some((x) => norm(x) === norm(w))) continue;
      else if (words.length >= o.max) {
        refused.push(`${o.label}最多 ${o.max} 个`);
        break;
      } else words.push(w);
    }
    render();
    changed();
  };
  // Not while an input method composes: Enter there picks a candidate (拼音 → 汉字).
  entry.addEventListener('keydown', (ev) => {
    if (ev.isComposing || ev.keyCode === 229) return;
    if (ev.key === 'Enter') {
      ev.preventDefault();
      commit();
    } else if (ev.key === 'Backspace' && !entry.value && words.length) {
      words.pop();
      render();
      changed();
    }
  });
  entry.addEventListener('input', (ev) => {
    // A suggestion picked from the list arrives whole: take it at once.
    if ((ev as InputEvent).inputType === 'insertReplacementText' || (!(ev as InputEvent).isComposing && SEPARATORS.test(entry.value))) commit();
  });
  entry.addEventListener('blur', commit);
  box.addEventListener('click', (ev) => {
    if (ev.target === box) entry.focus();
  });
  render();
  return {
    node: wrap,
    read: () => {
      commit();
      return [...words];
    },
    problems: () => [...refused],
  };
}

function words(o: { group: Criterion<string[]>['group']; label: string; hint?: string; max: number; maxChars: number; placeholder: string; suggest?: (ctx: Lookups) => readonly string[]; describe: (words: string) => string }): Criterion<string[]> {
  return {
    group: o.group,
    ...(o.hint ? { hint: o.hint } : {}),
    control: (value, ctx, changed) => wordsControl({ ...o, ...(o.suggest ? { suggestions: o.suggest(ctx) } : {}) }, value, changed),
    describe: (value) => (value.length ? o.describe(list(value)) : null),
  };
}

/** A <select> of fixed choices. */
function choice<V extends string>(o: { group: Criterion<V>['group']; label: string; hint?: string; options: ReadonlyArray<readonly [V, string]>; describe: (v: V) => string | null }): Criterion<V> {
  return {
    group: o.group,
    ...(o.hint ? { hint: o.hint } : {}),
    control: (value, _ctx, changed) => {
      const s = select(o.options, value);
      s.addEventListener('change', changed);
      return { node: field(o.label, s), read: () => o.options.find(([v]) => v === s.value)?.[0] ?? value, problems: () => [] };
    },
    describe: o.describe,
  };
}

/** A yes/no checkbox. */
function flag(o: { group: Criterion<boolean>['group']; label: string; hint?: string; describe: string }): Criterion<boolean> {
  return {
    group: o.group,
    ...(o.hint ? { hint: o.hint } : {}),
    control: (value, _ctx, changed) => {
      const cb = input('checkbox');
      cb.checked = value;
      cb.addEventListener('change', changed);
      const l = el('label', 'check');
      l.append(cb, el('span', null, o.label));
      return { node: l, read: () => cb.checked, problems: () => [] };
    },
    describe: (v) => (v ? o.describe : null),
  };
}

interface Pickable {
  id: number;
  name: string;
  note?: string;
}

/** Checkboxes over records that live elsewhere (receivers, schemes); ids no longer there stay visible, ticked. */
function pick(o: {
  group: Criterion<number[]>['group'];
  label: string;
  hint?: string;
  max: number;
  items: (ctx: Lookups) => { list: Pickable[] | null; error: string | null };
  /** When there is nothing to pick: what to do next. */
  empty: () => HTMLElement;
  describe: (names: string) => string;
  none: string | null;
}): Criterion<number[]> {
  const nameOf = (ctx: Lookups, id: number): string => o.items(ctx).list?.find((x) => x.id === id)?.name ?? `#${id}（已不存在）`;
  return {
    group: o.group,
    ...(o.hint ? { hint: o.hint } : {}),
    control: (value, ctx, changed) => {
      const fs = group(o.label, 'pick');
      const { list: items, error } = o.items(ctx);
      const boxes: HTMLInputElement[] = [];
      const add = (id: number, name: string, note: string | undefined, checked: boolean, cls?: string) => {
        const cb = input('checkbox');
        cb.value = String(id);
        cb.checked = checked;
        cb.addEventListener('change', changed);
        boxes.push(cb);
        const l = el('label', `check pick-choice${cls ? ` ${cls}` : ''}`);
        l.append(cb, el('span', null, name));
        if (note) l.append(el('span', 'pick-note', note));
        fs.append(l);
      };
      if (error) fs.append(el('p', 'error', error));
      for (const x of items ?? []) add(x.id, x.name, x.note, value.includes(x.id));
      // Chosen once and since deleted: shown, so saving does not quietly drop (or keep) them unseen.
      for (const id of value) if (!items?.some((x) => x.id === id)) add(id, nameOf(ctx, id), undefined, true, 'gone');
      if (!boxes.length && !error) fs.append(o.empty());
      const read = () => boxes.filter((b) => b.checked).map((b) => Number(b.value));
      return { node: fs, read, problems: () => (read().length > o.max ? [`${o.label}最多选择 ${o.max} 个`] : []) };
    },
    describe: (value, ctx) => (value.length ? o.describe(list(value.map((id) => nameOf(ctx, id)))) : o.none),
  };
}

/** A link to another admin tab, for an empty choice. */
function tabLink(text: string, tab: string): HTMLElement {
  const p = el('p', 'hint');
  const a = el('a', null, text);
  a.href = `#/admin/${tab}`;
  p.append(a);
  return p;
}

const keywordParts: ReadonlyArray<readonly [keyof Keywords, string, string]> = [
  ['allOf', '须全部包含', '每个都须出现'],
  ['anyOf', '包含任一', '出现其一即可'],
  ['noneOf', '排除', '出现即不触发'],
];

/** Every criterion of ruleSchema, in the order the form shows them. */
const CRITERIA: { [K in CriterionKey]: Criterion<Spec[K]> } = {
  minLevel: choice({
    group: 'match',
    label: '话题级别',
    hint: '话题达到此级别时触发，升级时再次通知',
    options: LEVEL_CHOICES,
    describe: (v) => `级别：${orAbove(v)}`,
  }),
  scope: choice({
    group: 'match',
    label: '舆情范围',
    options: [
      ['police_negative', '仅涉警负面为主的话题'],
      ['all', '全部话题（不限涉警负面）'],
    ],
    describe: (v) => (v === 'police_negative' ? '范围：仅涉警负面为主的话题' : '范围：全部话题'),
  }),
  keywords: {
    group: 'match',
    hint: '在话题标题和关键词中查找（含即算，不区分全角半角和大小写）；回车或逗号分隔多个词；留空不限',
    control: (value, _ctx, changed) => {
      const fs = group('关键词', 'keywords');
      const parts = keywordParts.map(([key, label, placeholder]) => {
        const c = wordsControl({ label, max: 50, maxChars: 50, placeholder }, value[key], changed);
        fs.append(c.node);
        return [key, c] as const;
      });
      return {
        node: fs,
        read: () => Object.fromEntries(parts.map(([k, c]) => [k, c.read()])) as Keywords,
        problems: () => parts.flatMap(([, c]) => c.problems()),
      };
    },
    describe: (v) => {
      const said = keywordParts.filter(([k]) => v[k].length).map(([k, label]) => `${label}「${list(v[k])}」`);
      return said.length ? `关键词：${said.join('；')}` : null;
    },
  },
  categories: words({
    group: 'match',
    label: '事件类别',
    hint: '命中任一类别即可；留空不限',
    max: 50,
    maxChars: 50,
    placeholder: '如 执法争议；回车或逗号分隔',
    suggest: () => CATEGORY_SUGGESTIONS,
    describe: (w) => `类别（任一）：${w}`,
  }),
  places: words({
    group: 'match',
    label: '地域',
    hint: '完整的行政区名称（广东省、广州市、天河区），命中任一即可；留空不限',
    max: 200,
    maxChars: 50,
    placeholder: '如 天河区；回车或逗号分隔',
    suggest: (ctx) => ctx.placeWords,
    describe: (w) => `地域（任一）：${w}`,
  }),
  jurisdictionOnly: flag({
    group: 'match',
    label: '仅辖区内的话题',
    hint: '至少一条信息命中本辖区地名库',
    describe: '仅辖区内（至少一条命中辖区）',
  }),
  sources: words({
    group: 'match',
    label: '来源',
    hint: '信息的来源名称（如 微博、某新闻网），任一即可；留空不限',
    max: 500,
    maxChars: 200,
    placeholder: '来源名称；回车或逗号分隔',
    suggest: (ctx) => ctx.sourceNames,
    describe: (w) => `来源（任一）：${w}`,
  }),
  schemes: pick({
    group: 'match',
    label: '监测方案',
    hint: '话题中有信息命中所选方案之一；都不选则不限',
    max: 50,
    items: (ctx) => ({
      list: ctx.schemes.list?.map((s) => ({ id: s.id, name: s.name, ...(s.enabled ? {} : { note: '（已停用）' }) })) ?? null,
      error: ctx.schemes.error,
    }),
    empty: () => el('p', 'hint', '尚无监测方案（在「监测方案」页新建）；不选则不限'),
    describe: (names) => `监测方案（任一）：${names}`,
    none: null,
  }),
  receivers: pick({
    group: 'notify',
    label: '推送到接收端',
    hint: '触发、升级、次生时推送消息；都不选则只在页面显示',
    max: 50,
    items: (ctx) => ({
      list: ctx.receivers.list?.map((r) => ({ id: r.id, name: r.name, ...(r.enabled ? {} : { note: '（已停用，不推送）' }) })) ?? null,
      error: ctx.receivers.error,
    }),
    empty: () => tabLink('尚无接收端：先到「接收端」页添加', 'receivers'),
    describe: (names) => `推送到：${names}`,
    none: '不推送到接收端（仅在页面显示）',
  }),
  audienceRoles: {
    group: 'notify',
    hint: '哪些角色在「预警」页和实时提醒中看到此规则的预警',
    control: (value, _ctx, changed) => {
      const fs = group('页面可见角色', 'roles');
      const boxes = AUDIENCE.map((role) => {
        const cb = input('checkbox');
        cb.value = role;
        cb.checked = value.includes(role);
        cb.addEventListener('change', changed);
        const l = el('label', 'check');
        l.append(cb, el('span', null, AUDIENCE_LABELS[role]));
        fs.append(l);
        return [role, cb] as const;
      });
      const read = () => boxes.filter(([, cb]) => cb.checked).map(([r]) => r);
      return { node: fs, read, problems: () => (read().length ? [] : ['至少选择一个可见角色']) };
    },
    describe: (v) => (AUDIENCE.every((r) => v.includes(r)) ? '页面可见：全部角色' : `页面可见：${list(v.map((r) => AUDIENCE_LABELS[r]))}`),
  },
  quietHours: {
    group: 'notify',
    hint: '北京时间；结束早于开始表示跨夜（如 23:00 至 07:00）。期间较低级别的预警照常记录和显示，只是不推送',
    control: (value, _ctx, changed) => {
      const fs = group('静默时段', 'quiet');
      const on = input('checkbox');
      on.checked = value !== null;
      const onLabel = el('label', 'check');
      onLabel.append(on, el('span', null, '夜间或休息时段只推送较高级别'));
      // Plain text, 24-hour: a time input shows 上午/下午 or AM/PM depending on the browser's language.
      const clockInput = (v: string, label: string) => input('text', v, { 'aria-label': label, maxlength: '5', size: '5', placeholder: 'HH:MM', autocomplete: 'off', class: 'clock-input' });
      const start = clockInput(value?.start ?? '23:00', '静默开始（北京时间）');
      const end = clockInput(value?.end ?? '07:00', '静默结束（北京时间）');
      const min = select(LEVEL_CHOICES, value?.minLevel ?? 'orange');
      min.setAttribute('aria-label', '静默期间仍推送的级别');
      const row = el('div', 'quiet-times');
      row.append(el('span', null, '从'), start, el('span', null, '至'), end, el('span', null, '期间仅推送'), min);
      const sync = () => {
        for (const c of [start, end, min]) c.disabled = !on.checked;
      };
      for (const c of [on, start, end, min]) c.addEventListener('change', () => {
        sync();
        changed();
      });
      for (const c of [start, end]) c.addEventListener('input', changed);
      sync();
      fs.append(onLabel, row);
      const clock = /^([01]\d|2[0-3]):[0-5]\d$/;
      /** 7:00, ７：００ → 07:00 (anything else is left for problems() to refuse). */
      const hhmm = (v: string) => {
        const m = /^(\d{1,2}):(\d{2})$/.exec(v.normalize('NFKC').trim());
        return m ? `${m[1]!.padStart(2, '0')}:${m[2]}` : v.trim();
      };
      return {
        node: fs,
        read: (): QuietHours | null => (on.checked ? { start: hhmm(start.value), end: hhmm(end.value), minLevel: asLevel(min.value) } : null),
        problems: () => {
          if (!on.checked) return [];
          if (!clock.test(hhmm(start.value)) || !clock.test(hhmm(end.value))) return ['静默时段的开始和结束请按 24 小时制填写，如 23:00、07:30'];
          return hhmm(start.value) === hhmm(end.value) ? ['静默时段的开始与结束不能相同'] : [];
        },
      };
    },
    describe: (q) =>
      q ? `静默时段：${q.start} 至 ${q.end}${q.end < q.start ? '（次日）' : ''}，期间仅推送${orAbove(q.minLevel)}` : null,
  },
};
const CRITERION_KEYS = Object.keys(CRITERIA) as CriterionKey[];

/** A new rule: ruleSchema's defaults (a Spec, so a field missing here fails tsc). */
const NEW_RULE: Spec = {
  name: '',
  enabled: true,
  minLevel: 'yellow',
  scope: 'police_negative',
  categories: [],
  places: [],
  jurisdictionOnly: false,
  sources: [],
  keywords: { allOf: [], anyOf: [], noneOf: [] },
  schemes: [],
  quietHours: null,
  receivers: [],
  audienceRoles: ['admin', 'pr', 'leader', 'analyst'],
};

/** The criteria of a group, in words (the default ones left out unless they always say something). */
function describeRule(spec: Spec, grp: Criterion<unknown>['group'], ctx: Lookups, except: readonly CriterionKey[] = []): string[] {
  const out: string[] = [];
  for (const k of CRITERION_KEYS) {
    const c = CRITERIA[k] as Criterion<Spec[typeof k]>;
    if (c.group !== grp || except.includes(k)) continue;
    const said = c.describe(spec[k], ctx);
    if (said) out.push(said);
  }
  return out;
}

// --- state -------------------------------------------------------------------------------------

interface Editor {
  /** The rule being edited (null: a new one). */
  rule: StoredRule | null;
  controls: { [K in CriterionKey]: Control<Spec[K]> };
  name: HTMLInputElement;
  enabled: HTMLInputElement;
  /** A preview was shown and the form changed since. */
  previewed: boolean;
}

interface View {
  panel: HTMLElement;
  done: HTMLElement;
  error: HTMLElement;
  body: HTMLTableSectionElement;
  empty: HTMLElement;
  summary: HTMLElement;
  form: HTMLFormElement;
  newButton: HTMLButtonElement;
}

const state: {
  view: View | null;
  rules: StoredRule[];
  lookups: Lookups;
  editor: Editor | null;
  loadSeq: number;
  previewSeq: number;
  highlight: number | null;
} = {
  view: null,
  rules: [],
  lookups: { receivers: { list: null, error: null }, schemes: { list: null, error: null }, sourceNames: [], placeWords: [] },
  editor: null,
  loadSeq: 0,
  previewSeq: 0,
  highlight: null,
};

function say(message: string): void {
  const v = state.view;
  if (!v) return;
  v.done.textContent = message;
  v.done.hidden = !message;
}

// --- the list ----------------------------------------------------------------------------------

function criteriaList(items: string[], cls: string): HTMLElement {
  const ul = el('ul', `criteria ${cls}`);
  for (const s of items) ul.append(el('li', null, s));
  return ul;
}

function ruleRow(r: StoredRule): HTMLTableRowElement {
  const ctx = state.lookups;
  const tr = el('tr', `rule-row level-${r.spec.minLevel}${r.enabled ? '' : ' row-disabled'}${state.highlight === r.id ? ' fresh' : ''}`);
  tr.dataset.ruleId = String(r.id);
  const status = el('td', 'rule-status');
  status.append(el('span', `state-tag ${r.enabled ? 'on' : 'off'}`, r.enabled ? '启用' : '停用'));
  const name = el('td', 'rule-name');
  name.append(el('div', 'title', r.name), el('div', 'summary', `更新于 ${beijingMinute(r.updatedAt)}`));
  const level = el('td', 'rule-level');
  level.append(levelBadge(r.spec.minLevel), el('span', 'level-suffix', r.spec.minLevel === 'red' ? '' : '及以上'));
  const match = el('td', 'rule-match');
  match.append(criteriaList(describeRule(r.spec, 'match', ctx, ['minLevel']), 'match'));
  const notify = el('td', 'rule-notify');
  notify.append(criteriaList(describeRule(r.spec, 'notify', ctx), 'notify'));
  const actions = el('td', 'actions');
  const edit = button('编辑', 'secondary', () => openEditor(r));
  edit.setAttribute('aria-label', `编辑规则「${r.name}」`);
  const toggle = button(r.enabled ? '停用' : '启用', 'secondary', () => void setEnabled(r, !r.enabled, toggle));
  toggle.setAttribute('aria-label', `${r.enabled ? '停用' : '启用'}规则「${r.name}」`);
  const del = button('删除', 'secondary danger', () => confirmDelete(r, actions, del));
  del.setAttribute('aria-label', `删除规则「${r.name}」`);
  actions.append(edit, toggle, del);
  tr.append(status, name, level, match, notify, actions);
  return tr;
}

function render(): void {
  const v = state.view;
  if (!v) return;
  v.body.replaceChildren(...state.rules.map(ruleRow));
  v.empty.hidden = state.rules.length > 0;
  v.empty.textContent = '尚无预警规则。点「新建规则」添加第一条：例如黄色及以上的涉警负面话题推送到值班群。';
  const on = state.rules.filter((r) => r.enabled).length;
  v.summary.textContent = state.rules.length ? `共 ${state.rules.length} 条 · 启用 ${on} · 停用 ${state.rules.length - on}` : '';
  state.highlight = null;
}

/** Reads the rules and what the form picks from (receivers, schemes, sources). */
async function load(): Promise<void> {
  const v = state.view;
  if (!v) return;
  const seq = ++state.loadSeq;
  const [rules, receivers, schemes, sources] = await Promise.all([
    api<{ rules: StoredRule[] }>('GET', '/api/rules'),
    api<{ receivers: Array<Wire<Receiver>> }>('GET', '/api/receivers'),
    api<{ schemes: Array<Wire<Scheme>> }>('GET', '/api/schemes'),
    api<{ sources: Array<Wire<Source>> }>('GET', '/api/sources'),
  ]);
  if (seq !== state.loadSeq || state.view !== v || rules.status === 401) return;
  state.lookups = {
    receivers: receivers.status === 200 ? { list: receivers.data.receivers, error: null } : { list: null, error: errorText(receivers, '接收端列表读取失败') },
    schemes: schemes.status === 200 ? { list: schemes.data.schemes, error: null } : { list: null, error: errorText(schemes, '监测方案读取失败') },
    sourceNames: sources.status === 200 ? [...new Set(sources.data.sources.map((s) => s.name))].sort((a, b) => a.localeCompare(b, 'zh-CN')) : [],
    placeWords: schemes.status === 200 ? [...new Set(schemes.data.schemes.flatMap((s) => s.placeWords))] : [],
  };
  if (rules.status !== 200) {
    showError(v.error, errorText(rules, '预警规则读取失败，请稍后重试'));
    v.empty.hidden = true;
    return;
  }
  showError(v.error, '');
  state.rules = rules.data.rules;
  render();
}

async function setEnabled(r: StoredRule, enabled: boolean, btn: HTMLButtonElement): Promise<void> {
  btn.disabled = true;
  const res = await api<{ rule: StoredRule }>('PUT', `/api/rules/${r.id}`, { ...r.spec, enabled });
  btn.disabled = false;
  if (res.status === 401 || !state.view) return;
  if (res.status !== 200) return showError(state.view.error, errorText(res, `${enabled ? '启用' : '停用'}失败`));
  showError(state.view.error, '');
  say(`已${enabled ? '启用' : '停用'}规则「${res.data.rule.name}」${enabled ? '' : '：不再产生新的预警，已有预警保留'}`);
  state.highlight = r.id;
  await load();
}

/** 删除 asks once more in place (a slip of the finger should not remove a rule). */
function confirmDelete(r: StoredRule, cell: HTMLElement, del: HTMLButtonElement): void {
  const keep = [...cell.children];
  const ask = el('span', 'confirm');
  ask.append(el('span', 'confirm-text', '确定删除？'));
  const yes = button('确认删除', 'danger', () => void remove(r, yes));
  const no = button('取消', 'secondary', () => {
    cell.replaceChildren(...keep);
    del.focus();
  });
  ask.append(yes, no);
  cell.replaceChildren(ask);
  no.focus();
}

async function remove(r: StoredRule, btn: HTMLButtonElement): Promise<void> {
  btn.disabled = true;
  const res = await api<{ rule: StoredRule }>('DELETE', `/api/rules/${r.id}`);
  if (res.status === 401 || !state.view) return;
  if (res.status !== 200 && res.status !== 404) {
    btn.disabled = false;
    return showError(state.view.error, errorText(res, '删除失败'));
  }
  showError(state.view.error, '');
  if (state.editor?.rule?.id === r.id) closeEditor();
  say(`已删除规则「${r.name}」；它已产生的预警保留`);
  await load();
}

// --- the form ----------------------------------------------------------------------------------

function openEditor(rule: StoredRule | null): void {
  const v = state.view;
  if (!v) return;
  const spec = rule ? rule.spec : NEW_RULE;
  state.previewSeq++;
  say('');
  const form = v.form;
  form.replaceChildren();
  form.hidden = false;
  const title = el('h3', null, rule ? `编辑规则「${rule.name}」` : '新建预警规则');
  title.id = 'rule-form-title';
  form.setAttribute('aria-labelledby', title.id);

  const name = input('text', spec.name, { maxlength: '100', autocomplete: 'off', placeholder: '如 辖区涉警负面（黄色及以上）' });
  name.id = 'rule-name';
  const enabled = input('checkbox');
  enabled.id = 'rule-enabled';
  enabled.checked = spec.enabled;
  const enabledLabel = el('label', 'check');
  enabledLabel.append(enabled, el('span', null, '启用'));
  const head = el('div', 'rule-head');
  head.append(field('规则名称', name), enabledLabel);

  // Name and 启用 do not change what a preview shows (it previews the rule as if enabled).
  const changed = () => markStale();
  const match = group('触发条件（全部满足才触发）', 'criteria-group');
  const notify = group('通知', 'criteria-group');
  const controls = {} as { [K in CriterionKey]: Control<Spec[K]> };
  for (const k of CRITERION_KEYS) {
    const c = CRITERIA[k] as Criterion<Spec[typeof k]>;
    const control = c.control(spec[k], state.lookups, changed);
    (controls as Record<CriterionKey, Control<unknown>>)[k] = control;
    const box = el('div', 'criterion');
    box.dataset.criterion = k;
    box.append(control.node);
    if (c.hint) box.append(el('p', 'hint', c.hint));
    (c.group === 'match' ? match : notify).append(box);
  }

  const problems = el('ul', 'problems');
  problems.id = 'rule-problems';
  const days = select(
    [1, 3, 7, 14, 30, 60, 90].map((d) => [String(d), `近 ${d} 天`] as const),
    '7',
  );
  days.id = 'rule-preview-days';
  const previewBtn = button('预览', 'secondary', () => void preview());
  previewBtn.id = 'rule-preview-btn';
  const save = el('button', null, rule ? '保存' : '新建');
  save.type = 'submit';
  save.id = 'rule-save';
  const cancel = button('取消', 'secondary', () => {
    closeEditor();
    v.newButton.focus();
  });
  const actions = el('div', 'form-actions');
  actions.append(field('预览时段', days, 'field inline'), previewBtn, save, cancel);
  const error = el('p', 'error');
  error.id = 'rule-error';
  error.setAttribute('role', 'alert');
  error.hidden = true;
  const out = el('div', 'rule-preview');
  out.id = 'rule-preview';
  out.setAttribute('aria-live', 'polite');
  out.hidden = true;
  form.append(title, head, match, notify, problems, actions, error, out);
  state.editor = { rule, controls, name, enabled, previewed: false };
  form.scrollIntoView({ block: 'nearest' });
  name.focus();
}

function closeEditor(): void {
  state.editor = null;
  state.previewSeq++;
  const v = state.view;
  if (!v) return;
  v.form.hidden = true;
  v.form.replaceChildren();
}

/** The form as a rule, and what stops it from being saved (in Chinese). */
function readEditor(e: Editor): { spec: Spec; problems: string[] } {
  const problems: string[] = [];
  const name = e.name.value.trim();
  if (!name) problems.push('请填写规则名称');
  else if (name.length > 100) problems.push('规则名称不超过 100 个字');
  const criteria = {} as Omit<Spec, 'name' | 'enabled'>;
  for (const k of CRITERION_KEYS) {
    const c = e.controls[k] as Control<Spec[typeof k]>;
    (criteria as Record<CriterionKey, unknown>)[k] = c.read();
    problems.push(...c.problems());
  }
  return { spec: { name, enabled: e.enabled.checked, ...criteria }, problems };
}

function showProblems(problems: string[]): void {
  const ul = document.getElementById('rule-problems');
  if (!ul) return;
  ul.replaceChildren(...problems.map((p) => el('li', null, p)));
}

function markStale(): void {
  const e = state.editor;
  const out = document.getElementById('rule-preview');
  if (!e || !out || out.hidden || !e.previewed) return;
  out.classList.add('stale');
  const note = out.querySelector('.stale-note');
  if (note) (note as HTMLElement).hidden = false;
}

/** Level words in the preview's reasons (written with the level codes) in Chinese, scheme numbers as names. */
function readableReason(reason: string): string {
  return reason
    .replace(/\b(none|blue|yellow|orange|red)\b/g, (l) => LEVEL_LABELS[l] ?? l)
    .replace(/#(\d+)/g, (m, id: string) => {
      const s = state.lookups.schemes.list?.find((x) => x.id === Number(id));
      return s ? `「${s.name}」` : m;
    });
}

const FIRE_TYPES: Record<Fire['type'], string> = { firing: '新预警', escalated: '升级', reopened: '次生（再次升温）' };
/** At most this many fires are listed (the count is always the full one). */
const FIRES_SHOWN = 100;

function renderPreview(p: Preview, out: HTMLElement): void {
  out.classList.remove('stale');
  const head = el('p', 'preview-total');
  if (p.count) {
    head.append(`近 ${p.days} 天内，此规则会触发 `, el('strong', 'preview-count', String(p.count)), ' 次');
  } else head.append(`近 ${p.days} 天内，此规则不会触发`);
  const quiet = p.fires.filter((f) => f.quiet).length;
  const notes = [`共回放 ${p.replayed} 次话题级别或阶段变化`];
  if (quiet) notes.push(`其中 ${quiet} 次在静默时段内（照常记录，不推送）`);
  const nodes: HTMLElement[] = [head, el('p', 'hint', `${notes.join('；')}。预览不会保存规则，也不会推送。`)];
  const stale = el('p', 'stale-note', '条件已修改，以上是修改前的结果：请重新预览');
  stale.hidden = true;
  nodes.push(stale);
  if (!p.count) {
    nodes.push(el('p', 'empty-preview', '可以放宽条件后再预览：例如降低话题级别、范围改为全部话题，或减少关键词和地域限制。'));
  } else {
    if (p.fires.length > FIRES_SHOWN) nodes.push(el('p', 'hint', `以下为最早的 ${FIRES_SHOWN} 次`));
    const table = el('table', 'grid preview-fires');
    const thead = el('thead');
    const hr = el('tr');
    for (const h of ['时间（北京时间）', '级别', '话题', '类型', '命中原因']) hr.append(el('th', null, h));
    thead.append(hr);
    const tbody = el('tbody');
    for (const f of p.fires.slice(0, FIRES_SHOWN)) {
      const tr = el('tr', `preview-fire level-${f.level}`);
      tr.dataset.topicId = String(f.topicId);
      const title = el('td', 'fire-title');
      const a = el('a', null, f.title);
      a.href = `#/topics/${f.topicId}`;
      title.append(a);
      const type = el('td', 'fire-type', FIRE_TYPES[f.type]);
      if (f.quiet) type.append(el('span', 'quiet-tag', '静默时段'));
      const reasons = el('td', 'fire-reasons');
      reasons.append(criteriaList(f.reasons.map(readableReason), 'reasons'));
      const level = el('td');
      level.append(levelBadge(f.level));
      tr.append(el('td', 'time', beijing(new Date(f.at))), level, title, type, reasons);
      tbody.append(tr);
    }
    table.append(thead, tbody);
    const wrap = el('div', 'preview-scroll');
    wrap.append(table);
    nodes.push(wrap);
  }
  out.replaceChildren(...nodes);
  out.hidden = false;
}

async function preview(): Promise<void> {
  const e = state.editor;
  const out = document.getElementById('rule-preview');
  const btn = document.getElementById('rule-preview-btn') as HTMLButtonElement | null;
  const error = document.getElementById('rule-error');
  const days = document.getElementById('rule-preview-days') as HTMLSelectElement | null;
  if (!e || !out || !btn || !error || !days) return;
  const { spec, problems } = readEditor(e);
  // A preview needs no name yet; every other problem would make it a different rule.
  const blocking = problems.filter((p) => !p.includes('规则名称'));
  showProblems(blocking);
  if (blocking.length) return;
  const seq = ++state.previewSeq;
  btn.disabled = true;
  btn.textContent = '正在预览…';
  showError(error, '');
  const r = await api<Preview>('POST', '/api/rules/preview', { ...spec, name: spec.name || '（未命名）', days: Number(days.value) });
  btn.disabled = false;
  btn.textContent = '预览';
  if (seq !== state.previewSeq || r.status === 401) return;
  if (r.status !== 200) {
    out.hidden = true;
    return showError(error, errorText(r, '预览失败，请稍后重试'));
  }
  e.previewed = true;
  renderPreview(r.data, out);
}

async function saveEditor(ev: Event): Promise<void> {
  ev.preventDefault();
  const e = state.editor;
  const v = state.view;
  const error = document.getElementById('rule-error');
  const save = document.getElementById('rule-save') as HTMLButtonElement | null;
  if (!e || !v || !error || !save) return;
  const { spec, problems } = readEditor(e);
  showProblems(problems);
  if (problems.length) {
    showError(error, '还有问题需要修改，见上方列出的各项');
    return;
  }
  save.disabled = true;
  const editing = e.rule;
  const r = editing ? await api<{ rule: StoredRule }>('PUT', `/api/rules/${editing.id}`, spec) : await api<{ rule: StoredRule }>('POST', '/api/rules', spec);
  save.disabled = false;
  if (r.status === 401 || state.editor !== e) return;
  if (r.status !== 200 && r.status !== 201) return showError(error, errorText(r, '保存失败，请稍后重试'));
  closeEditor();
  state.highlight = r.data.rule.id;
  say(`已${editing ? '保存' : '新建'}规则「${r.data.rule.name}」${r.data.rule.enabled ? '' : '（停用中）'}`);
  await load();
  v.newButton.focus();
}

// --- the panel ---------------------------------------------------------------------------------

function build(panel: HTMLElement): View {
  panel.replaceChildren();
  const bar = el('div', 'toolbar');
  const h = el('h3', 'panel-title', '预警规则');
  const summary = el('span', 'hint rules-summary');
  summary.id = 'rules-summary';
  h.append(' ', summary);
  const newButton = button('新建规则', null, () => openEditor(null));
  newButton.id = 'rules-new';
  const refresh = button('刷新', 'secondary', () => void load());
  const actions = el('div', 'actions');
  actions.append(newButton, refresh);
  bar.append(h, actions);
  const intro = el(
    'p',
    'hint',
    '话题的级别或阶段变化时，按每条启用的规则判断是否触发预警：规则的全部条件都满足才触发，同一话题升级或次生时再次通知。保存前可「预览」它在过去一段时间会触发几次。',
  );
  const done = el('p', 'done');
  done.id = 'rules-done';
  done.setAttribute('role', 'status');
  done.hidden = true;
  const form = el('form', 'card rule-form');
  form.id = 'rule-form';
  form.noValidate = true;
  form.hidden = true;
  form.addEventListener('submit', (ev) => void saveEditor(ev));
  const error = el('p', 'error');
  error.id = 'rules-error';
  error.setAttribute('role', 'alert');
  error.hidden = true;
  const table = el('table', 'grid rules');
  const thead = el('thead');
  const hr = el('tr');
  for (const x of ['状态', '规则', '级别', '其他条件', '通知', '']) hr.append(el('th', null, x));
  thead.append(hr);
  const body = el('tbody');
  body.id = 'rules-body';
  table.append(thead, body);
  const wrap = el('div', 'table-wrap');
  wrap.append(table);
  const empty = el('p', 'empty', '正在读取…');
  empty.id = 'rules-empty';
  panel.append(bar, intro, done, form, error, wrap, empty);
  return { panel, done, error, body, empty, summary, form, newButton };
}

/** #/admin/rules */
export async function show(panel: HTMLElement): Promise<void> {
  if (!state.view || state.view.panel !== panel) {
    state.editor = null;
    state.view = build(panel);
  }
  await load();
}

/** Signed out: forget the rules and the form. */
export function reset(): void {
  state.loadSeq++;
  state.previewSeq++;
  state.view = null;
  state.rules = [];
  state.editor = null;
  state.highlight = null;
  state.lookups = { receivers: { list: null, error: null }, schemes: { list: null, error: null }, sourceNames: [], placeWords: [] };
}
