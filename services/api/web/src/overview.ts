// 态势总览 (the leadership overview) and its duty-room screen mode (#/overview/screen).
//
// What it shows: today against the same hours last week (items, police-related, police-negative,
// negative share); the 30-day trend with the last 7 days marked; open warnings by level and the
// newest of them; rising topics (level, stage, heat, their last 24 hours as a sparkline); the places
// of the jurisdiction named most in 7 days (a ranked bar chart: no district boundaries are
// configured anywhere, so there is no map to draw); incidents by status with the overdue ones
// first; failing sources.
//
// Live: one EventSource on /api/overview/stream, which sends the whole overview at connect, soon
// after any alert or topic level change and at least every minute. Every panel has a fixed size and
// is updated in place (texts replaced, lists redrawn inside their reserved room, charts updated by
// ECharts), so nothing moves when data arrives.
//
// Screen mode: body.screen (dark, large type; charts.ts draws dark then, so the charts are drawn
// again on every switch), the page's header hidden, 全屏 on a button (the browser allows
// fullscreen only from a user's gesture), the panels rotating in pages every 20 s with a visible
// pause button, ← → to turn pages, Esc to leave. It never falls back to the login form while its
// screen token is valid (overview-screen.ts): whatever says the session is gone — a stream's last
// `auth` event, a 401 — goes first to the token exchange, and the streams start again on the new
// session.
import './overview.css';
import type { Overview as ServerOverview } from '@yuqing/db';
import * as alerts from './alerts';
import { drawChart, disposeChartsIn, escapeHtml, LEVEL_COLORS, PALETTE, type ChartOption } from './charts';
import { $, api, beijing, beijingMinute, button, can, duration, el, errorText, LEVEL_LABELS, levelBadge, session, showError } from './core';
import { bootScreen, exchange, forgetButton, isScreenHash, signedIn, storedToken, storeToken, TOKEN_GONE, tokenForm, watchLogin } from './overview-screen';
import type { Wire } from './wire';

type Overview = Wire<ServerOverview>;
type Topic = Overview['risingTopics'][number];
type Incident = Overview['incidents']['awaiting'][number];
type Level = 'blue' | 'yellow' | 'orange' | 'red';

/** Seconds a page of panels stays on the duty-room screen. */
const ROTATE_MS = 20_000;
/** The overview is sent at least every minute: older than this, the page says the figures are stale. */
const STALE_MS = 3 * 60_000;
/** How long after a lost stream the page asks again (the server may be restarting). */
const RETRY_MS = 5_000;
/** Rows each list keeps room for (more are left out, and counted). */
const ROWS = { topics: 6, alerts: 5, incidents: 6, sources: 5, places: 10 } as const;

const LEVELS_HIGH_FIRST: readonly Level[] = ['red', 'orange', 'yellow', 'blue'];
const STATUS_LABELS: Record<keyof Overview['incidents']['byStatus'], string> = { new: '新建', assessing: '研判中', handling: '处置中', responded: '已回应', closed: '已结案' };
const STATE_LABELS: Record<string, string> = { firing: '未确认', acknowledged: '已确认' };

type PanelName = 'trend' | 'alerts' | 'topics' | 'places' | 'incidents' | 'sources';
/** The screen's pages: two panels each, the KPIs above them always. */
const PAGES: ReadonlyArray<{ label: string; panels: readonly PanelName[] }> = [
  { label: '趋势与预警', panels: ['trend', 'alerts'] },
  { label: '话题与属地', panels: ['topics', 'places'] },
  { label: '事件与信息源', panels: ['incidents', 'sources'] },
];

interface Kpi {
  value: HTMLElement;
  prev: HTMLElement;
  delta: HTMLElement;
}

interface Panel {
  root: HTMLElement;
  body: HTMLElement;
  note: HTMLElement;
}

interface Built {
  root: HTMLElement;
  status: HTMLElement;
  clock: HTMLElement;
  normalActions: HTMLElement;
  screenActions: HTMLElement;
  fullscreen: HTMLButtonElement;
  pause: HTMLButtonElement;
  tokenButton: HTMLButtonElement;
  tokenHint: HTMLElement;
  tokenForm: HTMLFormElement;
  kpis: Record<'items' | 'related' | 'negative' | 'share', Kpi>;
  panels: Record<PanelName, Panel>;
  trendChart: HTMLElement;
  trendEmpty: HTMLElement;
  weekSummary: HTMLElement;
  levelCounts: Record<Level, HTMLElement>;
  alertTotal: HTMLElement;
  alertList: HTMLElement;
  topicList: HTMLElement;
  placesChart: HTMLElement;
  placesEmpty: HTMLElement;
  statusCounts: Record<keyof Overview['incidents']['byStatus'], HTMLElement>;
  overdueCount: HTMLElement;
  incidentList: HTMLElement;
  sourceList: HTMLElement;
  pager: HTMLElement;
  pageButtons: HTMLButtonElement[];
}

const st: {
  built: Built | null;
  data: Overview | null;
  shown: boolean;
  screen: boolean;
  es: EventSource | null;
  retryTimer: number | null;
  /** 'live' once a frame arrived on the current stream; the status line says so. */
  link: 'connecting' | 'live' | 'down';
  /** A problem to show instead of the status (in Chinese), or null. */
  problem: string | null;
  page: number;
  paused: boolean;
  rotateTimer: number | null;
  clockTimer: number | null;
  /** Charts whose data changed while they could not be drawn (hidden page). */
  dirty: Set<'trend' | 'places'>;
  /** app.ts's handler of a lost session, while the screen mode has put its own in front. */
  passOn: ((message: string) => void) | null;
  renewing: boolean;
  /** When (by this machine's clock) the last overview arrived: its age, whatever the clocks say. */
  receivedAt: number;
  /** The server's clock minus this machine's, when they disagree by more than a minute (else 0). */
  skew: number;
  /** When the stream was last opened again for want of news. */
  reopenedAt: number;
} = {
  built: null,
  data: null,
  shown: false,
  screen: false,
  es: null,
  retryTimer: null,
  link: 'connecting',
  problem: null,
  page: 0,
  paused: false,
  rotateTimer: null,
  clockTimer: null,
  dirty: new Set(),
  passOn: null,
  renewing: false,
  receivedAt: 0,
  skew: 0,
  reopenedAt: 0,
};

