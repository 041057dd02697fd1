/**
 * Credits: how Chinese pages say who wrote, edited or photographed an article, read from one line.
 *
 * A credit is a role word followed by one or more names:
 *
 *   本报记者 王明 李华          新京报讯（记者 王明）…         作者：赵刚、刘芳
 *   文/张三 图/李四             记者 王明 通讯员 李华           （张三 上海报道）
 *   本报记者 王明 摄            责任编辑：李华                  采写：某报见习记者 王明
 *
 * What counts as the author (the convention of the gold data we measure on, and of how readers
 * cite a report): the writers — 作者, 文/, 撰文, 采写, 执笔, reporters (记者, 实习/见习/特约记者),
 * interns (实习生) and correspondents (通讯员) — every one of them, in the by-line's order and
 * with its own separators ("王明 李华", "赵刚、刘芳"). Editors (编辑, 责任编辑) and photographers
 * (图/, 摄影, "… 摄") are not authors; the page credits them when it names no writer, so they are
 * a last resort. Consecutive by-line lines (本报实习生 甲 乙 / 本报记者 丙) are one by-line.
 *
 * The parsing is deliberately strict about what a name is (2–4 Han characters, a name with a
 * middle dot such as 阿卜杜·热合曼, a Latin handle) and about where a list of names ends, because
 * 记者 is also a common noun: 记者从市公安局获悉 or 接受记者采访 must yield nothing.
 */

/** What a credit says the people did. */
export type CreditRole = 'writer' | 'editor' | 'photo' | 'issuer' | 'other';

/** One role word and the names credited with it. */
export interface Credit {
  role: CreditRole;
  /** The names as written, separators included ("王明 李华", "赵刚、刘芳"). */
  text: string;
  names: string[];
  /** Where the role word starts in the line, and where the names end. */
  start: number;
  end: number;
  /** The role word came with a colon, slash or bar (作者：, 文/): a label rather than prose. */
  labelled: boolean;
  /** The credit sits in brackets of its own: （记者 王明）. */
  bracketed: boolean;
}

// Role words, longest first so that 责任编辑 is not read as 编辑 and 摄影记者 not as 记者.
const ROLES: [RegExp, CreditRole][] = [
  [/^(?:摄影|图片|摄像|视频)记者/, 'photo'],
  [/^(?:责任编辑|责编|编辑|编审)/, 'editor'],
  // The masthead and the desk (主编, 监制, 校对) are not who edited the article.
  [/^(?:执行主编|主编|校对|审核|审校|终审|初审|复审|监制|统筹|策划|美编|签发)/, 'other'],
  [/^(?:发文机关|发布机构|发文单位|发布单位|成文单位)/, 'issuer'],
  [/^(?:记者|通讯员|实习生|作者|撰文|撰稿人?|采写|执笔|主笔)/, 'writer'],
  // 文 and 图 are roles only as labels (文/张三, 图｜李四), never inside words.
  [/^文(?=\s*[/／|｜:：])/, 'writer'],
  [/^(?:摄影|摄像|制图|图片|图(?=\s*[/／|｜:：]))/, 'photo'],
  [/^(?:来源|出处|稿源|翻译|编译|出品|供稿)/, 'other'],
];
const ROLE_START = /记|通|实|作|撰|采|执|主|文|责|编|校|审|终|初|复|监|统|策|美|签|发|成|摄|图|视|制|来|出|稿|翻|供/;

// After the role word: a label mark, or nothing.
const LABEL_MARK = /^\s*[:：/／|｜]\s*/;
const SPACES = /^[\s\u3000]*/;

// Names. A plain Han name has 2–4 characters; names of Uyghur, Tibetan or foreign origin are
// written with a middle dot between their parts; Latin handles are user names and pen names.
const HAN = '\\u4e00-\\u9fa5';
const DOTS = '·•‧・';
const DOTTED_NAME = new RegExp(`^[${HAN}]{1,8}(?:[${DOTS}][${HAN}]{1,8}){1,3}$`);
const PLAIN_NAME = new RegExp(`^[${HAN}]{2,4}$`);
const LATIN_NAME = /^[A-Za-z][A-Za-z0-9_.-]{1,30}$/;
// Organisations a label may credit as the author (作者：市公安局宣传处, 发文机关：某省人民政府).
const ORGANISATION = new RegExp(`^[${HAN}]{2,16}(?:部|局|厅|委|办|处|府|院|所|会|室|中心|公司|集团|支队|大队|中队|派出所|科|站|组)$`);

