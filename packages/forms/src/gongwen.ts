/**
 * The 公文 layout (GB/T 9704-2012, 党政机关公文格式) every Word form shares, built with the `docx`
 * library: A4 with the standard's margins, the standard's fonts and sizes, the header block
 * (编号, 密级, unit and date), page numbers 「— 1 —」, and bordered tables for the structured parts.
 */
import {
  AlignmentType,
  BorderStyle,
  convertMillimetersToTwip,
  Document,
  Footer,
  HeightRule,
  LineRuleType,
  Packer,
  PageNumber,
  PageOrientation,
  Paragraph,
  Table,
  TableCell,
  TableLayoutType,
  TableRow,
  Tab,
  TabStopType,
  TextRun,
  VerticalAlignTable,
  WidthType,
  type IParagraphStyleOptions,
  type IRunStylePropertiesOptions,
} from 'docx';
import type { FormHeader } from './model';
import { paragraphsOf, safeText } from './format';

const mm = (v: number): number => convertMillimetersToTwip(v);

/** A4 in twips (210 × 297 mm), portrait. */
export const PAGE = { width: 11906, height: 16838 } as const;
/** GB/T 9704 §5.2.1: 天头 37 mm, 订口 28 mm, 版心 156 × 225 mm (so 下 35 mm, 右 26 mm). */
export const MARGIN = { top: mm(37), bottom: mm(35), left: mm(28), right: mm(26) } as const;
/** The width text and tables have: the 版心's 156 mm. */
export const TEXT_WIDTH = PAGE.width - MARGIN.left - MARGIN.right;

/**
 * Fonts (GB/T 9704 §5.2.2, §7.2, §7.3.3): 标题 方正小标宋简体 二号, 正文 仿宋_GB2312 三号, 一级标题
 * 黑体, 二级标题 楷体_GB2312, 页码 宋体 四号; Latin letters and digits in Times New Roman, as bureaus
 * usually set them.
 *
 * Fallbacks: a WordprocessingML run names one font per script (w:rFonts); the place a document
 * names a substitute is its font table (w:altName), and docx 9.15.2 writes font-table entries only
 * for fonts it embeds (we ship no font files: licence and size). So what the library allows, we do:
 *  - the East-Asian slot is named explicitly (w:eastAsia), so Chinese text never falls into the
 *    Latin font, and w:hint="eastAsia" makes the shared punctuation (「」“”—…) use it too;
 *  - the document defaults tag all text w:lang w:eastAsia="zh-CN", so an application without
 *    仿宋_GB2312 substitutes a Simplified-Chinese font rather than a Japanese or Latin one: WPS maps
 *    仿宋_GB2312 to 仿宋 (FangSong, in every Windows since Vista) and 楷体_GB2312 to 楷体 itself,
 *    Word picks from the language and script, LibreOffice's replacement table tries FangSong →
 *    SimKai → … and then whatever CJK font fontconfig has (Noto CJK on our servers);
 *  - the document defaults name the substitute itself (仿宋, FangSong), so any text we leave
 *    without a style font (a field result, text a user types into a new paragraph) uses a font
 *    every Chinese Windows has.
 */
export const FONT = {
  title: '方正小标宋简体',
  body: '仿宋_GB2312',
  heading1: '黑体',
  heading2: '楷体_GB2312',
  pageNumber: '宋体',
  latin: 'Times New Roman',
  fallback: '仿宋',
} as const;

/** Font sizes in half-points (docx's unit): 二号 22 pt, 三号 16 pt, 四号 14 pt, 五号 10.5 pt. */
export const SIZE = { er: 44, san: 32, si: 28, wu: 21 } as const;

const cjk = (eastAsia: string): IRunStylePropertiesOptions['font'] => ({ ascii: FONT.latin, hAnsi: FONT.latin, cs: FONT.latin, eastAsia, hint: 'eastAsia' });

/**
 * Line pitch: GB/T 9704 §5.2.4 puts 22 lines on the 225 mm 版心 — 28.95 pt (579 twips) a line,
 * set exactly so a page holds the standard's 22 lines.
 */
