/**
 * Bit flags of the token table (token-info.ts): one 32-bit word per interned token says which
 * facts it has, so a stage skips the ordinary token with one typed-array read and follows no
 * pointer. A leaf module, shared by the stages and the table without an import cycle.
 */

/** The low bits hold the sentiment role flags (sentiment.ts R_*). */
export const ROLE_MASK = 0x1ff;
/** A sentiment word or the head of a sentiment phrase. */
export const B_SENT = 1 << 9;
/** A whitespace-only token (the analyzer drops it). */
export const B_BLANK = 1 << 10;
/** isContentToken (simhash votes on these). */
export const B_CONTENT = 1 << 11;
/** May be a keyword. */
export const B_ELIGIBLE = 1 << 12;
/** Has relevance facts (weight, flags or medium weight). */
export const B_REL = 1 << 13;
/** A risk word or the start of a longer one. */
export const B_RISK = 1 << 14;
/** Denies a following risk word (没有, 并未 …). */
export const B_NEGATOR = 1 << 15;
/** Marks a comment (你们, ？ …). */
export const B_OPINION = 1 << 16;
/** Is a keyword of the default category rules. */
export const B_CAT = 1 << 17;
/** A word of routine police work. */
export const B_ROUTINE = 1 << 18;
/** Starts a sentiment phrase the segmenter may split (sentiment.ts phrases). */
export const B_HEAD = 1 << 19;