// Words that the shapes above accept but that are not names: roles, places in a credit, the
// words of sentences in which 记者 is a common noun, and page furniture next to a by-line.
const NOT_NAME = new RegExp(
  [
    '^(?:本报|本刊|本台|本网|本站|本文|网友|匿名|佚名|未知|不详|无名|原创|转载|网络|整理|综合|编者|编者按|小编|管理员|系统管理员|新华社|中新社|客户端|手记|简介|全文|正文|原文)$',
    '^(?:admin|administrator|editor|unknown|null|none)$',
    // Sentences: 记者从上海获悉, 记者了解到, 对记者表示.
    // (Not 于 or 向, which are also surnames.)
    '^(?:从|在|对|与|据|就|把|被|将|已|也|还|又|近日|日前|今天|昨天|当天|随后|此前|目前|现场|了解|获悉|注意到|发现|看到|采访|调查|证实|表示|介绍|观察|走访|询问|提问|来到|前往|联系|致电|拨打|获得|得知|发稿|截至|梳理|透露|告诉|指出|坦言|直言|强调|提到|回忆|解释|称|说)',
    // Headings next to an author box: 作者最新文章, 作者其他文章.
    '^(?:最新|最近|更多|其他|相关|热门|往期)|文章$',
    // Furniture that sits beside the name in header rows.
    '^(?:阅读|浏览|点击|评论|留言|回复|发表|发布|时间|日期|来源|字号|分享|收藏|打印|关注|人气|访问|统计|标签|分类|更新|查看|更多|首页|登录|注册|设为|加入|返回|关闭|下载)',
    // A place plus 报道/电/讯 closes a by-line (（张三 上海报道）); 摄 makes it a photo credit;
    // a role word or a compiling verb at the end is not part of a name (总台记者, 网络整理).
    '(?:报道|电|讯|稿|摄|摄影|记者|编辑|作者|通讯员|实习生|整理|综合|转载|原创)$',
    '^(?:网络|本站|本报|本网|本刊|本台)',
  ].join('|'),
  'i',
);

// What may end a list of names: a place and 报道 (上海报道), a verb of compiling (整理, 综合),
// or 摄 / 摄影, which makes the credit a photo credit.
const TERMINATOR = /^(?:[\u4e00-\u9fa5]{0,6}报道|发自[\u4e00-\u9fa5]{1,8}|整合|整理|综合|编译|综述|编写|供稿|采写|摄影|摄|\/\s*摄|／\s*摄)/;
const PHOTO_TERMINATOR = /^(?:摄影|摄|\/\s*摄|／\s*摄)/;
// What closes a list: the end, a closing bracket, the end of a clause, a field separator.
const CLOSER = /^(?:$|[)）\]】」』>》|｜。！？!?；;]|_[A-Za-z0-9]{2,12}(?![A-Za-z0-9]))/;
// A comma or colon ends a list after a label, or before the next role (记者 王明，通讯员 李华); in
// prose it ends a clause: 对记者透露，… is no by-line.
const SOFT_CLOSER = /^[\s\u3000]*[，,：:]/;
// Separators between names in one credit: spaces and 、, the list mark of Chinese (also / and &).
// A comma is not one: 作者：张三，北京人 goes on about the one author.
const NAME_SEP = /^(?:[\s\u3000]*[、/／&＆][\s\u3000]*|[\s\u3000]+)/;

/** True for a string that can be one person's name as by-lines write it. */
export function isName(s: string): boolean {
  if (NOT_NAME.test(s)) return false;
  return PLAIN_NAME.test(s) || DOTTED_NAME.test(s) || LATIN_NAME.test(s) || /^[\u4e00-\u9fa5]{2,4}\s*[(（][A-Za-z][A-Za-z .]*[)）]$/.test(s);
}

/** True for an organisation's name, which a label (作者：, 发文机关：) may credit. */
export function isOrganisation(s: string): boolean {
  return ORGANISATION.test(s) && !NOT_NAME.test(s);
}

/** The role word starting at `i`, if any. */
function roleAt(line: string, i: number): { role: CreditRole; length: number } | null {
  if (!ROLE_START.test(line[i] ?? '')) return null;
  const rest = line.slice(i);
  for (const [re, role] of ROLES) {
    const m = re.exec(rest);
    if (!m) continue;
    // A one-character role (文/, 图/) starts a field, never ends a word (地图|, 原文:).
    if (m[0].length === 1 && /[\p{L}\p{N}]/u.test(line[i - 1] ?? '')) return null;
    return { role, length: m[0].length };
  }
  return null;
}