const LINE = 579;
/** Two characters of 三号 text: the first-line indent of a 公文 paragraph. */
const INDENT_2 = 640;

export const STYLE = {
  title: 'GwTitle',
  body: 'GwBody',
  meta: 'GwMeta',
  heading1: 'GwHeading1',
  heading2: 'GwHeading2',
  cell: 'GwCell',
  cellHead: 'GwCellHead',
  cellSmall: 'GwCellSmall',
  cellSmallHead: 'GwCellSmallHead',
  footer: 'GwFooter',
  signature: 'GwSignature',
} as const;

const paragraphStyles: IParagraphStyleOptions[] = [
  {
    id: STYLE.title,
    name: '公文标题',
    basedOn: 'Normal',
    next: STYLE.body,
    run: { font: cjk(FONT.title), size: SIZE.er },
    paragraph: { alignment: AlignmentType.CENTER, spacing: { before: 0, after: LINE, line: LINE, lineRule: LineRuleType.EXACT }, keepNext: true },
  },
  {
    id: STYLE.body,
    name: '公文正文',
    basedOn: 'Normal',
    run: { font: cjk(FONT.body), size: SIZE.san },
    paragraph: { alignment: AlignmentType.JUSTIFIED, indent: { firstLine: INDENT_2 }, spacing: { before: 0, after: 0, line: LINE, lineRule: LineRuleType.EXACT } },
  },
  {
    id: STYLE.meta,
    name: '公文版头',
    basedOn: STYLE.body,
    run: { font: cjk(FONT.body), size: SIZE.san },
    paragraph: { alignment: AlignmentType.LEFT, indent: { firstLine: 0 }, spacing: { before: 0, after: 0, line: LINE, lineRule: LineRuleType.EXACT } },
  },
  {
    id: STYLE.heading1,
    name: '公文一级标题',
    basedOn: STYLE.body,
    next: STYLE.body,
    run: { font: cjk(FONT.heading1), size: SIZE.san },
    paragraph: { keepNext: true, spacing: { before: 0, after: 0, line: LINE, lineRule: LineRuleType.EXACT } },
  },
  {
    id: STYLE.heading2,
    name: '公文二级标题',
    basedOn: STYLE.body,
    next: STYLE.body,
    run: { font: cjk(FONT.heading2), size: SIZE.san },
    paragraph: { keepNext: true, spacing: { before: 0, after: 0, line: LINE, lineRule: LineRuleType.EXACT } },
  },
  {
    // Tables: GB/T 9704 leaves their type size open; 四号 keeps a two-column form readable.
    id: STYLE.cell,
    name: '表格文字',
    basedOn: 'Normal',
    run: { font: cjk(FONT.body), size: SIZE.si },
    paragraph: { alignment: AlignmentType.LEFT, spacing: { before: 0, after: 0, line: 360, lineRule: LineRuleType.AT_LEAST } },
  },
  {
    id: STYLE.cellHead,
    name: '表格标签',
    basedOn: STYLE.cell,
    run: { font: cjk(FONT.heading1), size: SIZE.si },
    paragraph: { alignment: AlignmentType.CENTER },
  },
  {
    // Registers with seven to ten columns on a portrait page: 五号.
    id: STYLE.cellSmall,
    name: '登记表文字',
    basedOn: 'Normal',
    run: { font: cjk(FONT.body), size: SIZE.wu },
    paragraph: { alignment: AlignmentType.LEFT, spacing: { before: 0, after: 0, line: 280, lineRule: LineRuleType.AT_LEAST } },
  },
  {
    id: STYLE.cellSmallHead,
    name: '登记表表头',
    basedOn: STYLE.cellSmall,
    run: { font: cjk(FONT.heading1), size: SIZE.wu },
    paragraph: { alignment: AlignmentType.CENTER },
  },
  {
    // GB/T 9704 §7.5: page numbers in 4号 半角宋体 digits between 一字线, 7 mm below the 版心.
    id: STYLE.footer,
    name: '公文页码',
    basedOn: 'Normal',
    run: { font: { ascii: FONT.pageNumber, hAnsi: FONT.pageNumber, cs: FONT.pageNumber, eastAsia: FONT.pageNumber, hint: 'eastAsia' }, size: SIZE.si },
    paragraph: { spacing: { before: 0, after: 0 } },
  },
  {
    id: STYLE.signature,
    name: '落款',
    basedOn: STYLE.body,
    paragraph: { alignment: AlignmentType.RIGHT, indent: { firstLine: 0, right: INDENT_2 } },
  },
];

