/**
 * Making outside text harmless. Titles, source names and URLs come from crawled pages: in HTML
 * every text and attribute value is escaped (also valid XML, so inline SVG stays well-formed); in
 * Markdown, markup characters become their full-width twins, which read naturally in Chinese and
 * are markup in no robot's dialect, so a headline like `[点此](http://x)` stays text.
 */

/** Escapes text for an HTML or XML text node or a double-quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;'));
}

// Characters not allowed in XML 1.0 (C0 controls except tab/newline/CR, lone surrogates,
// U+FFFE/U+FFFF): a scraped title carrying one would make inline SVG malformed.
// eslint-disable-next-line no-control-regex
const NON_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Text as it may appear in the page: without characters XML refuses. */
export function cleanText(text: string): string {
  return text.replace(NON_XML, '');
}

/** Escaped and cleaned: the one way outside text enters the HTML. */
export const h = (text: string | number | null | undefined): string => escapeHtml(cleanText(text === null || text === undefined ? '' : String(text)));

/** At most `max` characters (code points, never half a character), with … when cut; whitespace runs become one space. */
export function truncate(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  const chars = [...flat];
  return chars.length > max ? `${chars.slice(0, Math.max(0, max - 1)).join('')}…` : flat;
}

/** Outside text made inert for Markdown (see the module comment), on one line, at most `max` characters. */
export function inertMarkdown(text: string, max = 200): string {
  return truncate(cleanText(text), max).replace(/[[\]<>*_#`~|\\()!]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));
}
