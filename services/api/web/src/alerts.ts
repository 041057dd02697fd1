// 预警: the duty officer's live list. Firing and acknowledged alerts newest first, new ones live
// over Server-Sent Events with a short tone and a title flash, acknowledge with one click; and on
// each alert 「建立事件」 (open an incident from it), 「调整级别」 (a manual level with a reason) and
// 「静默」 (hold back its notifications for a while: silence-form.ts).
// The stream stays open whichever view is shown, so the tone and the count in the navigation work
// everywhere.
import './alerts.css';
import type { AdminAlert, AlertEvent as ServerAlertEvent, AlertEventType, AlertState, Incident } from '@yuqing/db';
import { $, api, beijing, button, can, el, errorText, field, input, LEVEL_LABELS, LEVELS, levelBadge, select, session, showError } from './core';
import { openSilenceDialog } from './silence-form';
import type { Wire } from './wire';

/** An alert as the routes send it (alertOut in routes/alerts.ts: the stored one without its dedup key and audience). */
type Alert = Wire<Omit<AdminAlert, 'dedupKey' | 'audienceRoles'>>;
/** One of its events (alertEventOut: without the audience). */
type AlertEvent = Wire<Omit<ServerAlertEvent, 'audienceRoles'>>;
/** GET /api/alerts/:id */
interface AlertDetail {
  alert: Alert;
  events: AlertEvent[];
}
/** POST /api/alerts/:id/acknowledge, PATCH /api/alerts/:id/level */
interface AlertAction {
  alert: Alert;
  changed: boolean;
  event: AlertEvent | null;
}

/** What the list keeps per alert: the alert and what is read from its events. */
interface Entry {
  alert: Alert;
  /** 上升 ↑ / 回落 ↓ / 平稳 →, or '' before the events are read. */
  trend: string;
  ackName: string;
  /** Who last set the level by hand. */
  levelBy: string;
  /** The incident an overdue-incident alert is about. */
  incidentId: number | null;
}

const STATE_LABELS: Record<AlertState, string> = { firing: '未确认', acknowledged: '已确认', resolved: '已解除' };
const EVENT_TYPES: readonly AlertEventType[] = ['firing', 'escalated', 'reopened', 'updated', 'acknowledged', 'resolved'];
const NEWS: ReadonlySet<AlertEventType> = new Set(['firing', 'escalated', 'reopened']);
const FLASH_PREFIX = '【新预警】';
/** What the login form says after the stream's `auth` event when it carries no message of its own. */
const LOGIN_GONE = '登录已失效，请重新登录';
const BASE_TITLE = document.title;

/** State of the live list. */
const s: {
  alerts: Map<number, Entry>;
  fresh: Set<number>;
  /** alert id → its open 「调整级别」 form (kept across redraws so typing is not lost) */
  levelForms: Map<number, HTMLFormElement>;
  es: EventSource | null;
  lastEventId: string | null;
  reopenTimer: number | null;
  listLoaded: boolean;
  audio: AudioContext | null;
  flashTimer: number | null;
} = {
  alerts: new Map(),
  fresh: new Set(),
  levelForms: new Map(),
  es: null,
  lastEventId: null,
  reopenTimer: null,
  listLoaded: false,
  audio: null,
  flashTimer: null,
};

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

// --- sound: a short two-tone chime made with the Web Audio API (no audio file) ---
export function enableAudio(): void {
  // Older Safari and WebKit-based browsers only have the prefixed constructor.
  const Ctx = window.AudioContext ?? (window as Window & { webkitAudioContext?: typeof AudioContext }).webkitAudioContext;
  if (!Ctx) return;
  if (!s.audio) s.audio = new Ctx();
  if (s.audio.state === 'suspended') s.audio.resume().catch(() => undefined);
  $('sound-hint').hidden = true;
}
function chime(): void {
  const ctx = s.audio;
  if (!ctx || ctx.state !== 'running') return;
  const t0 = ctx.currentTime;
  [880, 660].forEach((freq, i) => {
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.type = 'sine';
    osc.frequency.value = freq;
    const start = t0 + i * 0.18;
    gain.gain.setValueAtTime(0.0001, start);
    gain.gain.exponentialRampToValueAtTime(0.25, start + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.16);
    osc.connect(gain).connect(ctx.destination);
    osc.start(start);
    osc.stop(start + 0.17);
  });
}
for (const type of ['pointerdown', 'keydown']) document.addEventListener(type, enableAudio, { passive: true });

