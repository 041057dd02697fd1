/**
 * The Excel registers, read back twice: with exceljs (cell types — dates are dates showing Beijing
 * time — formats, the frozen header row, the autofilter, column widths, wrapping) and, where
 * installed, with LibreOffice headless (Debian's package) converting each workbook to CSV as
 * displayed. Every cell of every row is compared with the test's own expectation of the input.
 */
import ExcelJS from 'exceljs';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderXlsx, type XlsxKind } from '../src/xlsx';
import { FORM_TITLES, type CrisisRecord, type InfoEntry, type VisitEntry } from '../src/model';
import * as fx from './fixtures';
import { bjChinese, bjIso, bjIsoDate, bjWall, bjWallDate, convertWithLibreOffice, hasSoffice, LEVEL_ZH, loSkipTitle, parseCsv, STATUS_ZH } from './support';

type Expect = { header: string } & ({ kind: 'number'; v: number | null } | { kind: 'text'; v: string; long?: boolean } | { kind: 'datetime' | 'date'; v: Date | null });

interface Case {
  kind: XlsxKind;
  period: [Date, Date];
  rows: Expect[][];
}

const num = (header: string, v: number | null): Expect => ({ header, kind: 'number', v });
const txt = (header: string, v: string, long = false): Expect => ({ header, kind: 'text', v: fx.xmlSafe(v), long });
const dt = (header: string, v: Date | null): Expect => ({ header, kind: 'datetime', v });
const day = (header: string, v: Date): Expect => ({ header, kind: 'date', v });

const warnings = fx.warningRecord(36);
const crisis = fx.crisisRegister(32);
const info = fx.infoCollection(40);
const visits = fx.visitRecord(31);

const CASES: Case[] = [
  {
    kind: 'warning-record',
    period: [warnings.periodStart, warnings.periodEnd],
    rows: warnings.rows.map((r, i) => [
      num('序号', i + 1),
      num('预警编号', r.alertId),
      dt('预警时间', r.at),
      txt('级别', LEVEL_ZH[r.level]!),
      txt('话题', r.topic, true),
      txt('预警规则', r.rule, true),
      txt('处置情况', r.handling, true),
      txt('结果', r.outcome, true),
    ]),
  },
  {
    kind: 'crisis-register',
    period: [crisis.periodStart!, crisis.periodEnd!],
    rows: crisis.records.map((r: CrisisRecord, i) => [
      num('序号', i + 1),
      num('事件编号', r.incidentId),
      txt('事件名称', r.title, true),
      txt('级别', LEVEL_ZH[r.level]!),
      txt('类别', r.category),
      txt('发生地点', r.place),
      dt('立案时间', r.openedAt),
      txt('状态', STATUS_ZH[r.status]!),
      txt('责任人', r.owner),
      dt('回应时限', r.dueAt),
      dt('回应时间', r.respondedAt),
      txt('回应渠道', r.responseChannel),
      txt('回应内容', r.responseText, true),
      txt('事件概要', r.summary, true),
      dt('办结时间', r.closedAt),
      txt('办结小结', r.closingSummary, true),
      txt('处置经过', r.timeline.map((t) => `${bjIso(t.at)} ${t.actor}：${t.text}`).join('\n'), true),
    ]),
  },
  {
    kind: 'info-collection',
    period: [info.periodStart, info.periodEnd],
    rows: info.entries.map((e: InfoEntry, i) => [
      num('序号', i + 1),
      num('编号', e.id),
      txt('信息渠道', e.channel),
      dt('发生时间', e.occurredAt),
      txt('地点', e.place),
      txt('涉及人员', e.people),
      txt('信息内容', e.content, true),
      txt('后续处理', e.followUp, true),
      txt('采集民警', e.officer),
      num('转入条目编号', e.itemId),
      dt('录入时间', e.createdAt),
    ]),
  },
  {
    kind: 'visit-record',
    period: [visits.periodStart, visits.periodEnd],
    rows: visits.entries.map((e: VisitEntry, i) => [
      num('序号', i + 1),
      day('走访日期', e.visitedOn),
      txt('姓名', e.person),
      txt('身份', e.role),
      txt('工作单位及职务', e.organisation, true),
      txt('听取的意见建议', e.views, true),
      txt('后续办理情况', e.followUp, true),
      txt('走访民警', e.officer),
      dt('录入时间', e.createdAt),
    ]),
  },
];

const DATA = { 'warning-record': warnings, 'crisis-register': crisis, 'info-collection': info, 'visit-record': visits } as const;

const dateOf = (d: Date): string => bjChinese(d).split(' ')[0] ?? '';
const titleOf = (c: Case): string => `${FORM_TITLES[c.kind]}（${dateOf(c.period[0])}至${dateOf(new Date(c.period[1].getTime() - 1))}）`;
const colLetter = (n: number): string => (n <= 26 ? String.fromCharCode(64 + n) : String.fromCharCode(64 + Math.floor((n - 1) / 26)) + String.fromCharCode(65 + ((n - 1) % 26)));

/** What LibreOffice shows for the cell (and writes to CSV). */
function display(e: Expect): string {
  if (e.v == null) return '';
  if (e.kind === 'number') return String(e.v);
  if (e.kind === 'datetime') return bjIso(e.v as Date);
  if (e.kind === 'date') return bjIsoDate(e.v as Date);
  return e.v as string;
}

const files = new Map<XlsxKind, Buffer>();

beforeAll(async () => {
  for (const c of CASES) files.set(c.kind, await renderXlsx(c.kind, DATA[c.kind] as never));
});

