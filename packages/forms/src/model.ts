/**
 * The bureau's six forms (报表): what each holds, as plain data. The assemblers (packages/db
 * repositories/forms-data.ts) fill them from the database; analysts edit the text fields before
 * filing; the renderers (docx.ts, xlsx.ts) turn a version into the Word document or Excel
 * register that is filed upward. Times are Date objects (instants), shown in Beijing time.
 */
import { z } from 'zod';

export const FORM_KINDS = ['major-report', 'weekly-report', 'warning-record', 'crisis-register', 'info-collection', 'visit-record'] as const;
export type FormKind = (typeof FORM_KINDS)[number];

/** Each form's name as the bureau writes it. */
export const FORM_TITLES: Record<FormKind, string> = {
  'major-report': '重大事项呈报表',
  'weekly-report': '警察公共关系工作情况周报表',
  'warning-record': '科学预警记录',
  'crisis-register': '危机管理登记表',
  'info-collection': '信息采集表',
  'visit-record': '走访人大代表、政协委员记录表',
};

export type FormLevel = 'none' | 'blue' | 'yellow' | 'orange' | 'red';

/** The header block every Word form carries (公文 layout): 编号, 密级, the reporting unit. */
export interface FormHeader {
  /** 编号, e.g. 「公关〔2026〕12号」 (free text; empty until the analyst fills it). */
  serial: string;
  /** 密级: 「公开」「内部」「秘密」… (free text; default 「内部」). */
  secrecy: string;
  /** 呈报/填报单位. */
  unit: string;
}

/** 重大事项呈报表: one incident, reported upward. */
export interface MajorReportData {
  header: FormHeader;
  incidentId: number;
  /** 呈报时间. */
  reportedAt: Date;
  /** 事项名称. */
  title: string;
  /** 发生时间 (the first post, else when the incident was opened) and 地点. */
  occurredAt: Date | null;
  place: string;
  /** 涉及单位/人员. */
  involved: string;
  /** 舆情概况: the facts, assembled; `summary` is the editable paragraph built from them. */
  opinion: {
    firstPost: { author: string | null; source: string | null; at: Date; url: string | null } | null;
    items: number;
    policeNegative: number;
    platforms: string[];
    /** Peak items per hour and when. */
    peak: { perHour: number; at: Date } | null;
    level: FormLevel;
    /** The latest level change's explanation. */
    levelReason: string;
    summary: string;
  };
  /** 已采取措施, 回应情况, 下步工作 (editable). */
  measures: string;
  response: string;
  nextSteps: string;
  /** 呈报人. */
  reporter: string;
  /** 领导批示 is always a blank box on the form: written by hand on paper. */
}

/** 警察公共关系工作情况周报表. */
export interface WeeklyReportData {
  header: FormHeader;
  periodStart: Date;
  periodEnd: Date;
  figures: {
    items: number;
    policeRelated: number;
    policeNegative: number;
    /** Share of police-related items that are negative, 0–1, or null when none. */
    negativeShare: number | null;
    warnings: Record<'blue' | 'yellow' | 'orange' | 'red', number>;
    incidentsOpened: number;
    incidentsClosed: number;
    responses: number;
  };
  warnings: Array<{ at: Date; level: FormLevel; title: string; state: string }>;
  incidents: Array<{ id: number; title: string; level: FormLevel; status: string; openedAt: Date; respondedAt: Date | null }>;
  /** 本周舆情概述 (from the weekly digest, editable), 本周主要工作, 下周工作安排 (the analyst's). */
  overview: string;
  mainWork: string;
  nextWeek: string;
  filledBy: string;
}

/** 科学预警记录: every warning of a period with its handling and outcome. */
export interface WarningRecordData {
  header: FormHeader;
  periodStart: Date;
  periodEnd: Date;
  rows: Array<{
    alertId: number;
    at: Date;
    level: FormLevel;
    topic: string;
    rule: string;
    /** 处置情况: who acknowledged and when, the incident opened from it. */
    handling: string;
    /** 结果: resolved how / the incident's status. */
    outcome: string;
  }>;
}

/** One incident's full record as 危机管理登记表 (Word), or a period's register (Excel rows). */
export interface CrisisRecord {
  incidentId: number;
  title: string;
  level: FormLevel;
  category: string;
  place: string;
  openedAt: Date;
  status: string;
  owner: string;
  dueAt: Date | null;
  respondedAt: Date | null;
  responseChannel: string;
  responseText: string;
  closedAt: Date | null;
  closingSummary: string;
  summary: string;
  timeline: Array<{ at: Date; actor: string; text: string }>;
}
export interface CrisisRegisterData {
  header: FormHeader;
  periodStart: Date | null;
  periodEnd: Date | null;
  records: CrisisRecord[];
}

/** 信息采集表: what officers learned offline. */
export const INFO_CHANNELS = ['走访', '来电', '来信', '网友反映', '其他'] as const;
export type InfoChannel = (typeof INFO_CHANNELS)[number];
export interface InfoEntry {
  id: number;
  channel: InfoChannel;
  occurredAt: Date;
  place: string;
  people: string;
  content: string;
  followUp: string;
  officer: string;
  /** The item it became (origin 'manual'), analysed like any other. */
  itemId: number | null;
  createdAt: Date;
}
export interface InfoCollectionData {
  header: FormHeader;
  periodStart: Date;
  periodEnd: Date;
  entries: InfoEntry[];
}

/** 走访人大代表、政协委员记录表. */
export const VISITED_ROLES = ['人大代表', '政协委员'] as const;
export interface VisitEntry {
  id: number;
  visitedOn: Date;
  person: string;
  role: (typeof VISITED_ROLES)[number];
  organisation: string;
  views: string;
  followUp: string;
  officer: string;
  createdAt: Date;
}
export interface VisitRecordData {
  header: FormHeader;
  periodStart: Date;
  periodEnd: Date;
  entries: VisitEntry[];
}

/** A form's data by kind. */
export interface FormDataByKind {
  'major-report': MajorReportData;
  'weekly-report': WeeklyReportData;
  'warning-record': WarningRecordData;
  'crisis-register': CrisisRegisterData;
  'info-collection': InfoCollectionData;
  'visit-record': VisitRecordData;
}

/** Which documents each kind is filed as. */
export const FORM_FORMATS: Record<FormKind, ReadonlyArray<'docx' | 'xlsx'>> = {
  'major-report': ['docx'],
  'weekly-report': ['docx'],
  'warning-record': ['docx', 'xlsx'],
  'crisis-register': ['docx', 'xlsx'],
  'info-collection': ['xlsx'],
  'visit-record': ['xlsx'],
};

export const formKindSchema = z.enum(FORM_KINDS);