// --- title flash while the tab is hidden ---
function flashTitle(): void {
  if (!document.hidden || s.flashTimer) return;
  let on = false;
  s.flashTimer = window.setInterval(() => {
    on = !on;
    document.title = on ? FLASH_PREFIX + BASE_TITLE : BASE_TITLE;
  }, 1000);
  document.title = FLASH_PREFIX + BASE_TITLE;
}
export function stopFlash(): void {
  if (s.flashTimer) clearInterval(s.flashTimer);
  s.flashTimer = null;
  document.title = BASE_TITLE;
}
document.addEventListener('visibilitychange', () => {
  if (!document.hidden) stopFlash();
});

// --- the list ---
function trendOf(events: AlertEvent[]): string {
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i];
    if (!e) continue;
    const ind = e.payload.indicators;
    if (isRecord(ind) && typeof ind.rate1h === 'number' && typeof ind.ratePrev1h === 'number') {
      if (ind.rate1h > ind.ratePrev1h) return '上升 ↑';
      if (ind.rate1h < ind.ratePrev1h) return '回落 ↓';
      return '平稳 →';
    }
    if (e.type === 'escalated') return '上升 ↑';
  }
  return '';
}
function ackNameOf(alert: Alert, events: AlertEvent[]): string {
  if (alert.acknowledgedBy === null) return '';
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i];
    const byName = e?.payload.byName;
    if (e?.type === 'acknowledged' && typeof byName === 'string') return byName;
  }
  const me = session.me;
  if (me && alert.acknowledgedBy === me.id) return me.displayName || me.name;
  return `用户 #${alert.acknowledgedBy}`;
}

function upsert(alert: Alert, events: AlertEvent[] | null, extra?: { ackName?: string; levelBy?: string }): void {
  const prev = s.alerts.get(alert.id);
  if (alert.state === 'resolved') {
    s.alerts.delete(alert.id);
    s.levelForms.delete(alert.id);
    return;
  }
  const entry: Entry = { alert, trend: prev ? prev.trend : '', ackName: prev ? prev.ackName : '', levelBy: prev ? prev.levelBy : '', incidentId: prev ? prev.incidentId : null };
  if (events) {
    entry.trend = trendOf(events) || entry.trend;
    entry.ackName = ackNameOf(alert, events);
    entry.levelBy = levelByOf(events);
    entry.incidentId = incidentOf(events) ?? entry.incidentId;
  }
  if (extra?.ackName) entry.ackName = extra.ackName;
  if (extra?.levelBy) entry.levelBy = extra.levelBy;
  if (alert.state !== 'acknowledged') entry.ackName = '';
  s.alerts.set(alert.id, entry);
}

/** The incident an overdue-incident alert is about (its events carry the id). */
function incidentOf(events: AlertEvent[]): number | null {
  for (const e of events) {
    const id = e.payload.incidentId;
    if (typeof id === 'number' && Number.isInteger(id)) return id;
  }
  return null;
}

/** Who last set the level by hand, from the events (the route stores the name with the event). */
function levelByOf(events: AlertEvent[]): string {
  for (let i = events.length - 1; i >= 0; i--) {
    const p = events[i]?.payload;
    if (p && p.manual === true && typeof p.byName === 'string') return p.byName;
  }
  return '';
}

/** The note under the title while a level set by hand stands: who, when, why. */
function manualLevelNote(a: Alert, levelBy: string): string {
  if (!a.manualLevel) return '';
  const meta = [levelBy, beijing(a.levelChangedAt)].filter(Boolean).join(' ');
  return `人工定级：${LEVEL_LABELS[a.manualLevel] || a.manualLevel}${meta ? `（${meta}）` : ''}${a.levelChangeReason ? `，理由：${a.levelChangeReason}` : ''}`;
}

