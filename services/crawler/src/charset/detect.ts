/**
 * Byte-level charset detection for pages that declare nothing or declare the wrong thing.
 * UTF-8 is recognised by its structure; GB18030 and Big5, which share byte ranges, are told
 * apart by how ordinary the decoded text looks (share of very frequent Chinese characters).
 */
import iconv from 'iconv-lite';
import { FREQUENT_CHARS } from './frequent';
import { checkUtf8 } from './utf8';

/** How ordinary a decoding looks as Chinese text. */
export interface CjkScore {
  /** Han characters, replacement characters and private-use characters seen. */
  cjk: number;
  /** Of those, how many are among the most frequent characters. */
  frequent: number;
  /** frequent / cjk, with replacement and private-use characters counted against it; 0..1. */
  ratio: number;
}

// Below this share of frequent characters a decoding is not Chinese text. Real pages score
// 0.5–0.8; the wrong one of GBK/Big5 scores under 0.15.
const MIN_CJK_RATIO = 0.3;
// Scoring the first part of a page is enough to tell decoders apart and keeps huge pages cheap.
const SCORE_BYTES = 256 * 1024;

/** Decodes with a canonical charset name; never throws (unknown names fall back to windows-1252). */
export function decodeWith(bytes: Uint8Array, charset: string): string {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  try {
    return iconv.decode(buf, charset, { stripBOM: false });
  } catch {
    return iconv.decode(buf, 'windows-1252', { stripBOM: false });
  }
}

/** Scores a decoded text by its share of frequent Chinese characters. */
export function scoreCjk(text: string): CjkScore {
  let cjk = 0;
  let frequent = 0;
  let bad = 0;
  for (const ch of text) {
    const c = ch.codePointAt(0) as number;
    if (c < 0x3400) continue;
    if ((c >= 0x4e00 && c <= 0x9fff) || (c >= 0x3400 && c <= 0x4dbf)) {
      cjk++;
      if (FREQUENT_CHARS.has(ch)) frequent++;
    } else if (c === 0xfffd || (c >= 0xe000 && c <= 0xf8ff)) {
      // Replacement and private-use characters are what a wrong decoder makes of unmapped pairs.
      cjk++;
      bad++;
    }
  }
  const ratio = cjk === 0 ? 0 : Math.max(0, frequent - bad) / cjk;
  return { cjk, frequent, ratio };
}

/** Decodes a prefix of the bytes and scores it. */
export function scoreAs(bytes: Uint8Array, charset: string): CjkScore {
  return scoreCjk(decodeWith(bytes.subarray(0, SCORE_BYTES), charset));
}

/** Picks GB18030 or Big5 by score; null when neither looks like Chinese text. */
export function detectChinese(bytes: Uint8Array): { charset: 'gb18030' | 'big5'; score: CjkScore } | null {
  const gb = scoreAs(bytes, 'gb18030');
  const big5 = scoreAs(bytes, 'big5');
  // Ties go to GB18030: mainland sites are the common case, and GBK also holds traditional characters.
  const best = big5.ratio > gb.ratio ? { charset: 'big5' as const, score: big5 } : { charset: 'gb18030' as const, score: gb };
  return best.score.ratio >= MIN_CJK_RATIO ? best : null;
}

/** Guesses the charset of undeclared bytes: utf-8, gb18030, big5 or windows-1252. */
export function detectCharset(bytes: Uint8Array): string {
  const utf8 = checkUtf8(bytes.subarray(0, SCORE_BYTES));
  if (utf8.valid) return 'utf-8';
  const chinese = detectChinese(bytes);
  // A UTF-8 page with a few broken bytes (a cut multi-part download, a bad template include)
  // still decodes mostly fine; prefer it when it reads as Chinese better than GB/Big5 do.
  if (utf8.multibyte > 0) {
    const asUtf8 = scoreAs(bytes, 'utf-8');
    if (asUtf8.ratio >= MIN_CJK_RATIO && asUtf8.ratio > (chinese?.score.ratio ?? 0)) return 'utf-8';
    if (!chinese && utf8.multibyte > utf8.invalid * 10) return 'utf-8';
  }
  return chinese?.charset ?? 'windows-1252';
}

/** True when `other` reads as clearly more ordinary Chinese than `declared`. */
export function clearlyBetter(other: CjkScore, declared: CjkScore): boolean {
  return other.ratio >= MIN_CJK_RATIO && other.ratio > declared.ratio * 2 && other.frequent > declared.frequent;
}