// --- small formatting helpers ---
const NUMBER = new Intl.NumberFormat('zh-CN');
const num = (n: number): string => NUMBER.format(n);
const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
const clock = (iso: string): string => beijingMinute(iso).slice(11);
/** `15:02` on the overview's own (Beijing) day, `12-06 15:02` before it. */
function when(iso: string, at: string): string {
  const t = beijingMinute(iso);
  return t.slice(0, 10) === beijingMinute(at).slice(0, 10) ? t.slice(11) : t.slice(5);
}

/** `↑ 3（+50%）`, `↓ 2（−40%）`, `持平`, or `新增 3` when there was nothing to compare with. */
function change(today: number, before: number, asPoints = false): { text: string; dir: 'up' | 'down' | 'flat' } {
  if (asPoints) {
    const d = Math.round((today - before) * 1000) / 10;
    if (d === 0) return { text: '持平', dir: 'flat' };
    return { text: `${d > 0 ? '↑' : '↓'} ${Math.abs(d).toFixed(1)} 个百分点`, dir: d > 0 ? 'up' : 'down' };
  }
  if (today === before) return { text: '持平', dir: 'flat' };
  if (before === 0) return { text: `新增 ${num(today)}`, dir: 'up' };
  const rel = Math.round(((today - before) / before) * 100);
  return { text: `${today > before ? '↑' : '↓'} ${num(Math.abs(today - before))}（${rel > 0 ? '+' : '−'}${Math.abs(rel)}%）`, dir: today > before ? 'up' : 'down' };
}

// --- building the view (once; afterwards only its contents change) ---

function panel(name: PanelName, title: string, link?: { href: string; text: string }): Panel {
  const root = el('section', `ov-panel ov-${name}`);
  root.id = `ov-panel-${name}`;
  const head = el('div', 'ov-panel-head');
  const h = el('h3', null, title);
  h.id = `ov-h-${name}`;
  root.setAttribute('aria-labelledby', h.id);
  head.append(h);
  const note = el('span', 'ov-note');
  head.append(note);
  if (link) {
    const a = el('a', 'ov-more', link.text);
    a.href = link.href;
    head.append(a);
  }
  const body = el('div', 'ov-panel-body');
  body.append(el('p', 'ov-loading', '正在加载…'));
  root.append(head, body);
  return { root, body, note };
}

function kpi(label: string, hint: string): { tile: HTMLElement; kpi: Kpi } {
  const tile = el('div', 'ov-kpi');
  const value = el('div', 'ov-kpi-value', '—');
  const prev = el('div', 'ov-kpi-prev', '上周同期 —');
  const delta = el('div', 'ov-kpi-delta flat', '');
  tile.append(el('div', 'ov-kpi-label', label), value, prev, delta);
  tile.title = hint;
  return { tile, kpi: { value, prev, delta } };
}

