// 话题: the topics the topic stage found, by last activity (filters: minimum level, 进行中 /
// 已结束 / 全部). A row opens its detail in place: the indicators, items per hour as a bar chart, how
// it spread (传播, topic-spread.ts), the stories (who posted first, when, where) and the level
// history with the reason of every change; 「建立事件」 opens an incident from the topic.
// #/topics/12 opens the list with topic 12 open.
import './topics.css';
import type { getTopicDetail, Incident, TopicView } from '@yuqing/db';
import { disposeChartsIn, drawChart, escapeHtml, type ChartOption } from './charts';
import { $, api, beijing, beijingMinute, button, can, el, errorText, LEVEL_LABELS, levelBadge, minimumLevelOptions, outLink, query, showError } from './core';
import { fetchSpread, spreadPart, type SpreadAnswer } from './topic-spread';
import type { Wire } from './wire';

type Topic = Wire<TopicView>;
type TopicDetail = Wire<NonNullable<Awaited<ReturnType<typeof getTopicDetail>>>>;
type Story = TopicDetail['stories'][number];
type LevelChange = TopicDetail['levelHistory'][number];
type SeriesBucket = TopicDetail['series'][number];
type Status = Topic['status'];

export const TOPIC_STATUS_LABELS: Record<Status, string> = { open: '进行中', closed: '已结束', merged: '已合并' };
/** The status filter's choices as the API's `status`: 全部 leaves out merged topics (they live on in the one they joined). */
const STATUS_FILTERS: Record<string, string> = { open: 'open', closed: 'closed', all: 'open,closed' };
const HOUR = 3_600_000;
/** Most hours the chart shows (the latest ones; the topic stage keeps about a day). */
const CHART_HOURS = 48;
const COLUMNS = 6;

interface Filters {
  status: string;
  level: string;
}

/** List state: the filters as last applied, the next page's cursor, and the rows open. */
const state: { filters: Filters | null; cursor: string | null; seq: number; open: Map<number, HTMLTableRowElement> } = { filters: null, cursor: null, seq: 0, open: new Map() };
/** Each row's topic (as the list gave it). */
const rowTopics = new WeakMap<HTMLTableRowElement, Topic>();

export interface HourCount {
  /** The hour's start (ms). */
  start: number;
  items: number;
}

/**
 * The series (buckets of the topic stage's width, only those with items) as items per hour,
 * hours without items filled in, the latest `maxHours`.
 */
export function hourly(series: readonly SeriesBucket[] | null | undefined, maxHours: number): HourCount[] {
  const perHour = new Map<number, number>();
  for (const b of series || []) {
    const t = Date.parse(b.bucketStart);
    if (Number.isNaN(t)) continue;
    const h = Math.floor(t / HOUR) * HOUR;
    perHour.set(h, (perHour.get(h) || 0) + b.items);
  }
  if (!perHour.size) return [];
  let first = Infinity;
  let last = -Infinity;
  for (const h of perHour.keys()) {
    first = Math.min(first, h);
    last = Math.max(last, h);
  }
  first = Math.max(first, last - (maxHours - 1) * HOUR);
  const out: HourCount[] = [];
  for (let h = first; h <= last; h += HOUR) out.push({ start: h, items: perHour.get(h) || 0 });
  return out;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * Items per hour as bars; the chart's words (aria-label, data-*) say what it shows for screen
 * readers and for the tests. Bars stay narrow, so a short series is not a few page-wide blocks.
 */
function seriesChart(hours: HourCount[]): HTMLElement {
  const box = el('div', 'series-chart');
  const max = hours.reduce((m, h) => Math.max(m, h.items), 0);
  const total = hours.reduce((n, h) => n + h.items, 0);
  box.dataset.hours = String(hours.length);
  box.dataset.total = String(total);
  const labels = hours.map((h) => beijingMinute(iso(h.start)).slice(5));
  const option: ChartOption = {
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      confine: true,
      className: 'series-tip',
      formatter: (params) => {
        const p = Array.isArray(params) ? params[0] : params;
        const h = p && typeof p.dataIndex === 'number' ? hours[p.dataIndex] : undefined;
        return h ? escapeHtml(`${beijingMinute(iso(h.start))} 起 1 小时：${h.items} 条`) : '';
      },
    },
    // One series: no legend (charts.ts gives every chart one by default).
    legend: { show: false },
    grid: { left: 8, right: 16, top: 28, bottom: 8 },
    xAxis: { type: 'category', data: labels, axisLabel: { formatter: (v: string) => v.replace(' ', '\n'), hideOverlap: true } },
    yAxis: { type: 'value', name: '条/小时', minInterval: 1 },
    series: [{ type: 'bar', name: '条目', data: hours.map((h) => h.items), barMaxWidth: 24, color: '#e8710a' }],
  };
  const label = `每小时条目数（北京时间）：${beijingMinute(iso(hours[0]!.start))} 起 ${hours.length} 小时，共 ${total} 条，最多 ${max} 条/小时`;
  // Named at once for screen readers; drawn once the box is in the page (ECharts measures its container).
  box.setAttribute('role', 'img');
  box.setAttribute('aria-label', label);
  requestAnimationFrame(() => {
    if (box.isConnected) drawChart(box, option, label);
  });
  return box;
}

