// A form as the paper the bureau files: the 公文 header block (编号 left, 密级 right), the title,
// the reporting unit and date, the fields as a bordered table (the 呈报表's 领导批示 a blank box to be
// written in by hand), drawn from one version's data. The same sheet is the print view (forms.css
// prints only it, on A4, the wide registers landscape) and the read-only view of an older version.
import type { FormKind } from '@yuqing/forms';
import { el, LEVEL_LABELS } from './core';
import { cnDate, cnMinute, cnPeriod, KIND_TITLES, type FormData, type FormRecord } from './forms-common';

// Words for the codes the assembled facts carry (an unknown one shows as it is).
const INCIDENT_STATUS: Readonly<Record<string, string | undefined>> = { new: '新建', assessing: '研判中', handling: '处置中', responded: '已回应', closed: '已结案' };
const ALERT_STATE: Readonly<Record<string, string | undefined>> = { firing: '未确认', acknowledged: '已确认', resolved: '已解除' };
export const levelText = (l: string): string => LEVEL_LABELS[l] || l;
export const incidentStatusText = (s: string): string => INCIDENT_STATUS[s] || s;
export const alertStateText = (s: string): string => ALERT_STATE[s] || s;

/** Registers with many columns are printed on landscape A4. */
const LANDSCAPE: ReadonlySet<FormKind> = new Set(['warning-record', 'info-collection', 'visit-record']);

type Cell = string | Node;

/** A text that keeps its line breaks; an empty one leaves the cell blank (to be written in). */
function para(text: string | null | undefined, cls?: string): HTMLElement {
  return el('div', `pre ${cls || ''}`.trim(), text || '');
}

function td(content: Cell, cls?: string, colSpan?: number): HTMLTableCellElement {
  const c = el('td', cls);
  c.append(content);
  if (colSpan) c.colSpan = colSpan;
  return c;
}
const th = (text: string, cls?: string, colSpan?: number): HTMLTableCellElement => {
  const c = el('th', cls, text);
  c.scope = 'row';
  if (colSpan) c.colSpan = colSpan;
  return c;
};

/** A row of the 4-column layout: label, value spanning the rest (the long texts get room to write). */
function wide(label: string, value: Cell, cls?: string): HTMLTableRowElement {
  const tr = el('tr', cls);
  tr.dataset.field = label;
  tr.append(th(label), td(value, 'value', 3));
  return tr;
}
/** Two label–value pairs side by side. */
function pair(a: string, av: Cell, b: string, bv: Cell): HTMLTableRowElement {
  const tr = el('tr');
  tr.append(th(a), td(av, 'value'), th(b), td(bv, 'value'));
  return tr;
}

function fourColumns(rows: HTMLTableRowElement[]): HTMLTableElement {
  const t = el('table', 'sheet-table fields');
  const cols = el('colgroup');
  for (const cls of ['label', 'value', 'label', 'value']) cols.append(el('col', `col-${cls}`));
  const body = el('tbody');
  body.append(...rows);
  t.append(cols, body);
  return t;
}

/** A register: numbered rows under a header (repeated on every printed page). */
function register(headers: string[], rows: Cell[][], empty: string): HTMLTableElement {
  const t = el('table', 'sheet-table register');
  const head = el('tr');
  for (const h of ['序号', ...headers]) {
    const c = el('th', null, h);
    c.scope = 'col';
    head.append(c);
  }
  const thead = el('thead');
  thead.append(head);
  const body = el('tbody');
  rows.forEach((cells, i) => {
    const tr = el('tr');
    tr.append(td(String(i + 1), 'num'), ...cells.map((c) => td(typeof c === 'string' ? para(c) : c)));
    body.append(tr);
  });
  if (!rows.length) {
    const tr = el('tr');
    tr.append(td(empty, 'none', headers.length + 1));
    body.append(tr);
  }
  t.append(thead, body);
  return t;
}

/** What a kind draws: the line under the title (unit; date or period) and the tables. */
interface Drawn {
  left: string;
  right: string;
  body: HTMLElement[];
}

/** The 公文 head: 编号 and 密级 on one line, the title, then unit and date (or period). */
function head(kind: FormKind, data: FormData, left: string, right: string): HTMLElement[] {
  const h = data.header;
  const top = el('div', 'sheet-head');
  top.append(el('span', 'serial', `编号：${h.serial || ''}`), el('span', 'secrecy', `密级：${h.secrecy || ''}`));
  const meta = el('div', 'sheet-meta');
  meta.append(el('span', null, left), el('span', null, right));
  return [top, el('h1', 'sheet-title', KIND_TITLES[kind]), meta];
}

