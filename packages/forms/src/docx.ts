/**
 * The Word forms (.docx, 公文 layout — see gongwen.ts): 重大事项呈报表, 警察公共关系工作情况周报表,
 * 科学预警记录 and 危机管理登记表 (one incident's full record, or a register of all of them).
 * All times print in Beijing time; empty fields print blank.
 */
import type { Paragraph, Table } from 'docx';
import type { CrisisRecord, CrisisRegisterData, FormDataByKind, FormLevel, MajorReportData, WarningRecordData, WeeklyReportData } from './model';
import { FORM_TITLES } from './model';
import { formatCount, formatDateTime, formatPeriod, formatShare, levelLabel, paragraphsOf, safeText, statusLabel } from './format';
import { blank, gridTable, headerBlock, heading1, heading2, kvTable, packGongwen, pairsTable, para, paras, signature, STYLE } from './gongwen';

export type DocxKind = 'major-report' | 'weekly-report' | 'warning-record' | 'crisis-register';
export const DOCX_KINDS: readonly DocxKind[] = ['major-report', 'weekly-report', 'warning-record', 'crisis-register'];

export interface RenderDocxOptions {
  /** crisis-register only: that incident's full 登记表 instead of the register of all records. */
  incidentId?: number;
}

export async function renderDocx<K extends DocxKind>(kind: K, data: FormDataByKind[K], opts: RenderDocxOptions = {}): Promise<Buffer> {
  switch (kind) {
    case 'major-report':
      return packGongwen(FORM_TITLES[kind], majorReport(data as MajorReportData));
    case 'weekly-report':
      return packGongwen(FORM_TITLES[kind], weeklyReport(data as WeeklyReportData));
    case 'warning-record':
      return packGongwen(FORM_TITLES[kind], warningRecord(data as WarningRecordData));
    case 'crisis-register': {
      const register = data as CrisisRegisterData;
      if (opts.incidentId === undefined) return packGongwen(FORM_TITLES[kind], crisisRegister(register));
      const record = register.records.find((r) => r.incidentId === opts.incidentId);
      if (!record) throw new Error(`危机管理登记表中没有事件 #${opts.incidentId}`);
      return packGongwen(`${FORM_TITLES[kind]}（事件 #${record.incidentId}）`, crisisRecord(register, record));
    }
    default:
      throw new Error(`「${String(kind)}」没有 Word 格式`);
  }
}

/**
 * A time in a register column: the date and the time on two lines, so a column one date wide
 * holds it without breaking 「2026年11月30日」 in the middle.
 */
const when = (at: Date | null | undefined): string[] => {
  const s = formatDateTime(at);
  return s ? s.split(' ') : [];
};

/** 「label：value」 as one line of a table cell. */
const line = (label: string, value: string): Paragraph => para(`${label}：${value}`, STYLE.cell);

/** 重大事项呈报表: the report as a two-column table, ending with a blank box for 领导批示. */
function majorReport(d: MajorReportData): Array<Paragraph | Table> {
  const o = d.opinion;
  const first = o.firstPost;
  const firstPost = first
    ? [formatDateTime(first.at), first.source ? `来源：${safeText(first.source)}` : '', first.author ? `发布者：${safeText(first.author)}` : ''].filter(Boolean).join('，')
    : '';
  const opinion: Paragraph[] = [
    ...paragraphsOf(o.summary).map((p) => para(p, STYLE.cell)),
    line('首发', firstPost),
    ...(first?.url ? [line('首发链接', first.url)] : []),
    line('传播', `相关信息 ${formatCount(o.items)} 条，其中涉警负面 ${formatCount(o.policeNegative)} 条`),
    line('平台', o.platforms.map((p) => safeText(p)).join('、')),
    line('峰值', o.peak ? `每小时 ${formatCount(o.peak.perHour)} 条（${formatDateTime(o.peak.at)}）` : ''),
    line('级别', levelLabel(o.level)),
    line('研判依据', o.levelReason),
  ];
  return [
    ...headerBlock(FORM_TITLES['major-report'], d.header, null),
    kvTable([
      { label: '呈报单位', value: d.header.unit },
      { label: '呈报时间', value: formatDateTime(d.reportedAt) },
      { label: '事项名称', value: d.title },
      { label: '发生时间与地点', value: [line('时间', formatDateTime(d.occurredAt)), line('地点', d.place)] },
      { label: '涉及单位/人员', value: d.involved },
      { label: '舆情概况', value: opinion },
      { label: '已采取措施', value: d.measures },
      { label: '回应情况', value: d.response },
      { label: '下步工作', value: d.nextSteps },
      { label: '呈报人', value: d.reporter },
      // Written by hand on the printed form: a box tall enough for a few lines of 批示.
      { label: '领导批示', value: '', minHeightMm: 60 },
    ]),
  ];
}