/** Text for a single line: line breaks become spaces. */
const oneLine = (v: string | null | undefined): string => safeText(v).replace(/\s*\n\s*/g, ' ');

/** One paragraph of text in a style (an empty one for no text: Word needs a paragraph in every cell). */
export function para(text: string | null | undefined, style: string = STYLE.body, run?: IRunStylePropertiesOptions): Paragraph {
  const t = oneLine(text);
  return new Paragraph({ style, children: t ? [new TextRun({ text: t, ...run })] : [] });
}

/** A text's paragraphs in a style; one empty paragraph for no text. */
export function paras(text: string | null | undefined, style: string = STYLE.body, alignment?: (typeof AlignmentType)[keyof typeof AlignmentType]): Paragraph[] {
  const ps = paragraphsOf(text);
  const one = (t: string): Paragraph => new Paragraph({ style, ...(alignment ? { alignment } : {}), children: t ? [new TextRun({ text: t })] : [] });
  return ps.length ? ps.map(one) : [one('')];
}

export const heading1 = (text: string): Paragraph => para(text, STYLE.heading1);
export const heading2 = (text: string): Paragraph => para(text, STYLE.heading2);

/** A line of 「label：value」 pairs, the label in 黑体 (as GB/T 9704 sets 密级), the value in 仿宋. */
function labelled(label: string, value: string, labelFont: string = FONT.heading1): TextRun[] {
  return [new TextRun({ text: `${label}：`, font: cjk(labelFont) }), new TextRun({ text: oneLine(value) })];
}

/** Width in 三号 characters, CJK counted as one and ASCII as a half, to decide whether two items fit a line. */
function charWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += ch.charCodeAt(0) < 0x2e80 ? 0.5 : 1;
  return w;
}

/**
 * The header block: 编号 (left) and 密级 (right) above the title; the title; then the unit and the
 * date or period. Where both halves of a line don't fit the 版心's 27 characters they go on two lines.
 */
export function headerBlock(title: string, header: FormHeader, unitLine: { label: string; value: string; dateLabel: string; date: string } | null): Paragraph[] {
  const out: Paragraph[] = [];
  out.push(twoSided(labelled('编号', header.serial, FONT.body), labelled('密级', header.secrecy), `编号：${header.serial}密级：${header.secrecy}`));
  // One blank line between the block and the title (GB/T 9704 puts the title two lines below the red rule).
  out.push(para('', STYLE.meta));
  out.push(para(title, STYLE.title));
  if (unitLine) {
    out.push(twoSided(labelled(unitLine.label, unitLine.value, FONT.body), labelled(unitLine.dateLabel, unitLine.date, FONT.body), `${unitLine.label}：${unitLine.value}${unitLine.dateLabel}：${unitLine.date}`));
  }
  return out;
}

function twoSided(left: TextRun[], right: TextRun[], plain: string): Paragraph {
  // A right tab at the 版心's edge puts the second item flush right on the same line.
  if (charWidth(plain) <= 26) {
    return new Paragraph({ style: STYLE.meta, tabStops: [{ type: TabStopType.RIGHT, position: TEXT_WIDTH }], children: [...left, new TextRun({ children: [new Tab()] }), ...right] });
  }
  return new Paragraph({ style: STYLE.meta, children: [...left, new TextRun({ break: 1 }), ...right] });
}

