// 传播 (how a topic spread), inside a topic's opened detail: its items per Beijing hour stacked by
// source with the topic's level changes marked on the same time axis, and below it each story, the
// biggest first, as a ranked list — who posted first (首发: who, where, when) and the accounts that
// carried it furthest (放大, by reach) with how long after the first post they joined in.
import './topic-spread.css';
import type { LevelChangeView, TopicSpread as ServerTopicSpread } from '@yuqing/db';
import { api, beijing, beijingMinute, button, duration, el, errorText, LEVEL_LABELS, outLink } from './core';
import { drawChart, escapeHtml, LEVEL_COLORS, PALETTE, type ChartOption } from './charts';
import type { Wire } from './wire';

export type TopicSpread = Wire<ServerTopicSpread>;
export type LevelChange = Wire<LevelChangeView>;
type SpreadStory = TopicSpread['stories'][number];
type Amplifier = SpreadStory['amplifiers'][number];

const HOUR = 3_600_000;
/** Most hours drawn (the latest): a topic that lingers for weeks stays readable. */
const MAX_HOURS = 14 * 24;
/** Hours in view at once; more can be reached with the zoom bar under the chart. */
const VISIBLE_HOURS = 48;
/** Stories listed before 「显示其余」. */
const STORIES_SHOWN = 5;
/** The sources beyond the top 8, folded together by the server. */
const OTHER = '其他';

/** What the spread request gave: the spread, or the Chinese reason it could not be read. */
export type SpreadAnswer = { spread: TopicSpread } | { error: string } | null;

/** Asks for a topic's spread (started with the topic's detail, so both arrive together); null after a 401. */
export async function fetchSpread(topicId: number): Promise<SpreadAnswer> {
  const r = await api<TopicSpread>('GET', `/api/topics/${topicId}/spread`);
  if (r.status === 401) return null;
  if (r.status !== 200) return { error: errorText(r, '传播情况加载失败') };
  return { spread: r.data };
}

/** The hours of the chart: every Beijing hour from the first to the last (empty ones too), with items per source. */
interface Hours {
  starts: number[];
  /** Items per hour for each source, in `sources` order. */
  counts: number[][];
  sources: string[];
  total: number;
  /** Earlier hours were left out (more than MAX_HOURS). */
  clipped: boolean;
  /** The level changes inside the hours drawn, oldest first. */
  levels: LevelChange[];
  /** Level changes by the index of the hour they fall in (for that hour's tooltip). */
  changes: Map<number, LevelChange[]>;
}

/** Beijing is UTC+8 all year, so a Beijing hour starts on a UTC hour: flooring the instant is enough. */
const hourOf = (iso: string): number => Math.floor(Date.parse(iso) / HOUR) * HOUR;
const clock = (iso: string): string => beijingMinute(iso).slice(11);

export function hoursOf(spread: TopicSpread, levels: readonly LevelChange[]): Hours | null {
  const stamps = [...spread.timeline.map((h) => hourOf(h.hour)), ...levels.map((c) => hourOf(c.at))].filter((t) => !Number.isNaN(t));
  if (!spread.timeline.length || !stamps.length) return null;
  const last = stamps.reduce((m, t) => Math.max(m, t), -Infinity);
  const earliest = stamps.reduce((m, t) => Math.min(m, t), Infinity);
  const first = Math.max(earliest, last - (MAX_HOURS - 1) * HOUR);
  const starts: number[] = [];
  for (let h = first; h <= last; h += HOUR) starts.push(h);
  const index = (t: number): number => (t - first) / HOUR;
  // The server lists the sources most items first; one missing there (not expected) still gets a row.
  const sources = [...spread.sources];
  for (const h of spread.timeline) if (!sources.includes(h.source)) sources.push(h.source);
  const counts = sources.map(() => starts.map(() => 0));
  let total = 0;
  for (const h of spread.timeline) {
    const i = index(hourOf(h.hour));
    const row = counts[sources.indexOf(h.source)];
    if (!row || i < 0 || i >= starts.length) continue;
    row[i] = (row[i] ?? 0) + h.items;
    total += h.items;
  }
  const shown: LevelChange[] = [];
  const changes = new Map<number, LevelChange[]>();
  for (const c of [...levels].sort((x, y) => Date.parse(x.at) - Date.parse(y.at))) {
    const i = index(hourOf(c.at));
    if (!(i >= 0 && i < starts.length)) continue;
    shown.push(c);
    changes.set(i, [...(changes.get(i) ?? []), c]);
  }
  return { starts, counts, sources, total, clipped: earliest < first, levels: shown, changes };
}

