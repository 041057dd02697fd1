/**
 * A cheap language guess for storage and filtering: the share of Han characters among letters.
 * The analyzer does the careful work; here we only need "zh", "en" or "other".
 *
 * One pass over the characters that stops as soon as 20 Han characters are seen (the answer is
 * then "zh" whatever follows): a Chinese news item is decided within its first sentence. The
 * earlier three global regex matches allocated every match of up to 2,000 characters, per item.
 */
const LETTER = /\p{L}/u;
const HAN = /\p{Script=Han}/u;

export function guessLanguage(text: string): 'zh' | 'en' | 'other' | null {
  const end = Math.min(text.length, 2000);
  let han = 0;
  let latin = 0;
  let letters = 0;
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) {
      if ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)) {
        latin++;
        letters++;
      }
      continue;
    }
    // The common CJK block without a regex; everything else (other scripts, supplementary planes
    // as a surrogate pair) by the same Unicode properties as before.
    let isHan = c >= 0x4e00 && c <= 0x9fff;
    let isLetter = isHan;
    if (!isHan) {
      const pair = c >= 0xd800 && c <= 0xdbff && i + 1 < end;
      const ch = pair ? text.slice(i, i + 2) : text.charAt(i);
      if (pair) i++;
      isHan = HAN.test(ch);
      isLetter = isHan || LETTER.test(ch);
    }
    if (isHan) {
      han++;
      if (han >= 20) return 'zh';
    }
    if (isLetter) letters++;
  }
  if (letters === 0) return null;
  // Chinese text mixes in Latin brand names and URLs; a modest Han share already means Chinese.
  if (han / letters >= 0.2) return 'zh';
  if (latin / letters >= 0.6) return 'en';
  return 'other';
}