const LINE_BORDER = { style: BorderStyle.SINGLE, size: 4, color: '000000' } as const;
const OUTER_BORDER = { style: BorderStyle.SINGLE, size: 12, color: '000000' } as const;
const BORDERS = { top: OUTER_BORDER, bottom: OUTER_BORDER, left: OUTER_BORDER, right: OUTER_BORDER, insideHorizontal: LINE_BORDER, insideVertical: LINE_BORDER };
const CELL_MARGINS = { top: 60, bottom: 60, left: 100, right: 100 };

/** Narrower padding in the many-column registers, where every millimetre of a column counts. */
const CELL_MARGINS_SMALL = { top: 40, bottom: 40, left: 50, right: 50 };

function cell(children: Paragraph[], width: number, opts: { span?: number; center?: boolean; small?: boolean } = {}): TableCell {
  return new TableCell({
    children: children.length ? children : [para('', STYLE.cell)],
    width: { size: width, type: WidthType.DXA },
    verticalAlign: opts.center ? VerticalAlignTable.CENTER : VerticalAlignTable.TOP,
    margins: opts.small ? CELL_MARGINS_SMALL : CELL_MARGINS,
    ...(opts.span && opts.span > 1 ? { columnSpan: opts.span } : {}),
  });
}

/** Splits the 版心 width in proportion to the weights given (the last column takes the rounding). */
function widthsOf(weights: readonly number[]): number[] {
  const total = weights.reduce((a, b) => a + b, 0);
  const ws = weights.map((w) => Math.floor((TEXT_WIDTH * w) / total));
  ws[ws.length - 1] = (ws[ws.length - 1] ?? 0) + TEXT_WIDTH - ws.reduce((a, b) => a + b, 0);
  return ws;
}

export interface KvRow {
  label: string;
  /** Text (split into paragraphs) or ready paragraphs. */
  value: string | Paragraph[];
  /** A minimum height in mm (the 领导批示 box). */
  minHeightMm?: number;
}

/** A two-column form: 黑体 labels on the left, the values on the right. */
export function kvTable(rows: readonly KvRow[], labelWeight = 24, valueWeight = 76): Table {
  const widths = widthsOf([labelWeight, valueWeight]);
  const [lw, vw] = [widths[0] ?? 0, widths[1] ?? 0];
  return new Table({
    width: { size: TEXT_WIDTH, type: WidthType.DXA },
    columnWidths: widths,
    layout: TableLayoutType.FIXED,
    borders: BORDERS,
    rows: rows.map(
      (r) =>
        new TableRow({
          // A box kept for handwriting must not be torn across two pages; text rows may break.
          ...(r.minHeightMm ? { height: { value: mm(r.minHeightMm), rule: HeightRule.ATLEAST }, cantSplit: true } : {}),
          children: [cell([para(r.label, STYLE.cellHead)], lw, { center: true }), cell(typeof r.value === 'string' ? paras(r.value, STYLE.cell) : r.value, vw)],
        }),
    ),
  });
}

/**
 * A figures grid: rows of label/value pairs side by side (label, value, label, value…), for
 * statistics tables such as the weekly figures.
 */
export function pairsTable(rows: ReadonlyArray<ReadonlyArray<{ label: string; value: string }>>): Table {
  const perRow = Math.max(1, ...rows.map((r) => r.length));
  const widths = widthsOf(Array.from({ length: perRow * 2 }, (_, i) => (i % 2 === 0 ? 3 : 2)));
  return new Table({
    width: { size: TEXT_WIDTH, type: WidthType.DXA },
    columnWidths: widths,
    layout: TableLayoutType.FIXED,
    borders: BORDERS,
    rows: rows.map(
      (r) =>
        new TableRow({
          cantSplit: true,
          children: Array.from({ length: perRow }, (_, i) => {
            const p = r[i];
            return [
              cell([para(p?.label ?? '', STYLE.cellHead)], widths[i * 2] ?? 0, { center: true }),
              cell(paras(p?.value ?? '', STYLE.cell, AlignmentType.CENTER), widths[i * 2 + 1] ?? 0, { center: true }),
            ];
          }).flat(),
        }),
    ),
  });
}

