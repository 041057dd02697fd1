/**
 * Evaluation of article extraction on the real pages of ../shared/data/extraction/cwce-dev, and a
 * robustness pass over ../shared/data/extraction/gne-pages (news pages from ~30 sites plus forum
 * and list pages, without truth): every page must go through without an exception; what was
 * found (text, author, date, forum threads) is counted, and listed page by page with --verbose.
 *
 *   npx tsx test/eval/extract.ts [--json] [--verbose]      (pnpm eval:extract)
 *
 * Each page goes through the `yuqing extract` command itself (its `run`, called in-process with
 * captured stdout instead of 35 process spawns), so the figures are those of the CLI and of the
 * crawler, which share extractFromBytes.
 *
 * Measures (pages whose truth says UNKNOWN, or whose date field is not a date, are skipped for
 * that measure):
 * - body F1: bag-of-characters F1. Whitespace is removed from both texts; each text becomes a
 *   multiset of characters; overlap = Σ min(count in extracted, count in truth);
 *   P = overlap / |extracted|, R = overlap / |truth|, F1 = 2PR / (P + R). Mean over pages.
 * - date accuracy: the extracted time falls on the truth's calendar day in Asia/Shanghai (on its
 *   month when the truth gives only year and month, e.g. "1998-3"). Also printed: minute accuracy,
 *   over truths that carry a time, requiring the same minute.
 * - author accuracy: a truth naming several authors ("刘国栋 周炜 王燕平") must be returned as
 *   written — every name, in order, with the same separators (whitespace runs count as one); a
 *   single author must be returned as one name equal to it, ignoring spaces, middle dots, case and
 *   a Latin name in brackets ("周思博 (Joel Spolsky)"). Returning the first of two authors, or two
 *   names where the truth has one, is a miss.
 * Baselines, computed here on the same pages: (a) body = the source of <body> with every tag
 * stripped (inline script text included), keeping lines longer than 20 characters; (b) date =
 * the first date-shaped string of that text.
 *
 * Exits 1 when a target is missed or a gne page throws, 2 when the data is missing. `--floor name=value` replaces a
 * target by a floor for the exit code only (the printed targets stay the issue's): CI uses it for
 * date accuracy, whose target this dev set cannot reach without copying three truth entries that
 * contradict their own pages (see the README, "Quality figures").
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { run as extractCommand } from '../../services/cli/src/commands/extract';
import type { CliIO } from '../../services/cli/src/io';
import { decodeDocument } from '../../services/crawler/src/charset/index';
import { extractThread } from '../../services/crawler/src/extract/index';
import { parseLooseDate } from '../../services/crawler/src/text/time';
import { sharedPath } from '../shared-data';

// The issue's targets (issue 11): body F1 ≥ 0.95, date ≥ 0.95, author ≥ 0.90 with by-lines of
// several authors compared as written.
const TARGETS = { bodyF1: 0.95, dateAccuracy: 0.95, authorAccuracy: 0.9 };

interface Truth {
  text: string;
  date: string;
  author: string;
}

interface CliOutput {
  title: string | null;
  text: string;
  publishedAt: string | null;
  author: string | null;
  charset: string;
}

/** Bag-of-characters F1 of two texts, whitespace ignored. */
export function charF1(predicted: string, truth: string): number {
  const p = [...predicted.replace(/\s+/g, '')];
  const t = [...truth.replace(/\s+/g, '')];
  if (p.length === 0 && t.length === 0) return 1;
  if (p.length === 0 || t.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const c of t) counts.set(c, (counts.get(c) ?? 0) + 1);
  let overlap = 0;
  for (const c of p) {
    const n = counts.get(c) ?? 0;
    if (n > 0) {
      overlap++;
      counts.set(c, n - 1);
    }
  }
  if (overlap === 0) return 0;
  const precision = overlap / p.length;
  const recall = overlap / t.length;
  return (2 * precision * recall) / (precision + recall);
}

/** A truth date and how precise it is; null for UNKNOWN and non-dates. */
interface TruthDate {
  y: number;
  m: number;
  d: number | null;
  hm: [number, number] | null;
}

