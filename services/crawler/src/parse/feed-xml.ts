/**
 * rss-parser wrapped so that RSS 2.0, RSS 0.9x, RSS 1.0 (RDF) and Atom come out in one shape.
 *
 * rss-parser's Atom code is patched: it calls `new Date(published).toISOString()`, which throws on
 * the non-ISO dates Chinese feeds print and would lose the whole feed; it reads `link.$.rel`, which
 * throws on `<link>text</link>`; and it ignores categories and xml:base. We take those from the raw entry.
 */
import Parser from 'rss-parser';
import { attr, children, nodeText } from './xml-node';

/** One feed item as the feed states it: strings still raw (HTML in summaries, relative links). */
export interface RawItem {
  link: string | null;
  guid: string | null;
  title: string | null;
  /** Atom says whether the title is HTML (type="html"/"xhtml"); RSS does not (null). */
  titleIsHtml: boolean | null;
  summaryHtml: string | null;
  contentHtml: string | null;
  author: string | null;
  /** Candidate publication times, best first (pubDate, dc:date, published, updated). */
  dates: string[];
  categories: string[];
  /** Atom xml:base of the entry, unresolved. */
  base: string | null;
}

/** A feed as the feed states it. */
export interface RawFeed {
  kind: 'rss' | 'atom';
  title: string | null;
  link: string | null;
  /** Atom xml:base of the feed element, unresolved. */
  base: string | null;
  items: RawItem[];
}

type XmlObject = Record<string, unknown>;
// rss-parser's output objects, plus the symbol-keyed extras our Atom patch attaches.
type RssItem = Record<PropertyKey, unknown>;

interface ParserInternals {
  parseItemAtom(entry: XmlObject): RssItem;
  buildAtomFeed(xmlObj: XmlObject): RssItem;
}

// Where the patched Atom methods leave what they read from the raw XML.
const ATOM = Symbol('atom');

interface AtomExtras {
  link: string | null;
  dates: string[];
  categories: string[];
  base: string | null;
  titleIsHtml: boolean;
}

/** Parses feed XML with rss-parser; rejects with rss-parser's or xml2js's error when it cannot. */
export async function readFeedXml(xml: string): Promise<RawFeed> {
  // A fresh parser per call: xml2js parsers keep state between parseString calls.
  const parser = new Parser({ defaultRSS: 2 });
  patchAtom(parser as unknown as ParserInternals);
  const out = (await parser.parseString(xml)) as unknown as RssItem & { items: RssItem[] };
  const atom = out[ATOM] as AtomExtras | undefined;
  if (atom) {
    return {
      kind: 'atom',
      title: nodeText(out.title),
      link: atom.link,
      base: atom.base,
      items: out.items.map((item) => atomItem(item)),
    };
  }
  return { kind: 'rss', title: nodeText(out.title), link: linkText(out.link), base: null, items: out.items.map(rssItem) };
}

function patchAtom(p: ParserInternals): void {
  const parseItemAtom = p.parseItemAtom.bind(p);
  const buildAtomFeed = p.buildAtomFeed.bind(p);
  p.parseItemAtom = (entry) => {
    const { link, published, updated, category, ...rest } = entry;
    const item = parseItemAtom(rest);
    const extras: AtomExtras = {
      link: atomLink(link),
      dates: [children(published)[0], children(updated)[0]].map(nodeText).filter((d): d is string => d !== null),
      categories: children(category).map((c) => attr(c, 'term') ?? attr(c, 'label') ?? nodeText(c)).filter((c): c is string => c !== null),
      base: attr(entry, 'xml:base'),
      titleIsHtml: ['html', 'xhtml'].includes(attr(children(entry.title)[0], 'type') ?? ''),
    };
    item[ATOM] = extras;
    return item;
  };
  p.buildAtomFeed = (xmlObj) => {
    const feed = (xmlObj.feed ?? {}) as XmlObject;
    const { link, ...rest } = feed;
    const out = buildAtomFeed({ ...xmlObj, feed: rest });
    const extras: AtomExtras = { link: atomLink(link), dates: [], categories: [], base: attr(feed, 'xml:base'), titleIsHtml: false };
    out[ATOM] = extras;
    return out;
  };
}

/** The entry's page: a link with no rel or rel="alternate" (Atom's default), else any link with an href. */
function atomLink(links: unknown): string | null {
  const list = children(links);
  const withHref = list.filter((l) => attr(l, 'href') !== null);
  const alternate = withHref.find((l) => (attr(l, 'rel') ?? 'alternate') === 'alternate');
  const chosen = alternate ?? withHref[0];
  if (chosen) return attr(chosen, 'href');
  // <link>https://…</link> is invalid Atom but common.
  return list.map(nodeText).find((t) => t !== null) ?? null;
}

function atomItem(item: RssItem): RawItem {
  const extras = item[ATOM] as AtomExtras;
  // xhtml titles arrive as element trees; nodeText flattens them.
  const title = nodeText(item.title);
  return {
    link: extras.link,
    guid: nodeText(item.id),
    title,
    titleIsHtml: extras.titleIsHtml,
    summaryHtml: nodeText(item.summary),
    contentHtml: nodeText(item.content),
    author: nodeText(item.author),
    dates: extras.dates,
    categories: extras.categories,
    base: extras.base,
  };
}

function rssItem(item: RssItem): RawItem {
  const categories = children(item.categories).map(nodeText).filter((c): c is string => c !== null);
  return {
    link: linkText(item.link),
    // RSS 1.0 items have no guid; their rdf:about is the item's identity.
    guid: nodeText(item.guid) ?? nodeText(item['rdf:about']),
    title: nodeText(item.title),
    titleIsHtml: null,
    // rss-parser calls the RSS description "content"; the full text is content:encoded.
    summaryHtml: nodeText(item.content),
    contentHtml: nodeText(item['content:encoded']),
    author: nodeText(item.creator) ?? nodeText(item.author),
    dates: [item.pubDate, item['dc:date'], item.isoDate].map(nodeText).filter((d): d is string => d !== null),
    categories,
    base: null,
  };
}

/** An RSS <link>: its text, or the href of a mistaken `<link href="…"/>`. */
function linkText(v: unknown): string | null {
  if (Array.isArray(v)) return v.map(linkText).find((l) => l !== null) ?? null;
  return attr(v, 'href') ?? nodeText(v);
}