const WARNING_LEVELS = ['blue', 'yellow', 'orange', 'red'] as const;

/** 警察公共关系工作情况周报表. */
function weeklyReport(d: WeeklyReportData): Array<Paragraph | Table> {
  const f = d.figures;
  const totalWarnings = WARNING_LEVELS.reduce((n, l) => n + (f.warnings[l] ?? 0), 0);
  return [
    ...headerBlock(FORM_TITLES['weekly-report'], d.header, { label: '填报单位', value: d.header.unit, dateLabel: '报告期', date: formatPeriod(d.periodStart, d.periodEnd) }),
    heading1('一、本周工作数据'),
    pairsTable([
      [
        { label: '信息总量', value: formatCount(f.items) },
        { label: '涉警信息', value: formatCount(f.policeRelated) },
      ],
      [
        { label: '涉警负面', value: formatCount(f.policeNegative) },
        { label: '负面占比', value: formatShare(f.negativeShare) },
      ],
      [
        { label: '红色预警', value: formatCount(f.warnings.red) },
        { label: '橙色预警', value: formatCount(f.warnings.orange) },
      ],
      [
        { label: '黄色预警', value: formatCount(f.warnings.yellow) },
        { label: '蓝色预警', value: formatCount(f.warnings.blue) },
      ],
      [
        { label: '预警合计', value: formatCount(totalWarnings) },
        { label: '回应', value: formatCount(f.responses) },
      ],
      [
        { label: '新立事件', value: formatCount(f.incidentsOpened) },
        { label: '办结事件', value: formatCount(f.incidentsClosed) },
      ],
    ]),
    heading1('二、本周舆情概述'),
    ...paras(d.overview),
    heading1('三、本周预警与事件'),
    heading2(`（一）预警（${d.warnings.length} 条）`),
    gridTable(
      [
        { header: '序号', weight: 10, center: true },
        { header: '时间', weight: 31 },
        { header: '级别', weight: 11, center: true },
        { header: '预警内容', weight: 88 },
        { header: '状态', weight: 16, center: true },
      ],
      d.warnings.map((w, i) => [String(i + 1), when(w.at), levelLabel(w.level), w.title, statusLabel(w.state)]),
    ),
    heading2(`（二）事件（${d.incidents.length} 起）`),
    gridTable(
      [
        { header: '编号', weight: 13, center: true },
        { header: '事件名称', weight: 56 },
        { header: '级别', weight: 11, center: true },
        { header: '状态', weight: 14, center: true },
        { header: '立案时间', weight: 31 },
        { header: '回应时间', weight: 31 },
      ],
      d.incidents.map((x) => [`#${x.id}`, x.title, levelLabel(x.level), statusLabel(x.status), when(x.openedAt), when(x.respondedAt)]),
    ),
    heading1('四、本周主要工作'),
    ...paras(d.mainWork),
    heading1('五、下周工作安排'),
    ...paras(d.nextWeek),
    blank(),
    signature('填报人', d.filledBy),
  ];
}

/** 「本期共预警 12 次，其中红色 1 次、橙色 2 次…」: the count by level, highest first, in the body above the table. */
function levelCounts(levels: readonly FormLevel[], noun: string, unit: string): string {
  const order: FormLevel[] = ['red', 'orange', 'yellow', 'blue', 'none'];
  const parts = order.map((l) => [l, levels.filter((x) => x === l).length] as const).filter(([, n]) => n > 0);
  const detail = parts.map(([l, n]) => `${levelLabel(l)}${l === 'none' ? '级别' : ''} ${n} ${unit}`).join('、');
  return `本期共${noun} ${levels.length} ${unit}${detail ? `，其中${detail}` : ''}。`;
}

