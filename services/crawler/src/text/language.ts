/**
 * A cheap language guess for storage and filtering: the share of Han characters among letters.
 * The analyzer does the careful work; here we only need "zh", "en" or "other".
 */
export function guessLanguage(text: string): 'zh' | 'en' | 'other' | null {
  const sample = text.slice(0, 2000);
  // One pass per class with global regexes: far cheaper than testing character by character.
  const han = sample.match(/\p{Script=Han}/gu)?.length ?? 0;
  const latin = sample.match(/[A-Za-z]/g)?.length ?? 0;
  const letters = sample.match(/\p{L}/gu)?.length ?? 0;
  if (letters === 0) return null;
  // Chinese text mixes in Latin brand names and URLs; a modest Han share already means Chinese.
  if (han / letters >= 0.2 || han >= 20) return 'zh';
  if (latin / letters >= 0.6) return 'en';
  return 'other';
}
