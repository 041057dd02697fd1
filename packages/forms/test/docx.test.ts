/**
 * The Word forms, read back independently. Without LibreOffice: the .docx package itself (its ZIP
 * parts read with node:zlib) — A4 and the GB/T 9704 margins in sectPr, the 公文 fonts and sizes,
 * the page-number footer, escaping. With LibreOffice headless (Debian's package): every document
 * converts (opens without repair) to PDF on A4 pages, whose count is reported; its text export
 * holds every field and figure of the input, in order; poppler's pdftotext finds 「— n —」 on page n
 * and the register's header row on every page.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { renderDocx } from '../src/docx';
import { FORM_TITLES, type CrisisRecord, type CrisisRegisterData, type MajorReportData, type WarningRecordData, type WeeklyReportData } from '../src/model';
import * as fx from './fixtures';
import {
  bjChinese,
  convertWithLibreOffice,
  countPageObjects,
  hasSoffice,
  LEVEL_ZH,
  loSkipTitle,
  mediaBoxes,
  PDFINFO,
  pdfPages,
  pdfPageTexts,
  PDFTOTEXT,
  popplerSkipTitle,
  readZip,
  squash,
  STATUS_ZH,
} from './support';

const major = fx.majorReport();
const weekly = fx.weeklyReport();
const warnings = fx.warningRecord(36);
const crisis = fx.crisisRegister(32);
const ONE = crisis.records[2]!;

const dateOf = (d: Date): string => bjChinese(d).split(' ')[0] ?? '';
/** The forms print half-open periods [start, end) with the last day included. */
const period = (s: Date, e: Date): string => `${dateOf(s)}至${dateOf(new Date(e.getTime() - 1))}`;

/** 「本期共预警 36 次，其中红色 11 次、橙色 12 次…」 from the test's own count. */
function levelLine(levels: string[], noun: string, unit: string): string {
  const parts = ['red', 'orange', 'yellow', 'blue']
    .map((l) => [l, levels.filter((x) => x === l).length] as const)
    .filter(([, n]) => n > 0)
    .map(([l, n]) => `${LEVEL_ZH[l]}${n}${unit}`);
  return `本期共${noun}${levels.length}${unit}${parts.length ? `，其中${parts.join('、')}` : ''}。`;
}

function headerSegments(title: string): string[] {
  return [`编号：${fx.HEADER.serial}`, `密级：${fx.HEADER.secrecy}`, title];
}

function expectedMajor(d: MajorReportData): string[] {
  const o = d.opinion;
  const f = o.firstPost!;
  return [
    ...headerSegments(FORM_TITLES['major-report']),
    `呈报单位${d.header.unit}`,
    `呈报时间${bjChinese(d.reportedAt)}`,
    `事项名称${d.title}`,
    `发生时间与地点时间：${bjChinese(d.occurredAt)}地点：${d.place}`,
    `涉及单位/人员${d.involved}`,
    `舆情概况${o.summary}`,
    `首发：${bjChinese(f.at)}，来源：${f.source}，发布者：${f.author}`,
    `首发链接：${f.url}`,
    `传播：相关信息${o.items}条，其中涉警负面${o.policeNegative}条`,
    `平台：${o.platforms.join('、')}`,
    `峰值：每小时${o.peak!.perHour}条（${bjChinese(o.peak!.at)}）`,
    `级别：${LEVEL_ZH[o.level]}`,
    `研判依据：${o.levelReason}`,
    `已采取措施${d.measures}`,
    `回应情况${d.response}`,
    `下步工作${d.nextSteps}`,
    `呈报人${d.reporter}`,
    '领导批示',
  ];
}

