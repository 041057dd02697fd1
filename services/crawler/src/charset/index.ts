/**
 * Turns page bytes into text. Chinese sites serve GBK/GB2312/GB18030 and Big5 as often as
 * UTF-8, and their declarations are frequently wrong (templates copied between sites, a
 * gb2312 meta tag left on a page re-saved as UTF-8), so a declaration is only trusted after
 * the bytes agree with it.
 *
 * Order: explicit override > BOM > HTTP Content-Type > XML declaration > <meta>, then a
 * byte-level check of the declared charset; with no usable declaration, byte-level detection.
 */
import { charsetFromContentType, metaDeclaredCharset, prescan, sniffBom, xmlDeclaredCharset } from './declared';
import { clearlyBetter, decodeWith, detectChinese, detectCharset, scoreAs } from './detect';
import { canonicalCharset, isChineseMultibyte } from './names';
import { checkUtf8 } from './utf8';

export { charsetFromContentType } from './declared';

/** Where the charset used came from. */
export type CharsetSource = 'override' | 'bom' | 'header' | 'xml' | 'meta' | 'detected';

/** A decoded document and how its charset was chosen. */
export interface DecodedDocument {
  text: string;
  /** Canonical name of the decoder used: 'utf-8', 'gb18030', 'big5', 'windows-1252', 'utf-16le', … */
  charset: string;
  /** The label the document or server declared (lowercased, as written), if any. */
  declared: string | null;
  source: CharsetSource;
}

/** Options for decodeDocument. */
export interface DecodeOptions {
  /** The HTTP Content-Type header value. */
  contentType?: string | null;
  /** A charset configured by hand for the source; wins over everything. */
  override?: string | null;
}

/** Decodes page bytes, choosing and verifying the charset; never throws. */
export function decodeDocument(bytes: Uint8Array, opts: DecodeOptions = {}): DecodedDocument {
  try {
    return decode(bytes, opts);
  } catch {
    // Defensive: detection is plain byte arithmetic, but a crawler must never die on a page.
    return { text: stripBom(decodeWith(bytes, 'windows-1252')), charset: 'windows-1252', declared: null, source: 'detected' };
  }
}

function decode(bytes: Uint8Array, opts: DecodeOptions): DecodedDocument {
  const override = canonicalCharset(opts.override);
  if (override) return result(bytes, override, opts.override?.trim().toLowerCase() ?? null, 'override');

  const bom = sniffBom(bytes);
  if (bom) return result(bytes.subarray(bom.length), bom.charset, bom.charset, 'bom');

  const declaration = findDeclaration(bytes, opts.contentType);
  const declaredCanonical = canonicalCharset(declaration?.label);
  if (!declaration || !declaredCanonical) {
    return result(bytes, detectCharset(bytes), declaration?.label ?? null, 'detected');
  }
  const verified = verify(bytes, declaredCanonical);
  return result(bytes, verified, declaration.label, verified === declaredCanonical ? declaration.source : 'detected');
}

function findDeclaration(bytes: Uint8Array, contentType: string | null | undefined): { label: string; source: CharsetSource } | null {
  const header = charsetFromContentType(contentType);
  if (header && canonicalCharset(header)) return { label: header, source: 'header' };
  const head = prescan(bytes);
  const xml = xmlDeclaredCharset(head);
  if (xml && canonicalCharset(xml)) return { label: xml, source: 'xml' };
  const meta = metaDeclaredCharset(head);
  if (meta) return { label: meta, source: 'meta' };
  // An unknown label (e.g. "unset") is still worth reporting as what the page declared.
  const unknown = header ?? xml;
  return unknown ? { label: unknown, source: header ? 'header' : 'xml' } : null;
}

/** The charset the bytes really are in, given the declared one. */
function verify(bytes: Uint8Array, declared: string): string {
  const utf8 = checkUtf8(bytes);
  if (declared === 'utf-8') return utf8.valid ? 'utf-8' : detectCharset(bytes);
  // Valid UTF-8 with multibyte sequences is practically never GBK, Big5 or latin-1 text.
  if (utf8.valid && utf8.multibyte > 0 && !declared.startsWith('utf-16')) return 'utf-8';
  if (isChineseMultibyte(declared)) {
    const other = declared === 'gb18030' ? 'big5' : 'gb18030';
    return clearlyBetter(scoreAs(bytes, other), scoreAs(bytes, declared)) ? other : declared;
  }
  if (declared === 'windows-1252') {
    // Old Chinese pages made in Western editors say iso-8859-1 but hold GBK bytes.
    return detectChinese(bytes)?.charset ?? declared;
  }
  return declared;
}

function result(bytes: Uint8Array, charset: string, declared: string | null, source: CharsetSource): DecodedDocument {
  return { text: stripBom(decodeWith(bytes, charset)), charset, declared, source };
}

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
