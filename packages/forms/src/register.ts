/**
 * The Excel register layout every .xlsx form shares, built with `exceljs`: one worksheet with a
 * title row (form title and period), a line with 填报单位/编号/密级, a header row of Chinese column
 * names that stays in view (frozen) and carries the autofilter, then one row per record — dates as
 * real Excel dates in Beijing time, long text wrapped, columns sized for their content.
 */
import ExcelJS from 'exceljs';
import type { FormHeader } from './model';
import { BEIJING_OFFSET_MS, beijingParts, safeText } from './format';

/**
 * What a column holds: text (one line, short), long text (wrapped), a number, an instant (shown
 * `yyyy-mm-dd hh:mm`) or a calendar date (`yyyy-mm-dd`); `center` centres short codes such as 级别.
 */
export type ColumnKind = 'text' | 'center' | 'long' | 'number' | 'datetime' | 'date';

export interface RegisterColumn<R> {
  header: string;
  /** Excel's unit: the width of one '0' of the default font; a Chinese character takes about two. */
  width: number;
  kind: ColumnKind;
  value: (row: R, index: number) => string | number | Date | null | undefined;
}

export interface RegisterSpec<R> {
  sheetName: string;
  title: string;
  period: string;
  header: FormHeader;
  columns: ReadonlyArray<RegisterColumn<R>>;
  rows: readonly R[];
}

/** The rows above the header row: the title and the 填报单位 line. */
export const HEADER_ROW = 3;

export const NUM_FMT = { datetime: 'yyyy-mm-dd hh:mm', date: 'yyyy-mm-dd' } as const;

/**
 * An instant as the Date exceljs should write so Excel shows Beijing time. An Excel date is a
 * serial number of wall-clock days with no time zone, and exceljs computes it from the Date's
 * UTC fields; writing the instant as is would show UTC, eight hours early. Shifting by +8 h makes
 * the UTC fields read the Beijing wall clock (Asia/Shanghai has no daylight saving). Readers that
 * turn the serial back into a Date (exceljs among them) give that shifted Date.
 */
export function toExcelDateTime(at: Date): Date {
  return new Date(at.getTime() + BEIJING_OFFSET_MS);
}

/**
 * A calendar date as a whole-day serial: the Beijing date of the value, at 00:00. The contract
 * carries dates (走访日期) as Date; this reads the same day whether the assembler made it Beijing
 * midnight or UTC midnight.
 */
export function toExcelDate(at: Date): Date {
  const p = beijingParts(at);
  return new Date(Date.UTC(p.year, p.month - 1, p.day));
}

/** Excel's limit for a cell's text; beyond it Excel reports the file as damaged and "repairs" it. */
const CELL_TEXT_MAX = 32_767;
const TRUNCATED = '…（超出 Excel 单元格长度上限，以下从略）';

function cellText(v: string): string {
  const s = safeText(v);
  return s.length <= CELL_TEXT_MAX ? s : s.slice(0, CELL_TEXT_MAX - TRUNCATED.length) + TRUNCATED;
}

const THIN = { style: 'thin', color: { argb: 'FF000000' } } as const;
const BORDER: Partial<ExcelJS.Borders> = { top: THIN, bottom: THIN, left: THIN, right: THIN };
const FONT_BODY: Partial<ExcelJS.Font> = { name: '宋体', size: 11 };
const FONT_HEAD: Partial<ExcelJS.Font> = { name: '黑体', size: 11, bold: true };
const FONT_TITLE: Partial<ExcelJS.Font> = { name: '方正小标宋简体', size: 18 };