function build(): Built {
  const root = $('overview-view');
  root.replaceChildren();

  const head = el('div', 'toolbar ov-head');
  const title = el('h2', 'ov-title', '态势总览');
  const clockEl = el('span', 'ov-clock');
  clockEl.setAttribute('aria-label', '北京时间');
  const status = el('span', 'ov-status');
  status.id = 'ov-status';
  status.setAttribute('role', 'status');
  const normalActions = el('div', 'actions ov-actions');
  const screenLink = el('a', 'button-link', '大屏模式');
  screenLink.href = '#/overview/screen';
  screenLink.id = 'ov-screen-link';
  normalActions.append(screenLink);
  const screenActions = el('div', 'actions ov-actions ov-screen-actions');
  const fullscreen = button('全屏', 'secondary', toggleFullscreen);
  fullscreen.id = 'ov-fullscreen';
  const pause = button('暂停轮播', 'secondary', () => setPaused(!st.paused));
  pause.id = 'ov-pause';
  pause.setAttribute('aria-pressed', 'false');
  const tokenButton = button('设置大屏令牌', 'secondary', () => openTokenForm());
  tokenButton.id = 'ov-token';
  const leave = el('a', 'button-link', '退出大屏');
  leave.href = '#/overview';
  leave.id = 'ov-leave';
  screenActions.append(fullscreen, pause, tokenButton, leave);
  const left = el('div', 'ov-head-left');
  left.append(title, clockEl, status);
  head.append(left, normalActions, screenActions);

  const tokenHint = el('p', 'ov-token-hint');
  tokenHint.id = 'ov-token-hint';

  // The token settings: a form over the panels (the screen's keyboard path reaches it by the button).
  const form = tokenForm({
    id: 'ov-token-form',
    title: '设置大屏令牌',
    hint: '输入管理员为本大屏创建的 API 令牌（所属账号须为领导、值班员或研判员）。令牌只保存在本机浏览器中；登录过期时大屏用它自动重新登录，不会退回登录页。',
    submit: '验证并保存',
    extra: [
      forgetButton(() => {
        closeTokenForm();
        renderTokenHint();
      }),
      button('取消', 'secondary', () => closeTokenForm()),
    ],
    onSubmit: async (token, error) => {
      const r = await exchange(token);
      if (r.kind !== 'ok') return showError(error, r.message);
      storeToken(token);
      // Another account than the one signed in: start over as that one (names, abilities).
      if (session.me && r.user.id !== session.me.id) return location.reload();
      closeTokenForm();
      renderTokenHint();
      restartStreams();
    },
  });
  form.classList.add('card', 'ov-token-form');
  form.hidden = true;

  const kpiRow = el('div', 'ov-kpis');
  kpiRow.setAttribute('aria-label', '今日与上周同期对比');
  const items = kpi('今日信息量', '今日（北京时间 0 点起）发布的信息条数，与上周同一天同一时段相比');
  const related = kpi('涉警信息', '今日涉及公安民警的信息条数');
  const negative = kpi('涉警负面', '今日涉警且对警方负面的信息条数');
  const share = kpi('负面情绪占比', '今日情绪为负面的信息占全部信息的比例');
  kpiRow.append(items.tile, related.tile, negative.tile, share.tile);

  const panels: Record<PanelName, Panel> = {
    trend: panel('trend', '近30日趋势'),
    alerts: panel('alerts', '未处理预警', can('alerts') ? { href: '#/alerts', text: '查看预警' } : undefined),
    topics: panel('topics', '上升话题（近24小时）', can('topics') ? { href: '#/topics', text: '全部话题' } : undefined),
    places: panel('places', '辖区属地（近7日）'),
    incidents: panel('incidents', '事件处置', can('incidents') ? { href: '#/incidents', text: '事件登记' } : undefined),
    sources: panel('sources', '信息源故障', can('sources') ? { href: '#/sources', text: '信息源管理' } : undefined),
  };

  // Trend: the chart's room is fixed; a caption with the week's sums above it.
  const weekSummary = el('p', 'ov-week');
  const trendBox = el('div', 'ov-chart-box');
  const trendChart = el('div', 'ov-chart');
  trendChart.id = 'ov-trend-chart';
  const trendEmpty = el('p', 'ov-empty ov-chart-empty', '近30日还没有采集到信息。请在「信息源」中添加并启用信息源；采集开始后这里会显示每日走势。');
  trendEmpty.hidden = true;
  trendBox.append(trendChart, trendEmpty);
  panels.trend.body.replaceChildren(weekSummary, trendBox);

  // Warnings: a tile per level (highest first), the total, and the newest few.
  const levelRow = el('div', 'ov-levels');
  const levelCounts = {} as Record<Level, HTMLElement>;
  for (const l of LEVELS_HIGH_FIRST) {
    const tile = el('div', `ov-level level-${l}`);
    const n = el('span', 'ov-level-n', '—');
    n.id = `ov-level-${l}`;
    tile.append(n, el('span', 'ov-level-label', `${LEVEL_LABELS[l]}预警`));
    levelRow.append(tile);
    levelCounts[l] = n;
  }
  const alertTotal = el('p', 'ov-alert-total');
  alertTotal.id = 'ov-alert-total';
  const alertList = el('ul', 'ov-list ov-alert-list');
  alertList.setAttribute('aria-label', '最新未处理预警');
  panels.alerts.body.replaceChildren(levelRow, alertTotal, alertList);

  const topicList = el('ol', 'ov-list ov-topic-list');
  topicList.setAttribute('aria-label', '上升话题，按近24小时条数排序');
  panels.topics.body.replaceChildren(topicList);

  const placesBox = el('div', 'ov-chart-box');
  const placesChart = el('div', 'ov-chart');
  placesChart.id = 'ov-places-chart';
  const placesEmpty = el('p', 'ov-empty ov-chart-empty', '近7日没有信息提到本辖区的地名。请在「监测方案」中为本辖区方案填写地域词（区县、街道、派出所等），命中的信息会在这里按地点排行。');
  placesEmpty.hidden = true;
  placesBox.append(placesChart, placesEmpty);
  panels.places.body.replaceChildren(placesBox);

  const statusRow = el('div', 'ov-statuses');
  const statusCounts = {} as Built['statusCounts'];
  for (const k of Object.keys(STATUS_LABELS) as Array<keyof typeof STATUS_LABELS>) {
    const chip = el('span', `ov-status-chip status-${k}`);
    const n = el('strong', null, '—');
    n.id = `ov-status-${k}`;
    chip.append(el('span', null, STATUS_LABELS[k]), n);
    statusRow.append(chip);
    statusCounts[k] = n;
  }
  const overdueCount = el('p', 'ov-overdue');
  overdueCount.id = 'ov-overdue';
  const incidentList = el('ul', 'ov-list ov-incident-list');
  incidentList.setAttribute('aria-label', '待回应事件，超时的在前');
  panels.incidents.body.replaceChildren(statusRow, overdueCount, incidentList);

  const sourceList = el('ul', 'ov-list ov-source-list');
  sourceList.setAttribute('aria-label', '故障信息源');
  panels.sources.body.replaceChildren(sourceList);

  const grid = el('div', 'ov-grid');
  grid.append(...Object.values(panels).map((p) => p.root));

  // The screen's pager: which page is up, a button per page, and the keys.
  const pager = el('div', 'ov-pager');
  pager.setAttribute('aria-label', '大屏轮播');
  const pageButtons = PAGES.map((p, i) => {
    const b = button(`${i + 1} ${p.label}`, 'ov-page', () => {
      showPage(i);
      restartRotation();
    });
    pager.append(b);
    return b;
  });
  pager.append(el('span', 'ov-keys', '← → 翻页 · Esc 退出大屏'));

  root.append(head, tokenHint, form, kpiRow, grid, pager);
  return {
    root,
    status,
    clock: clockEl,
    normalActions,
    screenActions,
    fullscreen,
    pause,
    tokenButton,
    tokenHint,
    tokenForm: form,
    kpis: { items: items.kpi, related: related.kpi, negative: negative.kpi, share: share.kpi },
    panels,
    trendChart,
    trendEmpty,
    weekSummary,
    levelCounts,
    alertTotal,
    alertList,
    topicList,
    placesChart,
    placesEmpty,
    statusCounts,
    overdueCount,
    incidentList,
    sourceList,
    pager,
    pageButtons,
  };
}

// --- drawing the data (in place) ---