function expectedWeekly(d: WeeklyReportData): string[] {
  const f = d.figures;
  const share = `${((f.policeNegative / f.policeRelated) * 100).toFixed(1)}%`;
  const total = f.warnings.blue + f.warnings.yellow + f.warnings.orange + f.warnings.red;
  return [
    ...headerSegments(FORM_TITLES['weekly-report']),
    `填报单位：${d.header.unit}`,
    `报告期：${period(d.periodStart, d.periodEnd)}`,
    '一、本周工作数据',
    `信息总量${f.items}涉警信息${f.policeRelated}`,
    `涉警负面${f.policeNegative}负面占比${share}`,
    `红色预警${f.warnings.red}橙色预警${f.warnings.orange}`,
    `黄色预警${f.warnings.yellow}蓝色预警${f.warnings.blue}`,
    `预警合计${total}回应${f.responses}`,
    `新立事件${f.incidentsOpened}办结事件${f.incidentsClosed}`,
    '二、本周舆情概述',
    d.overview,
    '三、本周预警与事件',
    `（一）预警（${d.warnings.length}条）`,
    '序号时间级别预警内容状态',
    ...d.warnings.map((w, i) => `${i + 1}${bjChinese(w.at)}${LEVEL_ZH[w.level]}${w.title}${STATUS_ZH[w.state]}`),
    `（二）事件（${d.incidents.length}起）`,
    '编号事件名称级别状态立案时间回应时间',
    ...d.incidents.map((x) => `#${x.id}${x.title}${LEVEL_ZH[x.level]}${STATUS_ZH[x.status]}${bjChinese(x.openedAt)}${bjChinese(x.respondedAt)}`),
    '四、本周主要工作',
    d.mainWork,
    '五、下周工作安排',
    d.nextWeek,
    `填报人：${d.filledBy}`,
  ];
}

function expectedWarnings(d: WarningRecordData): string[] {
  return [
    ...headerSegments(FORM_TITLES['warning-record']),
    `填报单位：${d.header.unit}`,
    `时段：${period(d.periodStart, d.periodEnd)}`,
    levelLine(
      d.rows.map((r) => r.level),
      '预警',
      '次',
    ),
    '序号时间级别话题规则处置情况结果',
    ...d.rows.map((r, i) => `${i + 1}${bjChinese(r.at)}${LEVEL_ZH[r.level]}${r.topic}${r.rule}${r.handling}${r.outcome}`),
  ];
}

function expectedRegister(d: CrisisRegisterData): string[] {
  return [
    ...headerSegments(FORM_TITLES['crisis-register']),
    `填报单位：${d.header.unit}`,
    `时段：${period(d.periodStart!, d.periodEnd!)}`,
    levelLine(
      d.records.map((r) => r.level),
      '登记事件',
      '起',
    ),
    '序号事件级别状态责任人立案时间回应时间办结时间',
    ...d.records.map(
      (r, i) =>
        `${i + 1}${r.title}（#${r.incidentId}）${r.category}｜${r.place}${LEVEL_ZH[r.level]}${STATUS_ZH[r.status]}${r.owner}${bjChinese(r.openedAt)}${bjChinese(r.respondedAt)}${bjChinese(r.closedAt)}`,
    ),
  ];
}

function expectedRecord(d: CrisisRegisterData, r: CrisisRecord): string[] {
  return [
    ...headerSegments(FORM_TITLES['crisis-register']),
    `填报单位：${d.header.unit}`,
    `立案时间：${bjChinese(r.openedAt)}`,
    `事件名称${r.title}`,
    `事件编号#${r.incidentId}`,
    `事件级别${LEVEL_ZH[r.level]}`,
    `事件类别${r.category}`,
    `发生地点${r.place}`,
    `立案时间${bjChinese(r.openedAt)}`,
    `处置状态${STATUS_ZH[r.status]}`,
    `责任人${r.owner}`,
    `回应时限${bjChinese(r.dueAt)}`,
    `回应时间${bjChinese(r.respondedAt)}`,
    `回应渠道${r.responseChannel}`,
    `回应内容${r.responseText}`,
    `事件概要${fx.xmlSafe(r.summary)}`,
    `办结时间${bjChinese(r.closedAt)}`,
    `办结小结${r.closingSummary}`,
    `处置经过（${r.timeline.length}条）`,
    '序号时间人员经过',
    ...r.timeline.map((t, i) => `${i + 1}${bjChinese(t.at)}${t.actor}${t.text}`),
  ];
}

