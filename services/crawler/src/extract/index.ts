/**
 * Article extraction from a saved or fetched page: title, body text, publication time, author.
 * `extractFromBytes` is the one code path shared by the crawler, `yuqing extract` and the
 * evaluation script, so the figures the evaluation prints are the figures the product gets.
 * On a forum thread (thread.ts) the article is the first post: its text, author and time.
 */
import * as cheerio from 'cheerio';
import { decodeDocument } from '../charset/index';
import { extractAuthor } from './author';
import { bestRun } from './body';
import type { PageContext } from './context';
import { extractDate } from './date';
import { isFooter, isFurniture, isTailHeading } from './noise';
import { type Paragraph, paragraphs } from './paragraphs';
import { readThread } from './thread';
import { extractTitle } from './title';
import { buildTree } from './tree';

export { type Thread, type ThreadPost, extractThread } from './thread';

/** What the extractor finds in one page. */
export interface Article {
  title: string | null;
  /** Body paragraphs joined by "\n", whitespace collapsed inside each. */
  text: string;
  publishedAt: Date | null;
  author: string | null;
}

/** Options for extraction. */
export interface ExtractOptions {
  /** The page's URL; a date in the path (…/2024/03/05/…) is a last-resort publication date. */
  url?: string;
}

/** Extracts the article from decoded HTML; never throws on malformed markup. */
export function extractArticle(html: string, opts: ExtractOptions = {}): Article {
  const $ = cheerio.load(html);
  const root = buildTree($);
  const title = extractTitle($);
  const paras = paragraphs(root);
  const body = bodyParagraphs(paras);
  const bodyStart = body[0] ? paras.indexOf(body[0]) : -1;
  const ctx: PageContext = { $, paras, body, bodyStart, title, url: opts.url ?? null };
  const thread = readThread($, root, opts.url ?? null);
  const first = thread?.posts[0];
  if (thread && first && first.text) {
    // A thread: the first post is the article; the page-wide readings fill what it lacks.
    return {
      title: thread.title ?? title,
      text: first.text,
      publishedAt: first.date ?? extractDate(ctx),
      author: first.author ?? extractAuthor(ctx),
    };
  }
  return {
    title,
    text: body.map((p) => p.text).join('\n'),
    publishedAt: extractDate(ctx),
    author: extractAuthor(ctx),
  };
}

/** The paragraphs of the best run, minus furniture and anything after a related/comments heading. */
function bodyParagraphs(paras: Paragraph[]): Paragraph[] {
  const run = bestRun(paras);
  if (!run) return [];
  const out: Paragraph[] = [];
  for (const p of paras.slice(run.start, run.end)) {
    if (out.length > 0 && isTailHeading(p)) break;
    if (p.linkChars / p.chars > 0.5 || isFurniture(p) || isFooter(p)) continue;
    out.push(p);
  }
  return out;
}

/** An extracted article plus the charset its bytes were decoded with. */
export interface ExtractedPage extends Article {
  charset: string;
}

/** Decodes page bytes (charset detection included) and extracts the article. */
export function extractFromBytes(bytes: Uint8Array, opts: ExtractOptions & { contentType?: string | null } = {}): ExtractedPage {
  const decoded = decodeDocument(bytes, { contentType: opts.contentType ?? null });
  const article = extractArticle(decoded.text, opts.url === undefined ? {} : { url: opts.url });
  return { ...article, charset: decoded.charset };
}