// One token at the start of `s`: a Han run (dots included) with an optional Latin name in
// parentheses, or a Latin handle.
const TOKEN = new RegExp(`^(?:[${HAN}${DOTS}]+(?:\\s*[(（][A-Za-z][A-Za-z .]*[)）])?|[A-Za-z][A-Za-z0-9_.-]*)`);

interface NameList {
  names: string[];
  /** The names with the separators between them ("王明 李华", "赵刚、刘芳"). */
  text: string;
  /** Index just after the last name. */
  end: number;
  /** The list ended where a by-line ends (closer, terminator, next role), not in running text. */
  closed: boolean;
  /** The list ended with 摄: the people took the pictures. */
  photo: boolean;
}

/** True when what follows a name lets the name end there. */
function boundaryAfter(line: string, pos: number, labelled: boolean): boolean {
  const after = line.slice(pos);
  return NAME_SEP.test(after) || closes(line, pos, labelled) || TERMINATOR.test(after) || !!roleAt(line, pos);
}

/** True when the list of names ends at `pos` the way by-lines end. */
function closes(line: string, pos: number, labelled: boolean): boolean {
  const after = line.slice(pos);
  if (CLOSER.test(after)) return true;
  const soft = SOFT_CLOSER.exec(after);
  return !!soft && (labelled || !!roleAt(line, pos + soft[0].length + (SPACES.exec(after.slice(soft[0].length))?.[0].length ?? 0)));
}

// A nickname after a label may be longer than a name (编辑：棒棒不是糖).
const NICKNAME = /^[\u4e00-\u9fa5]{5,8}$/;
// A staff code after a name (韩保林 PK155, 荀建国_NN7379) is not another name.
const STAFF_CODE = /^[A-Z]{1,4}\d{2,}$/;

/** Reads the names after a role word, from `from`. */
function readNames(line: string, from: number, labelled: boolean): NameList {
  const names: string[] = [];
  let text = '';
  let pos = from;
  let end = from;
  let sep = '';
  for (;;) {
    const rest = line.slice(pos);
    if (names.length > 0) {
      if (roleAt(line, pos)) return { names, text, end, closed: true, photo: false };
      const term = TERMINATOR.exec(rest);
      if (term) return { names, text, end, closed: true, photo: PHOTO_TERMINATOR.test(term[0]) };
      if (closes(line, pos, labelled)) return { names, text, end, closed: true, photo: false };
      if (STAFF_CODE.test(TOKEN.exec(rest)?.[0] ?? '')) return { names, text, end, closed: true, photo: false };
    }
    const m = TOKEN.exec(rest);
    if (!m) return { names, text, end, closed: false, photo: false };
    let token = m[0];
    // A name glued to what ends the by-line: 李妍摄, 王明报道.
    const glued = /^(.+?)(摄影|摄|报道)$/.exec(token);
    if (glued && !isName(token) && isName(glued[1] as string)) token = glued[1] as string;
    const after = line.slice(pos + token.length);
    // A word followed by a colon is the next field's label (访问统计：), not a name.
    const isLabel = /^\s*[:：]/.test(after);
    const ok =
      !isLabel &&
      boundaryAfter(line, pos + token.length, labelled) &&
      (isName(token) ||
        (labelled && names.length === 0 && NICKNAME.test(token) && !NOT_NAME.test(token)) ||
        (labelled && names.length === 0 && isOrganisation(token) && closes(after.replace(SPACES, ''), 0, true)));
    // After a label the names run until something that is not one (作者：张三 阅读(12));
    // in prose the list must end the way by-lines end, or it was a sentence.
    if (!ok) return { names, text, end, closed: names.length > 0 && (isLabel || labelled), photo: false };
    names.push(token);
    text += sep + token;
    pos += token.length;
    end = pos;
    const s = NAME_SEP.exec(line.slice(pos));
    if (!s) continue; // a closer, terminator or role word follows: the loop's first checks end it
    // Keep 、 / & as written; any run of spaces becomes one space.
    sep = /[、/／&＆]/.exec(s[0])?.[0] ?? ' ';
    pos += s[0].length;
  }
}

/** The bracket pairs of a line, as [open index, close index]. */
function bracketSpans(line: string): [number, number][] {
  const spans: [number, number][] = [];
  const re = /[(（【[]([^()（）【】[\]]{1,80})[)）】\]]/g;
  for (const m of line.matchAll(re)) spans.push([m.index, m.index + m[0].length - 1]);
  return spans;
}

