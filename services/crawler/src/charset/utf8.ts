/**
 * A byte-level UTF-8 check. Random GBK or Big5 text is almost never valid UTF-8 (its lead bytes
 * 0x81–0xFE are rarely followed by the right number of 0x80–0xBF continuation bytes), so validity
 * is strong evidence for UTF-8 whatever the page declares.
 */
import { isUtf8 } from 'node:buffer';

/** How a byte sequence fares as UTF-8. */
export interface Utf8Check {
  /** Every sequence is well formed (a sequence cut off by the end of the bytes is allowed). */
  valid: boolean;
  /** Number of well-formed multibyte sequences seen. */
  multibyte: number;
  /** Number of malformed sequences. */
  invalid: number;
}

/** Checks UTF-8 well-formedness (no overlongs, no surrogates, nothing above U+10FFFF). */
export function checkUtf8(bytes: Uint8Array): Utf8Check {
  // Nearly every document is well-formed UTF-8: Node's native check says so at memory speed
  // (this loop was a tenth of the crawler's CPU in bench:ingest); then only the lead bytes
  // (0xC2–0xF4) are counted. It says no for a sequence cut off at the end, which the loop allows.
  if (isUtf8(bytes)) return { valid: true, multibyte: countLeadBytes(bytes), invalid: 0 };
  return checkUtf8Slowly(bytes);
}

function countLeadBytes(bytes: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < bytes.length; i++) if ((bytes[i] as number) >= 0xc0) n++;
  return n;
}

function checkUtf8Slowly(bytes: Uint8Array): Utf8Check {
  let multibyte = 0;
  let invalid = 0;
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b = bytes[i] as number;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lo = 0xa0; // overlong
      if (b === 0xed) hi = 0x9f; // surrogates
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f;
    } else {
      invalid++;
      i++;
      continue;
    }
    let ok = true;
    let j = 1;
    for (; j <= need; j++) {
      if (i + j >= n) break; // truncated at the end of the bytes: fine (a cut download)
      const c = bytes[i + j] as number;
      const min = j === 1 ? lo : 0x80;
      const max = j === 1 ? hi : 0xbf;
      if (c < min || c > max) {
        ok = false;
        break;
      }
    }
    if (ok) {
      if (i + need < n) multibyte++;
      i += need + 1;
    } else {
      invalid++;
      i += j; // resynchronise on the byte that broke the sequence
    }
  }
  return { valid: invalid === 0, multibyte, invalid };
}
