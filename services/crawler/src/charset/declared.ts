/**
 * Where a document says what its charset is: byte-order mark, HTTP header, XML declaration,
 * `<meta>` tag. Each reader returns the label as written (lowercased) and judges nothing.
 */

/** A byte-order mark found at the start of the bytes. */
export interface Bom {
  charset: 'utf-8' | 'utf-16le' | 'utf-16be';
  length: number;
}

/** Reads a UTF-8 or UTF-16 byte-order mark. */
export function sniffBom(bytes: Uint8Array): Bom | null {
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return { charset: 'utf-8', length: 3 };
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) return { charset: 'utf-16le', length: 2 };
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) return { charset: 'utf-16be', length: 2 };
  return null;
}

/** The charset parameter of a Content-Type header value (`text/html; charset="GBK"` → `gbk`). */
export function charsetFromContentType(ct: string | null | undefined): string | null {
  if (!ct) return null;
  const m = /;\s*charset\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s;,]+))/i.exec(ct);
  const label = (m?.[1] ?? m?.[2] ?? m?.[3] ?? '').trim().toLowerCase();
  return label || null;
}

// Enough to cover the <head> of real pages; browsers stop at 1 KB, but CMS pages put
// long scripts and ASP.NET view state before the meta tag.
const PRESCAN_BYTES = 4096;

/** The first bytes read as latin1: every byte maps to one char, so ASCII markup survives any charset. */
export function prescan(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, PRESCAN_BYTES)).toString('latin1');
}

/** The encoding of an `<?xml ... encoding="..."?>` declaration at the start (leading whitespace allowed). */
export function xmlDeclaredCharset(head: string): string | null {
  const m = /^\s*<\?xml\s[^>]*?\bencoding\s*=\s*["']([^"']+)["']/i.exec(head);
  return m?.[1]?.trim().toLowerCase() || null;
}

/** The charset of the first `<meta charset>` or `<meta http-equiv content="...; charset=...">` outside comments. */
export function metaDeclaredCharset(head: string): string | null {
  const uncommented = head.replace(/<!--[\s\S]*?(?:-->|$)/g, ' ');
  const metaTag = /<meta\b[^>]*>/gi;
  for (let m = metaTag.exec(uncommented); m; m = metaTag.exec(uncommented)) {
    const tag = m[0];
    const direct = /\bcharset\s*=\s*["']?\s*([\w.:-]+)/i.exec(tag);
    if (direct?.[1]) return direct[1].toLowerCase();
  }
  return null;
}