export function render(): void {
  const body = $('alerts-body');
  const entries = [...s.alerts.values()].sort((a, b) => b.alert.id - a.alert.id);
  const rows = entries.map(({ alert: a, trend, ackName, levelBy, incidentId: fromEvents }) => {
    const tr = el('tr', `level-${a.level}${s.fresh.has(a.id) ? ' fresh' : ''}`);
    tr.dataset.alertId = String(a.id);
    tr.dataset.state = a.state;

    const level = el('td');
    level.append(levelBadge(a.level));
    const topic = el('td');
    topic.append(el('div', 'title', a.title));
    const sub = [a.ruleName ? `规则：${a.ruleName}` : '', a.summary].filter(Boolean).join(' · ');
    if (sub) topic.append(el('div', 'summary', sub));
    const manual = manualLevelNote(a, levelBy);
    if (manual) topic.append(el('div', 'summary manual-level', manual));
    const form = s.levelForms.get(a.id);
    if (form) topic.append(form);
    const heat = el('td', 'heat', `${a.heat === null ? '—' : Math.round(a.heat * 10) / 10}${trend ? ` · ${trend}` : ''}`);
    const time = el('td', 'time', beijing(a.createdAt));
    if (a.updatedAt && a.updatedAt !== a.createdAt) time.append(el('div', 'summary', `更新 ${beijing(a.updatedAt)}`));
    const state = el('td', `state state-${a.state}`, STATE_LABELS[a.state] || a.state);
    if (a.state === 'acknowledged') {
      state.append(el('div', 'summary who-acked', `${ackName || ''}${a.acknowledgedAt ? ` · ${beijing(a.acknowledgedAt)}` : ''}`));
    }
    const action = el('td', 'actions');
    if (a.state === 'firing' && can('acknowledge')) {
      const btn = button('确认', 'ack');
      btn.addEventListener('click', () => void acknowledge(a.id, btn));
      action.append(btn);
    }
    // An incident is opened from an opinion alert (a topic); an overdue incident's alert leads to
    // its incident; a source's health is not an incident.
    if (a.kind === 'topic' && can('createIncident')) {
      const btn = button('建立事件', 'secondary make-incident');
      btn.addEventListener('click', () => void createIncident(a.id, btn));
      action.append(btn);
    }
    // The alert carries its incident (alertOut.incidentId) from the first list load on; the events
    // only told it once they had been read, so the link used to appear a moment late.
    const incidentId = a.incidentId ?? fromEvents;
    if (a.kind === 'incident' && incidentId && can('incidents')) {
      const link = el('a', 'button-link open-incident', '查看事件');
      link.href = `#/incidents/${incidentId}`;
      action.append(link);
    }
    if (can('adjustAlertLevel') && !form) action.append(button('调整级别', 'secondary adjust-level', () => openLevelForm(a)));
    if (can('silence')) {
      const btn = button('静默', 'secondary silence', () => void silence(a.id));
      // The dialog says the rest; the button only what it will not do (the alert itself stays).
      btn.title = '暂停此类预警的通知推送（预警仍会记录和显示）';
      action.append(btn);
    }
    tr.append(level, topic, heat, time, state, action);
    return tr;
  });
  body.replaceChildren(...rows);
  const firing = String(entries.filter((e) => e.alert.state === 'firing').length);
  $('count').textContent = firing;
  $('nav-count').textContent = firing;
  $('nav-count').hidden = firing === '0';
  $('empty').hidden = entries.length > 0 || !s.listLoaded;
}

function alertsError(message: string): void {
  showError($('alerts-error'), message);
}