function setKpi(k: Kpi, value: string, before: string, ch: { text: string; dir: string }, worseWhenUp: boolean): void {
  k.value.textContent = value;
  k.prev.textContent = `上周同期 ${before}`;
  k.delta.textContent = ch.text;
  // More police-negative talk is bad news, less is good; more items in all is neither.
  const tone = ch.dir === 'flat' ? 'flat' : !worseWhenUp ? 'neutral' : ch.dir === 'up' ? 'worse' : 'better';
  k.delta.className = `ov-kpi-delta ${ch.dir} ${tone}`;
}

function renderKpis(b: Built, o: Overview): void {
  const t = o.today;
  const w = o.lastWeek;
  setKpi(b.kpis.items, num(t.items), num(w.items), change(t.items, w.items), false);
  setKpi(b.kpis.related, num(t.policeRelated), num(w.policeRelated), change(t.policeRelated, w.policeRelated), true);
  setKpi(b.kpis.negative, num(t.policeNegative), num(w.policeNegative), change(t.policeNegative, w.policeNegative), true);
  setKpi(b.kpis.share, pct(t.negativeShare), pct(w.negativeShare), change(t.negativeShare, w.negativeShare, true), true);
}

/** A small text size for chart labels, larger on the screen. */
const chartFont = (): number => (st.screen ? 16 : 12);
const dark = (): boolean => document.body.classList.contains('screen');

function trendOption(o: Overview): ChartOption {
  const days = o.daily.map((d) => d.day.slice(5));
  const font = chartFont();
  const axisColor = dark() ? '#8b98a9' : '#646a73';
  const splitColor = dark() ? '#243041' : '#eef0f2';
  const week = days.length >= 7 ? [[{ name: '近7日', xAxis: days[days.length - 7] }, { xAxis: days[days.length - 1] }]] : [];
  const line = (name: string, values: number[], color: string, withArea: boolean) => ({
    type: 'line' as const,
    name,
    data: values,
    color,
    symbol: 'circle',
    symbolSize: st.screen ? 7 : 5,
    lineStyle: { width: st.screen ? 3 : 2 },
    ...(withArea
      ? {
          markArea: {
            silent: true,
            itemStyle: { color: dark() ? 'rgba(88, 166, 255, 0.14)' : 'rgba(31, 111, 235, 0.08)' },
            label: { show: true, position: 'insideTop' as const, color: axisColor, fontSize: font },
            data: week as never,
          },
        }
      : {}),
  });
  return {
    grid: { left: 8, right: 16, top: 40, bottom: 8, containLabel: true },
    legend: { top: 0, textStyle: { fontSize: font, color: dark() ? '#e6edf3' : '#1f2933' } },
    tooltip: {
      trigger: 'axis',
      confine: true,
      className: 'ov-tip',
      formatter: (params) => {
        const list = (Array.isArray(params) ? params : [params]) as Array<{ dataIndex?: number }>;
        const i = list[0]?.dataIndex;
        const d = typeof i === 'number' ? o.daily[i] : undefined;
        if (!d) return '';
        return [
          `<div class="tip-head">${escapeHtml(d.day)}（北京时间）</div>`,
          `<div class="tip-row"><span class="tip-dot s0"></span>信息量 ${d.items} 条</div>`,
          `<div class="tip-row"><span class="tip-dot s1"></span>涉警 ${d.policeRelated} 条</div>`,
          `<div class="tip-row"><span class="tip-dot s2"></span>涉警负面 ${d.policeNegative} 条</div>`,
        ].join('');
      },
    },
    xAxis: { type: 'category', data: days, boundaryGap: false, axisLabel: { fontSize: font, color: axisColor, hideOverlap: true }, axisLine: { lineStyle: { color: axisColor } } },
    yAxis: { type: 'value', minInterval: 1, axisLabel: { fontSize: font, color: axisColor }, splitLine: { lineStyle: { color: splitColor } } },
    series: [
      line('信息量', o.daily.map((d) => d.items), PALETTE[0] ?? '#1f6feb', true),
      line('涉警', o.daily.map((d) => d.policeRelated), PALETTE[1] ?? '#e8590c', false),
      line('涉警负面', o.daily.map((d) => d.policeNegative), LEVEL_COLORS.red ?? '#c92a2a', false),
    ],
  } as ChartOption;
}

function placesOption(o: Overview): ChartOption {
  // Most named at the top: a category axis draws its first entry at the bottom.
  const places = o.places.slice(0, ROWS.places).reverse();
  const font = chartFont();
  const axisColor = dark() ? '#8b98a9' : '#646a73';
  return {
    grid: { left: 8, right: 40, top: 32, bottom: 4, containLabel: true },
    legend: { top: 0, textStyle: { fontSize: font, color: dark() ? '#e6edf3' : '#1f2933' } },
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      confine: true,
      className: 'ov-tip',
      formatter: (params) => {
        const list = (Array.isArray(params) ? params : [params]) as Array<{ dataIndex?: number }>;
        const i = list[0]?.dataIndex;
        const p = typeof i === 'number' ? places[i] : undefined;
        if (!p) return '';
        return `<div class="tip-head">${escapeHtml(p.place)}</div><div class="tip-row">近7日 ${p.items} 条，其中涉警负面 ${p.policeNegative} 条</div>`;
      },
    },
    xAxis: { type: 'value', minInterval: 1, axisLabel: { fontSize: font, color: axisColor }, splitLine: { lineStyle: { color: dark() ? '#243041' : '#eef0f2' } } },
    yAxis: { type: 'category', data: places.map((p) => p.place), axisLabel: { fontSize: font + 1, color: dark() ? '#e6edf3' : '#1f2933', width: st.screen ? 160 : 110, overflow: 'truncate' } },
    series: [
      { type: 'bar', name: '信息量', data: places.map((p) => p.items), color: PALETTE[0], barMaxWidth: st.screen ? 22 : 16, label: { show: true, position: 'right', fontSize: font, color: axisColor } },
      { type: 'bar', name: '其中涉警负面', data: places.map((p) => p.policeNegative), color: LEVEL_COLORS.red, barMaxWidth: st.screen ? 22 : 16 },
    ],
  } as ChartOption;
}