/** 科学预警记录: every warning of the period with its handling and outcome. */
function warningRecord(d: WarningRecordData): Array<Paragraph | Table> {
  return [
    ...headerBlock(FORM_TITLES['warning-record'], d.header, { label: '填报单位', value: d.header.unit, dateLabel: '时段', date: formatPeriod(d.periodStart, d.periodEnd) }),
    para(levelCounts(d.rows.map((r) => r.level), '预警', '次')),
    gridTable(
      [
        { header: '序号', weight: 9, center: true },
        { header: '时间', weight: 31 },
        { header: '级别', weight: 10, center: true },
        { header: '话题', weight: 32 },
        { header: '规则', weight: 19 },
        { header: '处置情况', weight: 32 },
        { header: '结果', weight: 23 },
      ],
      d.rows.map((r, i) => [String(i + 1), when(r.at), levelLabel(r.level), r.topic, r.rule, r.handling, r.outcome]),
    ),
  ];
}

/** 危机管理登记表 of a period: one row per incident. */
function crisisRegister(d: CrisisRegisterData): Array<Paragraph | Table> {
  return [
    ...headerBlock(FORM_TITLES['crisis-register'], d.header, { label: '填报单位', value: d.header.unit, dateLabel: '时段', date: formatPeriod(d.periodStart, d.periodEnd) }),
    para(levelCounts(d.records.map((r) => r.level), '登记事件', '起')),
    gridTable(
      [
        { header: '序号', weight: 9, center: true },
        { header: '事件', weight: 28 },
        { header: '级别', weight: 10, center: true },
        { header: '状态', weight: 10, center: true },
        { header: '责任人', weight: 12 },
        { header: '立案时间', weight: 31 },
        { header: '回应时间', weight: 31 },
        { header: '办结时间', weight: 31 },
      ],
      // 类别 and 地点 go under the name: a portrait page has no room for two more columns.
      d.records.map((r, i) => [
        String(i + 1),
        [`${safeText(r.title)}（#${r.incidentId}）`, [r.category, r.place].map((x) => safeText(x)).filter(Boolean).join('｜')].filter(Boolean),
        levelLabel(r.level),
        statusLabel(r.status),
        r.owner,
        when(r.openedAt),
        when(r.respondedAt),
        when(r.closedAt),
      ]),
    ),
  ];
}

/** One incident's full 危机管理登记表: its fields, then 处置经过 (the timeline). */
function crisisRecord(d: CrisisRegisterData, r: CrisisRecord): Array<Paragraph | Table> {
  return [
    ...headerBlock(FORM_TITLES['crisis-register'], d.header, { label: '填报单位', value: d.header.unit, dateLabel: '立案时间', date: formatDateTime(r.openedAt) }),
    kvTable([
      { label: '事件名称', value: r.title },
      { label: '事件编号', value: `#${r.incidentId}` },
      { label: '事件级别', value: levelLabel(r.level) },
      { label: '事件类别', value: r.category },
      { label: '发生地点', value: r.place },
      { label: '立案时间', value: formatDateTime(r.openedAt) },
      { label: '处置状态', value: statusLabel(r.status) },
      { label: '责任人', value: r.owner },
      { label: '回应时限', value: formatDateTime(r.dueAt) },
      { label: '回应时间', value: formatDateTime(r.respondedAt) },
      { label: '回应渠道', value: r.responseChannel },
      { label: '回应内容', value: r.responseText },
      { label: '事件概要', value: r.summary },
      { label: '办结时间', value: formatDateTime(r.closedAt) },
      { label: '办结小结', value: r.closingSummary },
    ]),
    blank(),
    heading1(`处置经过（${r.timeline.length} 条）`),
    gridTable(
      [
        { header: '序号', weight: 10, center: true },
        { header: '时间', weight: 31 },
        { header: '人员', weight: 22 },
        { header: '经过', weight: 93 },
      ],
      r.timeline.map((t, i) => [String(i + 1), when(t.at), t.actor, t.text]),
    ),
  ];
}
