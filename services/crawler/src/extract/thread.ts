/**
 * Forum threads: a page that is a list of posts, each with its author, its time and its text —
 * Tieba, Discuz!, phpBB, phpwind and the many home-made BBS and 论坛 pages. For such a page the
 * article is the first post (楼主): its author, its time, its text; the replies are not the body.
 *
 * A thread is recognised by structure, not by one site:
 *  - the markup of the common forum engines names the post bodies (Discuz! `postmessage_…`,
 *    Tieba `d_post_content`, phpBB `.postbody .content`, phpwind `read_…`); each post is then the
 *    largest element around one such body;
 *  - otherwise, sibling elements of the same kind (same tag and class) that each carry an author,
 *    a time with hours and minutes, and text of their own are the posts (when the header and the
 *    text are siblings, a post is a header and what follows it), provided the page reads like a
 *    forum — floor numbers (1楼, 2#, 沙发), or replies by several people with forum wording (楼主,
 *    发表于, 回复, 引用) or a thread address — and no article comes before them (a news page with
 *    reader comments is an article, not a thread). An opening post printed in a block of its own
 *    above the replies is taken when the page marks it (楼主, 1楼) or the replies start at 2楼.
 * Within a post, the time and author are read outside the post's text and outside quotations, so
 * a reply quoting "张三 发表于 2024-03-05 10:20" keeps its own author and time. Times are read in
 * Beijing time unless they carry a zone (text/time.ts).
 */
import * as cheerio from 'cheerio';
import type { CheerioAPI } from 'cheerio';
import { parseLooseDate, toShanghaiIso } from '../text/time';
import { paragraphValue } from './body';
import { datesIn } from './date';
import { type Paragraph, normalizeSpace, paragraphs } from './paragraphs';
import { extractTitle, stripSiteSuffix } from './title';
import { type El, buildTree } from './tree';

/** One post of a thread. */
export interface ThreadPost {
  /** The floor number (1 for the first post, 楼主), null when the page shows none. */
  floor: number | null;
  author: string | null;
  /** ISO 8601 with the +08:00 offset, null when the post shows no time. */
  publishedAt: string | null;
  /** The post's own text, quotations of other posts and signatures left out; lines joined by "\n". */
  text: string;
}

/** A thread page read into its posts, in page order. */
export interface Thread {
  title: string | null;
  posts: ThreadPost[];
}

/** A post as read, with its time as a Date (what extractArticle needs). */
export interface ReadPost {
  floor: number | null;
  author: string | null;
  date: Date | null;
  text: string;
}

/** Reads a forum thread page into its posts; null when the page is not a thread. Never throws on bad markup. */
export function extractThread(html: string, url?: string | null): Thread | null {
  const $ = cheerio.load(html);
  const found = readThread($, buildTree($), url ?? null);
  if (!found) return null;
  return {
    title: found.title,
    posts: found.posts.map((p) => ({ floor: p.floor, author: p.author, publishedAt: p.date ? toShanghaiIso(p.date) : null, text: p.text })),
  };
}

/** The thread of an already parsed page; null when the page is not a thread. */
export function readThread($: CheerioAPI, root: El, url: string | null = null): { title: string | null; posts: ReadPost[] } | null {
  const posts = enginePosts(root) ?? genericPosts(root, url);
  if (!posts || posts.length === 0) return null;
  return { title: threadTitle($, root), posts };
}

// ---------------------------------------------------------------------------------------------
// The tree

function classes(el: El): string[] {
  return (el.attrs.class ?? '').split(/\s+/).filter(Boolean);
}

function hasClass(el: El, re: RegExp): boolean {
  return classes(el).some((c) => re.test(c));
}

function childEls(el: El): El[] {
  return el.children.filter((c): c is El => typeof c !== 'string');
}

function* walk(el: El): Generator<El> {
  yield el;
  for (const c of childEls(el)) yield* walk(c);
}

function contains(outer: El, inner: El): boolean {
  for (let e: El | null = inner; e; e = e.parent) if (e === outer) return true;
  return false;
}

