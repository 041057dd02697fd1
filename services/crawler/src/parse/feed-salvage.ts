/**
 * Repairs for feeds that a strict XML parser rejects but that still carry good entries.
 *
 * Responses get cut at a size cap or by a dropped connection, and many Chinese CMSs write bare `&`
 * and HTML entities (`&nbsp;`) into XML. Both would otherwise lose every entry of the feed.
 */

/**
 * Cuts a truncated feed after its last complete `</item>` / `</entry>` and closes the containers
 * that were open there (`</channel></rss>`, `</feed>`, `</rdf:RDF>`). Null when no entry is complete.
 */
export function closeTruncatedFeed(xml: string): string | null {
  const stack: string[] = [];
  let cut = -1;
  let openAtCut: string[] = [];
  let i = xml.indexOf('<');
  while (i >= 0 && i < xml.length) {
    const end = skipMarkup(xml, i);
    if (end < 0) break; // the document ends inside this tag, comment or CDATA section
    const tag = xml.slice(i, end);
    const close = /^<\/([^\s>]+)\s*>$/.exec(tag);
    if (close?.[1]) {
      const name = close[1];
      const at = stack.lastIndexOf(name);
      if (at >= 0) stack.length = at; // tolerate unclosed children, as browsers do
      if (/^(?:[\w.-]+:)?(?:item|entry)$/.test(name)) {
        cut = end;
        openAtCut = [...stack];
      }
    } else {
      const open = /^<([A-Za-z_][\w.:-]*)/.exec(tag);
      if (open?.[1] && !tag.endsWith('/>')) stack.push(open[1]);
    }
    i = xml.indexOf('<', end);
  }
  if (cut < 0) return null;
  return xml.slice(0, cut) + openAtCut.reverse().map((n) => `</${n}>`).join('');
}

/** Index just past the markup starting at `start` (tag, comment, CDATA, PI, doctype); -1 if unterminated. */
function skipMarkup(xml: string, start: number): number {
  if (xml.startsWith('<!--', start)) return after(xml, '-->', start + 4);
  if (xml.startsWith('<![CDATA[', start)) return after(xml, ']]>', start + 9);
  if (xml.startsWith('<?', start)) return after(xml, '?>', start + 2);
  if (xml.startsWith('<!', start)) {
    const bracket = xml.indexOf('[', start);
    const gt = xml.indexOf('>', start);
    // A DOCTYPE with an internal subset ends at "]>", not at the first ">".
    if (bracket >= 0 && gt >= 0 && bracket < gt) return after(xml, ']>', bracket);
    return gt < 0 ? -1 : gt + 1;
  }
  // An ordinary tag: a ">" inside a quoted attribute value does not end it.
  let quote = '';
  for (let j = start + 1; j < xml.length; j++) {
    const c = xml[j];
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === '>') {
      return j + 1;
    }
  }
  return -1;
}

function after(xml: string, marker: string, from: number): number {
  const at = xml.indexOf(marker, from);
  return at < 0 ? -1 : at + marker.length;
}

// HTML entities that Chinese CMSs put into XML most often; XML itself knows only the five below.
const HTML_ENTITIES: Record<string, number> = {
  nbsp: 0xa0, ensp: 0x2002, emsp: 0x2003, thinsp: 0x2009, middot: 0xb7, hellip: 0x2026, mdash: 0x2014,
  ndash: 0x2013, lsquo: 0x2018, rsquo: 0x2019, ldquo: 0x201c, rdquo: 0x201d, laquo: 0xab, raquo: 0xbb,
  copy: 0xa9, reg: 0xae, trade: 0x2122, times: 0xd7, divide: 0xf7, deg: 0xb0, bull: 0x2022, yen: 0xa5,
};

/**
 * Makes stray ampersands well-formed: known HTML entities become numeric references,
 * every other `&` that does not start an XML reference becomes `&amp;`. CDATA sections are left alone.
 */
export function repairEntities(xml: string): string {
  return xml.replace(/<!\[CDATA\[[\s\S]*?\]\]>|&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)([A-Za-z][A-Za-z0-9]*;)?/g, (m, named?: string) => {
    if (m.startsWith('<![CDATA[')) return m;
    const code = named ? HTML_ENTITIES[named.slice(0, -1)] : undefined;
    if (code !== undefined) return `&#${code};`;
    return `&amp;${named ?? ''}`;
  });
}
