/**
 * A cheap language guess for storage and filtering: the share of Han characters among letters.
 * The analyzer does the careful work; here we only need "zh", "en" or "other".
 */
export function guessLanguage(text: string): 'zh' | 'en' | 'other' | null {
  const sample = text.slice(0, 2000);
  let han = 0;
  let latin = 0;
  let other = 0;
  for (const ch of sample) {
    if (/\p{Script=Han}/u.test(ch)) han++;
    else if (/[A-Za-z]/.test(ch)) latin++;
    else if (/\p{L}/u.test(ch)) other++;
  }
  const letters = han + latin + other;
  if (letters === 0) return null;
  // Chinese text mixes in Latin brand names and URLs; a modest Han share already means Chinese.
  if (han / letters >= 0.2 || han >= 20) return 'zh';
  if (latin / letters >= 0.6) return 'en';
  return 'other';
}