// --- each kind ---
function majorReport(d: FormData<'major-report'>): Drawn {
  // The paragraph is composed from the facts; only when the analyst emptied it do the bare facts stand in.
  const opinion = d.opinion.summary.trim() ? para(d.opinion.summary) : el('div', 'facts-line', opinionFacts(d).join('；'));
  return {
    left: `呈报单位：${d.header.unit || ''}`,
    right: `呈报时间：${cnDate(d.reportedAt)}`,
    body: [
      fourColumns([
        wide('事项名称', para(d.title)),
        pair('发生时间', cnMinute(d.occurredAt), '发生地点', para(d.place)),
        wide('涉及单位/人员', para(d.involved)),
        wide('舆情概况', opinion, 'long'),
        wide('已采取措施', para(d.measures), 'long'),
        wide('回应情况', para(d.response), 'long'),
        wide('下步工作', para(d.nextSteps), 'long'),
        wide('呈报人', para(d.reporter)),
        // Written by hand on the paper: always blank.
        wide('领导批示', '', 'instruction'),
      ]),
    ],
  };
}

/** The assembled facts of a 呈报表's 舆情概况, one phrase each. */
export function opinionFacts(d: FormData<'major-report'>): string[] {
  const o = d.opinion;
  const facts: string[] = [];
  if (o.firstPost) facts.push(`首发：${[o.firstPost.source, o.firstPost.author].filter(Boolean).join(' ')} ${cnMinute(o.firstPost.at)}`.trim());
  facts.push(`相关信息 ${o.items} 条，其中涉警负面 ${o.policeNegative} 条`);
  if (o.platforms.length) facts.push(`涉及平台：${o.platforms.join('、')}`);
  if (o.peak) facts.push(`峰值 ${o.peak.perHour} 条/小时（${cnMinute(o.peak.at)}）`);
  if (o.level && o.level !== 'none') facts.push(`预警级别：${levelText(o.level)}${o.levelReason ? `（${o.levelReason}）` : ''}`);
  return facts;
}

/** A 周报表's figures in words. */
export function weeklyFigures(d: FormData<'weekly-report'>): string[] {
  const f = d.figures;
  const share = f.negativeShare === null ? '—' : `${(f.negativeShare * 100).toFixed(1)}%`;
  const w = f.warnings;
  return [
    `信息总量 ${f.items} 条`,
    `涉警 ${f.policeRelated} 条`,
    `涉警负面 ${f.policeNegative} 条（占涉警 ${share}）`,
    `预警 红色 ${w.red}、橙色 ${w.orange}、黄色 ${w.yellow}、蓝色 ${w.blue}`,
    `新建事件 ${f.incidentsOpened} 起，结案 ${f.incidentsClosed} 起，官方回应 ${f.responses} 次`,
  ];
}

/** A 周报表's warnings and incidents as registers. */
export function weeklyTables(d: FormData<'weekly-report'>): { warnings: HTMLElement; incidents: HTMLElement } {
  return {
    warnings: d.warnings.length
      ? register(['时间', '级别', '预警', '状态'], d.warnings.map((x) => [cnMinute(x.at), levelText(x.level), x.title, alertStateText(x.state)]), '')
      : para('本周无预警'),
    incidents: d.incidents.length
      ? register(
          ['事件', '级别', '状态', '登记时间', '回应时间'],
          d.incidents.map((x) => [`#${x.id} ${x.title}`, levelText(x.level), incidentStatusText(x.status), cnMinute(x.openedAt), x.respondedAt ? cnMinute(x.respondedAt) : '未回应']),
          '',
        )
      : para('本周无事件'),
  };
}

function weeklyReport(d: FormData<'weekly-report'>): Drawn {
  const figures = el('div', 'figures');
  figures.append(...weeklyFigures(d).map((t) => el('span', null, t)));
  const { warnings, incidents } = weeklyTables(d);
  return {
    left: `填报单位：${d.header.unit || ''}`,
    right: `时段：${cnPeriod(d.periodStart, d.periodEnd)}`,
    body: [
      fourColumns([
        wide('本周数据', figures),
        wide('本周舆情概述', para(d.overview), 'long'),
        wide('预警情况', warnings, 'nested'),
        wide('事件处置', incidents, 'nested'),
        wide('本周主要工作', para(d.mainWork), 'long'),
        wide('下周工作安排', para(d.nextWeek), 'long'),
        pair('填报人', para(d.filledBy), '填报单位', para(d.header.unit)),
      ]),
    ],
  };
}

function warningRecord(d: FormData<'warning-record'>): Drawn {
  return {
    left: `填报单位：${d.header.unit || ''}`,
    right: `时段：${cnPeriod(d.periodStart, d.periodEnd)}`,
    body: [
      register(
        ['预警时间', '级别', '话题', '规则', '处置情况', '结果'],
        d.rows.map((r) => [cnMinute(r.at), levelText(r.level), r.topic, r.rule, r.handling, r.outcome]),
        '本时段无预警',
      ),
    ],
  };
}

