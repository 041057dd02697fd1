/**
 * Reading and writing source lists: OPML (what feed readers export) and YAML/JSON lists in the
 * shape of the source model. Parsing only; validation is the source model's zod schema.
 */
import * as cheerio from 'cheerio';
import { toSourceInput, type Source } from '@yuqing/db';
import YAML from 'yaml';
import { CliError } from './io';

/** True when the text is an OPML document. */
export function looksLikeOpml(text: string): boolean {
  return /^\s*(?:<\?xml[^>]*>\s*)?(?:<!--[\s\S]*?-->\s*)*<opml[\s>]/i.test(text.replace(/^\uFEFF/, ''));
}

/** Raw source objects from an OPML file: every outline with an xmlUrl is one RSS source. */
export function sourcesFromOpml(text: string): unknown[] {
  const $ = cheerio.load(text, { xml: true });
  if ($('opml').length === 0) throw new CliError('not an OPML document (no <opml> element)');
  return $('outline[xmlUrl], outline[xmlurl]')
    .toArray()
    .map((el) => {
      const o = $(el);
      const url = o.attr('xmlUrl') ?? o.attr('xmlurl');
      return { name: (o.attr('title') ?? o.attr('text') ?? url ?? '').trim() || url, kind: 'rss', url };
    });
}

/** Raw source objects from a YAML or JSON list (or `{sources: [...]}`). */
export function sourcesFromYaml(text: string): unknown[] {
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch (err) {
    throw new CliError(`cannot parse the file as YAML/JSON: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
  }
  if (Array.isArray(doc)) return doc;
  if (doc && typeof doc === 'object' && Array.isArray((doc as { sources?: unknown }).sources)) return (doc as { sources: unknown[] }).sources;
  throw new CliError('expected a list of sources (or an object with a "sources" list)');
}

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Serializes sources for `sources export`. OPML holds RSS sources only (it has no place for selectors). */
export function exportSources(sources: Source[], format: 'yaml' | 'json' | 'opml'): string {
  if (format === 'opml') {
    const outlines = sources
      .filter((s) => s.kind === 'rss')
      .map((s) => `    <outline type="rss" text="${escapeXml(s.name)}" title="${escapeXml(s.name)}" xmlUrl="${escapeXml(s.url)}"/>`)
      .join('\n');
    return `<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0">\n  <head><title>yuqing sources</title></head>\n  <body>\n${outlines}\n  </body>\n</opml>\n`;
  }
  const list = sources.map(toSourceInput);
  return format === 'json' ? `${JSON.stringify(list, null, 2)}\n` : YAML.stringify(list);
}