/** A register cell: text (split into paragraphs at line breaks) or the paragraphs' texts. */
export type GridCell = string | readonly string[];

/**
 * A register table: a header row (repeated on every page) and one row per record. `small` sets it in
 * 五号 for tables of many columns. A row may break across pages: one 2,000-character field must not
 * push the whole row onto its own page or be clipped.
 */
export function gridTable(columns: ReadonlyArray<{ header: string; weight: number; center?: boolean }>, rows: ReadonlyArray<ReadonlyArray<GridCell>>, small = true): Table {
  const widths = widthsOf(columns.map((c) => c.weight));
  const textStyle = small ? STYLE.cellSmall : STYLE.cell;
  const headStyle = small ? STYLE.cellSmallHead : STYLE.cellHead;
  const header = new TableRow({ tableHeader: true, cantSplit: true, children: columns.map((c, i) => cell([para(c.header, headStyle)], widths[i] ?? 0, { center: true, small })) });
  const body = rows.map(
    (r) =>
      new TableRow({
        children: columns.map((c, i) => {
          const v = r[i] ?? '';
          const text = typeof v === 'string' ? v : v.join('\n');
          return cell(paras(text, textStyle, c.center ? AlignmentType.CENTER : undefined), widths[i] ?? 0, { center: true, small });
        }),
      }),
  );
  // A register with no record still shows its header and one row saying so.
  const empty = new TableRow({ children: [cell(paras('（无）', textStyle, AlignmentType.CENTER), TEXT_WIDTH, { span: columns.length, center: true, small })] });
  return new Table({
    width: { size: TEXT_WIDTH, type: WidthType.DXA },
    columnWidths: widths,
    layout: TableLayoutType.FIXED,
    borders: BORDERS,
    rows: [header, ...(body.length ? body : [empty])],
  });
}

/** A signature line flush right: 「填报人：张三」. */
export function signature(label: string, value: string): Paragraph {
  return new Paragraph({ style: STYLE.signature, children: labelled(label, value, FONT.body) });
}

/** An empty line of body text: the space between parts. */
export const blank = (): Paragraph => para('', STYLE.body);

/**
 * GB/T 9704 §7.5 page numbers: 「— 1 —」, odd pages flush right and even pages flush left, each
 * one character in from the edge — so the number sits on the outer edge of a two-sided print.
 */
function pageFooter(odd: boolean): Footer {
  return new Footer({
    children: [
      new Paragraph({
        style: STYLE.footer,
        alignment: odd ? AlignmentType.RIGHT : AlignmentType.LEFT,
        indent: odd ? { right: 280 } : { left: 280 },
        children: [new TextRun({ children: ['— ', PageNumber.CURRENT, ' —'] })],
      }),
    ],
  });
}

/** Packs a form: its title (document properties), the body, in the 公文 layout. */
export async function packGongwen(title: string, children: Array<Paragraph | Table>): Promise<Buffer> {
  const doc = new Document({
    creator: '舆情监测预警系统',
    title,
    evenAndOddHeaderAndFooters: true,
    styles: {
      default: {
        document: {
          run: { font: { ascii: FONT.latin, hAnsi: FONT.latin, cs: FONT.latin, eastAsia: FONT.fallback, hint: 'eastAsia' }, size: SIZE.san, language: { value: 'en-US', eastAsia: 'zh-CN' } },
        },
      },
      paragraphStyles,
    },
    sections: [
      {
        properties: {
          page: {
            size: { width: PAGE.width, height: PAGE.height, orientation: PageOrientation.PORTRAIT },
            // The page number's top sits 7 mm below the 版心 (35 mm − 7 mm − a 4号 line ≈ 23 mm from the edge).
            margin: { ...MARGIN, header: mm(15), footer: mm(23) },
          },
        },
        footers: { default: pageFooter(true), even: pageFooter(false) },
        children,
      },
    ],
  });
  return Packer.toBuffer(doc);
}