/** A copy of the tree without the elements `drop` names (the copy's parents point into the copy). */
function prune(el: El, drop: (e: El) => boolean, parent: El | null = null): El {
  const copy: El = { tag: el.tag, attrs: el.attrs, children: [], parent };
  for (const c of el.children) {
    if (typeof c === 'string') copy.children.push(c);
    else if (!drop(c)) copy.children.push(prune(c, drop, copy));
  }
  return copy;
}

function textOf(el: El): string {
  let s = '';
  for (const c of el.children) s += typeof c === 'string' ? c : ` ${textOf(c)} `;
  return s;
}

// Quotations of other posts, signatures, "edited by" notes, and nested replies (楼中楼) are not
// the post's own text, nor where its author and time are written.
const QUOTE_CLASS = /quote|^(?:cite|blockcode|sign|signature|pstatus|j_lzl_container|core_reply_wrapper|lzl_.+|sub-?repl.*)$/i;
function isAside(el: El): boolean {
  return el.tag === 'blockquote' || el.tag === 'cite' || hasClass(el, QUOTE_CLASS);
}

// ---------------------------------------------------------------------------------------------
// Engine markup

/** The body of a post in the markup of a well-known forum engine. */
function isEngineBody(el: El): boolean {
  const id = el.attrs.id ?? '';
  if (/^postmessage_\d+$/.test(id) || /^post_content_\d+$/.test(id) || /^read_(?:tpc|\d+)$/.test(id)) return true;
  if (hasClass(el, /^d_post_content$/)) return true;
  // phpBB: <div class="postbody"> … <div class="content">.
  if (hasClass(el, /^content$/)) for (let p = el.parent; p; p = p.parent) if (hasClass(p, /^postbody$/)) return true;
  return false;
}

/** The element of a whole post in the same markup (Discuz! post_…/pid…, Tieba l_post, phpBB post p…). */
function isEnginePost(el: El): boolean {
  const id = el.attrs.id ?? '';
  return /^(?:post_|pid)\d+$/.test(id) || hasClass(el, /^(?:l_post|j_l_post)$/) || (hasClass(el, /^post$/) && /^p\d+$/.test(id));
}

function enginePosts(root: El): ReadPost[] | null {
  const bodies = [...walk(root)].filter(isEngineBody);
  // A body inside another body is a quotation's markup, not a post.
  const top = bodies.filter((b) => !bodies.some((o) => o !== b && contains(o, b)));
  if (top.length === 0) return null;
  const posts: ReadPost[] = [];
  const seen = new Set<El>();
  for (const body of top) {
    const container = postContainer(body, top);
    if (seen.has(container)) continue;
    seen.add(container);
    posts.push(readPost(container, body));
  }
  return posts.length ? numberFloors(posts) : null;
}

/** The nearest engine post element around a body, else the largest ancestor holding no other body. */
function postContainer(body: El, bodies: El[]): El {
  for (let p = body.parent; p; p = p.parent) if (isEnginePost(p)) return p;
  let c = body;
  const bodyLen = textOf(body).length;
  while (c.parent && !bodies.some((b) => b !== body && contains(c.parent as El, b))) {
    // Never climb into the page around a lone post: stop where the text grows far beyond the post's.
    if (textOf(c.parent).length > 2 * bodyLen + 600) break;
    c = c.parent;
  }
  return c;
}

// ---------------------------------------------------------------------------------------------
// Generic structure

// An hour and minute, in text or in an attribute holding a date (title="2024-3-5 10:20").
const CLOCK = /\d{1,2}[:：]\d{2}/;
const FORUM_WORDS = /楼主|发表于|发帖|回帖|跟帖|回复|引用|只看|沙发|板凳|地板|\d+\s*楼|#\s*\d+|\d+\s*#|帖子|主题/;
// The addresses forum engines give thread pages (Discuz! thread-1-1-1.html / viewthread.php,
// phpBB viewtopic.php, Tieba /p/123, phpwind read.php, and the /thread/ or /topic/ of others).
const THREAD_URL = /viewthread|thread-\d+|viewtopic|showtopic|read\.php\?tid=|\/p\/\d+|\/(?:thread|threads|topic|topics|t)\/\d+|bbs|forum|tieba/i;

