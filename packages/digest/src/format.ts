/** Numbers and changes as the digest prints them (shared by HTML and Markdown). */
import type { Figure, ShareFigure } from './types';

/** 12345 → `12,345`. */
export function fmtInt(v: number): string {
  const s = String(Math.round(v));
  return s.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** A ratio as a percentage with one decimal: 0.1234 → `12.3%`; null → `—`. */
export function fmtPct(v: number | null): string {
  return v === null ? '—' : `${(Math.round(v * 1000) / 10).toFixed(1)}%`;
}

/** The change of a count: `↑ 12.5%`, `↓ 3`, `持平`, or `新增` when the previous value was 0. */
export function fmtChange(f: Figure): string {
  if (f.change === 0) return '持平';
  const arrow = f.change > 0 ? '↑' : '↓';
  if (f.changeRatio === null) return `${arrow} ${fmtInt(Math.abs(f.change))}`;
  return `${arrow} ${(Math.round(Math.abs(f.changeRatio) * 1000) / 10).toFixed(1)}%`;
}

/** The change of the share in percentage points: `↑ 1.2 个百分点`. */
export function fmtPointsChange(s: ShareFigure): string {
  if (s.changePoints === null) return '—';
  if (s.changePoints === 0) return '持平';
  return `${s.changePoints > 0 ? '↑' : '↓'} ${Math.abs(s.changePoints).toFixed(1)} 个百分点`;
}

/** Minutes as `3小时05分` / `2天4小时` / `45分钟`. */
export function fmtDuration(minutes: number): string {
  const m = Math.max(0, Math.floor(minutes));
  if (m < 60) return `${m}分钟`;
  if (m < 24 * 60) return `${Math.floor(m / 60)}小时${String(m % 60).padStart(2, '0')}分`;
  const d = Math.floor(m / 1440);
  const hh = Math.floor((m % 1440) / 60);
  return hh ? `${d}天${hh}小时` : `${d}天`;
}
