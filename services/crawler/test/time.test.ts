import { describe, expect, it } from 'vitest';
import { parseLooseDate, publicationTime, toShanghaiIso } from '../src/text/time';

const iso = (s: string) => parseLooseDate(s)?.toISOString() ?? null;

describe('parseLooseDate', () => {
  it('reads zone-less times as Asia/Shanghai', () => {
    expect(iso('2024年3月5日 10:20')).toBe('2024-03-05T02:20:00.000Z');
    expect(iso('2024-03-05 10:20:30')).toBe('2024-03-05T02:20:30.000Z');
    expect(iso('2024/3/5')).toBe('2024-03-04T16:00:00.000Z');
    expect(iso('发布时间：2024.03.05 08:00')).toBe('2024-03-05T00:00:00.000Z');
    expect(iso('2024-03-05T10:20:00')).toBe('2024-03-05T02:20:00.000Z');
  });

  it('honours explicit zones', () => {
    expect(iso('Tue, 05 Mar 2024 10:20:00 +0800')).toBe('2024-03-05T02:20:00.000Z');
    expect(iso('Tue, 05 Mar 2024 10:20:00 GMT')).toBe('2024-03-05T10:20:00.000Z');
    expect(iso('2024-03-05T10:20:00Z')).toBe('2024-03-05T10:20:00.000Z');
    expect(iso('2024-03-05T10:20:00+08:00')).toBe('2024-03-05T02:20:00.000Z');
    expect(iso('Tue Mar 05 2024 10:20:00 GMT+0800 (China Standard Time)')).toBe('2024-03-05T02:20:00.000Z');
  });

  it('handles 12-hour clocks', () => {
    expect(iso('2024/03/05 10:20:00 PM')).toBe('2024-03-05T14:20:00.000Z');
    expect(iso('2024年3月5日 下午3:05')).toBe('2024-03-05T07:05:00.000Z');
  });

  it('returns null for what is not a full date', () => {
    for (const s of ['', '   ', '昨天', '7-3', '03-05 10:20', '2024-02-31', 'hello', '1889-01-01']) expect(parseLooseDate(s)).toBeNull();
  });
});

describe('publicationTime', () => {
  const fetched = new Date('2024-03-05T00:00:00Z');
  it('falls back to the fetch time and never lies in the future', () => {
    expect(publicationTime(null, fetched)).toEqual(fetched);
    expect(publicationTime(new Date('2030-01-01T00:00:00Z'), fetched)).toEqual(fetched);
    const past = new Date('2024-03-01T00:00:00Z');
    expect(publicationTime(past, fetched)).toEqual(past);
  });
  it('prints Shanghai wall-clock ISO', () => {
    expect(toShanghaiIso(new Date('2024-03-05T02:20:00Z'))).toBe('2024-03-05T10:20:00+08:00');
  });
});
