// 热榜: the hot lists the bureau watches, each with the entries on it now (rank, heat, since when,
// best rank); entries that name the police or the jurisdiction are marked and link to their item.
// Opening an entry draws its rank over time, from when it entered the list to now or when it left.
import './hotlists.css';
import type { hotListEntryHistory, HotListView } from '@yuqing/db';
import { disposeChart, disposeChartsIn, drawChart, escapeHtml, type ChartOption } from './charts';
import { $, api, beijingMinute, button, duration, el, errorText, showError } from './core';
import type { Wire } from './wire';

type HotList = Wire<HotListView>;
type ListEntry = HotList['entries'][number];
type EntryHistory = Wire<NonNullable<Awaited<ReturnType<typeof hotListEntryHistory>>>>;
type Snapshot = EntryHistory['ranks'][number];

/**
 * The view's state: the latest request, the refresh timer, and the entries opened — their detail
 * boxes, carried over when the minute's refresh redraws the lists (an opened chart stays open).
 */
const state: { seq: number; timer: ReturnType<typeof setInterval> | undefined; opened: Map<number, HTMLElement> } = { seq: 0, timer: undefined, opened: new Map() };

function fmtHeat(n: number | null | undefined): string {
  if (n === null || n === undefined) return '—';
  if (n >= 1e8) return `${(n / 1e8).toFixed(1)}亿`;
  if (n >= 1e4) return `${Math.round(n / 1e4)}万`;
  return String(n);
}

/**
 * The rank line of one entry: rank 1 at the top (the y axis inverted), time left to right in
 * Beijing time, a dot per snapshot; the tooltip gives the snapshot's time, rank and heat.
 */
function rankChart(box: HTMLElement, ranks: Snapshot[]): void {
  const times = ranks.map((r) => Date.parse(r.at));
  const worst = ranks.reduce((m, r) => Math.max(m, r.rank), 1);
  const best = ranks.reduce((m, r) => Math.min(m, r.rank), Infinity);
  const first = ranks[0];
  const last = ranks[ranks.length - 1];
  if (!first || !last) return;
  // Over a day, the axis needs the date too.
  const long = (times[times.length - 1] ?? 0) - (times[0] ?? 0) > 20 * 3_600_000;
  const axisTime = (ms: number): string => {
    const t = beijingMinute(new Date(ms).toISOString());
    return long ? t.slice(5).replace(' ', '\n') : t.slice(11);
  };
  const option: ChartOption = {
    tooltip: {
      trigger: 'axis',
      confine: true,
      className: 'rank-tip',
      formatter: (params) => {
        const p = Array.isArray(params) ? params[0] : params;
        const r = p && typeof p.dataIndex === 'number' ? ranks[p.dataIndex] : undefined;
        return r ? escapeHtml(`${beijingMinute(r.at)} 第 ${r.rank} 位，热度 ${fmtHeat(r.heat)}`) : '';
      },
    },
    // One series: no legend (charts.ts gives every chart one by default).
    legend: { show: false },
    grid: { left: 8, right: 20, top: 16, bottom: 8 },
    xAxis: { type: 'time', axisLabel: { formatter: (v: number) => axisTime(v), hideOverlap: true }, splitLine: { show: false } },
    yAxis: { type: 'value', inverse: true, min: 1, max: Math.max(worst, 10), minInterval: 1, axisLabel: { formatter: (v: number) => `第${v}` } },
    series: [{ type: 'line', name: '排名', data: ranks.map((r, k) => [times[k] ?? 0, r.rank]), showSymbol: true, symbolSize: 6, color: '#c2410c', lineStyle: { width: 2 } }],
  };
  box.dataset.snapshots = String(ranks.length);
  box.dataset.bestRank = String(best);
  drawChart(box, option, `排名变化（北京时间 ${beijingMinute(first.at)} 至 ${beijingMinute(last.at)}），共 ${ranks.length} 次快照，最高第 ${best} 位，最低第 ${worst} 位`);
}

/**
 * Reads an entry's history into its detail box. `quiet` (the minute's refresh of an open entry):
 * no 「正在读取」 in between, the chart updated in place; a failure then keeps what is shown.
 */
async function openEntry(entry: ListEntry, box: HTMLElement, quiet = false): Promise<void> {
  if (!quiet) {
    disposeChartsIn(box);
    box.replaceChildren(el('p', 'hint', '正在读取排名变化…'));
  }
  const r = await api<EntryHistory>('GET', `/api/hotlists/entries/${entry.id}`);
  if (r.status === 401 || box.hidden) return;
  if (r.status !== 200) {
    if (quiet) return;
    box.replaceChildren(el('p', 'error', errorText(r, '排名变化读取失败')));
    return;
  }
  const { entry: e, ranks } = r.data;
  const since = Date.parse(e.firstSeenAt);
  const stay = e.leftAt
    ? `${beijingMinute(e.firstSeenAt)} 上榜，${beijingMinute(e.leftAt)} 下榜（在榜 ${duration(Date.parse(e.leftAt) - since)}）`
    : `${beijingMinute(e.firstSeenAt)} 上榜，至今在榜 ${duration(Date.now() - since)}`;
  const facts = el('p', 'summary', `${stay}；最高第 ${e.bestRank} 位，现第 ${e.lastRank} 位；热度峰值 ${fmtHeat(e.peakHeat)}；快照 ${e.polls} 次`);
  // The chart's container is kept across refreshes, so an update redraws in place.
  const chart = box.querySelector<HTMLElement>('.rank-chart') ?? el('div', 'rank-chart');
  const parts: HTMLElement[] = [facts];
  if (ranks.length) {
    parts.push(chart);
  } else {
    disposeChart(chart);
    parts.push(el('p', 'hint', '还没有快照：下一次抓取热榜后显示排名变化。'));
  }
  if (entry.topicId) {
    const a = el('a', 'link', '打开所属话题');
    a.href = `#/topics/${entry.topicId}`;
    parts.push(a);
  } else if (e.itemId) parts.push(el('p', 'hint', `已采集为条目 ${e.itemId}，尚未归入话题`));
  box.replaceChildren(...parts);
  if (ranks.length) rankChart(chart, ranks);
}