function parseTruthDate(s: string): TruthDate | null {
  const m = /^\s*(\d{4})-(\d{1,2})(?:-(\d{1,2})(?:\s+(\d{1,2}):(\d{2}))?)?/.exec(s);
  if (!m) return null;
  return {
    y: Number(m[1]),
    m: Number(m[2]),
    d: m[3] ? Number(m[3]) : null,
    hm: m[4] && m[5] ? [Number(m[4]), Number(m[5])] : null,
  };
}

/** Wall-clock parts of an instant in Asia/Shanghai (UTC+8, no DST). */
function shanghaiParts(d: Date): { y: number; m: number; d: number; h: number; min: number } {
  const s = new Date(d.getTime() + 8 * 3600_000);
  return { y: s.getUTCFullYear(), m: s.getUTCMonth() + 1, d: s.getUTCDate(), h: s.getUTCHours(), min: s.getUTCMinutes() };
}

function sameDay(got: Date | null, truth: TruthDate): boolean {
  if (!got) return false;
  const p = shanghaiParts(got);
  return p.y === truth.y && p.m === truth.m && (truth.d === null || p.d === truth.d);
}

function sameMinute(got: Date | null, truth: TruthDate): boolean {
  if (!got || !truth.hm || !sameDay(got, truth)) return false;
  const p = shanghaiParts(got);
  return p.h === truth.hm[0] && p.min === truth.hm[1];
}

// Separators between the names of a by-line: spaces, the list mark 、, commas, slashes, 和/及/与.
const AUTHOR_SEPARATORS = /[\s\u3000]*(?:[、，,;；/／&]|\s|(?<=[\u4e00-\u9fa5])(?:和|及|与)(?=[\u4e00-\u9fa5]))[\s\u3000]*/;

/** The names of a by-line in order, a Latin name in brackets dropped ("周思博 (Joel Spolsky)" → 周思博). */
export function authorNames(s: string): string[] {
  return s
    .replace(/[(（[【][^()（）[\]【】]*[)）\]】]/g, ' ')
    .trim()
    .split(AUTHOR_SEPARATORS)
    .map((n) => n.replace(/[·.•]/g, '').toLowerCase())
    .filter((n) => n.length > 0);
}

/**
 * Whether the extracted author is the truth's. A by-line with several authors is compared as
 * written: the same names in the same order with the same separators (whitespace runs count as one
 * space), so returning only the first of two authors, or reordering them, is a miss. A single
 * author is compared by name, ignoring spaces, middle dots and a bracketed Latin name; the answer
 * must then be one name too, not a by-line that merely contains it.
 */
export function sameAuthor(got: string | null, truth: string): boolean {
  if (!got) return false;
  const want = authorNames(truth);
  const have = authorNames(got);
  if (want.length === 0 || have.length === 0) return false;
  if (want.length > 1) return got.replace(/\s+/g, ' ').trim() === truth.replace(/\s+/g, ' ').trim();
  const a = have.join('');
  const b = want.join('');
  if (have.length === 1 && a === b) return true;
  // A Latin user name may come with decorations (a site prefix, a number): accept containment
  // only for names of Latin letters, never for Han names, where 王明 ⊂ 王明华.
  return have.length === 1 && /^[a-z0-9_.-]+$/.test(a) && /^[a-z0-9_.-]+$/.test(b) && (a.includes(b) || b.includes(a));
}

const ENTITIES: Record<string, string> = { nbsp: ' ', lt: '<', gt: '>', amp: '&', quot: '"', apos: "'", ldquo: '“', rdquo: '”', lsquo: '‘', rsquo: '’', middot: '·', mdash: '—', hellip: '…', ensp: ' ', emsp: ' ' };

/** The text of <body> with comments and every tag removed — script and style text stays, as in the naive reading. */
function strippedBody(html: string): string {
  const body = /<body[^>]*>([\s\S]*?)(?:<\/body>|$)/i.exec(html)?.[1] ?? html;
  return body
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<[^>]*>/g, '')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (all, e: string) => {
      if (e[0] === '#') {
        const cp = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
        return cp > 0 && cp < 0x110000 ? String.fromCodePoint(cp) : all;
      }
      return ENTITIES[e.toLowerCase()] ?? all;
    });
}