function trendLabel(o: Overview): string {
  const total = o.daily.reduce((n, d) => n + d.items, 0);
  const first = o.daily[0]?.day ?? '';
  const last = o.daily[o.daily.length - 1]?.day ?? '';
  return `近30日每日信息量、涉警与涉警负面条数（${first} 至 ${last}，北京时间），共 ${total} 条；近7日以底色标出`;
}

/** Draws a chart now if its box can be seen; otherwise when it next can (a hidden page of the screen). */
function drawCharts(): void {
  const b = st.built;
  const o = st.data;
  if (!b || !o) return;
  const visible = (e: HTMLElement): boolean => e.isConnected && !e.hidden && e.offsetParent !== null && e.clientWidth > 0 && e.clientHeight > 0;
  if (st.dirty.has('trend') && visible(b.trendChart)) {
    drawChart(b.trendChart, trendOption(o), trendLabel(o));
    st.dirty.delete('trend');
  }
  if (st.dirty.has('places') && visible(b.placesChart)) {
    const shown = o.places.slice(0, ROWS.places);
    drawChart(b.placesChart, placesOption(o), `近7日辖区属地被提及条数排行：${shown.map((p) => `${p.place} ${p.items} 条`).join('、')}`);
    st.dirty.delete('places');
  }
}

function renderTrend(b: Built, o: Overview): void {
  const last7 = o.daily.slice(-7);
  const prev7 = o.daily.slice(-14, -7);
  const sum = (ds: typeof o.daily, k: 'items' | 'policeRelated' | 'policeNegative'): number => ds.reduce((n, d) => n + d[k], 0);
  const items7 = sum(last7, 'items');
  b.weekSummary.textContent = `近7日：信息 ${num(items7)} 条（前7日 ${num(sum(prev7, 'items'))} 条，${change(items7, sum(prev7, 'items')).text}）· 涉警 ${num(sum(last7, 'policeRelated'))} · 涉警负面 ${num(sum(last7, 'policeNegative'))}`;
  const empty = o.daily.every((d) => d.items === 0);
  b.trendEmpty.hidden = !empty;
  b.trendChart.classList.toggle('ov-faded', empty);
  st.dirty.add('trend');
}

function alertRow(a: Overview['latestAlerts'][number], at: string): HTMLLIElement {
  const li = el('li', `ov-row level-${a.level}`);
  const title = a.topicId !== null && can('topics') ? el('a', 'ov-row-title', a.title) : el('span', 'ov-row-title', a.title);
  if (title instanceof HTMLAnchorElement) title.href = `#/topics/${a.topicId}`;
  title.title = a.title;
  li.append(levelBadge(a.level), title, el('span', `ov-row-meta state-${a.state}`, STATE_LABELS[a.state] ?? a.state), el('span', 'ov-row-time', when(a.updatedAt, at)));
  return li;
}

function renderAlerts(b: Built, o: Overview): void {
  for (const l of LEVELS_HIGH_FIRST) b.levelCounts[l].textContent = num(o.openAlerts[l]);
  b.alertTotal.textContent = o.openAlerts.total ? `共 ${num(o.openAlerts.total)} 条未处理（未确认与已确认未解除），最新的：` : '';
  if (!o.openAlerts.total) {
    b.alertList.replaceChildren(el('li', 'ov-empty', '当前没有未处理的舆情预警。新预警一到，这里会立即显示；值班员在「预警」中确认和处置。'));
    return;
  }
  b.alertList.replaceChildren(...o.latestAlerts.slice(0, ROWS.alerts).map((a) => alertRow(a, o.at)));
}

/** The last 24 hours as small bars (DOM, no canvas: a dozen of them cost nothing), the hour on hover. */
function sparkline(t: Topic, at: string): HTMLElement {
  const box = el('span', 'ov-spark');
  const max = t.hourly.reduce((m, n) => Math.max(m, n), 1);
  const end = Date.parse(at);
  box.setAttribute('role', 'img');
  box.setAttribute('aria-label', `近24小时每小时条数（由早到晚）：${t.hourly.join('、')}`);
  t.hourly.forEach((n, i) => {
    const bar = el('span', n ? 'ov-spark-bar' : 'ov-spark-bar zero');
    bar.style.height = `${n ? Math.max(8, Math.round((n / max) * 100)) : 2}%`;
    const hourStart = new Date(end - (24 - i) * 3_600_000).toISOString();
    bar.title = `${clock(hourStart)} 起 1 小时：${n} 条`;
    box.append(bar);
  });
  return box;
}

function topicRow(t: Topic, at: string): HTMLLIElement {
  const li = el('li', `ov-row ov-topic level-${t.level}`);
  li.dataset.topicId = String(t.id);
  const level = t.level === 'none' ? el('span', 'badge none', '无级别') : levelBadge(t.level);
  const title = can('topics') ? el('a', 'ov-row-title', t.title) : el('span', 'ov-row-title', t.title);
  if (title instanceof HTMLAnchorElement) title.href = `#/topics/${t.id}`;
  title.title = t.title;
  const rise = t.items24h - t.itemsPrev24h;
  const heat = el('span', 'ov-heat', `热度 ${t.heat >= 100 ? Math.round(t.heat) : t.heat.toFixed(1)}`);
  const count = el('span', `ov-count ${rise > 0 ? 'up' : rise < 0 ? 'down' : 'flat'}`, `${num(t.items24h)} 条${rise > 0 ? ` ↑${num(rise)}` : rise < 0 ? ` ↓${num(-rise)}` : ''}`);
  count.title = `近24小时 ${t.items24h} 条，前24小时 ${t.itemsPrev24h} 条；累计 ${t.items} 条，涉警负面 ${t.policeNegative} 条`;
  li.append(level, title, el('span', 'ov-stage', t.stage || '—'), heat, count, sparkline(t, at));
  return li;
}