function entryRow(entry: ListEntry): HTMLLIElement {
  const li = el('li', entry.itemId ? 'hot-entry watched' : 'hot-entry');
  li.dataset.entryId = String(entry.id);
  const head = el('div', 'hot-head');
  head.append(el('span', 'rank', String(entry.lastRank)), el('span', 'title', entry.title));
  if (entry.itemId) head.append(el('span', 'tag', '涉警/辖区'));
  head.append(el('span', 'meta', `热度 ${fmtHeat(entry.lastHeat)} · 最高第 ${entry.bestRank} 位 · ${duration(Date.now() - Date.parse(entry.firstSeenAt))}前上榜`));
  const kept = state.opened.get(entry.id);
  const box = kept ?? el('div', 'hot-detail');
  box.id = `hot-detail-${entry.id}`;
  box.hidden = !kept;
  const toggle = button('排名变化', 'small', () => {
    box.hidden = !box.hidden;
    toggle.setAttribute('aria-expanded', String(!box.hidden));
    if (box.hidden) {
      state.opened.delete(entry.id);
      disposeChartsIn(box);
      box.replaceChildren();
      return;
    }
    state.opened.set(entry.id, box);
    openEntry(entry, box).catch(() => box.replaceChildren(el('p', 'error', '排名变化读取失败')));
  });
  toggle.setAttribute('aria-expanded', String(Boolean(kept)));
  toggle.setAttribute('aria-controls', box.id);
  head.append(toggle);
  li.append(head, box);
  if (kept) openEntry(entry, box, true).catch(() => undefined);
  return li;
}

function listCard(list: HotList): HTMLElement {
  const card = el('section', 'hot-list');
  const scope = list.scope === 'national' ? '全国' : '地方';
  const when = list.lastSnapshotAt ? `更新于 ${beijingMinute(list.lastSnapshotAt)}` : '尚未抓取';
  card.append(el('h3', null, list.name), el('p', 'hint', `${scope}热榜 · ${when}${list.status === 'failing' ? ' · 抓取故障' : ''}${list.enabled ? '' : ' · 已停用'}`));
  const watched = list.entries.filter((e) => e.itemId).length;
  if (watched) card.append(el('p', 'summary', `涉警或辖区相关 ${watched} 条`));
  const ul = el('ul', 'hot-entries');
  for (const e of list.entries) ul.append(entryRow(e));
  if (!list.entries.length) ul.append(el('li', 'hint', '榜上暂无条目：下一次抓取后显示。'));
  card.append(ul);
  return card;
}

async function load(): Promise<void> {
  const seq = ++state.seq;
  const r = await api<{ lists: HotList[] }>('GET', '/api/hotlists');
  if (seq !== state.seq || r.status === 401) return;
  const box = $('hotlists-list');
  if (r.status !== 200) {
    showError($('hotlists-error'), errorText(r, '热榜读取失败'));
    return;
  }
  showError($('hotlists-error'), '');
  const lists = r.data.lists;
  // Entries that left the lists take their open chart with them.
  const present = new Set(lists.flatMap((l) => l.entries.map((e) => e.id)));
  for (const [id, detail] of state.opened) {
    if (present.has(id)) continue;
    disposeChartsIn(detail);
    state.opened.delete(id);
  }
  if (!lists.length) {
    box.replaceChildren(el('p', 'hint', '还没有热榜类信息源：在「信息源 → 从目录添加」中勾选热榜（微博热搜、百度热搜、知乎热榜等）。'));
    return;
  }
  box.replaceChildren(...lists.map(listCard));
}

/** Shows the view; refreshes every minute while it is shown. */
export function show(): void {
  load().catch((err: unknown) => {
    console.error(err);
    showError($('hotlists-error'), '热榜读取失败');
  });
  clearInterval(state.timer);
  state.timer = setInterval(() => {
    if ($('hotlists-view').hidden) return clearInterval(state.timer);
    load().catch(() => undefined);
  }, 60_000);
}

/** Forgets everything (logout). */
export function reset(): void {
  clearInterval(state.timer);
  state.seq++;
  state.opened.clear();
  const box = $('hotlists-list');
  disposeChartsIn(box);
  box.replaceChildren();
}