/** Builds the register workbook and returns the .xlsx file. */
export async function buildRegister<R>(spec: RegisterSpec<R>): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = '舆情监测预警系统';
  wb.title = spec.title;
  const n = spec.columns.length;
  const ws = wb.addWorksheet(sheetName(spec.sheetName), {
    // The title, the unit line and the header row stay in view while the records scroll.
    views: [{ state: 'frozen', xSplit: 0, ySplit: HEADER_ROW, topLeftCell: `A${HEADER_ROW + 1}`, activeCell: `A${HEADER_ROW + 1}` }],
    pageSetup: {
      paperSize: 9, // A4
      orientation: 'landscape',
      fitToPage: true,
      fitToWidth: 1,
      fitToHeight: 0,
      horizontalCentered: true,
      margins: { left: 0.5, right: 0.5, top: 0.6, bottom: 0.6, header: 0.3, footer: 0.3 },
    },
    headerFooter: { oddFooter: '&C— &P —', evenFooter: '&C— &P —' },
  });
  // Every printed page repeats the header row.
  ws.pageSetup.printTitlesRow = `${HEADER_ROW}:${HEADER_ROW}`;

  ws.columns = spec.columns.map((c) => ({
    width: c.width,
    style: {
      font: FONT_BODY,
      ...(c.kind === 'datetime' || c.kind === 'date' ? { numFmt: NUM_FMT[c.kind] } : {}),
    },
  }));

  const title = ws.getRow(1);
  title.getCell(1).value = cellText(`${spec.title}（${spec.period}）`);
  title.getCell(1).font = FONT_TITLE;
  title.getCell(1).alignment = { horizontal: 'center', vertical: 'middle' };
  title.height = 32;
  ws.mergeCells(1, 1, 1, n);

  const meta = ws.getRow(2);
  // Two ideographic spaces (U+3000) between the items, as Chinese forms space them.
  const gap = '\u3000\u3000';
  meta.getCell(1).value = cellText(`填报单位：${safeText(spec.header.unit)}${gap}编号：${safeText(spec.header.serial)}${gap}密级：${safeText(spec.header.secrecy)}`);
  meta.getCell(1).font = FONT_BODY;
  meta.getCell(1).alignment = { horizontal: 'left', vertical: 'middle' };
  meta.height = 20;
  ws.mergeCells(2, 1, 2, n);

  const head = ws.getRow(HEADER_ROW);
  spec.columns.forEach((c, i) => {
    const cell = head.getCell(i + 1);
    cell.value = c.header;
    cell.font = FONT_HEAD;
    cell.alignment = { horizontal: 'center', vertical: 'middle', wrapText: true };
    cell.border = BORDER;
    cell.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFE7E6E6' } };
  });
  head.height = 24;

  spec.rows.forEach((r, index) => {
    const row = ws.getRow(HEADER_ROW + 1 + index);
    spec.columns.forEach((c, i) => {
      const cell = row.getCell(i + 1);
      const v = c.value(r, index);
      if (v == null || v === '') cell.value = null;
      else if (v instanceof Date) {
        if (Number.isNaN(v.getTime())) cell.value = null;
        else cell.value = c.kind === 'date' ? toExcelDate(v) : toExcelDateTime(v);
      } else if (typeof v === 'number') cell.value = Number.isFinite(v) ? v : null;
      else cell.value = cellText(v);
      cell.font = FONT_BODY;
      cell.border = BORDER;
      if (c.kind === 'datetime' || c.kind === 'date') cell.numFmt = NUM_FMT[c.kind];
      cell.alignment =
        c.kind === 'long' || c.kind === 'text'
          ? { horizontal: 'left', vertical: 'top', wrapText: true }
          : { horizontal: 'center', vertical: 'top', wrapText: c.kind === 'center' };
    });
    // No height: Excel and LibreOffice size a row without one to its wrapped text.
  });

  ws.autoFilter = { from: { row: HEADER_ROW, column: 1 }, to: { row: HEADER_ROW + Math.max(spec.rows.length, 1), column: n } };

  const out = await wb.xlsx.writeBuffer();
  return Buffer.from(out as ArrayBuffer);
}

/** A worksheet name Excel accepts: at most 31 characters, none of []:*?/\ . */
function sheetName(name: string): string {
  return safeText(name).replace(/[[\]:*?/\\]/g, '、').slice(0, 31) || 'Sheet1';
}