function renderTopics(b: Built, o: Overview): void {
  const topics = o.risingTopics.slice(0, ROWS.topics);
  b.panels.topics.note.textContent = o.risingTopics.length > ROWS.topics ? `前 ${ROWS.topics} 个` : '';
  if (!topics.length) {
    b.topicList.replaceChildren(el('li', 'ov-empty', '近24小时没有进行中的话题有新信息。话题由系统自动归并，有新的相关信息时会出现在这里。'));
    return;
  }
  b.topicList.replaceChildren(...topics.map((t) => topicRow(t, o.at)));
}

function renderPlaces(b: Built, o: Overview): void {
  b.panels.places.note.textContent = o.places.length > ROWS.places ? `前 ${ROWS.places} 个，共 ${o.places.length} 个` : '';
  const empty = o.places.length === 0;
  b.placesEmpty.hidden = !empty;
  b.placesChart.classList.toggle('ov-faded', empty);
  st.dirty.add('places');
}

function incidentRow(i: Incident, now: number): HTMLLIElement {
  const due = Date.parse(i.dueAt);
  const overdue = due < now;
  const li = el('li', `ov-row ov-incident${overdue ? ' overdue' : ''}`);
  li.dataset.incidentId = String(i.id);
  const title = can('incidents') ? el('a', 'ov-row-title', i.title) : el('span', 'ov-row-title', i.title);
  if (title instanceof HTMLAnchorElement) title.href = `#/incidents/${i.id}`;
  title.title = i.title;
  const clockText = overdue ? `已超时 ${duration(now - due)}` : `剩余 ${duration(due - now)}`;
  const when = el('span', `ov-due${overdue ? ' overdue' : ''}`, clockText);
  when.title = `回应时限：${beijing(i.dueAt)}（北京时间）`;
  li.append(levelBadge(i.level), title, el('span', `status status-${i.status}`, STATUS_LABELS[i.status as keyof typeof STATUS_LABELS] ?? i.status), when);
  return li;
}

function renderIncidents(b: Built, o: Overview): void {
  const inc = o.incidents;
  for (const k of Object.keys(STATUS_LABELS) as Array<keyof typeof STATUS_LABELS>) b.statusCounts[k].textContent = num(inc.byStatus[k]);
  b.overdueCount.textContent = inc.overdueCount ? `超时未回应 ${num(inc.overdueCount)} 件` : '没有超时未回应的事件';
  b.overdueCount.classList.toggle('alarm', inc.overdueCount > 0);
  if (!inc.awaiting.length) {
    b.incidentList.replaceChildren(el('li', 'ov-empty', '没有等待回应的事件。需要跟进处置的舆情，可在「预警」或「话题」中点「建立事件」登记。'));
    return;
  }
  // The server lists them by due time, so the overdue ones lead.
  const now = Date.parse(o.at);
  b.incidentList.replaceChildren(...inc.awaiting.slice(0, ROWS.incidents).map((i) => incidentRow(i, now)));
}

function renderSources(b: Built, o: Overview): void {
  b.panels.sources.note.textContent = o.failingCount ? `${num(o.failingCount)} 个故障` : '';
  b.panels.sources.root.classList.toggle('alarm', o.failingCount > 0);
  if (!o.failingSources.length) {
    b.sourceList.replaceChildren(el('li', 'ov-empty ov-ok', '所有启用的信息源运行正常。'));
    return;
  }
  const rows = o.failingSources.slice(0, ROWS.sources).map((s) => {
    const li = el('li', 'ov-row ov-source');
    const name = el('span', 'ov-row-title', s.name);
    name.title = s.name;
    const err = el('span', 'ov-source-error', s.lastError || '原因未知');
    err.title = s.lastError || '';
    li.append(name, el('span', 'ov-row-meta', `连续失败 ${s.consecutiveErrors} 次`), el('span', 'ov-row-time', s.lastErrorAt ? when(s.lastErrorAt, o.at) : '—'), err);
    return li;
  });
  if (o.failingCount > rows.length) rows.push(el('li', 'ov-more-rows', `另有 ${num(o.failingCount - rows.length)} 个故障信息源${can('sources') ? '，见「信息源」' : ''}`));
  b.sourceList.replaceChildren(...rows);
}

function render(): void {
  const b = st.built;
  const o = st.data;
  if (!b || !o) return;
  renderKpis(b, o);
  renderTrend(b, o);
  renderAlerts(b, o);
  renderTopics(b, o);
  renderPlaces(b, o);
  renderIncidents(b, o);
  renderSources(b, o);
  renderStatus();
  drawCharts();
}

/** The status line: how fresh the figures are and whether they arrive live, or what went wrong. */
function renderStatus(): void {
  const b = st.built;
  if (!b) return;
  const o = st.data;
  b.status.className = `ov-status ${st.problem ? 'down' : st.link}`;
  if (st.problem) {
    b.status.textContent = st.problem;
    return;
  }
  const at = o ? `数据更新于 ${beijing(o.at).slice(11)}` : '正在读取态势数据…';
  // Measured on this machine's clock from the arrival, so a machine whose clock is off does not cry stale.
  const age = o && st.receivedAt ? Date.now() - st.receivedAt : 0;
  if (o && age > STALE_MS) {
    b.status.className = 'ov-status down';
    b.status.textContent = `${at}（已 ${duration(age)} 未更新，正在重连）`;
    return;
  }
  b.status.textContent = `${at} · ${st.link === 'live' ? '实时' : st.link === 'down' ? '连接中断，正在重连' : '连接中…'}`;
}

// --- the live stream ---

function authMessage(data: string): string {
  try {
    const m: unknown = (JSON.parse(data) as { message?: unknown }).message;
    if (typeof m === 'string' && /[\u4e00-\u9fff]/.test(m)) return m;
  } catch {
    // the usual text
  }
  return '登录已失效，请重新登录';
}