const levelName = (level: string): string => LEVEL_LABELS[level] || level;
const changeActor = (c: LevelChange): string => (c.automatic ? '自动' : `人工${c.actor ? `（${c.actor}）` : ''}`);

/**
 * The tooltip of one hour, as HTML (ECharts sets it so): every text from the server escaped, and
 * classes rather than style attributes (the page's CSP refuses inline styles).
 */
function hourTip(h: Hours, i: number): string {
  const start = h.starts[i];
  if (start === undefined) return '';
  const lines = [`<div class="tip-head">${escapeHtml(beijingMinute(new Date(start).toISOString()))} 起 1 小时（北京时间）</div>`];
  let sum = 0;
  h.sources.forEach((s, k) => {
    const n = h.counts[k]?.[i] ?? 0;
    sum += n;
    if (n) lines.push(`<div class="tip-row"><span class="tip-dot source-${colourIndex(s, k)}"></span>${escapeHtml(s)}：${n} 条</div>`);
  });
  lines.push(`<div class="tip-row tip-total">合计 ${sum} 条</div>`);
  for (const c of h.changes.get(i) ?? []) {
    lines.push(
      `<div class="tip-level"><span class="tip-dot level-${escapeHtml(c.level)}"></span>${escapeHtml(clock(c.at))} 级别 ${escapeHtml(levelName(c.previous))} → ${escapeHtml(levelName(c.level))}（${escapeHtml(changeActor(c))}${c.applied ? '' : '，未生效'}）</div>`,
      `<div class="tip-reason">${escapeHtml(c.reason)}</div>`,
    );
  }
  return lines.join('');
}

/** A source's place in the palette (also its tooltip dot's class): 其他 always the grey at the end. */
const colourIndex = (source: string, k: number): number => (source === OTHER ? PALETTE.length - 1 : k % (PALETTE.length - 1));

/** An axis tick in Beijing time: `06-03` over `10:00`. */
const axisTime = (ms: number): string => beijingMinute(new Date(ms).toISOString()).slice(5).replace(' ', '\n');

/**
 * A time axis (not one category per hour), so a level change sits at its minute, between or beside
 * the bars of the hour it fell in. Each hour's bar is centred on its half hour.
 */