/**
 * Every credit in a line, in order. Unlabelled credits (记者 王明) count only when their list
 * of names is closed the way by-lines are (end of line, bracket, 报道, the next role word).
 */
export function creditsIn(line: string): Credit[] {
  const out: Credit[] = [];
  const spans = bracketSpans(line);
  for (let i = 0; i < line.length; i++) {
    const r = roleAt(line, i);
    if (!r) continue;
    let p = i + r.length;
    const label = LABEL_MARK.exec(line.slice(p));
    const labelled = !!label && label[0].trim() !== '';
    // Without a label or a space, only reporters are written glued to their name (记者王明,
    // 通讯员李华); 作者王明 counts only as a field of a header row (… | 作者王明), or 作者王明说
    // would be a by-line, and 编辑计划表 an editor.
    if (!labelled && !/\s/.test(line[p] ?? '')) {
      const reporter = /^(?:记者|通讯员|实习生)/.test(line.slice(i));
      const rowField = r.role === 'writer' && /[|｜]\s*$/.test(line.slice(0, i));
      if (!reporter && !rowField) continue;
    }
    p += label ? label[0].length : (SPACES.exec(line.slice(p))?.[0].length ?? 0);
    const list = readNames(line, p, labelled);
    if (list.names.length === 0 || (!labelled && !list.closed)) continue;
    const start = i;
    const end = list.end;
    const bracket = spans.find(([a, b]) => a < start && end <= b);
    let role: CreditRole = list.photo ? 'photo' : r.role;
    if (role === 'issuer' && !labelled) role = 'other';
    out.push({ role, text: list.text, names: list.names, start, end, labelled, bracketed: !!bracket });
    i = end - 1;
  }
  return out;
}

/**
 * Names in brackets without a role word, closing an article: （张三）, （王明 李华）,
 * （张三 上海报道）. Null when the bracket holds anything else (（刘通摄） is a photo credit).
 */
export function bracketedNames(line: string): { text: string; names: string[] } | null {
  const m = /[(（]\s*([^()（）]{2,40}?)\s*[)）]\s*$/.exec(line);
  if (!m) return null;
  const inner = m[1] as string;
  const list = readNames(inner, 0, false);
  // Without a role word only Han names count: (Original Version) is a title's note.
  if (list.names.length === 0 || list.photo || list.names.some((n) => !/^[\u4e00-\u9fa5·•‧・]+$/.test(n))) return null;
  const rest = inner.slice(list.end).trim();
  if (rest !== '' && !/^[\u4e00-\u9fa5]{0,6}报道$/.test(rest)) return null;
  return { text: list.text, names: list.names };
}

/**
 * True when the line is nothing but credits: an optional outlet name before the first role
 * word (本报, 新京报, 《某刊》, 采写：), the credits, and closing punctuation.
 */
export function isCreditLine(line: string, credits: Credit[]): boolean {
  const first = credits[0];
  const last = credits[credits.length - 1];
  if (!first || !last || line.length > 80) return false;
  const before = line.slice(0, first.start);
  const after = line.slice(last.end);
  // The outlet before the role: short, without sentence punctuation.
  if (before.length > 24 || /[，。！？；,;!?]/.test(before)) return false;
  // Between credits only separators; after the last one only closers, 报道 or 摄.
  for (let k = 1; k < credits.length; k++) {
    const gap = line.slice((credits[k - 1] as Credit).end, (credits[k] as Credit).start);
    if (gap.length > 12 || /[。！？；]/.test(gap)) return false;
  }
  return /^[\s)）\]】」』>》|｜。.，,、]*(?:[\u4e00-\u9fa5]{0,6}报道|发自[\u4e00-\u9fa5]{1,8}|整合|整理|综合|编译|摄影?|\/\s*摄)?[\s)）\]】」』>》|｜。.]*$/.test(after);
}

/** The writers of a line's credits joined as written: 记者 王明 通讯员 李华 → "王明 李华". */
export function joinCredits(line: string, credits: Credit[]): string | null {
  let out = '';
  let prevEnd = -1;
  for (const c of credits) {
    if (out) {
      // The separator between two credits is what the line puts before the next role word
      // (、 or a comma), else a space.
      const gap = prevEnd >= 0 ? line.slice(prevEnd, c.start) : '';
      out += /[、，,]/.exec(gap)?.[0] ?? ' ';
    }
    out += c.text;
    prevEnd = c.end;
  }
  return out || null;
}