interface Doc {
  name: string;
  data: Buffer;
  expected: string[];
  /** A column header that must be on every page (the repeated header row), if the document is one long register. */
  everyPage?: string;
}

let docs: Doc[] = [];

beforeAll(async () => {
  docs = [
    { name: 'major-report', data: await renderDocx('major-report', major), expected: expectedMajor(major) },
    { name: 'weekly-report', data: await renderDocx('weekly-report', weekly), expected: expectedWeekly(weekly) },
    { name: 'warning-record', data: await renderDocx('warning-record', warnings), expected: expectedWarnings(warnings), everyPage: '处置情况' },
    { name: 'crisis-register', data: await renderDocx('crisis-register', crisis), expected: expectedRegister(crisis), everyPage: '办结时间' },
    { name: 'crisis-record', data: await renderDocx('crisis-register', crisis, { incidentId: ONE.incidentId }), expected: expectedRecord(crisis, ONE) },
  ];
});

/** Each segment (whitespace removed) must follow the previous one in the text. */
function expectInOrder(name: string, text: string, segments: string[]): void {
  const t = squash(text);
  let pos = 0;
  for (const seg of segments) {
    const s = squash(seg);
    if (!s) continue;
    const at = t.indexOf(s, pos);
    const where = at >= 0 ? '' : t.indexOf(s) >= 0 ? ' (present, but out of order)' : ' (missing)';
    expect(at, `${name}: 「${s.slice(0, 80)}${s.length > 80 ? '…' : ''}」${where}`).toBeGreaterThanOrEqual(0);
    pos = at + s.length;
  }
}

const twips = (mm: number): number => (mm / 25.4) * 1440;

function attr(xml: string, element: string, name: string): number {
  const el = new RegExp(`<${element}\\b[^>]*>`).exec(xml)?.[0] ?? '';
  const m = new RegExp(`\\b${name}="(-?\\d+)"`).exec(el);
  return m ? Number(m[1]) : NaN;
}

