/**
 * The digest's charts as inline SVG strings drawn here (no chart library, no script, no external
 * asset): a bar chart of items per bucket, a sparkline per topic, a stacked bar of warnings by
 * level and small bars for table cells. Every text is escaped, every number is finite and
 * rounded, so the markup is well-formed XML whatever the data.
 */
import { h } from './escape';

const SVG_NS = 'http://www.w3.org/2000/svg';

/** A number as an SVG coordinate: finite, two decimals at most. */
const n = (v: number): string => (Number.isFinite(v) ? String(Math.round(v * 100) / 100) : '0');

/** A round axis maximum ≥ v (1, 2, 5 × 10^k). */
export function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

export interface BarSeries {
  label: string;
  items: number;
  policeRelated: number;
  policeNegative: number;
}

/**
 * Items per bucket, with the police-related part and the police-negative part drawn inside each
 * bar (both are subsets of the items). At most ~12 axis labels, whatever the bucket count.
 */
export function volumeChart(buckets: readonly BarSeries[], opts: { width?: number; height?: number; title?: string } = {}): string {
  const width = opts.width ?? 680;
  const height = opts.height ?? 170;
  const left = 36;
  const right = 6;
  const top = 8;
  const bottom = 20;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const max = niceMax(Math.max(0, ...buckets.map((b) => b.items)));
  const count = Math.max(1, buckets.length);
  const slot = plotW / count;
  const barW = Math.max(1, slot * 0.72);
  const y = (v: number): number => top + plotH - (Math.max(0, v) / max) * plotH;
  const parts: string[] = [];
  for (const frac of [0, 0.5, 1]) {
    const gy = y(max * frac);
    parts.push(`<line x1="${n(left)}" y1="${n(gy)}" x2="${n(width - right)}" y2="${n(gy)}" stroke="#e5e7eb" stroke-width="1"/>`);
    parts.push(`<text x="${n(left - 4)}" y="${n(gy + 3.5)}" text-anchor="end" font-size="10" fill="#6b7280">${h(n(max * frac))}</text>`);
  }
  const every = Math.max(1, Math.ceil(count / 12));
  buckets.forEach((b, i) => {
    const x = left + i * slot + (slot - barW) / 2;
    const bar = (v: number, fill: string): void => {
      if (v <= 0) return;
      parts.push(`<rect x="${n(x)}" y="${n(y(v))}" width="${n(barW)}" height="${n(top + plotH - y(v))}" fill="${fill}"/>`);
    };
    bar(b.items, '#bfdbfe');
    bar(b.policeRelated, '#1677ff');
    bar(b.policeNegative, '#f5222d');
    if (i % every === 0) {
      parts.push(`<text x="${n(left + i * slot + slot / 2)}" y="${n(height - 6)}" text-anchor="middle" font-size="10" fill="#6b7280">${h(b.label)}</text>`);
    }
  });
  const label = opts.title ?? '条目走势';
  return `<svg xmlns="${SVG_NS}" class="chart" viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label="${h(label)}"><title>${h(label)}</title>${parts.join('')}</svg>`;
}

/** A topic's trend: a line over the buckets with a light area under it and a dot on the last value. */
export function sparkline(values: readonly number[], opts: { width?: number; height?: number; colour?: string; label?: string } = {}): string {
  const width = opts.width ?? 120;
  const height = opts.height ?? 26;
  const colour = opts.colour ?? '#1677ff';
  const pad = 2;
  const vals = values.length ? values.map((v) => (Number.isFinite(v) ? Math.max(0, v) : 0)) : [0];
  const max = Math.max(1, ...vals);
  const step = vals.length > 1 ? (width - 2 * pad) / (vals.length - 1) : 0;
  const pts = vals.map((v, i): [number, number] => [vals.length > 1 ? pad + i * step : width / 2, height - pad - (v / max) * (height - 2 * pad)]);
  if (pts.length === 1) pts.unshift([pad, (pts[0] as [number, number])[1]]);
  const line = pts.map(([x, yy]) => `${n(x)},${n(yy)}`).join(' ');
  const first = pts[0] as [number, number];
  const last = pts[pts.length - 1] as [number, number];
  const area = `${n(first[0])},${n(height - pad)} ${line} ${n(last[0])},${n(height - pad)}`;
  const label = opts.label ?? '趋势';
  return (
    `<svg xmlns="${SVG_NS}" class="spark" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${h(label)}"><title>${h(label)}</title>` +
    `<polygon points="${area}" fill="${colour}" fill-opacity="0.15"/>` +
    `<polyline points="${line}" fill="none" stroke="${colour}" stroke-width="1.5" stroke-linejoin="round" stroke-linecap="round"/>` +
    `<circle cx="${n(last[0])}" cy="${n(last[1])}" r="2" fill="${colour}"/></svg>`
  );
}

export interface Segment {
  label: string;
  value: number;
  colour: string;
}

/** One bar split into coloured segments by share (warnings by level); labels inside where they fit. */
export function stackedBar(segments: readonly Segment[], opts: { width?: number; height?: number; title?: string } = {}): string {
  const width = opts.width ?? 680;
  const height = opts.height ?? 26;
  const total = segments.reduce((s, x) => s + Math.max(0, x.value), 0);
  const label = opts.title ?? '构成';
  const parts: string[] = [];
  if (total === 0) {
    parts.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="#f3f4f6"/>`);
    parts.push(`<text x="${n(width / 2)}" y="${n(height / 2 + 4)}" text-anchor="middle" font-size="11" fill="#6b7280">无</text>`);
  } else {
    let x = 0;
    for (const s of segments) {
      if (s.value <= 0) continue;
      const w = (s.value / total) * width;
      parts.push(`<rect x="${n(x)}" y="0" width="${n(w)}" height="${height}" fill="${s.colour}"/>`);
      const text = `${s.label} ${s.value}`;
      if (w >= text.length * 9 + 8) {
        parts.push(`<text x="${n(x + w / 2)}" y="${n(height / 2 + 4)}" text-anchor="middle" font-size="11" fill="#ffffff">${h(text)}</text>`);
      }
      x += w;
    }
  }
  return `<svg xmlns="${SVG_NS}" class="stack" viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label="${h(label)}"><title>${h(label)}</title>${parts.join('')}</svg>`;
}

/** A small bar for a table cell: `value` of `max`. */
export function miniBar(value: number, max: number, colour = '#1677ff', opts: { width?: number; height?: number } = {}): string {
  const width = opts.width ?? 90;
  const height = opts.height ?? 10;
  const w = max > 0 ? (Math.max(0, value) / max) * width : 0;
  return (
    `<svg xmlns="${SVG_NS}" class="mini" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" aria-hidden="true">` +
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#f3f4f6"/>` +
    `<rect x="0" y="0" width="${n(w)}" height="${height}" fill="${colour}"/></svg>`
  );
}