/** How many times of day (text or date attributes) an element holds. */
function clocks(el: El, memo: Map<El, number>): number {
  const known = memo.get(el);
  if (known !== undefined) return known;
  let n = el.attrs.datetime || (el.attrs.title && CLOCK.test(el.attrs.title)) ? 1 : 0;
  for (const c of el.children) n += typeof c === 'string' ? (CLOCK.test(c) ? 1 : 0) : clocks(c, memo);
  memo.set(el, n);
  return n;
}

// A post shows its own time, perhaps an edit note, quotes and a few nested replies; an element
// with more times than this holds many posts (a column of the page), not one.
const MAX_CLOCKS_PER_POST = 30;

function signature(el: El): string {
  return `${el.tag}.${classes(el)
    .map((c) => c.replace(/\d+/g, ''))
    .sort()
    .join('.')}`;
}

function genericPosts(root: El, url: string | null): ReadPost[] | null {
  const memo = new Map<El, number>();
  let best: { posts: ReadPost[]; members: El[]; chars: number } | null = null;
  for (const parent of walk(root)) {
    const kids = childEls(parent);
    if (kids.length < 2) continue;
    const bySig = new Map<string, El[]>();
    for (const k of kids) {
      const n = clocks(k, memo);
      if (n === 0 || n > MAX_CLOCKS_PER_POST) continue;
      const sig = signature(k);
      bySig.set(sig, [...(bySig.get(sig) ?? []), k]);
    }
    for (const members of bySig.values()) {
      if (members.length < 2) continue;
      let read = members.map((m) => ({ m, p: readPost(m, null) }));
      // Header and text as siblings (div.post-head, div.post-body, div.post-head, …): a post is a
      // header with what follows it up to the next header.
      if (read.every(({ p }) => p.text.length === 0)) read = members.map((m) => ({ m, p: readPost(withFollowing(parent, m, members), null) }));
      const ok = read.filter(({ p }) => p.author && p.date && p.text.length > 0);
      if (ok.length < 2 || ok.length * 2 < members.length) continue;
      const chars = ok.reduce((s, { p }) => s + p.text.length, 0);
      if (!best || ok.length > best.posts.length || (ok.length === best.posts.length && chars > best.chars)) {
        best = { posts: ok.map(({ p }) => p), members: ok.map(({ m }) => m), chars };
      }
    }
  }
  if (!best) return null;
  const { posts, members } = best;
  // It reads like a forum: floor numbers; or replies by several people with the words forums
  // print around posts (one author's dated entries in a row are a blog's front page).
  const headerText = members.map((m) => textOf(prune(m, isAside))).join(' ');
  const floors = posts.some((p) => p.floor !== null);
  const forumish = FORUM_WORDS.test(headerText) || (!!url && THREAD_URL.test(url));
  if (!floors && (new Set(posts.map((p) => p.author)).size < 2 || !forumish)) return null;
  // The first post's text must be text, not a list of links (a thread list is not a thread).
  if ((posts[0] as ReadPost).text.replace(/\s+/g, '').length < 2) return null;
  // Some boards print the opening post in a block of its own above the list of replies.
  const opening = openingPost(members, posts, memo);
  if (opening) return numberFloors([opening, ...posts]);
  if (articleBefore(root, members, posts[0] as ReadPost)) return null;
  return numberFloors(posts);
}

/**
 * The opening post when it sits outside the replies' blocks, just before them: a block with its
 * own poster, time and text, which the page marks as the first (楼主, 1楼) or which precedes
 * replies numbered from 2. A news article above its comments is not marked so, and stays an article.
 */
function openingPost(members: El[], posts: ReadPost[], memo: Map<El, number>): ReadPost | null {
  // Replies numbered from 2 (not from 21: a later page of the thread has no opening post).
  const repliesFrom2 = posts[0]?.floor === 2;
  let el = members[0] as El;
  for (let depth = 0; depth < 4 && el.parent; depth++, el = el.parent) {
    const siblings = childEls(el.parent);
    const at = siblings.indexOf(el);
    for (let j = at - 1; j >= Math.max(0, at - 3); j--) {
      const block = siblings[j] as El;
      const n = clocks(block, memo);
      if (n === 0 || n > MAX_CLOCKS_PER_POST) continue;
      const p = readPost(block, null);
      if (!p.author || !p.date || !p.text) continue;
      const marked = p.floor === 1 || /楼主/.test(textOf(prune(block, isAside)));
      if (!marked && !repliesFrom2) return null;
      if (p.floor === null) p.floor = repliesFrom2 ? 1 : null;
      return p;
    }
  }
  return null;
}