function chartOption(h: Hours): ChartOption {
  const first = h.starts[0] ?? 0;
  const end = (h.starts[h.starts.length - 1] ?? 0) + HOUR;
  const marks = h.levels.map((c) => {
    const color = LEVEL_COLORS[c.level] ?? LEVEL_COLORS.none;
    return {
      xAxis: Date.parse(c.at),
      // A pale halo keeps the line visible where it crosses a bar of its own colour.
      lineStyle: { color, type: c.applied ? ('solid' as const) : ('dashed' as const), width: 2, shadowColor: 'rgba(255,255,255,0.9)', shadowBlur: 4 },
      label: { formatter: `${levelName(c.level)}${c.applied ? '' : '（未生效）'}`, color, fontWeight: 'bold' as const },
    };
  });
  const zoom = h.starts.length > VISIBLE_HOURS;
  const zoomFrom = end - VISIBLE_HOURS * HOUR;
  return {
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'line' },
      confine: true,
      className: 'spread-tip',
      formatter: (params) => {
        const p = Array.isArray(params) ? params[0] : params;
        return p && typeof p.dataIndex === 'number' ? hourTip(h, p.dataIndex) : '';
      },
    },
    legend: { top: 0, type: 'scroll', data: h.sources },
    grid: { left: 8, right: 28, top: 40, bottom: zoom ? 56 : 8 },
    xAxis: { type: 'time', min: first, max: end, minInterval: HOUR, axisLabel: { formatter: (v: number) => axisTime(v), hideOverlap: true }, splitLine: { show: false } },
    yAxis: { type: 'value', name: '条/小时', minInterval: 1 },
    ...(zoom ? { dataZoom: [{ type: 'inside', startValue: zoomFrom }, { type: 'slider', startValue: zoomFrom, height: 18, bottom: 8, labelFormatter: (v: number) => axisTime(v) }] } : {}),
    series: [
      ...h.sources.map((s, k) => ({
        type: 'bar' as const,
        name: s,
        stack: 'items',
        data: h.starts.map((t, i): [number, number] => [t + HOUR / 2, h.counts[k]?.[i] ?? 0]),
        barMaxWidth: 28,
        color: PALETTE[colourIndex(s, k)],
      })),
      // The level marks ride on a series of their own, so hiding a source in the legend keeps them.
      { type: 'line' as const, name: '级别变化', data: [], silent: true, markLine: { symbol: ['none', 'none'] as ['none', 'none'], silent: true, z: 10, data: marks } },
    ],
  };
}

/** What the chart shows, in words (the chart's aria-label, and the caption under it). */
function describe(h: Hours): string {
  const from = beijingMinute(new Date(h.starts[0] ?? 0).toISOString());
  const to = beijingMinute(new Date((h.starts[h.starts.length - 1] ?? 0) + HOUR).toISOString());
  const levels = h.levels.length;
  return `每小时传播条目（北京时间 ${from} 至 ${to}，共 ${h.starts.length} 小时，${h.total} 条），按来源：${h.sources.join('、')}${levels ? `；级别变化 ${levels} 次` : ''}`;
}

const fmtReach = (n: number): string => (n >= 100 ? String(Math.round(n)) : n.toFixed(1));
function fmtFollowers(n: number): string {
  if (n >= 1e8) return `${(n / 1e8).toFixed(1)}亿`;
  if (n >= 1e4) return `${(n / 1e4).toFixed(n >= 1e5 ? 0 : 1)}万`;
  return String(Math.round(n));
}
/** `首发后 40分钟` — how long after the first post an amplifier posted. */
function after(first: string, at: string | null): string {
  if (!at) return '时间未知';
  const ms = Date.parse(at) - Date.parse(first);
  if (Number.isNaN(ms)) return '时间未知';
  return ms < 0 ? `首发前 ${duration(-ms)}` : `首发后 ${duration(ms)}`;
}

function amplifierRow(a: Amplifier, rank: number, story: SpreadStory): HTMLLIElement {
  const li = el('li', 'spread-amp');
  const who = el('span', 'who', a.author || '未知账号');
  if (a.itemId !== null && a.itemId === story.first.itemId) who.append(el('span', 'hint', '（首发）'));
  li.append(
    el('span', 'rank', String(rank)),
    who,
    el('span', 'where', a.source || '未知来源'),
    el('span', 'when', a.at ? `${beijing(a.at)}（${after(story.first.at, a.at)}）` : '时间未知'),
    el('span', 'reach', `影响力 ${fmtReach(a.weight)}${a.followers !== null ? ` · 粉丝 ${fmtFollowers(a.followers)}` : ''}`),
  );
  li.append(a.url ? outLink(a.url, '原文', 'link') : el('span', 'link'));
  return li;
}