// --- the list ---
function readFilters(): Filters {
  return { status: STATUS_FILTERS[$<HTMLSelectElement>('t-status').value] || 'open', level: $<HTMLSelectElement>('t-level').value };
}

function topicRow(topic: Topic): HTMLTableRowElement {
  const tr = el('tr', `topic-row level-${topic.level}`);
  tr.dataset.topicId = String(topic.id);
  rowTopics.set(tr, topic);
  const level = el('td');
  level.append(levelBadge(topic.level));
  const title = el('td');
  // A button, so the keyboard opens it too; a click anywhere on the row does the same.
  const toggle = button(topic.title, 'topic-toggle title');
  toggle.setAttribute('aria-expanded', 'false');
  title.append(toggle);
  if (topic.status !== 'open') {
    const st = topic.status === 'merged' && topic.mergedInto ? `已合并到 #${topic.mergedInto}` : TOPIC_STATUS_LABELS[topic.status] || topic.status;
    title.append(el('span', `topic-status status-${topic.status}`, st));
  }
  if (topic.keywords.length) {
    const kw = el('div', 'tags keywords');
    for (const k of topic.keywords) kw.append(el('span', 'tag', k));
    title.append(kw);
  }
  const ind = topic.indicators;
  const counts = el('td', 'counts');
  counts.append(el('div', null, `${ind.items ?? 0} 条`), el('div', 'summary', `涉警 ${ind.policeRelated ?? 0} · 涉警负面 ${ind.policeNegative ?? 0}`));
  tr.append(level, title, el('td', 'stage', topic.stage || '—'), counts, el('td', 'source', topic.firstSource || '—'), el('td', 'time', beijingMinute(topic.lastAt)));
  tr.addEventListener('click', (ev) => {
    // Links and buttons inside the row do their own thing (the title button is the toggle).
    if (ev.target instanceof Element && ev.target.closest('a, button:not(.topic-toggle)')) return;
    toggleDetail(tr, topic).catch(() => undefined);
  });
  return tr;
}

/** Closes every open detail (their charts freed). */
function closeAll(): void {
  for (const row of state.open.values()) {
    disposeChartsIn(row);
    row.remove();
  }
  state.open.clear();
}

async function load(reset: boolean): Promise<boolean> {
  // Only the latest request's answer is shown (filters changed quickly, 加载更多 clicked twice).
  const seq = ++state.seq;
  if (reset || !state.filters) {
    state.filters = readFilters();
    state.cursor = null;
  }
  const r = await api<{ topics: Topic[]; nextCursor: string | null }>('GET', `/api/topics${query({ ...state.filters, limit: 50, cursor: state.cursor })}`);
  if (seq !== state.seq || r.status === 401) return false;
  if (r.status !== 200) {
    showError($('topics-error'), errorText(r, '话题列表加载失败'));
    return false;
  }
  showError($('topics-error'), '');
  const body = $('topics-body');
  const rows = r.data.topics.map(topicRow);
  if (reset) {
    closeAll();
    body.replaceChildren(...rows);
  } else body.append(...rows.filter((tr) => !body.querySelector(`tr.topic-row[data-topic-id="${tr.dataset.topicId}"]`)));
  state.cursor = r.data.nextCursor ?? null;
  $('topics-more').hidden = state.cursor === null;
  $('topics-empty').hidden = body.children.length > 0;
  return true;
}