function openStream(): void {
  closeStream();
  const es = new EventSource('/api/overview/stream');
  st.es = es;
  st.link = 'connecting';
  renderStatus();
  es.addEventListener('overview', (ev: MessageEvent<string>) => {
    if (es !== st.es) return;
    let data: Overview | null = null;
    try {
      data = (JSON.parse(ev.data) as { overview?: Overview }).overview ?? null;
    } catch {
      data = null;
    }
    if (!data) return;
    st.data = data;
    st.receivedAt = Date.now();
    // A wall screen's clock must be right: a machine more than a minute off shows the server's time
    // (the overview's instant is at most seconds old when it arrives).
    const skew = Date.parse(data.at) - st.receivedAt;
    st.skew = Math.abs(skew) > 60_000 ? skew : 0;
    st.link = 'live';
    st.problem = null;
    render();
  });
  // The credential this stream was opened with is gone: the session handler decides (the screen
  // exchanges its token; the normal page goes back to the login form).
  es.addEventListener('auth', (ev: MessageEvent<string>) => {
    if (es !== st.es) return;
    closeStream();
    session.onExpired(authMessage(ev.data));
  });
  es.addEventListener('error', () => {
    if (es !== st.es) return;
    if (es.readyState === EventSource.CONNECTING) {
      st.link = 'down';
      renderStatus();
      return;
    }
    // Refused (not a dropped connection, which EventSource retries itself): ask the API why.
    closeStream();
    st.link = 'down';
    renderStatus();
    st.retryTimer = window.setTimeout(() => void recover(), RETRY_MS);
  });
}

function closeStream(): void {
  if (st.retryTimer !== null) clearTimeout(st.retryTimer);
  st.retryTimer = null;
  st.es?.close();
  st.es = null;
}

/** After a refused stream: the plain request says why in Chinese (and gives the figures meanwhile). */
async function recover(): Promise<void> {
  st.retryTimer = null;
  if (!st.shown || !session.me) return;
  const r = await api<{ overview: Overview }>('GET', '/api/overview');
  if (!st.shown || !session.me) return;
  if (r.status === 401) return; // api() has told the session handler
  if (r.status === 200) {
    st.data = r.data.overview;
    st.receivedAt = Date.now();
    st.problem = null;
    render();
    openStream();
    return;
  }
  st.problem = `${errorText(r, '态势数据加载失败')}（稍后自动重试）`;
  renderStatus();
  st.retryTimer = window.setTimeout(() => void recover(), RETRY_MS * 3);
}

/** Both live streams on the current session: ours, and the alert list's (the navigation count, the tone). */
function restartStreams(): void {
  if (st.shown) openStream();
  if (can('alerts')) alerts.start();
}

// --- the screen mode's session: the token first, the login form only when it is no longer valid ---

function guardSession(): void {
  if (st.passOn) return;
  st.passOn = session.onExpired;
  session.onExpired = (message) => void sessionLost(message);
}

function unguardSession(): void {
  if (!st.passOn) return;
  session.onExpired = st.passOn;
  st.passOn = null;
}

async function sessionLost(message: string): Promise<void> {
  const passOn = st.passOn;
  // Several things notice at once (both streams, a request): one exchange serves them all.
  if (st.renewing) return;
  const token = storedToken();
  if (!token || !passOn) {
    unguardSession();
    (passOn ?? session.onExpired)(message);
    return;
  }
  st.renewing = true;
  closeStream();
  st.problem = '登录已过期，正在使用大屏令牌重新登录…';
  renderStatus();
  let r;
  try {
    r = await exchange(token);
  } finally {
    st.renewing = false;
  }
  if (r.kind === 'ok') {
    if (session.me && r.user.id !== session.me.id) return location.reload();
    st.problem = null;
    restartStreams();
    return;
  }
  if (r.kind === 'invalid') {
    storeToken(null);
    unguardSession();
    passOn(TOKEN_GONE);
    return;
  }
  // The server cannot be asked now (restarting, network): keep the screen and the figures, try again.
  st.problem = `${r.message}（大屏将自动重试）`;
  renderStatus();
  st.retryTimer = window.setTimeout(() => void sessionLost(message), 15_000);
}

// --- the screen mode ---

function renderTokenHint(): void {
  const b = st.built;
  if (!b) return;
  const has = storedToken() !== null;
  b.tokenHint.hidden = !st.screen || has;
  b.tokenHint.textContent = has ? '' : '本机未设置大屏令牌：登录过期后大屏会回到登录页。点「设置大屏令牌」输入管理员提供的令牌，可保持大屏持续运行。';
  b.tokenButton.textContent = has ? '更换大屏令牌' : '设置大屏令牌';
}

function openTokenForm(): void {
  const b = st.built;
  if (!b) return;
  b.tokenForm.hidden = false;
  setPaused(true);
  const error = b.tokenForm.querySelector<HTMLElement>('.error');
  if (error) showError(error, null);
  b.tokenForm.querySelector<HTMLInputElement>('input')?.focus();
}

function closeTokenForm(): void {
  const b = st.built;
  if (!b || b.tokenForm.hidden) return;
  b.tokenForm.hidden = true;
  const field = b.tokenForm.querySelector<HTMLInputElement>('input');
  if (field) field.value = '';
  b.tokenButton.focus();
}

function showPage(i: number): void {
  const b = st.built;
  if (!b) return;
  st.page = ((i % PAGES.length) + PAGES.length) % PAGES.length;
  const on = new Set(st.screen ? (PAGES[st.page]?.panels ?? []) : (Object.keys(b.panels) as PanelName[]));
  for (const [name, p] of Object.entries(b.panels) as Array<[PanelName, Panel]>) p.root.hidden = !on.has(name);
  b.pageButtons.forEach((btn, k) => {
    btn.classList.toggle('active', k === st.page);
    if (k === st.page) btn.setAttribute('aria-current', 'true');
    else btn.removeAttribute('aria-current');
  });
  // A chart on a page that was hidden is drawn once its box has a size.
  st.dirty.add('trend').add('places');
  requestAnimationFrame(drawCharts);
}

