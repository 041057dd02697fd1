// 热榜: the hot lists the bureau watches, each with the entries on it now (rank, heat, since when,
// best rank); entries that name the police or the jurisdiction are marked and link to their item.
// Opening an entry draws its rank over time, from when it entered the list to now or when it left.
import { $, api, beijingMinute, button, duration, el, errorText, showError, svg } from './core.js';

const state = { seq: 0, open: null, timer: null };

function fmtHeat(n) {
  if (n === null || n === undefined) return '—';
  if (n >= 1e8) return `${(n / 1e8).toFixed(1)}亿`;
  if (n >= 1e4) return `${Math.round(n / 1e4)}万`;
  return String(n);
}

/** The rank line of one entry: rank 1 at the top, time left to right, a dot per snapshot. */
function rankChart(ranks) {
  const width = 600;
  const height = 160;
  const left = 34;
  const top = 12;
  const bottom = height - 22;
  const worst = ranks.reduce((m, r) => Math.max(m, r.rank), 10);
  const t0 = new Date(ranks[0].at).getTime();
  const t1 = Math.max(new Date(ranks[ranks.length - 1].at).getTime(), t0 + 60_000);
  const x = (at) => left + ((new Date(at).getTime() - t0) / (t1 - t0)) * (width - left - 8);
  const y = (rank) => top + ((rank - 1) / Math.max(worst - 1, 1)) * (bottom - top);
  const chart = svg('svg', { viewBox: `0 0 ${width} ${height}`, class: 'rank-chart', role: 'img', 'aria-label': `排名变化，共 ${ranks.length} 次快照` });
  for (const r of [1, Math.ceil(worst / 2), worst]) {
    chart.append(svg('line', { x1: left, y1: y(r), x2: width - 4, y2: y(r), class: 'grid' }), svg('text', { x: 2, y: y(r) + 4, class: 'label' }, `第${r}`));
  }
  chart.append(svg('polyline', { points: ranks.map((r) => `${x(r.at).toFixed(1)},${y(r.rank).toFixed(1)}`).join(' '), class: 'rank-line' }));
  for (const r of ranks) {
    const dot = svg('circle', { cx: x(r.at).toFixed(1), cy: y(r.rank).toFixed(1), r: 3, class: 'rank-dot' });
    dot.append(svg('title', {}, `${beijingMinute(r.at)} 第 ${r.rank} 位，热度 ${fmtHeat(r.heat)}`));
    chart.append(dot);
  }
  chart.append(svg('text', { x: left, y: height - 4, class: 'label' }, beijingMinute(ranks[0].at)), svg('text', { x: width - 4, y: height - 4, class: 'label end' }, beijingMinute(ranks[ranks.length - 1].at)));
  return chart;
}

async function openEntry(entry, box) {
  box.replaceChildren(el('p', 'hint', '正在读取排名变化…'));
  const r = await api('GET', `/api/hotlists/entries/${entry.id}`);
  if (r.status !== 200) {
    box.replaceChildren(el('p', 'error', errorText(r, '读取失败')));
    return;
  }
  const { entry: e, ranks } = r.data;
  const facts = el('p', 'summary');
  const stay = e.leftAt ? `${beijingMinute(e.firstSeenAt)} 上榜，${beijingMinute(e.leftAt)} 下榜（在榜 ${duration(new Date(e.leftAt) - new Date(e.firstSeenAt))}）` : `${beijingMinute(e.firstSeenAt)} 上榜，至今在榜 ${duration(Date.now() - new Date(e.firstSeenAt))}`;
  facts.textContent = `${stay}；最高第 ${e.bestRank} 位，现第 ${e.lastRank} 位；热度峰值 ${fmtHeat(e.peakHeat)}；快照 ${e.polls} 次`;
  box.replaceChildren(facts, ranks.length ? rankChart(ranks) : el('p', 'hint', '没有快照'));
  if (entry.topicId) {
    const a = el('a', 'link', '打开所属话题');
    a.href = `#/topics/${entry.topicId}`;
    box.append(a);
  } else if (e.itemId) box.append(el('p', 'hint', `已采集为条目 ${e.itemId}，尚未归入话题`));
}

function entryRow(entry) {
  const li = el('li', entry.itemId ? 'hot-entry watched' : 'hot-entry');
  const head = el('div', 'hot-head');
  head.append(el('span', 'rank', String(entry.lastRank)), el('span', 'title', entry.title));
  if (entry.itemId) head.append(el('span', 'tag', '涉警/辖区'));
  head.append(el('span', 'meta', `热度 ${fmtHeat(entry.lastHeat)} · 最高第 ${entry.bestRank} 位 · ${duration(Date.now() - new Date(entry.firstSeenAt))}前上榜`));
  const box = el('div', 'hot-detail');
  box.hidden = true;
  const toggle = button('排名变化', 'small', () => {
    box.hidden = !box.hidden;
    if (!box.hidden) openEntry(entry, box).catch(() => box.replaceChildren(el('p', 'error', '读取失败')));
  });
  head.append(toggle);
  li.append(head, box);
  return li;
}

function listCard(list) {
  const card = el('section', 'hot-list');
  const scope = list.scope === 'national' ? '全国' : '地方';
  const when = list.lastSnapshotAt ? `更新于 ${beijingMinute(list.lastSnapshotAt)}` : '尚未抓取';
  const h = el('h3', null, `${list.name}`);
  card.append(h, el('p', 'hint', `${scope}热榜 · ${when}${list.status === 'failing' ? ' · 抓取故障' : ''}${list.enabled ? '' : ' · 已停用'}`));
  const watched = list.entries.filter((e) => e.itemId).length;
  if (watched) card.append(el('p', 'summary', `涉警或辖区相关 ${watched} 条`));
  const ul = el('ul', 'hot-entries');
  for (const e of list.entries) ul.append(entryRow(e));
  if (!list.entries.length) ul.append(el('li', 'hint', '榜上暂无条目'));
  card.append(ul);
  return card;
}

async function load() {
  const seq = ++state.seq;
  const r = await api('GET', '/api/hotlists');
  if (seq !== state.seq) return;
  const box = $('hotlists-list');
  if (r.status !== 200) {
    showError($('hotlists-error'), errorText(r, '热榜读取失败'));
    return;
  }
  showError($('hotlists-error'), '');
  const lists = r.data.lists;
  if (!lists.length) {
    box.replaceChildren(el('p', 'hint', '还没有热榜类信息源：在「信息源 → 从目录添加」中勾选热榜（微博热搜、百度热搜、知乎热榜等）。'));
    return;
  }
  box.replaceChildren(...lists.map(listCard));
}

/** Shows the view; refreshes every minute while it is shown. */
export function show() {
  load().catch((err) => {
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
export function reset() {
  clearInterval(state.timer);
  state.seq++;
  const box = $('hotlists-list');
  if (box) box.replaceChildren();
}