// --- one topic, opened under its row ---
async function toggleDetail(tr: HTMLTableRowElement, topic: Topic, known?: TopicDetail): Promise<void> {
  const openRow = state.open.get(topic.id);
  const toggle = tr.querySelector('.topic-toggle');
  if (openRow) {
    disposeChartsIn(openRow);
    openRow.remove();
    state.open.delete(topic.id);
    toggle?.setAttribute('aria-expanded', 'false');
    return;
  }
  const row = el('tr', 'topic-detail');
  row.dataset.topicId = String(topic.id);
  const cell = el('td');
  cell.colSpan = COLUMNS;
  cell.append(el('p', 'hint', '加载中…'));
  row.append(cell);
  tr.after(row);
  state.open.set(topic.id, row);
  toggle?.setAttribute('aria-expanded', 'true');
  // Asked for together with the detail, so the 传播 section is not a second wait.
  const spread = fetchSpread(topic.id);
  let detail = known;
  if (!detail) {
    const r = await api<TopicDetail>('GET', `/api/topics/${topic.id}`);
    if (r.status === 401 || state.open.get(topic.id) !== row) return;
    if (r.status !== 200) {
      cell.replaceChildren(el('p', 'error', errorText(r, '话题详情加载失败')));
      return;
    }
    detail = r.data;
  }
  cell.replaceChildren(detailBox(detail, spread));
}

function section(title: string, cls: string): HTMLElement {
  const s = el('section', `topic-part ${cls}`);
  s.append(el('h4', null, title));
  return s;
}

function detailBox(d: TopicDetail, spread: Promise<SpreadAnswer>): HTMLElement {
  const t = d.topic;
  const box = el('div', 'topic-detail-box');
  if (can('createIncident')) {
    const actions = el('div', 'topic-actions');
    const err = el('p', 'error');
    err.setAttribute('role', 'alert');
    err.hidden = true;
    const make = button('建立事件', 'make-incident');
    make.addEventListener('click', () => makeIncident(t, make, err).catch(() => undefined));
    actions.append(make, err);
    box.append(actions);
  }
  box.append(indicators(t), seriesPart(d.series), spreadPart(spread, d.levelHistory), storiesPart(d.stories), levelsPart(t, d.levelHistory));
  return box;
}

function indicators(t: Topic): HTMLElement {
  const ind = t.indicators;
  const dl = el('dl', 'indicators');
  const row = (term: string, value: string) => dl.append(el('dt', null, term), el('dd', null, value));
  row('条目', `${ind.items ?? 0} 条，传播链 ${ind.stories ?? 0} 条`);
  row('涉警', `${ind.policeRelated ?? 0} 条，其中涉警负面 ${ind.policeNegative ?? 0} 条；负面 ${ind.negative ?? 0} 条`);
  row('来源', (ind.sources || []).join('、') || '—');
  const places = Object.entries(ind.places || {})
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5);
  if (places.length) row('地点', places.map(([p, n]) => `${p}（${n}）`).join('、'));
  if (ind.jurisdictionHits) row('辖区命中', `${ind.jurisdictionHits} 条`);
  row('首发', `${t.firstSource || '—'}，${beijing(t.createdAt)}`);
  row('最近活动', beijing(t.lastAt));
  return dl;
}

function seriesPart(series: readonly SeriesBucket[]): HTMLElement {
  const s = section('热度（每小时条目数）', 'series');
  const hours = hourly(series, CHART_HOURS);
  const first = hours[0];
  const last = hours[hours.length - 1];
  if (!first || !last) {
    s.append(el('p', 'hint', '暂无时序数据：话题有新条目后，这里显示每小时的条目数。'));
    return s;
  }
  const total = hours.reduce((n, h) => n + h.items, 0);
  s.append(seriesChart(hours), el('p', 'summary series-caption', `${beijingMinute(iso(first.start))} 至 ${beijingMinute(iso(last.start + HOUR))}（北京时间）共 ${total} 条，每根柱为 1 小时。`));
  return s;
}