/** Baseline (a): every line of the stripped <body> longer than 20 characters. */
function baselineText(html: string): string {
  return strippedBody(html)
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 20)
    .join('\n');
}

/** Baseline (b): the first date-shaped string of the stripped <body>. */
function baselineDate(html: string): Date | null {
  const m = /(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?(?:\s*\d{1,2}[:：]\d{2}(?::\d{2})?)?/.exec(strippedBody(html));
  return m ? parseLooseDate(m[0]) : null;
}

/** Runs the CLI command on one file and returns its parsed JSON line. */
async function runCli(file: string): Promise<CliOutput> {
  let out = '';
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      out += chunk.toString();
      cb();
    },
  });
  const io: CliIO = { stdin: process.stdin, stdout: sink, stderr: sink, cwd: process.cwd() };
  const code = await extractCommand([file], io);
  if (code !== 0) throw new Error(`yuqing extract ${file} exited ${code}: ${out}`);
  return JSON.parse(out) as CliOutput;
}

const mean = (xs: number[]): number => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
const round = (x: number): number => Math.round(x * 1000) / 1000;

async function main(): Promise<number> {
  const asJson = process.argv.includes('--json');
  const verbose = process.argv.includes('--verbose');
  const dir = sharedPath('extraction', 'cwce-dev');
  if (!existsSync(join(dir, 'truth.json'))) {
    console.error(`eval:extract: ${dir} not found (needs ../shared/data)`);
    return 2;
  }
  const truth = JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8')) as Record<string, Truth>;
  const pages = readdirSync(join(dir, 'pages')).filter((f) => f.endsWith('.html'));

  const f1: number[] = [];
  const baseF1: number[] = [];
  const dateOk: boolean[] = [];
  const minuteOk: boolean[] = [];
  const baseDateOk: boolean[] = [];
  const authorOk: boolean[] = [];
  for (const file of pages.sort()) {
    const id = file.replace(/\.html$/, '');
    const t = truth[id];
    if (!t) continue;
    const path = join(dir, 'pages', file);
    const got = await runCli(path);
    const html = decodeDocument(readFileSync(path)).text;
    const pageF1 = charF1(got.text, t.text);
    f1.push(pageF1);
    baseF1.push(charF1(baselineText(html), t.text));
    const published = got.publishedAt ? new Date(got.publishedAt) : null;
    const td = parseTruthDate(t.date);
    if (td) {
      dateOk.push(sameDay(published, td));
      baseDateOk.push(sameDay(baselineDate(html), td));
      if (td.hm) minuteOk.push(sameMinute(published, td));
    }
    const hasAuthor = t.author.trim() !== '' && t.author !== 'UNKNOWN';
    if (hasAuthor) authorOk.push(sameAuthor(got.author, t.author));
    if (verbose && !asJson) {
      const dateMark = td ? (sameDay(published, td) ? 'ok' : 'XX') : '--';
      const authorMark = hasAuthor ? (sameAuthor(got.author, t.author) ? 'ok' : 'XX') : '--';
      console.log(
        `${id.slice(0, 8)} f1=${pageF1.toFixed(3)} date ${dateMark} ${got.publishedAt ?? 'null'} / ${t.date.trim()}  author ${authorMark} ${got.author ?? 'null'} / ${t.author}  [${got.charset}]`,
      );
    }
  }

  const gne = await gnePass(verbose && !asJson);

  const rate = (xs: boolean[]) => (xs.length ? xs.filter(Boolean).length / xs.length : 0);
  const figures = {
    pages: f1.length,
    bodyF1: round(mean(f1)),
    dateAccuracy: round(rate(dateOk)),
    dateMinuteAccuracy: round(rate(minuteOk)),
    authorAccuracy: round(rate(authorOk)),
    datePages: dateOk.length,
    authorPages: authorOk.length,
    baseline: { bodyF1: round(mean(baseF1)), dateAccuracy: round(rate(baseDateOk)) },
    targets: TARGETS,
    gne,
  };
  const missed = (Object.keys(TARGETS) as (keyof typeof TARGETS)[]).filter((k) => figures[k] < TARGETS[k]);
  const floors = floorsFromArgs();
  const belowFloor = (Object.keys(TARGETS) as (keyof typeof TARGETS)[]).filter((k) => figures[k] < (floors[k] ?? TARGETS[k]));
  if (asJson) {
    console.log(JSON.stringify({ ...figures, missed }));
  } else {
    console.log(`extraction on ${figures.pages} cwce-dev pages`);
    console.log(`  body F1 (bag of chars)   ${figures.bodyF1.toFixed(3)}   baseline ${figures.baseline.bodyF1.toFixed(3)}   target ≥ ${TARGETS.bodyF1}`);
    console.log(
      `  date accuracy (same day) ${figures.dateAccuracy.toFixed(3)}   baseline ${figures.baseline.dateAccuracy.toFixed(3)}   target ≥ ${TARGETS.dateAccuracy}   (${figures.datePages} pages)`,
    );
    console.log(`  date accuracy (minute)   ${figures.dateMinuteAccuracy.toFixed(3)}   (${minuteOk.length} pages whose truth has a time)`);
    console.log(`  author accuracy          ${figures.authorAccuracy.toFixed(3)}   target ≥ ${TARGETS.authorAccuracy}   (${figures.authorPages} pages)`);
    if (gne) {
      console.log(
        `gne-pages: ${gne.pages} pages, ${gne.exceptions} exceptions; with text ≥ 50 chars ${gne.withText}, an author ${gne.withAuthor}, a date ${gne.withDate}; read as forum threads ${gne.threads}`,
      );
    } else console.log('gne-pages: not found, skipped');
    console.log(missed.length ? `MISSED: ${missed.join(', ')}` : 'all targets met');
    if (Object.keys(floors).length) console.log(`floors for the exit code: ${JSON.stringify(floors)}; below: ${belowFloor.join(', ') || 'none'}`);
  }
  return belowFloor.length || (gne?.exceptions ?? 0) > 0 ? 1 : 0;
}