describe('renderXlsx read back with exceljs', () => {
  it('has test data of registers with at least 30 rows, a 2,000-character field and special characters', () => {
    for (const c of CASES) expect(c.rows.length, c.kind).toBeGreaterThanOrEqual(30);
    expect(fx.LONG_TEXT.length).toBe(2000);
  });

  for (const c of CASES) {
    describe(c.kind, () => {
      let ws: ExcelJS.Worksheet;
      beforeAll(async () => {
        const wb = new ExcelJS.Workbook();
        await wb.xlsx.load(files.get(c.kind)! as unknown as ExcelJS.Buffer);
        expect(wb.worksheets.length).toBe(1);
        ws = wb.worksheets[0]!;
      });

      it('one worksheet named for the form, a title row with the period, the unit line, Chinese headers', () => {
        expect(ws.name).toBe(FORM_TITLES[c.kind]);
        expect(ws.getCell('A1').value).toBe(titleOf(c));
        expect(ws.getCell('A1').isMerged).toBe(true);
        const meta = String(ws.getCell('A2').value);
        expect(meta).toContain(fx.HEADER.unit);
        expect(meta).toContain(fx.HEADER.serial);
        expect(meta).toContain(fx.HEADER.secrecy);
        const headers = (ws.getRow(3).values as unknown[]).slice(1);
        expect(headers).toEqual(c.rows[0]!.map((e) => e.header));
      });

      it('freezes the rows down to the header row and puts the autofilter on it, over every record', () => {
        const v = ws.views[0] as ExcelJS.WorksheetViewFrozen;
        expect(v.state).toBe('frozen');
        expect(v.ySplit).toBe(3);
        expect(v.topLeftCell).toBe('A4');
        const n = c.rows[0]!.length;
        expect(ws.autoFilter).toBe(`A3:${colLetter(n)}${3 + c.rows.length}`);
        expect(ws.pageSetup.printTitlesRow).toBe('3:3');
      });

      it('sizes every column, wide enough for a date and a time, and wraps long text', () => {
        c.rows[0]!.forEach((e, i) => {
          const col = ws.getColumn(i + 1);
          expect(col.width, e.header).toBeGreaterThan(0);
          if (e.kind === 'datetime') expect(col.width, e.header).toBeGreaterThanOrEqual(16);
          if (e.kind === 'text' && e.long) {
            expect(col.width, e.header).toBeGreaterThanOrEqual(20);
            expect(ws.getCell(4, i + 1).alignment?.wrapText, e.header).toBe(true);
          }
        });
      });

      it('holds every field of every record: numbers as numbers, text as written, times as dates in Beijing time', () => {
        c.rows.forEach((row, r) => {
          row.forEach((e, i) => {
            const cell = ws.getCell(4 + r, i + 1);
            const where = `row ${r + 1} ${e.header}`;
            if (e.v == null || e.v === '') {
              expect(cell.value, where).toBeNull();
              return;
            }
            if (e.kind === 'number') {
              expect(cell.type, where).toBe(ExcelJS.ValueType.Number);
              expect(cell.value, where).toBe(e.v);
            } else if (e.kind === 'text') {
              expect(cell.value, where).toBe(e.v);
            } else {
              // exceljs reads the serial back as if it were UTC: it must be the Beijing wall clock.
              expect(cell.type, where).toBe(ExcelJS.ValueType.Date);
              const want = e.kind === 'date' ? bjWallDate(e.v) : bjWall(e.v);
              expect((cell.value as Date).getTime(), where).toBe(want.getTime());
              expect(cell.numFmt, where).toBe(e.kind === 'date' ? 'yyyy-mm-dd' : 'yyyy-mm-dd hh:mm');
            }
          });
        });
        // Nothing after the last record.
        expect(ws.getRow(4 + c.rows.length).hasValues).toBe(false);
      });
    });
  }

  it('cuts a field longer than an Excel cell holds (32,767 characters) instead of writing a file Excel must repair', async () => {
    const big = fx.warningRecord(30);
    big.rows[0] = { ...big.rows[0]!, handling: '超长'.repeat(20_000) };
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await renderXlsx('warning-record', big)) as unknown as ExcelJS.Buffer);
    const v = String(wb.worksheets[0]!.getCell('G4').value);
    expect(v.length).toBeLessThanOrEqual(32_767);
    expect(v.startsWith('超长超长')).toBe(true);
    expect(v).toContain('以下从略');
  });
});

describe.skipIf(!hasSoffice)(loSkipTitle('renderXlsx read back by LibreOffice headless (CSV as displayed)'), () => {
  let csv = new Map<string, Buffer>();

  beforeAll(async () => {
    // 44,34,76,1: comma, double quote, UTF-8, from the first line.
    csv = await convertWithLibreOffice(
      CASES.map((c) => ({ name: c.kind, data: files.get(c.kind)!, ext: 'xlsx' })),
      'csv:Text - txt - csv (StarCalc):44,34,76,1',
      'csv',
    );
  }, 400_000);

  for (const c of CASES) {
    it(`${c.kind}: opens, and shows every cell as the input says — dates in Beijing time`, () => {
      const rows = parseCsv(csv.get(c.kind)!.toString('utf8'));
      expect(rows[0]![0]).toBe(titleOf(c));
      expect(rows[1]![0]).toContain(fx.HEADER.unit);
      expect(rows[2]).toEqual(c.rows[0]!.map((e) => e.header));
      expect(rows.length).toBe(3 + c.rows.length);
      c.rows.forEach((row, r) => {
        expect(
          rows[3 + r],
          `row ${r + 1}`,
        ).toEqual(row.map(display));
      });
    });
  }
});