async function loadAlerts(): Promise<void> {
  const r = await api<{ alerts: Alert[]; nextCursor: number | null }>('GET', '/api/alerts?limit=100');
  if (r.status === 401) return;
  if (r.status !== 200) return alertsError(errorText(r, '预警列表加载失败'));
  alertsError('');
  for (const a of r.data.alerts) upsert(a, null);
  s.listLoaded = true;
  render();
  // Trend and who acknowledged come from each alert's events: a few requests at a time.
  const ids = r.data.alerts.map((a) => a.id);
  const worker = async (): Promise<void> => {
    while (session.me) {
      const id = ids.shift();
      if (id === undefined) return;
      await refresh(id, false);
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
}

/** Re-reads one alert (after a stream event or for its details) and redraws. */
async function refresh(id: number, announce: boolean): Promise<void> {
  const r = await api<AlertDetail>('GET', `/api/alerts/${id}`);
  if (r.status === 404) {
    s.alerts.delete(id);
    render();
    return;
  }
  if (r.status !== 200) return;
  const isNew = !s.alerts.has(id);
  upsert(r.data.alert, r.data.events);
  if (announce && r.data.alert.state === 'firing') {
    if (isNew) {
      s.fresh.add(id);
      setTimeout(() => s.fresh.delete(id), 3000);
    }
    chime();
    flashTitle();
  }
  render();
}

async function acknowledge(id: number, btn: HTMLButtonElement): Promise<void> {
  btn.disabled = true;
  btn.textContent = '确认中…';
  const r = await api<AlertAction>('POST', `/api/alerts/${id}/acknowledge`);
  if (r.status === 401) return;
  if (r.status !== 200) {
    btn.disabled = false;
    btn.textContent = '确认';
    return alertsError(errorText(r, '确认失败'));
  }
  alertsError('');
  const byName = r.data.event?.payload.byName;
  upsert(r.data.alert, null, { ackName: typeof byName === 'string' ? byName : ackNameOf(r.data.alert, []) });
  render();
}

/** 「建立事件」: an incident from this alert, then its page. */
async function createIncident(id: number, btn: HTMLButtonElement): Promise<void> {
  btn.disabled = true;
  btn.textContent = '建立中…';
  // POST /api/incidents answers 201 with the incident itself (incidentDetailOut).
  const r = await api<Wire<Pick<Incident, 'id'>>>('POST', '/api/incidents', { alertIds: [id] });
  btn.disabled = false;
  btn.textContent = '建立事件';
  if (r.status === 401) return;
  if (r.status !== 201 && r.status !== 200) return alertsError(errorText(r, '建立事件失败'));
  alertsError('');
  location.hash = `#/incidents/${r.data.id}`;
}

/**
 * 「静默」: the silence dialog for this alert (silence-form.ts). The list is redrawn while the dialog
 * is open (live events), so focus goes back to this alert's button, not to one that was replaced.
 */
async function silence(id: number): Promise<void> {
  try {
    await openSilenceDialog(id);
  } catch {
    alertsError('静默设置失败，请稍后重试');
    return;
  }
  const again = $('alerts-body').querySelector<HTMLButtonElement>(`tr[data-alert-id="${id}"] button.silence`);
  if (again && (document.activeElement === null || document.activeElement === document.body)) again.focus();
}

/** 「调整级别」: an inline form under the alert's title (level and a required reason). */
function openLevelForm(a: Alert): void {
  const form = el('form', 'inline-form level-form');
  const level = select(
    LEVELS.map((l) => [l, LEVEL_LABELS[l] ?? l] as const),
    a.level,
  );
  level.name = 'level';
  const reason = input('text', '', { name: 'reason', required: '', maxlength: '500', placeholder: '调整理由（必填）' });
  const err = el('p', 'error');
  err.setAttribute('role', 'alert');
  err.hidden = true;
  const save = el('button', null, '保存');
  save.type = 'submit';
  const cancel = button('取消', 'secondary', () => {
    s.levelForms.delete(a.id);
    render();
  });
  form.append(field('新级别', level), field('理由', reason), save, cancel, err);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!reason.value.trim()) return showError(err, '请填写调整理由');
    save.disabled = true;
    const r = await api<AlertAction>('PATCH', `/api/alerts/${a.id}/level`, { level: level.value, reason: reason.value.trim() });
    save.disabled = false;
    if (r.status === 401) return;
    if (r.status !== 200) return showError(err, errorText(r, '调整级别失败'));
    s.levelForms.delete(a.id);
    const byName = r.data.event?.payload.byName;
    upsert(r.data.alert, null, { levelBy: typeof byName === 'string' ? byName : '' });
    render();
  });
  s.levelForms.set(a.id, form);
  render();
  reason.focus();
}