type CrisisRecord = FormData<'crisis-register'>['records'][number];

/** One incident's full 登记表. */
function crisisRecord(r: CrisisRecord): HTMLTableElement {
  const timeline = el('ol', 'sheet-timeline');
  for (const e of r.timeline) timeline.append(el('li', null, `${cnMinute(e.at)} ${e.actor ? `${e.actor}：` : ''}${e.text}`));
  return fourColumns([
    wide('事件名称', para(`#${r.incidentId} ${r.title}`)),
    pair('级别', levelText(r.level), '类别', para(r.category)),
    pair('属地', para(r.place), '登记时间', cnMinute(r.openedAt)),
    pair('状态', incidentStatusText(r.status), '负责人', para(r.owner)),
    pair('回应时限', cnMinute(r.dueAt), '回应时间', cnMinute(r.respondedAt)),
    wide('回应渠道', para(r.responseChannel)),
    wide('回应内容', para(r.responseText), 'long'),
    wide('事件摘要', para(r.summary), 'long'),
    wide('处置经过', r.timeline.length ? timeline : para('')),
    pair('结案时间', cnMinute(r.closedAt), '结案摘要', para(r.closingSummary)),
  ]);
}

function crisisRegister(form: FormRecord, d: FormData<'crisis-register'>): Drawn {
  const left = `填报单位：${d.header.unit || ''}`;
  const right = d.periodStart && d.periodEnd ? `时段：${cnPeriod(d.periodStart, d.periodEnd)}` : `登记时间：${cnDate(form.createdAt)}`;
  const only = d.records.length === 1 ? d.records[0] : undefined;
  if (form.incidentId !== null && only) return { left, right, body: [crisisRecord(only)] };
  return {
    left,
    right,
    body: [
      register(
        ['事件', '级别', '类别', '属地', '登记时间', '状态', '负责人', '回应时间', '结案时间'],
        d.records.map((r) => [`#${r.incidentId} ${r.title}`, levelText(r.level), r.category, r.place, cnMinute(r.openedAt), incidentStatusText(r.status), r.owner, cnMinute(r.respondedAt), cnMinute(r.closedAt)]),
        '本时段无登记事件',
      ),
    ],
  };
}

function infoCollection(d: FormData<'info-collection'>): Drawn {
  return {
    left: `填报单位：${d.header.unit || ''}`,
    right: `时段：${cnPeriod(d.periodStart, d.periodEnd)}`,
    body: [
      register(
        ['时间', '渠道', '地点', '人员', '内容', '后续处理', '填报民警'],
        d.entries.map((e) => [cnMinute(e.occurredAt), e.channel, e.place, e.people, e.content, e.followUp, e.officer]),
        '本时段无采集信息',
      ),
    ],
  };
}

function visitRecord(d: FormData<'visit-record'>): Drawn {
  return {
    left: `填报单位：${d.header.unit || ''}`,
    right: `时段：${cnPeriod(d.periodStart, d.periodEnd)}`,
    body: [
      register(
        ['走访日期', '姓名', '身份', '单位及职务', '反映意见', '后续处理', '走访民警'],
        d.entries.map((e) => [cnDate(e.visitedOn), e.person, e.role, e.organisation, e.views, e.followUp, e.officer]),
        '本时段无走访记录',
      ),
    ],
  };
}

/** A kind's drawing of one version's data (its kind is the form's: the routes store and validate it per kind). */
function draw(form: FormRecord, data: FormData): Drawn {
  switch (form.kind) {
    case 'major-report':
      return majorReport(data as FormData<'major-report'>);
    case 'weekly-report':
      return weeklyReport(data as FormData<'weekly-report'>);
    case 'warning-record':
      return warningRecord(data as FormData<'warning-record'>);
    case 'crisis-register':
      return crisisRegister(form, data as FormData<'crisis-register'>);
    case 'info-collection':
      return infoCollection(data as FormData<'info-collection'>);
    case 'visit-record':
      return visitRecord(data as FormData<'visit-record'>);
  }
}

/** The tables of a register kind without the paper's head (the editor's read-only facts). */
export function registerBody(form: FormRecord, data: FormData): HTMLElement[] {
  return draw(form, data).body;
}

/** The paper form of one version. */
export function sheet(form: FormRecord, data: FormData, version: number): HTMLElement {
  const a = el('article', `sheet kind-${form.kind}`);
  if (LANDSCAPE.has(form.kind)) a.classList.add('landscape');
  a.dataset.kind = form.kind;
  a.dataset.version = String(version);
  a.setAttribute('aria-label', `${KIND_TITLES[form.kind]}（第 ${version} 版）`);
  const d = draw(form, data);
  a.append(...head(form.kind, data, d.left, d.right), ...d.body);
  return a;
}
