/**
 * Times people type into filters and forms: a date or date-time without a zone is Beijing time
 * (what every screen shows), not UTC and not the server's zone; zoned ISO and epoch ms as given.
 * And the register's 是否超时, which must agree with the overdue flag while a response is due.
 */
import { describe, expect, it } from 'vitest';
import { wasLate } from '../src/routes/registers';
import { parseTimeInput, timeInput, timeParam } from '../src/schemas';

describe('parseTimeInput', () => {
  it('reads zoneless dates and date-times as Beijing time', () => {
    expect(new Date(parseTimeInput('2026-11-01')).toISOString()).toBe('2026-10-31T16:00:00.000Z');
    expect(new Date(parseTimeInput('2026-11-01T08:00')).toISOString()).toBe('2026-11-01T00:00:00.000Z');
    expect(new Date(parseTimeInput('2026-11-01 08:30:15')).toISOString()).toBe('2026-11-01T00:30:15.000Z');
    expect(new Date(parseTimeInput(' 2026-11-01T08:00:00.250 ')).toISOString()).toBe('2026-11-01T00:00:00.250Z');
  });

  it('takes zoned ISO 8601 and epoch milliseconds as they are', () => {
    expect(new Date(parseTimeInput('2026-11-01T08:00:00Z')).toISOString()).toBe('2026-11-01T08:00:00.000Z');
    expect(new Date(parseTimeInput('2026-11-01T08:00+08:00')).toISOString()).toBe('2026-11-01T00:00:00.000Z');
    expect(parseTimeInput('1790000000000')).toBe(1_790_000_000_000);
    expect(parseTimeInput(1_790_000_000_000)).toBe(1_790_000_000_000);
  });

  it('refuses what is not a time, in Chinese', () => {
    expect(Number.isNaN(parseTimeInput('昨天'))).toBe(true);
    for (const schema of [timeParam, timeInput]) {
      const r = schema.safeParse('2026-13-45');
      expect(r.success).toBe(false);
      expect(r.error?.issues[0]?.message).toContain('北京时间');
    }
    expect(timeInput.parse(1_790_000_000_000)).toEqual(new Date(1_790_000_000_000));
  });
});

describe('是否超时 in the incident register (wasLate)', () => {
  const due = new Date('2026-11-01T03:00:00Z');
  const now = new Date('2026-11-02T00:00:00Z');
  it('while a response is due — also after a reopen that kept an earlier response — it is whether the due time passed', () => {
    const earlier = new Date('2026-11-01T00:30:00Z');
    expect(wasLate({ status: 'handling', dueAt: due, responseAt: earlier }, now)).toBe(true);
    expect(wasLate({ status: 'assessing', dueAt: due, responseAt: null }, new Date('2026-11-01T02:00:00Z'))).toBe(false);
  });
  it('once responded or closed, whether the response came after its due time; closed without one is never late', () => {
    expect(wasLate({ status: 'responded', dueAt: due, responseAt: new Date('2026-11-01T04:00:00Z') }, now)).toBe(true);
    expect(wasLate({ status: 'closed', dueAt: due, responseAt: new Date('2026-11-01T02:00:00Z') }, now)).toBe(false);
    expect(wasLate({ status: 'closed', dueAt: due, responseAt: null }, now)).toBe(false);
  });
});
