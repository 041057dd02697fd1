/** Times as people in the bureau read them: Beijing time, to the minute. */
export function fmtBeijing(d: Date | null): string {
  if (!d) return '-';
  return new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 16).replace('T', ' ');
}