function storiesPart(stories: readonly Story[]): HTMLElement {
  const s = section('传播链', 'stories');
  const ol = el('ol', 'story-list');
  for (const st of stories) {
    const li = el('li', 'story');
    li.dataset.storyId = String(st.id);
    const head = el('div', 'story-head');
    head.append(st.firstUrl ? outLink(st.firstUrl, st.firstTitle || st.firstUrl, 'title') : el('span', 'title', st.firstTitle || '（无标题）'));
    if (st.policeNegative) head.append(el('span', 'flag-negative', '涉警负面'));
    const amplifiers = st.amplifiers.length;
    li.append(
      head,
      el('div', 'summary story-first', `首发：${st.firstAuthor || '未知'} · ${st.firstSource || '未知来源'} · ${beijing(st.firstAt)}`),
      el('div', 'summary', `共 ${st.items} 条${amplifiers ? `，放大账号 ${amplifiers} 个` : ''}，最近 ${beijingMinute(st.lastAt)}`),
    );
    ol.append(li);
  }
  s.append(ol.children.length ? ol : el('p', 'hint', '暂无传播链'));
  return s;
}

function levelsPart(t: Topic, history: readonly LevelChange[]): HTMLElement {
  const s = section('级别变化', 'levels');
  if (t.manualLevel) s.append(el('p', 'summary manual-level', `人工级别：${LEVEL_LABELS[t.manualLevel] || t.manualLevel}（自动级别：${LEVEL_LABELS[t.autoLevel] || t.autoLevel}）`));
  const ol = el('ol', 'level-history');
  for (const c of history) {
    const li = el('li', c.applied ? 'level-change-entry' : 'level-change-entry not-applied');
    const head = el('div', 'entry-head');
    head.append(
      el('span', 'time', beijing(c.at)),
      el('span', 'from', `${LEVEL_LABELS[c.previous] || c.previous} →`),
      levelBadge(c.level),
      el('span', 'actor', c.automatic ? '自动' : `人工${c.actor ? `（${c.actor}）` : ''}`),
    );
    if (!c.applied) head.append(el('span', 'hint', '未生效（人工级别优先）'));
    li.append(head, el('div', 'reason pre', c.reason || ''));
    ol.append(li);
  }
  s.append(ol.children.length ? ol : el('p', 'hint', '暂无级别变化'));
  return s;
}

/** 「建立事件」: an incident linked to this topic (title, level, category and place from it), then its page. */
async function makeIncident(topic: Topic, btn: HTMLButtonElement, err: HTMLElement): Promise<void> {
  btn.disabled = true;
  const r = await api<Pick<Wire<Incident>, 'id'>>('POST', '/api/incidents', { topicIds: [topic.id] });
  btn.disabled = false;
  if (r.status === 401) return;
  if (r.status !== 201 && r.status !== 200) return showError(err, errorText(r, '建立事件失败'));
  showError(err, '');
  location.hash = `#/incidents/${r.data.id}`;
}

/** Opens topic `id` under its row; one not in the list (filtered out, older) is shown first. */
async function focus(id: number): Promise<void> {
  let tr = $('topics-body').querySelector<HTMLTableRowElement>(`tr.topic-row[data-topic-id="${id}"]`);
  const listed = tr ? rowTopics.get(tr) : undefined;
  if (tr && listed) {
    if (!state.open.has(id)) await toggleDetail(tr, listed);
  } else {
    const r = await api<TopicDetail>('GET', `/api/topics/${id}`);
    if (r.status === 401) return;
    if (r.status !== 200) return showError($('topics-error'), errorText(r, '话题详情加载失败'));
    tr = topicRow(r.data.topic);
    $('topics-body').prepend(tr);
    $('topics-empty').hidden = true;
    await toggleDetail(tr, r.data.topic, r.data);
  }
  tr.scrollIntoView({ block: 'nearest' });
}

/** #/topics and #/topics/:id */
export async function show(id: number | null): Promise<void> {
  if (!(await load(true))) return;
  if (id) await focus(id);
}

function setUp(): void {
  minimumLevelOptions($<HTMLSelectElement>('t-level'));
  $('topics-filter').addEventListener('submit', (ev) => {
    ev.preventDefault();
    load(true).catch(() => undefined);
  });
  for (const id of ['t-status', 't-level']) $(id).addEventListener('change', () => load(true).catch(() => undefined));
  $('topics-more').addEventListener('click', () => load(false).catch(() => undefined));
}

/** Logged out: forget what was shown. */
export function reset(): void {
  state.seq++;
  closeAll();
  state.cursor = null;
  state.filters = null;
  disposeChartsIn($('topics-body'));
  $('topics-body').replaceChildren();
}

setUp();