describe('renderDocx: the .docx package', () => {
  it('puts every form on A4 portrait with the GB/T 9704 margins (上37 下35 左28 右26 mm)', () => {
    for (const d of docs) {
      const xml = readZip(d.data).get('word/document.xml')?.toString('utf8') ?? '';
      const sect = /<w:sectPr\b[\s\S]*?<\/w:sectPr>/.exec(xml)?.[0] ?? '';
      expect(sect, d.name).toMatch(/<w:pgSz\b[^>]*\bw:w="11906"/);
      expect(sect, d.name).toMatch(/<w:pgSz\b[^>]*\bw:h="16838"/);
      expect(sect, d.name).not.toMatch(/w:orient="landscape"/);
      // Within 2 twips (0.04 mm) of the standard: twips are whole numbers.
      expect(Math.abs(attr(sect, 'w:pgMar', 'w:top') - twips(37)), `${d.name} top`).toBeLessThan(2);
      expect(Math.abs(attr(sect, 'w:pgMar', 'w:bottom') - twips(35)), `${d.name} bottom`).toBeLessThan(2);
      expect(Math.abs(attr(sect, 'w:pgMar', 'w:left') - twips(28)), `${d.name} left`).toBeLessThan(2);
      expect(Math.abs(attr(sect, 'w:pgMar', 'w:right') - twips(26)), `${d.name} right`).toBeLessThan(2);
    }
  });

  it('names the 公文 fonts for East-Asian text, with sizes 二号 (title) and 三号 (body), and a fallback default', () => {
    const styles = readZip(docs[0]!.data).get('word/styles.xml')?.toString('utf8') ?? '';
    const style = (id: string): string => new RegExp(`<w:style\\b[^>]*w:styleId="${id}"[\\s\\S]*?</w:style>`).exec(styles)?.[0] ?? '';
    expect(style('GwTitle')).toMatch(/w:eastAsia="方正小标宋简体"/);
    expect(style('GwTitle')).toMatch(/<w:sz w:val="44"\/>/);
    expect(style('GwBody')).toMatch(/w:eastAsia="仿宋_GB2312"/);
    expect(style('GwBody')).toMatch(/<w:sz w:val="32"\/>/);
    expect(style('GwHeading1')).toMatch(/w:eastAsia="黑体"/);
    expect(style('GwHeading2')).toMatch(/w:eastAsia="楷体_GB2312"/);
    expect(style('GwBody')).toMatch(/w:hint="eastAsia"/);
    const defaults = /<w:docDefaults>[\s\S]*?<\/w:docDefaults>/.exec(styles)?.[0] ?? '';
    expect(defaults).toMatch(/w:eastAsia="仿宋"/);
    expect(defaults).toMatch(/<w:lang\b[^>]*w:eastAsia="zh-CN"/);
  });

  it('numbers pages 「— n —」 in the footers, odd pages right and even pages left', () => {
    const zip = readZip(docs[0]!.data);
    const footers = [...zip.entries()].filter(([n]) => /^word\/footer\d+\.xml$/.test(n)).map(([, b]) => b.toString('utf8'));
    expect(footers.length).toBe(2);
    for (const f of footers) {
      expect(f).toMatch(/PAGE/);
      expect(f).toMatch(/<w:t[^>]*>— <\/w:t>/);
      expect(f).toMatch(/<w:t[^>]*> —<\/w:t>/);
    }
    expect(footers.some((f) => /<w:jc w:val="(right|end)"\/>/.test(f))).toBe(true);
    expect(footers.some((f) => /<w:jc w:val="(left|start)"\/>/.test(f))).toBe(true);
    expect(zip.get('word/settings.xml')?.toString('utf8')).toMatch(/<w:evenAndOddHeaders\/>/);
  });

  it('escapes < & > " in names, drops characters XML cannot carry, and never prints undefined or null', () => {
    for (const d of docs) {
      const xml = readZip(d.data).get('word/document.xml')?.toString('utf8') ?? '';
      expect(xml, d.name).toContain('某市公安局&lt;警察公共关系科&gt; &amp;');
      expect(xml, d.name).not.toContain('<警察公共关系科>');
      const text = [...xml.matchAll(/<w:t(?:\s[^>]*)?>([^<]*)<\/w:t>/g)].map((m) => m[1]).join('');
      expect(text, d.name).not.toMatch(/undefined|null|NaN|Invalid Date/);
      // eslint-disable-next-line no-control-regex
      expect(xml, d.name).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/);
    }
    const record = readZip(docs[4]!.data).get('word/document.xml')?.toString('utf8') ?? '';
    expect(record).toContain(fx.xmlSafe(ONE.summary));
    expect(fx.xmlSafe(ONE.summary)).not.toBe(ONE.summary);
  });

  it('refuses a 危机管理登记表 for an incident the register does not hold', async () => {
    await expect(renderDocx('crisis-register', crisis, { incidentId: 1 })).rejects.toThrow(/#1/);
  });

  it('prints empty fields blank and a register without records with its header and 「（无）」', async () => {
    const empty: WarningRecordData = { header: { serial: '', secrecy: '', unit: '' }, periodStart: warnings.periodStart, periodEnd: warnings.periodEnd, rows: [] };
    const xml = readZip(await renderDocx('warning-record', empty)).get('word/document.xml')?.toString('utf8') ?? '';
    const text = [...xml.matchAll(/<w:t(?:\s[^>]*)?>([^<]*)<\/w:t>/g)].map((m) => m[1]).join('|');
    expect(text).toContain('编号：|');
    expect(text).toContain('（无）');
    expect(text).toContain('本期共预警 0 次。');
    expect(text).not.toMatch(/undefined|null/);
  });
});