// --- the live stream ---
function setStreamState(text: string, cls: string): void {
  const e = $('stream-state');
  e.textContent = text;
  e.className = `stream ${cls}`;
}

/** Opens the stream (the list is read once it is open, so nothing falls between the two). */
export function start(): void {
  $('sound-hint').hidden = Boolean(s.audio && s.audio.state === 'running');
  render();
  openStream();
}

/** The alert id a stream event names (`{"alertId": 12, …}`), or null when it names none. */
function alertIdOf(data: string): number | null {
  try {
    const parsed: unknown = JSON.parse(data);
    const id = isRecord(parsed) ? parsed.alertId : null;
    return typeof id === 'number' && Number.isInteger(id) && id > 0 ? id : null;
  } catch {
    return null;
  }
}

function openStream(): void {
  closeStream();
  // A new EventSource resumes with ?lastEventId=; an EventSource reconnecting by itself sends
  // the Last-Event-ID header.
  const url = s.lastEventId ? `/api/alerts/stream?lastEventId=${encodeURIComponent(s.lastEventId)}` : '/api/alerts/stream';
  const es = new EventSource(url);
  s.es = es;
  setStreamState('连接中…', '');
  es.addEventListener('open', () => {
    setStreamState('实时', 'live');
    if (!s.listLoaded) loadAlerts().catch(() => undefined);
  });
  for (const type of EVENT_TYPES) {
    es.addEventListener(type, (ev: MessageEvent<string>) => {
      if (ev.lastEventId) s.lastEventId = ev.lastEventId;
      // An event without an alert id would only ask for /api/alerts/undefined.
      const id = alertIdOf(ev.data);
      if (id !== null) refresh(id, NEWS.has(type)).catch(() => undefined);
    });
  }
  // The server ends the stream this way when the login is no longer valid (token revoked, user
  // disabled, session logged out or run out): back to the login form with its message, rather
  // than reconnecting to be refused.
  es.addEventListener('auth', (ev: MessageEvent<string>) => {
    if (es !== s.es) return;
    closeStream();
    session.onExpired(authEndMessage(ev.data));
  });
  es.addEventListener('error', () => {
    if (es !== s.es) return;
    if (es.readyState === EventSource.CONNECTING) {
      setStreamState('重连中…', 'down');
      return;
    }
    // Closed for good (an error answer rather than a dropped connection): check the session,
    // then open a new stream from the last event seen.
    setStreamState('已断开，稍后重连', 'down');
    es.close();
    s.reopenTimer = window.setTimeout(async () => {
      s.reopenTimer = null;
      const me = await api('GET', '/api/auth/me');
      if (me.status === 401) return session.onExpired('登录已过期，请重新登录');
      // No event seen yet: a new stream would start at the log's end, so read the list again
      // for whatever happened while this one was down.
      if (!s.lastEventId) s.listLoaded = false;
      if (session.me) openStream();
    }, 3000);
  });
}

/** The message of the stream's last `auth` event: the server's own (Chinese) text, else the usual one. */
function authEndMessage(data: string): string {
  try {
    const parsed: unknown = JSON.parse(data);
    const m = isRecord(parsed) ? parsed.message : null;
    if (typeof m === 'string' && /[\u4e00-\u9fff]/.test(m)) return m;
  } catch {
    // unreadable: the usual text
  }
  return LOGIN_GONE;
}

function closeStream(): void {
  if (s.reopenTimer) clearTimeout(s.reopenTimer);
  s.reopenTimer = null;
  if (s.es) s.es.close();
  s.es = null;
}

/** Logged out: close the stream and forget the list. */
export function stop(): void {
  closeStream();
  stopFlash();
  s.alerts.clear();
  s.levelForms.clear();
  s.listLoaded = false;
  s.lastEventId = null;
}
