/**
 * A small element tree built from cheerio's DOM, holding only what the extractor reasons about.
 * Scripts, styles, forms controls and hidden elements are dropped here, once, so no later step
 * can mistake their text for content.
 */
import type { CheerioAPI } from 'cheerio';

/** An element with its children in document order; text children are plain strings. */
export interface El {
  tag: string;
  attrs: Record<string, string>;
  children: (El | string)[];
  parent: El | null;
}

// The shape of domhandler nodes that we read (cheerio does not re-export domhandler's types).
interface DomNode {
  type: string;
  name?: string;
  data?: string;
  attribs?: Record<string, string>;
  children?: DomNode[];
}

const DROP = new Set([
  'script',
  'style',
  'noscript',
  'template',
  'iframe',
  'frame',
  'frameset',
  'object',
  'embed',
  'svg',
  'canvas',
  'video',
  'audio',
  'select',
  'option',
  'textarea',
  'button',
  'input',
  'head',
  'map',
]);

/** Builds the tree of the document's <html> element from a loaded cheerio document. */
export function buildTree($: CheerioAPI): El {
  const root: El = { tag: '#root', attrs: {}, children: [], parent: null };
  for (const child of ($.root()[0] as unknown as DomNode).children ?? []) addNode(root, child);
  return root;
}

function addNode(parent: El, node: DomNode): void {
  if (node.type === 'text') {
    if (node.data) parent.children.push(node.data);
    return;
  }
  if (node.type !== 'tag' && node.type !== 'root') return; // comments, directives, CDATA
  const tag = (node.name ?? '').toLowerCase();
  if (DROP.has(tag)) return;
  const attrs = node.attribs ?? {};
  if (isHidden(attrs)) return;
  const el: El = { tag, attrs, children: [], parent };
  parent.children.push(el);
  for (const child of node.children ?? []) addNode(el, child);
}

function isHidden(attrs: Record<string, string>): boolean {
  if ('hidden' in attrs) return true;
  const style = attrs.style;
  return !!style && /display\s*:\s*none|visibility\s*:\s*hidden/i.test(style);
}