interface GneFigures {
  pages: number;
  exceptions: number;
  withText: number;
  withAuthor: number;
  withDate: number;
  threads: number;
}

/** Runs every gne page through the CLI: none may throw. No truth: what was found is counted (and listed with --verbose). */
async function gnePass(verbose: boolean): Promise<GneFigures | null> {
  const root = sharedPath('extraction', 'gne-pages');
  if (!existsSync(root)) return null;
  const files = (readdirSync(root, { recursive: true }) as string[]).filter((f) => f.endsWith('.html')).sort();
  const out: GneFigures = { pages: files.length, exceptions: 0, withText: 0, withAuthor: 0, withDate: 0, threads: 0 };
  for (const f of files) {
    const path = join(root, f);
    try {
      const got = await runCli(path);
      if (got.text.replace(/\s+/g, '').length >= 50) out.withText++;
      if (got.author) out.withAuthor++;
      if (got.publishedAt) out.withDate++;
      const thread = extractThread(decodeDocument(readFileSync(path)).text);
      if (thread) out.threads++;
      if (verbose) {
        console.log(
          `gne ${f.padEnd(36)} chars=${String(got.text.length).padStart(5)} date ${got.publishedAt ?? 'null'}  author ${got.author ?? 'null'}${thread ? `  thread of ${thread.posts.length} posts` : ''}`,
        );
      }
    } catch (err) {
      out.exceptions++;
      console.error(`gne ${f}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return out;
}

/** `--floor dateAccuracy=0.88` (repeatable). */
function floorsFromArgs(): Partial<Record<keyof typeof TARGETS, number>> {
  const floors: Partial<Record<keyof typeof TARGETS, number>> = {};
  const args = process.argv.slice(2);
  args.forEach((a, i) => {
    if (a !== '--floor') return;
    const [k, v] = (args[i + 1] ?? '').split('=');
    if (k && k in TARGETS && v && !Number.isNaN(Number(v))) floors[k as keyof typeof TARGETS] = Number(v);
    else throw new Error(`--floor expects name=value with name one of ${Object.keys(TARGETS).join(', ')}`);
  });
  return floors;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exitCode = 1;
  },
);
