/** Script-share language guess: enough to route analysis, not a language identifier. */

export type Language = 'zh' | 'en' | 'other' | 'unknown';

// Looking at the first few thousand chars is enough to decide and keeps 5 MB inputs cheap.
const SAMPLE = 4000;

/** Guesses 'zh' / 'en' / 'other' from the share of Han, Latin and other letters ('unknown' when there are none). */
export function detectLanguage(text: string): Language {
  let han = 0;
  let latin = 0;
  let other = 0;
  const n = Math.min(text.length, SAMPLE);
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) {
      if ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)) latin++;
    } else if ((c >= 0x4e00 && c <= 0x9fff) || (c >= 0x3400 && c <= 0x4dbf) || (c >= 0xf900 && c <= 0xfaff)) {
      han++;
    } else if (
      (c >= 0x3040 && c <= 0x30ff) || // kana: Japanese also uses Han, kana tells it apart
      (c >= 0xac00 && c <= 0xd7af) || // Hangul
      (c >= 0x0400 && c <= 0x04ff) || // Cyrillic
      (c >= 0x0600 && c <= 0x06ff) || // Arabic
      (c >= 0x0e00 && c <= 0x0e7f) // Thai
    ) {
      other++;
    } else if (c >= 0xc0 && c <= 0x24f) {
      latin++; // accented Latin
    }
  }
  if (han + latin + other === 0) return 'unknown';
  // Japanese: kana mixed with Han.
  if (other > han * 0.3 && other >= latin) return 'other';
  // One Han char carries about a word while an English word takes ~5 letters, so Han counts 5×.
  if (han * 5 >= latin && han > 0) return 'zh';
  if (latin >= other) return 'en';
  return 'other';
}
