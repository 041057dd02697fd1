/**
 * The author. Chinese news pages name the writers in a by-line (`作者：`, `本报记者 张三 李四`,
 * `文/张三`), in brackets in the lead or at the end (`新京报讯（记者 张三）`, `（张三 上海报道）`),
 * in a meta tag, or — on blogs and forums — as the poster (`由张三张贴`, `张三 发表于`). Editors
 * (`编辑：`, `责任编辑：`) and photographers (`图/`, `… 摄`) are who the page credits when it
 * names no writer, so they are the last resort. What counts as an author, and how several are
 * returned ("王明 李华", "赵刚、刘芳": all of them, as written), is described in byline.ts.
 *
 * Evidence is tried in tiers, from the most direct; within a tier the line nearest the top of
 * the article wins (forum threads are read by thread.ts; should one not be recognised, a line
 * naming the opening poster, 楼主：张三, comes first):
 *  1. by-line lines (a line that is only credits: 本报记者 王明 李华) and labelled writer credits
 *     (作者：张三 in a header row); consecutive by-line lines are one by-line;
 *  2. writer credits inside the text, mostly in brackets in the lead or at the end;
 *  3. the poster of a blog or forum page, a closing bracket with names only (（张三 上海报道）);
 *  4. the issuing body of a government document (发文机关：某省人民政府);
 *  5. editors; then the meta tag, a bare name line under the title, and last photographers.
 */
import { type Credit, bracketedNames, creditsIn, isCreditLine, isName, joinCredits } from './byline';
import type { PageContext } from './context';
import type { Paragraph } from './paragraphs';

const HAN_NAME = '[\\u4e00-\\u9fa5·]{2,5}';
// A name as by-lines write it: Han name, or a Latin handle, optionally with a Latin name in parentheses.
const NAME = `(${HAN_NAME}(?:\\s*[(（][A-Za-z .]+[)）])?|[A-Za-z][\\w.-]{2,30})`;
// What may follow a by-line name: a space, a closing bracket, punctuation or the end of the line —
// not more Han text, or 发表于 would not end the name.
const END = '(?=[\\s)）\\]】，,。;；/|]|$)';

// The opening poster of a forum thread, named as such: it is the article's author even where the
// replies below carry 作者： labels of their own.
const OPENING_POSTER = new RegExp(`(?:楼主|发帖人)\\s*[:：]\\s*${NAME}${END}`);

// Posters of blogs and forums, and old portal header styles.
const POSTER_PATTERNS: RegExp[] = [
  new RegExp(`由\\s*${NAME}\\s*(?:张贴|发表|发布)`),
  new RegExp(`(?:发表者|博主)\\s*[:：]\\s*${NAME}${END}`),
  new RegExp(`^${NAME}\\s*(?:发表于|发表时间|posted)`, 'i'),
  // Sohu-style header: 2004年7月16日08:19 [ 黄宇 ] 来源：
  new RegExp(`\\[\\s*(${HAN_NAME})\\s*\\]\\s*来源`),
];

// The most common Chinese surnames: a bare 2–3 character line under the title is taken as
// the writer's name only when it starts with one of them (so 编者按 or 人物画像 are not).
const SURNAMES =
  '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤';
const BARE_NAME = /^[\u4e00-\u9fa5]{2,3}$/;

// Words that poster patterns capture but that are not names.
const NOT_NAME =
  /^(?:编辑|记者|作者|来源|本报|本站|网友|匿名|佚名|未知|admin|administrator|转载|原创|通讯员|实习生|发布|时间|新华社|手记|简介)$|管理员|^(?:注意到|了解到|获悉|发现|看到|采访|调查|证实|表示|观察|走访|询问|提问|介绍|从|在|对|与|据)/i;

// A field label alone on its line, its value in the next cell: 发文机关： | 某省人民政府.
const LONE_LABEL = /(?:作者|记者|撰文|发文机关|发布机构|发文单位|发布单位|成文单位|编辑|责任编辑)\s*[:：]\s*$/;

/** A line the author is looked for in, with its credits. */
interface Line {
  p: Paragraph;
  /** Index in ctx.paras. */
  index: number;
  text: string;
  credits: Credit[];
  creditLine: boolean;
}

/** Finds the author of the article; null when the page names none. */
export function extractAuthor(ctx: PageContext): string | null {
  const around = linesAround(ctx).map((l) => withCredits(ctx, l));
  return (
    openingPoster(around) ??
    bylineWriters(around) ??
    inlineWriters(ctx, around) ??
    poster(ctx, around) ??
    firstCredit(around, 'issuer') ??
    firstCredit(around, 'editor') ??
    metaAuthor(ctx) ??
    bareNameLine(ctx) ??
    firstCredit(around, 'photo')
  );
}

function withCredits(ctx: PageContext, { p, index }: { p: Paragraph; index: number }): Line {
  let text = p.text;
  const next = ctx.paras[index + 1];
  if (LONE_LABEL.test(text) && next && next.chars <= 30) text = `${text}${next.text}`;
  const credits = creditsIn(text);
  return { p, index, text, credits, creditLine: isCreditLine(text, credits) };
}

const writers = (l: Line): Credit[] => l.credits.filter((c) => c.role === 'writer');

function openingPoster(lines: Line[]): string | null {
  for (const l of lines) {
    const name = clean(OPENING_POSTER.exec(l.text)?.[1]);
    if (name) return name;
  }
  return null;
}

