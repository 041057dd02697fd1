/**
 * Cuts the element tree into paragraphs the way a browser lays it out: block elements and
 * <br> end a line, inline elements do not. Each paragraph remembers the block element it sits
 * in, so scores computed per paragraph can be summed up the tree.
 */
import type { El } from './tree';

/** One rendered line of text and the statistics the scorers need. */
export interface Paragraph {
  text: string;
  /** The nearest block element containing the line. */
  owner: El;
  /** Non-whitespace characters. */
  chars: number;
  /** Non-whitespace characters inside links. */
  linkChars: number;
  /** Sentence punctuation marks: prose has them, menus and link lists do not. */
  punct: number;
}

const BLOCK = new Set([
  '#root',
  'html',
  'body',
  'address',
  'article',
  'aside',
  'blockquote',
  'center',
  'dd',
  'details',
  'dialog',
  'dir',
  'div',
  'dl',
  'dt',
  'fieldset',
  'figcaption',
  'figure',
  'footer',
  'form',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'header',
  'hgroup',
  'hr',
  'li',
  'main',
  'menu',
  'nav',
  'ol',
  'p',
  'pre',
  'section',
  'summary',
  'table',
  'tbody',
  'thead',
  'tfoot',
  'tr',
  'td',
  'th',
  'caption',
  'ul',
  'text', // the <text id=… title=…> wrapper some page archives put around each document
]);

/** True for elements that start a new line. */
export function isBlock(tag: string): boolean {
  return BLOCK.has(tag);
}

// Chinese sentence punctuation, plus ASCII marks that end clauses (a '.' only before a space,
// so version numbers and dates do not count).
const PUNCT = /[，。！？；：、“”‘’《》（）…—,;!?]|\.(?=\s|$)/g;

/** Counts sentence punctuation marks. */
export function countPunct(s: string): number {
  return s.match(PUNCT)?.length ?? 0;
}

/** Non-whitespace character count. */
export function visibleLength(s: string): number {
  return s.replace(/\s+/g, '').length;
}

/**
 * Collapses whitespace (incl. &nbsp; and the ideographic space) and trims. Private-use
 * characters count as space: GBK pages use the user-defined area for layout glyphs that no
 * font shows, and GB18030 maps them to U+E000–U+F8FF.
 */
export function normalizeSpace(s: string): string {
  return s.replace(/[\s\ue000-\uf8ff]+/g, ' ').trim();
}

/** Splits the tree into paragraphs in document order. */
export function paragraphs(root: El): Paragraph[] {
  const out: Paragraph[] = [];
  let buf = '';
  let linkChars = 0;
  const owners: El[] = [root];

  const flush = () => {
    const text = normalizeSpace(buf);
    if (text) {
      out.push({ text, owner: owners[owners.length - 1] ?? root, chars: visibleLength(text), linkChars, punct: countPunct(text) });
    }
    buf = '';
    linkChars = 0;
  };

  const visit = (el: El, inLink: boolean) => {
    const block = isBlock(el.tag);
    if (el.tag === 'br') {
      flush();
      return;
    }
    if (block) {
      flush();
      owners.push(el);
    }
    const link = inLink || el.tag === 'a';
    for (const c of el.children) {
      if (typeof c === 'string') {
        buf += c;
        if (link) linkChars += visibleLength(c);
      } else visit(c, link);
    }
    if (block) {
      flush();
      owners.pop();
    }
  };
  visit(root, false);
  flush();
  return out;
}
