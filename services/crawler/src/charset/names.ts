/**
 * Charset labels as sites write them, mapped to the one decoder we actually use.
 *
 * Chinese sites label the same bytes gb2312, gbk, x-gbk, cp936 or gb18030; each is a subset of
 * the next, so decoding all of them as GB18030 never loses a character that a stricter decoder
 * would have shown (pages labelled gb2312 routinely contain GBK-only characters such as 镕).
 */
import iconv from 'iconv-lite';

const ALIASES: Record<string, string> = {
  utf8: 'utf-8',
  'utf-8': 'utf-8',
  'unicode-1-1-utf-8': 'utf-8',
  'x-unicode20utf8': 'utf-8',
  gb2312: 'gb18030',
  gb_2312: 'gb18030',
  'gb_2312-80': 'gb18030',
  gbk: 'gb18030',
  'x-gbk': 'gb18030',
  cp936: 'gb18030',
  ms936: 'gb18030',
  'windows-936': 'gb18030',
  'euc-cn': 'gb18030',
  'csgb2312': 'gb18030',
  'iso-ir-58': 'gb18030',
  chinese: 'gb18030',
  gb18030: 'gb18030',
  big5: 'big5',
  'big5-hkscs': 'big5',
  'x-x-big5': 'big5',
  'x-big5': 'big5',
  'cn-big5': 'big5',
  csbig5: 'big5',
  cp950: 'big5',
  // WHATWG: browsers decode every latin-1 label as windows-1252, and so do we.
  'iso-8859-1': 'windows-1252',
  'iso8859-1': 'windows-1252',
  latin1: 'windows-1252',
  'us-ascii': 'windows-1252',
  ascii: 'windows-1252',
  'windows-1252': 'windows-1252',
  cp1252: 'windows-1252',
  'utf-16': 'utf-16le',
  'utf-16le': 'utf-16le',
  'utf-16be': 'utf-16be',
};

/** Canonical decoder name for a declared label, or null when the label is unknown (e.g. "unset"). */
export function canonicalCharset(label: string | null | undefined): string | null {
  if (!label) return null;
  const l = label.trim().toLowerCase().replace(/^["']|["']$/g, '');
  if (!l) return null;
  const known = ALIASES[l];
  if (known) return known;
  return iconv.encodingExists(l) ? l : null;
}

/** True for the GB family and Big5, the declarations we double-check against each other. */
export function isChineseMultibyte(canonical: string): boolean {
  return canonical === 'gb18030' || canonical === 'big5';
}