// Tier 1: by-line lines and labelled writer credits; adjacent by-line lines are one by-line.
function bylineWriters(lines: Line[]): string | null {
  for (let k = 0; k < lines.length; k++) {
    const l = lines[k] as Line;
    const w = writers(l);
    if (w.length === 0) continue;
    if (l.creditLine) {
      const parts = [joinCredits(l.text, w)];
      for (let j = k + 1; j < lines.length; j++) {
        const n = lines[j] as Line;
        const nw = writers(n);
        if (n.index !== (lines[j - 1] as Line).index + 1 || !n.creditLine || nw.length === 0) break;
        parts.push(joinCredits(n.text, nw));
      }
      return parts.filter(Boolean).join(' ') || null;
    }
    const labelled = w.filter((c) => c.labelled);
    if (labelled.length) return joinCredits(l.text, labelled);
  }
  return null;
}

// Tier 2: writer credits in running text — （记者 王明 李华） in the lead, at the end, or a
// credit closed the way by-lines close (本报讯 记者 王明 报道).
function inlineWriters(ctx: PageContext, around: Line[]): string | null {
  const lead = ctx.body.slice(0, 3).map((p) => ({ p, index: ctx.paras.indexOf(p, Math.max(0, ctx.bodyStart)) }));
  const lines = [...around, ...lead.filter((x) => !around.some((l) => l.p === x.p)).map((x) => withCredits(ctx, x))];
  for (const l of lines) {
    const w = writers(l).filter((c) => c.bracketed || l.text.length <= 80);
    if (w.length) return joinCredits(l.text, w);
  }
  return null;
}

// Tier 3: the poster of a blog or forum page, or names alone in a closing bracket.
function poster(ctx: PageContext, around: Line[]): string | null {
  for (const re of POSTER_PATTERNS) {
    for (const l of around) {
      const name = clean(re.exec(l.text)?.[1]);
      if (name) return name;
    }
  }
  for (const p of tailLines(ctx)) {
    const b = bracketedNames(p.text);
    if (b) return b.text;
  }
  return null;
}

function firstCredit(lines: Line[], role: Credit['role']): string | null {
  for (const l of lines) {
    const cs = l.credits.filter((c) => c.role === role && (c.labelled || l.creditLine));
    if (cs[0]) return cs[0].text;
  }
  return null;
}

// A line holding only a name, just above or at the top of the body (old portals and forums):
// a common surname, or the name a headline is credited to (茉莉：我是怎样… over a line 茉莉) —
// reposted commentary is titled "作者：篇名".
function bareNameLine({ paras, body, bodyStart, title }: PageContext): string | null {
  if (bodyStart < 0) return null;
  const above = paras.slice(Math.max(0, bodyStart - 3), bodyStart).reverse();
  for (const p of [...body.slice(0, 3), ...above]) {
    if (BARE_NAME.test(p.text) && SURNAMES.includes(p.text[0] as string) && p.linkChars === 0) return p.text;
  }
  // The headline, its repetition without the name, then the name: within the first few lines.
  const near = [...body.slice(0, 5), ...above];
  const headlineNames = new Set(
    [title, ...near.map((p) => p.text)]
      .map((t) => (t && t.length <= 60 ? /^([\u4e00-\u9fa5·]{2,6})\s*[:：]\s*\S/.exec(t)?.[1] : undefined))
      .filter((n): n is string => !!n),
  );
  for (const p of near) {
    if (p.linkChars === 0 && headlineNames.has(p.text) && isName(p.text)) return p.text;
  }
  return null;
}

// Header lines just above the body, the body, and a few footer lines; header first.
function linesAround({ paras, body, bodyStart }: PageContext): { p: Paragraph; index: number }[] {
  const all = paras.map((p, index) => ({ p, index }));
  if (bodyStart < 0) return all.filter(({ p }) => p.chars <= 80);
  const lastBody = body[body.length - 1];
  const end = lastBody ? paras.indexOf(lastBody, bodyStart) + 1 : bodyStart;
  const inBody = new Set(body);
  const header = all.slice(Math.max(0, bodyStart - 25), bodyStart);
  const bodyLines = all.slice(bodyStart, end).filter(({ p }) => inBody.has(p));
  const footer = all.slice(end, end + 8);
  // By-lines are short; a long line naming 记者 is a sentence quoting a reporter.
  return [...header, ...bodyLines, ...footer].filter(({ p }) => p.chars <= 80 || p === lastBody);
}

// The body's last lines and the two after it (a lone （张三） is too short to be kept as body).
function tailLines({ paras, body, bodyStart }: PageContext): Paragraph[] {
  const last = body[body.length - 1];
  if (!last) return [];
  const end = paras.indexOf(last, bodyStart) + 1;
  return [...paras.slice(end, end + 2).reverse(), ...body.slice(-3).reverse()];
}

function metaAuthor({ $ }: PageContext): string | null {
  for (const sel of ['meta[name="author"]', 'meta[property="article:author"]', 'meta[name="Author"]', 'meta[itemprop="author"]']) {
    const v = clean($(sel).attr('content'));
    // Sites often put their own name here; that is the publisher, not the author.
    if (v && !/[网报站社]|com|cn|http|www|\./i.test(v)) return v;
  }
  return null;
}

function clean(name: string | undefined | null): string | null {
  const n = name?.replace(/\s+/g, ' ').trim();
  // A name has letters; a bare number is a user id some CMSs put in the author meta tag.
  if (!n || n.length < 2 || NOT_NAME.test(n) || !/[\p{L}]/u.test(n)) return null;
  return n;
}
