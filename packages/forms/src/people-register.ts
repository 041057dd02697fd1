/**
 * The registers of a unit's people (issue 15): the 联络员台账 and the 公关民警登记表 — and the same
 * list for any other duty — in the layout every Excel register shares (register.ts): title and
 * date line, 填报单位, a frozen header row with the autofilter, one row per person. Phone numbers
 * stay text (a leading 0 or a「转」extension must survive), dates are real Excel dates.
 */
import { formatDate, safeText } from './format';
import { buildRegister, type RegisterColumn } from './register';

/** One person as the register prints them. Dates are Beijing calendar dates, `YYYY-MM-DD`. */
export interface PeopleRegisterRow {
  /** The unit written in full (城东分局东门派出所). */
  unit: string;
  name: string;
  /** 职务. */
  position: string;
  /** 职责: 公关民警, 联络员, …. */
  duty: string;
  phone: string;
  since: string;
  until: string | null;
  note: string;
}

/** The title of the register of one duty; every duty at once is a 名册. */
export function peopleRegisterTitle(duty: string | null | undefined): string {
  if (duty === '联络员') return '联络员台账';
  if (duty === '公关民警') return '公关民警登记表';
  if (duty) return `${safeText(duty)}名单`;
  return '警察公共关系工作人员名册';
}

/** A `YYYY-MM-DD` Beijing date as the instant of its 00:00 there (what the 'date' column writes). */
function beijingDay(d: string | null): Date | null {
  if (!d || !/^\d{4}-\d{2}-\d{2}$/.test(d)) return null;
  const at = new Date(`${d}T00:00:00+08:00`);
  return Number.isNaN(at.getTime()) ? null : at;
}

/** The columns; 离任日期 only on a register that lists people no longer in their duty. */
export function peopleRegisterColumns(withEnded: boolean): ReadonlyArray<RegisterColumn<PeopleRegisterRow>> {
  const cols: Array<RegisterColumn<PeopleRegisterRow>> = [
    { header: '序号', width: 6, kind: 'number', value: (_r, i) => i + 1 },
    { header: '单位', width: 26, kind: 'long', value: (r) => r.unit },
    { header: '姓名', width: 10, kind: 'text', value: (r) => r.name },
    { header: '职务', width: 14, kind: 'text', value: (r) => r.position },
    { header: '职责', width: 12, kind: 'center', value: (r) => r.duty },
    { header: '联系电话', width: 18, kind: 'text', value: (r) => r.phone },
    { header: '起始日期', width: 12, kind: 'date', value: (r) => beijingDay(r.since) },
  ];
  if (withEnded) cols.push({ header: '离任日期', width: 12, kind: 'date', value: (r) => beijingDay(r.until) });
  cols.push({ header: '备注', width: 30, kind: 'long', value: (r) => r.note });
  return cols;
}

/** What the register is of. */
export interface PeopleRegisterSpec {
  /** The duty listed, or null for every duty. */
  duty: string | null;
  /** 填报单位: the unit whose people (and its descendants') are listed. */
  unit: string;
  /** The day the list is true of (Beijing date, `YYYY-MM-DD`). */
  asOf: string;
  /** Whether people no longer in their duty are listed too. */
  withEnded: boolean;
  rows: readonly PeopleRegisterRow[];
}

/** Renders the register (.xlsx). */
export async function renderPeopleRegister(spec: PeopleRegisterSpec): Promise<Buffer> {
  const title = peopleRegisterTitle(spec.duty);
  const day = formatDate(beijingDay(spec.asOf));
  const period = spec.withEnded ? `截至${day}，含已离任人员` : `截至${day}`;
  return buildRegister({
    sheetName: title,
    title,
    period,
    header: { unit: spec.unit, serial: '', secrecy: '内部' },
    columns: peopleRegisterColumns(spec.withEnded),
    rows: spec.rows,
  });
}
