/**
 * The words and times the forms print: Beijing time whatever the server's zone, half-open periods,
 * labels that never print "undefined", text made safe for XML, and Excel dates that show the
 * Beijing wall clock (for instants) or the Beijing day (for calendar dates, whichever midnight the
 * assembler used).
 */
import { describe, expect, it } from 'vitest';
import { formatDate, formatDateTime, formatPeriod, formatShare, levelLabel, safeText, statusLabel } from '../src/format';
import { toExcelDate, toExcelDateTime } from '../src/register';
import { bj } from './fixtures';
import { bjChinese } from './support';

describe('forms formatting', () => {
  it('prints instants in Beijing time, across the UTC date line, as Intl does for Asia/Shanghai', () => {
    for (const at of [new Date('2026-11-30T16:05:00Z'), new Date('2026-11-30T15:59:00Z'), new Date('2026-01-01T00:00:00Z'), new Date('2024-02-28T16:30:00Z')]) {
      expect(formatDateTime(at)).toBe(bjChinese(at));
    }
    expect(formatDateTime(new Date('2026-11-30T16:05:00Z'))).toBe('2026年12月1日 00:05');
    expect(formatDate(new Date('2026-11-30T15:59:00Z'))).toBe('2026年11月30日');
    expect(formatDateTime(null)).toBe('');
    expect(formatDateTime(new Date(NaN))).toBe('');
  });

  it('prints a half-open period with its last day, and an end that is not midnight with its time', () => {
    expect(formatPeriod(bj(2026, 11, 23), bj(2026, 11, 30))).toBe('2026年11月23日至2026年11月29日');
    expect(formatPeriod(bj(2026, 11, 1), bj(2026, 11, 15, 9, 30))).toBe('2026年11月1日至2026年11月15日 09:30');
    expect(formatPeriod(null, null)).toBe('全部');
    expect(formatPeriod(null, bj(2026, 12, 1))).toBe('截至2026年11月30日');
  });

  it('labels levels and statuses in Chinese and passes unknown or Chinese values through, never "undefined"', () => {
    expect(['none', 'blue', 'yellow', 'orange', 'red'].map(levelLabel)).toEqual(['无', '蓝色', '黄色', '橙色', '红色']);
    expect(statusLabel('responded')).toBe('已回应');
    expect(statusLabel('已上报')).toBe('已上报');
    expect(statusLabel(undefined)).toBe('');
    expect(levelLabel(null)).toBe('');
    expect(formatShare(null)).toBe('');
    expect(formatShare(151 / 1204)).toBe('12.5%');
  });

  it('keeps text and pairs of surrogates (emoji), drops what XML cannot carry', () => {
    expect(safeText('a<&>"b 👮')).toBe('a<&>"b 👮');
    expect(safeText('a\u0000b\u0007c\u000Bd\uFFFEe\uD800f\uDC00g')).toBe('abcdefg');
    expect(safeText('第一行\r\n第二行\r第三行')).toBe('第一行\n第二行\n第三行');
    expect(safeText(null)).toBe('');
  });

  it('shifts instants so Excel shows the Beijing wall clock, and keeps a calendar date on its day', () => {
    expect(toExcelDateTime(new Date('2026-11-30T16:05:00Z')).toISOString()).toBe('2026-12-01T00:05:00.000Z');
    // A date handed over as Beijing midnight or as UTC midnight is the same day.
    expect(toExcelDate(bj(2026, 10, 9)).toISOString()).toBe('2026-10-09T00:00:00.000Z');
    expect(toExcelDate(new Date('2026-10-09T00:00:00Z')).toISOString()).toBe('2026-10-09T00:00:00.000Z');
  });
});
