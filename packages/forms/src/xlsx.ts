/**
 * The Excel registers (.xlsx — layout in register.ts): 科学预警记录, 危机管理登记表 (the register of
 * a period), 信息采集表 and 走访人大代表、政协委员记录表. One worksheet per register.
 */
import type { CrisisRecord, CrisisRegisterData, FormDataByKind, InfoCollectionData, InfoEntry, VisitEntry, VisitRecordData, WarningRecordData } from './model';
import { FORM_TITLES } from './model';
import { formatIsoMinute, formatPeriod, levelLabel, safeText, statusLabel } from './format';
import { buildRegister, type RegisterColumn } from './register';

export type XlsxKind = 'warning-record' | 'crisis-register' | 'info-collection' | 'visit-record';
export const XLSX_KINDS: readonly XlsxKind[] = ['warning-record', 'crisis-register', 'info-collection', 'visit-record'];

type WarningRow = WarningRecordData['rows'][number];

/** Column definitions, exported so tests (and the print view) read the same headers. */
export const WARNING_COLUMNS: ReadonlyArray<RegisterColumn<WarningRow>> = [
  { header: '序号', width: 6, kind: 'number', value: (_r, i) => i + 1 },
  { header: '预警编号', width: 10, kind: 'number', value: (r) => r.alertId },
  { header: '预警时间', width: 18, kind: 'datetime', value: (r) => r.at },
  { header: '级别', width: 7, kind: 'center', value: (r) => levelLabel(r.level) },
  { header: '话题', width: 36, kind: 'long', value: (r) => r.topic },
  { header: '预警规则', width: 20, kind: 'long', value: (r) => r.rule },
  { header: '处置情况', width: 40, kind: 'long', value: (r) => r.handling },
  { header: '结果', width: 30, kind: 'long', value: (r) => r.outcome },
];

/** 处置经过 in one cell: a line per timeline entry, 「2026-11-28 09:12 张三：…」. */
function timelineText(r: CrisisRecord): string {
  return r.timeline.map((t) => `${formatIsoMinute(t.at)} ${safeText(t.actor)}：${safeText(t.text).replace(/\n+/g, ' ')}`).join('\n');
}

export const CRISIS_COLUMNS: ReadonlyArray<RegisterColumn<CrisisRecord>> = [
  { header: '序号', width: 6, kind: 'number', value: (_r, i) => i + 1 },
  { header: '事件编号', width: 10, kind: 'number', value: (r) => r.incidentId },
  { header: '事件名称', width: 30, kind: 'long', value: (r) => r.title },
  { header: '级别', width: 7, kind: 'center', value: (r) => levelLabel(r.level) },
  { header: '类别', width: 12, kind: 'text', value: (r) => r.category },
  { header: '发生地点', width: 16, kind: 'text', value: (r) => r.place },
  { header: '立案时间', width: 18, kind: 'datetime', value: (r) => r.openedAt },
  { header: '状态', width: 9, kind: 'center', value: (r) => statusLabel(r.status) },
  { header: '责任人', width: 10, kind: 'text', value: (r) => r.owner },
  { header: '回应时限', width: 18, kind: 'datetime', value: (r) => r.dueAt },
  { header: '回应时间', width: 18, kind: 'datetime', value: (r) => r.respondedAt },
  { header: '回应渠道', width: 14, kind: 'text', value: (r) => r.responseChannel },
  { header: '回应内容', width: 40, kind: 'long', value: (r) => r.responseText },
  { header: '事件概要', width: 40, kind: 'long', value: (r) => r.summary },
  { header: '办结时间', width: 18, kind: 'datetime', value: (r) => r.closedAt },
  { header: '办结小结', width: 36, kind: 'long', value: (r) => r.closingSummary },
  { header: '处置经过', width: 60, kind: 'long', value: (r) => timelineText(r) },
];

export const INFO_COLUMNS: ReadonlyArray<RegisterColumn<InfoEntry>> = [
  { header: '序号', width: 6, kind: 'number', value: (_r, i) => i + 1 },
  { header: '编号', width: 8, kind: 'number', value: (r) => r.id },
  { header: '信息渠道', width: 10, kind: 'center', value: (r) => r.channel },
  { header: '发生时间', width: 18, kind: 'datetime', value: (r) => r.occurredAt },
  { header: '地点', width: 18, kind: 'text', value: (r) => r.place },
  { header: '涉及人员', width: 18, kind: 'text', value: (r) => r.people },
  { header: '信息内容', width: 50, kind: 'long', value: (r) => r.content },
  { header: '后续处理', width: 36, kind: 'long', value: (r) => r.followUp },
  { header: '采集民警', width: 10, kind: 'text', value: (r) => r.officer },
  { header: '转入条目编号', width: 12, kind: 'number', value: (r) => r.itemId },
  { header: '录入时间', width: 18, kind: 'datetime', value: (r) => r.createdAt },
];

export const VISIT_COLUMNS: ReadonlyArray<RegisterColumn<VisitEntry>> = [
  { header: '序号', width: 6, kind: 'number', value: (_r, i) => i + 1 },
  { header: '走访日期', width: 12, kind: 'date', value: (r) => r.visitedOn },
  { header: '姓名', width: 10, kind: 'text', value: (r) => r.person },
  { header: '身份', width: 10, kind: 'center', value: (r) => r.role },
  { header: '工作单位及职务', width: 26, kind: 'long', value: (r) => r.organisation },
  { header: '听取的意见建议', width: 50, kind: 'long', value: (r) => r.views },
  { header: '后续办理情况', width: 40, kind: 'long', value: (r) => r.followUp },
  { header: '走访民警', width: 10, kind: 'text', value: (r) => r.officer },
  { header: '录入时间', width: 18, kind: 'datetime', value: (r) => r.createdAt },
];

export async function renderXlsx<K extends XlsxKind>(kind: K, data: FormDataByKind[K]): Promise<Buffer> {
  const title = FORM_TITLES[kind];
  switch (kind) {
    case 'warning-record': {
      const d = data as WarningRecordData;
      return buildRegister({ sheetName: title, title, period: formatPeriod(d.periodStart, d.periodEnd), header: d.header, columns: WARNING_COLUMNS, rows: d.rows });
    }
    case 'crisis-register': {
      const d = data as CrisisRegisterData;
      return buildRegister({ sheetName: title, title, period: formatPeriod(d.periodStart, d.periodEnd), header: d.header, columns: CRISIS_COLUMNS, rows: d.records });
    }
    case 'info-collection': {
      const d = data as InfoCollectionData;
      return buildRegister({ sheetName: title, title, period: formatPeriod(d.periodStart, d.periodEnd), header: d.header, columns: INFO_COLUMNS, rows: d.entries });
    }
    case 'visit-record': {
      const d = data as VisitRecordData;
      return buildRegister({ sheetName: title, title, period: formatPeriod(d.periodStart, d.periodEnd), header: d.header, columns: VISIT_COLUMNS, rows: d.entries });
    }
    default:
      throw new Error(`「${String(kind)}」没有 Excel 格式`);
  }
}
