/**
 * The author. Chinese news pages name the writer in a by-line (`作者：`, `记者 张三`), in a
 * closing parenthesis (`（记者 张三）`, `（张三 上海报道）`), in a meta tag, or — on blogs and
 * forums — as the poster (`由张三张贴`, `张三 发表于`). The editor (`编辑：`, `责任编辑：`) is
 * the last resort: it is who the page credits when no writer is named.
 *
 * Patterns are tried in order of how directly they name the writer; within a pattern the match
 * nearest the top of the article wins.
 */
import type { PageContext } from './context';
import type { Paragraph } from './paragraphs';

const HAN_NAME = '[\\u4e00-\\u9fa5·]{2,5}';
// A name as by-lines write it: Han name, or a Latin handle, optionally with a Latin name in parentheses.
const NAME = `(${HAN_NAME}(?:\\s*[(（][A-Za-z .]+[)）])?|[A-Za-z][\\w.-]{2,30})`;
// What may follow a by-line name: a space, a closing bracket, punctuation or the end of the line —
// not more Han text, or 记者从上海获悉 would yield the "name" 从上海.
const END = '(?=[\\s)）\\]】，,。;；/|]|$)';

interface AuthorPattern {
  re: RegExp;
  /** Where to look: lines around the body, or only the body's last lines. */
  where: 'around' | 'tail';
}

const PATTERNS: AuthorPattern[] = [
  // 作者 needs a colon or a space after it: 作者手记 is not a by-line.
  { re: new RegExp(`(?:作者|作\\s+者|撰文|文\\s*/|文／)(?:\\s*[:：]|\\s)\\s*${NAME}${END}`), where: 'around' },
  // 记者 at the start of a by-line or after the outlet (本报记者, 新华社记者, 实习记者), not in
  // a sentence such as 接受记者采访.
  { re: new RegExp(`(?:^|[\\s(（【\\[]|[报社台网点站习]\\s*)记者\\s*[:：]?\\s*${NAME}${END}`), where: 'around' },
  { re: new RegExp(`由\\s*${NAME}\\s*(?:张贴|发表|发布)`), where: 'around' },
  { re: new RegExp(`(?:发表者|发帖人|楼主|博主)\\s*[:：]\\s*${NAME}${END}`), where: 'around' },
  { re: new RegExp(`^${NAME}\\s*(?:发表于|发表时间|posted)`, 'i'), where: 'around' },
  // (张三 上海报道) / （张三） closing the article.
  { re: new RegExp(`[(（]\\s*(${HAN_NAME}?)(?:\\s+[\\u4e00-\\u9fa5]{0,6}报道)?\\s*[)）]\\s*$`), where: 'tail' },
  // Sohu-style header: 2004年7月16日08:19 [ 黄宇 ] 来源：
  { re: new RegExp(`\\[\\s*(${HAN_NAME})\\s*\\]\\s*来源`), where: 'around' },
  { re: new RegExp(`(?:责任)?编辑\\s*[:：]\\s*${NAME}${END}`), where: 'around' },
];

// The most common Chinese surnames: a bare 2–3 character line under the title is taken as
// the writer's name only when it starts with one of them (so 编者按 or 人物画像 are not).
const SURNAMES =
  '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤';
const BARE_NAME = /^[\u4e00-\u9fa5]{2,3}$/;

// Words that by-line patterns capture but that are not names.
const NOT_NAME =
  /^(?:编辑|记者|作者|来源|本报|本站|网友|匿名|佚名|未知|admin|administrator|转载|原创|通讯员|实习生|发布|时间|新华社|手记|简介)$|管理员|^(?:注意到|了解到|获悉|发现|看到|采访|调查|证实|表示|观察|走访|询问|提问|介绍|从|在|对|与|据)/i;

/** Finds the author of the article; null when the page names none. */
export function extractAuthor(ctx: PageContext): string | null {
  const around = linesAround(ctx);
  const tail = tailLines(ctx);
  for (const { re, where } of PATTERNS) {
    for (const p of where === 'around' ? around : tail) {
      const m = re.exec(p.text);
      const name = clean(m?.[1]);
      if (name) return name;
    }
  }
  return metaAuthor(ctx) ?? bareNameLine(ctx);
}

// A line holding only a name, just above or at the top of the body (old portals and forums).
function bareNameLine({ paras, body, bodyStart }: PageContext): string | null {
  if (bodyStart < 0) return null;
  for (const p of [...body.slice(0, 3), ...paras.slice(Math.max(0, bodyStart - 3), bodyStart).reverse()]) {
    if (BARE_NAME.test(p.text) && SURNAMES.includes(p.text[0] as string) && p.linkChars === 0) return p.text;
  }
  return null;
}

// Header lines just above the body, the body, and a few footer lines; header first.
function linesAround({ paras, body, bodyStart }: PageContext): Paragraph[] {
  if (bodyStart < 0) return paras.filter((p) => p.chars <= 80);
  const lastBody = body[body.length - 1];
  const end = lastBody ? paras.indexOf(lastBody, bodyStart) + 1 : bodyStart;
  const header = paras.slice(Math.max(0, bodyStart - 25), bodyStart);
  const footer = paras.slice(end, end + 8);
  // By-lines are short; a long line naming 记者 is a sentence quoting a reporter.
  return [...header, ...body, ...footer].filter((p) => p.chars <= 80 || p === body[body.length - 1]);
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
