/**
 * Does a short unsegmented text (a hot-list title, a headline) name the police? A substring match
 * on the words that name the police on their own (relevance.ts, POLICE_NAMING_TERMS): cheap enough
 * for a crawler deciding which of fifty list entries to keep, with no dictionary to load. The
 * analyzer still judges every kept entry properly. Imported by path (`@yuqing/nlp/police-terms`)
 * so that a process using it never loads the segmenter.
 */
import { POLICE_NAMING_TERMS } from './relevance';

// Longest first, so the alternation reports 公安局 rather than 公安; lower-case for police/cops.
const PATTERN = new RegExp(
  [...POLICE_NAMING_TERMS]
    .sort((a, b) => b.length - a.length)
    .map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('|'),
  'i',
);
// Words holding a police morpheme that are not police (武警 holds 警 but no listed term; these do).
const FALSE_FRIENDS = /报警器|火警|警惕|预警/g;

/** The first police-naming word of the text, or null. */
export function policeTermIn(text: string): string | null {
  if (typeof text !== 'string' || text.length === 0) return null;
  const m = PATTERN.exec(text.replace(FALSE_FRIENDS, ' '));
  return m ? m[0] : null;
}