/** A detached element holding `member` and its following siblings up to the next member. */
function withFollowing(parent: El, member: El, members: El[]): El {
  const kids = parent.children;
  const start = kids.indexOf(member);
  let end = start + 1;
  while (end < kids.length && !members.includes(kids[end] as El)) end++;
  return { tag: 'div', attrs: {}, children: kids.slice(start, end), parent: null };
}

/** True when prose that belongs to no post comes before the posts: an article with comments. */
function articleBefore(root: El, members: El[], first: ReadPost): boolean {
  const firstMember = members[0] as El;
  let prose = 0;
  for (const p of paragraphs(root)) {
    if (contains(firstMember, p.owner) || members.some((m) => contains(m, p.owner))) break;
    if (paragraphValue(p) > 0) prose += p.chars - p.linkChars;
  }
  return prose > Math.max(150, 1.5 * first.text.replace(/\s+/g, '').length);
}

/** Fills a missing first floor when the others are numbered from 2. */
function numberFloors(posts: ReadPost[]): ReadPost[] {
  const first = posts[0];
  const second = posts[1];
  if (first && first.floor === null && second?.floor === 2) first.floor = 1;
  return posts;
}

// ---------------------------------------------------------------------------------------------
// One post

// Labels before a poster's name, and the phrases around it.
const AUTHOR_PATTERNS: RegExp[] = [
  /(?:作者|楼主|发帖人|发帖者|发表者|发表人|回复人|回帖人|回复者|帖主|网友|用户名?|昵称)\s*[:：]\s*([^\s:：|｜,，]{1,30})/,
  /由\s*([^\s»:：]{1,30})\s*(?:»|&raquo;|发表|张贴|于)/,
  /(?:^|\s)([^\s:：|｜]{1,30})\s*(?:发表于|发表在|发表时间|回复于|posted)/i,
];
// Links and buttons around a post that are not its author.
const NOT_AUTHOR =
  /^(?:只看该?作者|楼主|回复|引用|举报|编辑|删除|分享|收藏|关注|发消息|加好友|私信|打招呼|发表于|查看|更多|顶|踩|支持|反对|评分|使用道具|管理|置顶|精华|复制链接|电梯直达|倒序浏览|阅读模式|\d+|[#＃]?\d+\s*[楼#F]?|沙发|板凳|地板|游客|匿名)$/i;
// Class names and profile links that mark a poster's name in forum markup.
const AUTHOR_CLASS = /(?:^|[-_])(?:author|authi|username|user-?name|uname|poster|nick(?:name)?|p_author_name|d_name|xw1)(?:[-_]|$)/i;
const PROFILE_HREF = /space-uid|[?&]uid=|home\/main\?un=|memberlist\.php\?mode=viewprofile|\/(?:u|user|users|member|members|people|profile|space)\/[^/?#\s]+/i;

// A time label: the post's time follows it.
const TIME_LABEL = /(?:发表于|发表时间|发帖时间|回复时间|回复于|发布于|发布时间|时间|posted)\s*[:：]?\s*$/i;
// Relative times whose absolute value the markup keeps in an attribute.
const RELATIVE = /刚刚|秒前|分钟前|小时前|天前|昨天|前天|半小时前/;

// Floor markers: 1楼, 2#, #3, 第4楼, F5; 沙发/板凳/地板 are floors 2–4 on Chinese forums.
const FLOOR_NUMBER = /(?:^|[^\d.:\-/])(?:第\s*(\d{1,6})\s*楼|(\d{1,6})\s*(?:楼|#|＃|F\b|f\b)|[#＃]\s*(\d{1,6})(?!\d))/;
const FLOOR_WORDS: Record<string, number> = { 沙发: 2, 板凳: 3, 地板: 4 };
// Lines of forum furniture inside a post (when the engine's markup does not name the body).
const POST_FURNITURE =
  /^(?:回复|引用|举报|只看该?作者|倒序浏览|阅读模式|使用道具|评分|分享|收藏|支持|反对|顶|踩|编辑|删除|电梯直达|发表于.*|楼主|沙发|板凳|地板|来自.{0,16}(?:客户端|手机|iPhone|Android).*|[#＃]?\d+\s*[楼#＃F]?|\|)+$/i;

/** Reads one post from its element and, when the engine names it, the element of its text. */
function readPost(container: El, body: El | null): ReadPost {
  const header = prune(container, (e) => e === body || isAside(e));
  const headerLines = paragraphs(header);
  const date = postTime(header, headerLines);
  const author = postAuthor(header, headerLines);
  const floor = postFloor(container, headerLines, author, date?.line ?? null);
  let lines: string[];
  if (body) {
    lines = paragraphs(prune(body, isAside)).map((p) => p.text);
  } else {
    const own = headerLines.filter((p) => !isHeaderLine(p, author, date));
    // Before the text come the poster's badges and counts (主题 12 帖子 345, 等级 7): short
    // lines without punctuation, dropped as long as text follows them.
    while (own.length > 1 && (own[0] as Paragraph).punct === 0 && (own[0] as Paragraph).chars <= 20) own.shift();
    lines = own.map((p) => p.text);
  }
  // Discuz!'s "本帖最后由 张三 于 2024-3-5 10:30 编辑" note sits inside the body.
  lines = lines.filter((l) => !/^本帖最后由\s*\S+\s*于\s*.{6,30}编辑$/.test(l));
  return { floor, author, date: date?.date ?? null, text: lines.join('\n') };
}

/** True for a line of a post's header rather than its text: the author, the time, the floor, buttons. */
function isHeaderLine(p: Paragraph, author: string | null, date: { line: string } | null): boolean {
  if (date && p.text === date.line) return true;
  if (author && p.text.length <= author.length + 24 && p.text.includes(author)) return true;
  if (p.chars <= 40 && POST_FURNITURE.test(p.text.replace(/\s+/g, ''))) return true;
  if (p.chars <= 30 && p.linkChars / p.chars > 0.5) return true;
  return false;
}

/** The post's time: a <time datetime>, a labelled or plain date with a time, a date in a title attribute. */
function postTime(header: El, lines: Paragraph[]): { date: Date; line: string } | null {
  for (const el of walk(header)) {
    if (el.tag === 'time' && el.attrs.datetime) {
      const d = parseLooseDate(el.attrs.datetime);
      if (d) return { date: d, line: normalizeSpace(textOf(el)) };
    }
  }
  let plain: { date: Date; line: string } | null = null;
  for (const p of lines) {
    for (const found of datesIn(p.text)) {
      if (!found.hasTime) continue;
      if (TIME_LABEL.test(p.text.slice(Math.max(0, found.index - 8), found.index))) return { date: found.date, line: p.text };
      plain ??= { date: found.date, line: p.text };
    }
  }
  if (plain) return plain;
  // Relative times (3 天前) keep the absolute time in a title attribute (Discuz!); Tieba keeps
  // it in the post's data-field JSON.
  for (const el of walk(header)) {
    const t = el.attrs.title;
    if (t && CLOCK.test(t) && (RELATIVE.test(textOf(el)) || /^\s*(?:19|20)\d{2}/.test(t))) {
      const d = parseLooseDate(t);
      if (d) return { date: d, line: normalizeSpace(textOf(el)) };
    }
  }
  const field = header.attrs['data-field'];
  const m = field ? /"date"\s*:\s*"([^"]+)"/.exec(field) : null;
  const d = m ? parseLooseDate(m[1]) : null;
  return d ? { date: d, line: '' } : null;
}

/** The post's author: a labelled name, else the element forum markup marks as the poster. */
function postAuthor(header: El, lines: Paragraph[]): string | null {
  for (const p of lines) {
    for (const re of AUTHOR_PATTERNS) {
      const name = plausibleAuthor(re.exec(p.text)?.[1]);
      if (name) return name;
    }
  }
  for (const el of walk(header)) {
    if (el === header) continue;
    const marked = hasClass(el, AUTHOR_CLASS) || (el.tag === 'a' && PROFILE_HREF.test(el.attrs.href ?? ''));
    if (!marked) continue;
    // The name is the first link inside the element (.authi > a), else the element's own text
    // when that is short (a badge or a level beside the name makes it longer).
    const links = el.tag === 'a' ? [el] : [...walk(el)].filter((e) => e.tag === 'a');
    for (const c of links) {
      const name = plausibleAuthor(normalizeSpace(textOf(c)));
      if (name) return name;
    }
    if (el.tag !== 'a' && childEls(el).length === 0) {
      const name = plausibleAuthor(normalizeSpace(textOf(el)));
      if (name) return name;
    }
  }
  const field = header.attrs['data-field'];
  const m = field ? /"(?:user_name|un|name)"\s*:\s*"([^"]+)"/.exec(field) : null;
  return plausibleAuthor(m ? decodeJsonString(m[1] as string) : undefined);
}

function decodeJsonString(s: string): string {
  try {
    return JSON.parse(`"${s}"`) as string;
  } catch {
    return s;
  }
}

function plausibleAuthor(s: string | undefined | null): string | null {
  const n = s?.replace(/\s+/g, ' ').trim();
  if (!n || n.length > 30 || NOT_AUTHOR.test(n) || CLOCK.test(n) || datesIn(n).length > 0) return null;
  // A poster's name is a handle: letters or Han characters, not a sentence.
  if (!/[\p{L}]/u.test(n) || /[，。！？；]/.test(n)) return null;
  return n;
}

/**
 * The floor: a number shown with 楼 or #, the words 沙发/板凳/地板, 楼主, or Tieba's post_no. It is
 * read on the post's header line (the one with its time or poster) or on a line of its own, so
 * that 我住3楼 in a post's text is not its floor.
 */
function postFloor(container: El, lines: Paragraph[], author: string | null, timeLine: string | null): number | null {
  const FLOOR_ONLY = /^(?:第\d{1,6}楼|\d{1,6}[楼#＃Ff]|[#＃]\d{1,6}|楼主|沙发|板凳|地板)$/;
  // A floor on a line of buttons counts too (回复 | 引用 | 3楼).
  const BUTTONS = /回复|引用|举报|只看该?作者|评分|分享|收藏|支持|反对|编辑|删除|电梯直达|[|｜]/g;
  lines = lines.filter(
    (p) =>
      p.chars <= 60 &&
      (FLOOR_ONLY.test(p.text.replace(BUTTONS, '').replace(/\s+/g, '')) || p.text === timeLine || (!!author && p.text.includes(author))),
  );
  for (const p of lines) {
    const text = p.text.replace(/\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?/g, ' ');
    const m = FLOOR_NUMBER.exec(text);
    const n = m ? Number(m[1] ?? m[2] ?? m[3]) : NaN;
    if (n > 0) return n;
  }
  for (const p of lines) {
    if (p.chars > 20) continue;
    for (const [w, n] of Object.entries(FLOOR_WORDS)) if (p.text.replace(/\s+/g, '') === w) return n;
  }
  const field = container.attrs['data-field'];
  const m = field ? /"post_no"\s*:\s*(\d+)/.exec(field) : null;
  if (m) return Number(m[1]);
  if (lines.some((p) => p.chars <= 20 && /^楼主$/.test(p.text.replace(/\s+/g, '')))) return 1;
  return null;
}

// ---------------------------------------------------------------------------------------------
// The thread's title

function threadTitle($: CheerioAPI, root: El): string | null {
  for (const el of walk(root)) {
    const id = el.attrs.id ?? '';
    if (id === 'thread_subject' || hasClass(el, /^(?:core_title_txt|topic-title|thread-title|threadtitle)$/)) {
      const t = normalizeSpace(el.attrs.title ?? textOf(el));
      if (t) return t;
    }
  }
  const t = extractTitle($);
  return t ? stripSiteSuffix(t.replace(/\s*[-_|]\s*Powered by .*$/i, '')) : null;
}