function setPaused(paused: boolean): void {
  st.paused = paused;
  const b = st.built;
  if (b) {
    b.pause.textContent = paused ? '继续轮播' : '暂停轮播';
    b.pause.setAttribute('aria-pressed', String(paused));
    b.pager.classList.toggle('paused', paused);
  }
  restartRotation();
}

function restartRotation(): void {
  if (st.rotateTimer !== null) clearInterval(st.rotateTimer);
  st.rotateTimer = null;
  if (!st.screen || st.paused || !st.shown) return;
  st.rotateTimer = window.setInterval(() => showPage(st.page + 1), ROTATE_MS);
}

function tickClock(): void {
  const b = st.built;
  if (!b) return;
  // An open stream that has brought nothing for minutes (a proxy holding it, a stuck server) is
  // opened again — at most once per STALE_MS, as the server sends at least every minute.
  const now = Date.now();
  if (st.es && st.receivedAt && now - st.receivedAt > STALE_MS && now - st.reopenedAt > STALE_MS) {
    st.reopenedAt = now;
    openStream();
  }
  b.clock.textContent = st.screen ? `北京时间 ${beijing(new Date(Date.now() + st.skew))}` : '';
  renderStatus();
}

function toggleFullscreen(): void {
  if (document.fullscreenElement) void document.exitFullscreen().catch(() => undefined);
  else void document.documentElement.requestFullscreen().catch(() => showProblemBriefly('浏览器未允许全屏，可按 F11 进入全屏'));
}

function showProblemBriefly(text: string): void {
  st.problem = text;
  renderStatus();
  window.setTimeout(() => {
    if (st.problem === text) {
      st.problem = null;
      renderStatus();
    }
  }, 5000);
}

function onFullscreenChange(): void {
  const b = st.built;
  if (b) b.fullscreen.textContent = document.fullscreenElement ? '退出全屏' : '全屏';
}

function setScreen(on: boolean): void {
  const b = st.built;
  if (!b) return;
  const changed = st.screen !== on;
  st.screen = on;
  document.body.classList.toggle('screen', on);
  b.root.classList.toggle('screen-mode', on);
  b.normalActions.hidden = on;
  b.screenActions.hidden = !on;
  b.pager.hidden = !on;
  if (!on) {
    b.tokenForm.hidden = true;
    if (document.fullscreenElement) void document.exitFullscreen().catch(() => undefined);
    unguardSession();
  } else guardSession();
  renderTokenHint();
  if (st.clockTimer !== null) clearInterval(st.clockTimer);
  // The clock ticks every second on the screen; the normal page only re-checks freshness.
  st.clockTimer = window.setInterval(tickClock, on ? 1000 : 15_000);
  tickClock();
  showPage(on && changed ? 0 : st.page);
  restartRotation();
  // Every figure again: charts take the dark or light look when drawn, list sizes change with the mode.
  if (changed) render();
}

function onKey(ev: KeyboardEvent): void {
  if (!st.shown || !st.screen || ev.altKey || ev.ctrlKey || ev.metaKey) return;
  const b = st.built;
  const inForm = b !== null && !b.tokenForm.hidden && b.tokenForm.contains(document.activeElement);
  if (ev.key === 'Escape') {
    ev.preventDefault();
    if (b && !b.tokenForm.hidden) closeTokenForm();
    else location.hash = '#/overview';
    return;
  }
  if (inForm) return;
  if (ev.key === 'ArrowRight' || ev.key === 'PageDown') {
    ev.preventDefault();
    showPage(st.page + 1);
    restartRotation();
  } else if (ev.key === 'ArrowLeft' || ev.key === 'PageUp') {
    ev.preventDefault();
    showPage(st.page - 1);
    restartRotation();
  }
}

document.addEventListener('keydown', onKey);
document.addEventListener('fullscreenchange', onFullscreenChange);
// The screen's token login beside the login form (overview-screen.ts), after app.ts has shown it.
window.setTimeout(watchLogin, 0);

// --- the view's entry points (app.ts) ---

/** Shows the overview; `sub` 'screen' is the duty-room screen mode. */
export function show(sub: string | null): void {
  st.built ??= build();
  st.shown = true;
  signedIn();
  setScreen(sub === 'screen');
  if (st.data) render();
  if (!st.es && st.retryTimer === null && !st.renewing) openStream();
}

/** Left the view: the stream, the timers and the screen's look end here (the data stays for a quick return). */
export function hide(): void {
  st.shown = false;
  closeStream();
  if (st.rotateTimer !== null) clearInterval(st.rotateTimer);
  if (st.clockTimer !== null) clearInterval(st.clockTimer);
  st.rotateTimer = null;
  st.clockTimer = null;
  if (st.built) setScreenOff();
  unguardSession();
}

function setScreenOff(): void {
  st.screen = false;
  document.body.classList.remove('screen');
  st.built?.root.classList.remove('screen-mode');
  if (document.fullscreenElement) void document.exitFullscreen().catch(() => undefined);
  if (st.clockTimer !== null) clearInterval(st.clockTimer);
  st.clockTimer = null;
}

/** Signed out: forget everything (the next user builds the view afresh). */
export function reset(): void {
  hide();
  const root = document.getElementById('overview-view');
  if (root) {
    disposeChartsIn(root);
    root.replaceChildren();
  }
  st.built = null;
  st.data = null;
  st.problem = null;
  st.link = 'connecting';
  st.page = 0;
  st.paused = false;
  st.dirty.clear();
  st.receivedAt = 0;
  st.skew = 0;
  // Back at the login form on the screen's address: its token form (and a stored token's login).
  if (isScreenHash()) window.setTimeout(() => void bootScreen(), 0);
}
