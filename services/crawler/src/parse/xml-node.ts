/**
 * Readers for the loosely typed objects xml2js (under rss-parser) produces:
 * an element is a string, or `{ _: text, $: attributes, child: [elements] }`.
 */

/** Text content of an xml2js element, recursing into children (xhtml titles); null when empty. */
export function nodeText(v: unknown): string | null {
  const s = collect(v).trim();
  return s ? s : null;
}

function collect(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  if (Array.isArray(v)) return v.map(collect).join(' ');
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (typeof o._ === 'string') return o._;
    return Object.entries(o)
      .filter(([k]) => k !== '$')
      .map(([, c]) => collect(c))
      .join(' ');
  }
  return '';
}

/** An attribute of an xml2js element, or null. */
export function attr(v: unknown, name: string): string | null {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return null;
  const attrs = (v as Record<string, unknown>).$;
  if (!attrs || typeof attrs !== 'object') return null;
  const value = (attrs as Record<string, unknown>)[name];
  return typeof value === 'string' && value.trim() ? value.trim() : null;
}

/** The elements of an xml2js child list (always an array with explicitArray), or []. */
export function children(v: unknown): unknown[] {
  return Array.isArray(v) ? v : v === undefined || v === null ? [] : [v];
}
