/** Times as the service shows them, worked out in the tests independently of the code under test. */

/** An instant as Beijing wall-clock text, `YYYY-MM-DD HH:mm:ss` (UTC+8, no daylight saving). */
export const beijingText = (d: Date | string): string => new Date(new Date(d).getTime() + 8 * 3_600_000).toISOString().replace('T', ' ').slice(0, 19);