function storyRow(s: SpreadStory, rank: number): HTMLLIElement {
  const li = el('li', 'spread-story');
  li.dataset.storyId = String(s.storyId);
  const head = el('div', 'spread-story-head');
  head.append(el('span', 'spread-rank', `第 ${rank} 条`), el('span', 'title', s.first.title || '（无标题）'), el('span', 'summary', `共 ${s.items} 条`));
  const first = el('div', 'spread-first');
  first.append(
    el('span', 'label', '首发'),
    el('span', 'who', s.first.author || '未知账号'),
    el('span', 'where', s.first.source || '未知来源'),
    el('span', 'when', beijing(s.first.at)),
  );
  if (s.first.url) first.append(outLink(s.first.url, '原文', 'link'));
  li.append(head, first);
  if (s.amplifiers.length) {
    const ol = el('ol', 'spread-amplifiers');
    ol.setAttribute('aria-label', '放大账号（按影响力）');
    s.amplifiers.forEach((a, k) => ol.append(amplifierRow(a, k + 1, s)));
    li.append(el('div', 'spread-amp-head', `放大账号（按影响力，${s.amplifiers.length} 个）`), ol);
  } else li.append(el('p', 'hint', '暂无放大账号：这条传播链还没有被明显转载。'));
  return li;
}

/** The stories, biggest (most items) first, the earliest first among equals. */
export function rankedStories(stories: readonly SpreadStory[]): SpreadStory[] {
  return [...stories].sort((a, b) => b.items - a.items || Date.parse(a.first.at) - Date.parse(b.first.at) || a.storyId - b.storyId);
}

function storiesList(stories: readonly SpreadStory[]): HTMLElement {
  const box = el('div', 'spread-stories');
  const ranked = rankedStories(stories);
  const ol = el('ol', 'spread-story-list');
  ranked.slice(0, STORIES_SHOWN).forEach((s, k) => ol.append(storyRow(s, k + 1)));
  box.append(el('h5', null, `传播链（按规模，共 ${ranked.length} 条）`), ol);
  if (ranked.length > STORIES_SHOWN) {
    const more = button(`显示其余 ${ranked.length - STORIES_SHOWN} 条传播链`, 'secondary spread-more', () => {
      ranked.slice(STORIES_SHOWN).forEach((s, k) => ol.append(storyRow(s, STORIES_SHOWN + k + 1)));
      more.remove();
    });
    box.append(more);
  }
  return box;
}

function fill(part: HTMLElement, chartBox: HTMLElement, body: HTMLElement, answer: SpreadAnswer, levels: readonly LevelChange[]): void {
  if (!answer) return;
  if ('error' in answer) {
    chartBox.hidden = true;
    body.replaceChildren(el('p', 'error', answer.error));
    return;
  }
  const { spread } = answer;
  const h = hoursOf(spread, levels);
  if (!h) {
    chartBox.hidden = true;
    part.classList.add('empty-spread');
    body.replaceChildren(el('p', 'hint', '暂无传播数据：这个话题的条目还没有归入传播链。话题继续发展后，这里会显示各来源每小时的条目数、首发账号和主要放大账号；可稍后重新打开查看。'));
    return;
  }
  chartBox.dataset.hours = String(h.starts.length);
  chartBox.dataset.sources = h.sources.join('、');
  chartBox.dataset.levelChanges = String(h.levels.length);
  const label = describe(h);
  drawChart(chartBox, chartOption(h), label);
  const caption = el('p', 'summary spread-caption', `${label}。${h.clipped ? `只显示最近 ${MAX_HOURS / 24} 天。` : ''}竖线为级别变化（在其发生的时刻），指向某一小时可看当时各来源条数与级别变化的原因。`);
  body.replaceChildren(caption, storiesList(spread.stories));
}

/**
 * The 「传播」 section: returned at once with room kept for the chart (nothing jumps when the answer
 * arrives), filled when `answer` settles — unless the detail was closed by then.
 */
export function spreadPart(answer: Promise<SpreadAnswer>, levels: readonly LevelChange[]): HTMLElement {
  const part = el('section', 'topic-part spread');
  part.append(el('h4', null, '传播'));
  const chartBox = el('div', 'spread-chart');
  const body = el('div', 'spread-body');
  body.append(el('p', 'hint', '正在加载传播情况…'));
  part.append(chartBox, body);
  answer
    .then((a) => {
      if (part.isConnected) fill(part, chartBox, body, a, levels);
    })
    .catch(() => body.replaceChildren(el('p', 'error', '传播情况加载失败')));
  return part;
}