describe.skipIf(!hasSoffice)(loSkipTitle('renderDocx read back by LibreOffice headless'), () => {
  let pdfs = new Map<string, Buffer>();
  let texts = new Map<string, Buffer>();
  const pageCounts: Record<string, number> = {};

  beforeAll(async () => {
    const files = docs.map((d) => ({ name: d.name, data: d.data, ext: 'docx' }));
    pdfs = await convertWithLibreOffice(files, 'pdf', 'pdf');
    texts = await convertWithLibreOffice(files, 'txt:Text (encoded):UTF8', 'txt');
  }, 400_000);

  it('opens every document without repair: each converts to a PDF of A4 pages', async () => {
    for (const d of docs) {
      const pdf = pdfs.get(d.name)!;
      expect(pdf.subarray(0, 5).toString('latin1'), d.name).toBe('%PDF-');
      const { pages, by } = await pdfPages(pdf);
      pageCounts[d.name] = pages;
      expect(pages, d.name).toBeGreaterThanOrEqual(1);
      // Both counts agree where poppler is there to compare with.
      if (by === 'pdfinfo') expect(countPageObjects(pdf), d.name).toBe(pages);
      const boxes = mediaBoxes(pdf);
      expect(boxes.length, d.name).toBeGreaterThanOrEqual(1);
      for (const [w, h] of boxes) {
        expect(Math.abs(w - 595.3), `${d.name} width`).toBeLessThan(1);
        expect(Math.abs(h - 841.9), `${d.name} height`).toBeLessThan(1);
      }
    }
    // The 2,000-character 舆情概况 cannot share one page with the rest of the 呈报表, and 36 warnings do not fit two.
    expect(pageCounts['major-report']).toBeGreaterThanOrEqual(2);
    expect(pageCounts['warning-record']).toBeGreaterThanOrEqual(3);
    console.info(`[forms] pages (${PDFINFO ? 'pdfinfo' : 'page objects'}):`, JSON.stringify(pageCounts));
  });

  for (const name of ['major-report', 'weekly-report', 'warning-record', 'crisis-register', 'crisis-record']) {
    it(`${name}: every field and figure of the input, in order, in Beijing time`, () => {
      const d = docs.find((x) => x.name === name)!;
      const text = texts.get(name)!.toString('utf8');
      expectInOrder(name, text, d.expected);
      expect(text).not.toMatch(/undefined|null|NaN|Invalid Date/);
    });
  }

  it('the 呈报表 ends with the blank 领导批示 box', () => {
    const text = squash(texts.get('major-report')!.toString('utf8'));
    expect(text.endsWith('领导批示')).toBe(true);
  });

  it.skipIf(!PDFTOTEXT)(popplerSkipTitle('page n shows 「— n —」 (odd right, even left) and a register repeats its header row on every page'), async () => {
    for (const d of docs) {
      const pages = await pdfPageTexts(pdfs.get(d.name)!);
      expect(pages.length, d.name).toBe(pageCounts[d.name] ?? (await pdfPages(pdfs.get(d.name)!)).pages);
      const indents: number[] = [];
      pages.forEach((p, i) => {
        // pdftotext drops the spaces around the number: 「—1—」.
        const line = p.split('\n').find((l) => new RegExp(`—\\s*${i + 1}\\s*—`).test(l));
        expect(line, `${d.name} page ${i + 1}`).toBeDefined();
        indents.push(line!.indexOf('—'));
        if (d.everyPage) expect(p, `${d.name} page ${i + 1}`).toContain(d.everyPage);
      });
      if (indents.length >= 2) expect(indents[0]!, `${d.name}: odd page number right of the even one`).toBeGreaterThan(indents[1]!);
    }
  });
});
