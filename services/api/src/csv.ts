/**
 * CSV that opens correctly in Excel (the audit log, the incident register, the warning record):
 * UTF-8 with a BOM (without it Excel reads Chinese as mojibake), RFC 4180 quoting, CRLF line ends,
 * times written in Beijing time.
 */

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote, CR or LF; quotes doubled. A field
 * that Excel would take for a formula (it starts with = + - @, a tab or CR — titles and posts come
 * from the internet: "=HYPERLINK(…)" is an attack, not a headline) gets a leading apostrophe, which
 * Excel shows as text and does not evaluate (OWASP, CSV injection).
 */
export function csvField(v: string): string {
  const text = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** `2024-05-01 14:03:05` in Beijing time (UTC+8, no daylight saving). */
export const beijing = (d: Date): string => new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');

/** A time in Beijing time, or '' for none. */
export const beijingOrEmpty = (d: Date | null | undefined): string => (d ? beijing(d) : '');

/** The whole document: BOM, header row, one line per row, CRLF after every line. */
export function csvDocument(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const lines = [header, ...rows].map((r) => r.map(csvField).join(','));
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

/** `name-20240501.csv` (today in Beijing time): the file name of an export. */
export const csvFileName = (name: string, now: Date = new Date()): string => `${name}-${beijing(now).slice(0, 10).replaceAll('-', '')}.csv`;
