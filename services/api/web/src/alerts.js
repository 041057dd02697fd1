// 预警: the duty officer's live list. Firing and acknowledged alerts newest first, new ones live
// over Server-Sent Events with a short tone and a title flash, acknowledge with one click; and on
// each alert 「建立事件」 (open an incident from it) and 「调整级别」 (a manual level with a reason).
// The stream stays open whichever view is shown, so the tone and the count in the navigation work
// everywhere.
import { $, api, beijing, button, can, el, errorText, field, input, LEVEL_LABELS, LEVELS, levelBadge, select, session, showError } from './core.js';

const STATE_LABELS = { firing: '未确认', acknowledged: '已确认', resolved: '已解除' };
const EVENT_TYPES = ['firing', 'escalated', 'reopened', 'updated', 'acknowledged', 'resolved'];
const NEWS = new Set(['firing', 'escalated', 'reopened']);
const FLASH_PREFIX = '【新预警】';
/** What the login form says after the stream's `auth` event when it carries no message of its own. */
const LOGIN_GONE = '登录已失效，请重新登录';
const BASE_TITLE = document.title;

/** State of the live list. */
const s = {
  /** alert id → { alert, trend, ackName } */
  alerts: new Map(),
  fresh: new Set(),
  /** alert id → its open 「调整级别」 form (kept across redraws so typing is not lost) */
  levelForms: new Map(),
  es: null,
  lastEventId: null,
  reopenTimer: null,
  listLoaded: false,
  audio: null,
  flashTimer: null,
};

// --- sound: a short two-tone chime made with the Web Audio API (no audio file) ---
export function enableAudio() {
  const Ctx = window.AudioContext || window.webkitAudioContext;
  if (!Ctx) return;
  if (!s.audio) s.audio = new Ctx();
  if (s.audio.state === 'suspended') s.audio.resume().catch(() => undefined);
  $('sound-hint').hidden = true;
}
function chime() {
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
function flashTitle() {
  if (!document.hidden || s.flashTimer) return;
  let on = false;
  s.flashTimer = setInterval(() => {
    on = !on;
    document.title = on ? FLASH_PREFIX + BASE_TITLE : BASE_TITLE;
  }, 1000);
  document.title = FLASH_PREFIX + BASE_TITLE;
}
export function stopFlash() {
  if (s.flashTimer) clearInterval(s.flashTimer);
  s.flashTimer = null;
  document.title = BASE_TITLE;
}
document.addEventListener('visibilitychange', () => {
  if (!document.hidden) stopFlash();
});

// --- the list ---
function trendOf(events) {
  for (let i = events.length - 1; i >= 0; i--) {
    const ind = events[i].payload && events[i].payload.indicators;
    if (ind && typeof ind.rate1h === 'number' && typeof ind.ratePrev1h === 'number') {
      if (ind.rate1h > ind.ratePrev1h) return '上升 ↑';
      if (ind.rate1h < ind.ratePrev1h) return '回落 ↓';
      return '平稳 →';
    }
    if (events[i].type === 'escalated') return '上升 ↑';
  }
  return '';
}
function ackNameOf(alert, events) {
  if (alert.acknowledgedBy === null) return '';
  for (let i = events.length - 1; i >= 0; i--) {
    const p = events[i].payload;
    if (events[i].type === 'acknowledged' && p && typeof p.byName === 'string') return p.byName;
  }
  const me = session.me;
  if (me && alert.acknowledgedBy === me.id) return me.displayName || me.name;
  return `用户 #${alert.acknowledgedBy}`;
}

function upsert(alert, events, extra) {
  const prev = s.alerts.get(alert.id);
  if (alert.state === 'resolved') {
    s.alerts.delete(alert.id);
    s.levelForms.delete(alert.id);
    return;
  }
  const entry = { alert, trend: prev ? prev.trend : '', ackName: prev ? prev.ackName : '', levelBy: prev ? prev.levelBy : '', incidentId: prev ? prev.incidentId : null };
  if (events) {
    entry.trend = trendOf(events) || entry.trend;
    entry.ackName = ackNameOf(alert, events);
    entry.levelBy = levelByOf(events);
    entry.incidentId = incidentOf(events) ?? entry.incidentId;
  }
  if (extra && extra.ackName) entry.ackName = extra.ackName;
  if (extra && extra.levelBy) entry.levelBy = extra.levelBy;
  if (alert.state !== 'acknowledged') entry.ackName = '';
  s.alerts.set(alert.id, entry);
}

/** The incident an overdue-incident alert is about (its events carry the id). */
function incidentOf(events) {
  for (const e of events) if (e.payload && Number.isInteger(e.payload.incidentId)) return e.payload.incidentId;
  return null;
}

/** Who last set the level by hand, from the events (the route stores the name with the event). */
function levelByOf(events) {
  for (let i = events.length - 1; i >= 0; i--) {
    const p = events[i].payload;
    if (p && p.manual === true && typeof p.byName === 'string') return p.byName;
  }
  return '';
}

/** The note under the title while a level set by hand stands: who, when, why. */
function manualLevelNote(a, levelBy) {
  if (!a.manualLevel) return '';
  const meta = [levelBy, beijing(a.levelChangedAt)].filter(Boolean).join(' ');
  return `人工定级：${LEVEL_LABELS[a.manualLevel] || a.manualLevel}${meta ? `（${meta}）` : ''}${a.levelChangeReason ? `，理由：${a.levelChangeReason}` : ''}`;
}

export function render() {
  const body = $('alerts-body');
  const entries = [...s.alerts.values()].sort((a, b) => b.alert.id - a.alert.id);
  const rows = entries.map(({ alert: a, trend, ackName, levelBy, incidentId }) => {
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
      btn.addEventListener('click', () => acknowledge(a.id, btn));
      action.append(btn);
    }
    // An incident is opened from an opinion alert (a topic); an overdue incident's alert leads to
    // its incident; a source's health is not an incident.
    if (a.kind === 'topic' && can('createIncident')) {
      const btn = button('建立事件', 'secondary make-incident');
      btn.addEventListener('click', () => createIncident(a.id, btn));
      action.append(btn);
    }
    if (a.kind === 'incident' && incidentId && can('incidents')) {
      const link = el('a', 'button-link open-incident', '查看事件');
      link.href = `#/incidents/${incidentId}`;
      action.append(link);
    }
    if (can('adjustAlertLevel') && !form) action.append(button('调整级别', 'secondary adjust-level', () => openLevelForm(a)));
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

function alertsError(message) {
  showError($('alerts-error'), message);
}

async function loadAlerts() {
  const r = await api('GET', '/api/alerts?limit=100');
  if (r.status === 401) return;
  if (r.status !== 200) return alertsError(errorText(r, '预警列表加载失败'));
  alertsError('');
  for (const a of r.data.alerts) upsert(a, null);
  s.listLoaded = true;
  render();
  // Trend and who acknowledged come from each alert's events: a few requests at a time.
  const ids = r.data.alerts.map((a) => a.id);
  const worker = async () => {
    while (ids.length && session.me) await refresh(ids.shift(), false);
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
}

/** Re-reads one alert (after a stream event or for its details) and redraws. */
async function refresh(id, announce) {
  const r = await api('GET', `/api/alerts/${id}`);
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

async function acknowledge(id, btn) {
  btn.disabled = true;
  btn.textContent = '确认中…';
  const r = await api('POST', `/api/alerts/${id}/acknowledge`);
  if (r.status === 401) return;
  if (r.status !== 200) {
    btn.disabled = false;
    btn.textContent = '确认';
    return alertsError(errorText(r, '确认失败'));
  }
  alertsError('');
  const byName = r.data.event && r.data.event.payload && r.data.event.payload.byName;
  upsert(r.data.alert, null, { ackName: typeof byName === 'string' ? byName : ackNameOf(r.data.alert, []) });
  render();
}

/** 「建立事件」: an incident from this alert, then its page. */
async function createIncident(id, btn) {
  btn.disabled = true;
  btn.textContent = '建立中…';
  const r = await api('POST', '/api/incidents', { alertIds: [id] });
  btn.disabled = false;
  btn.textContent = '建立事件';
  if (r.status === 401) return;
  if (r.status !== 201 && r.status !== 200) return alertsError(errorText(r, '建立事件失败'));
  alertsError('');
  const incident = (r.data && r.data.incident) || r.data;
  location.hash = `#/incidents/${incident.id}`;
}

/** 「调整级别」: an inline form under the alert's title (level and a required reason). */
function openLevelForm(a) {
  const form = el('form', 'inline-form level-form');
  const level = select(LEVELS.map((l) => [l, LEVEL_LABELS[l]]), a.level);
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
    const r = await api('PATCH', `/api/alerts/${a.id}/level`, { level: level.value, reason: reason.value.trim() });
    save.disabled = false;
    if (r.status === 401) return;
    if (r.status !== 200) return showError(err, errorText(r, '调整级别失败'));
    s.levelForms.delete(a.id);
    const byName = r.data.event && r.data.event.payload && r.data.event.payload.byName;
    upsert(r.data.alert, null, { levelBy: typeof byName === 'string' ? byName : '' });
    render();
  });
  s.levelForms.set(a.id, form);
  render();
  reason.focus();
}

// --- the live stream ---
function setStreamState(text, cls) {
  const e = $('stream-state');
  e.textContent = text;
  e.className = `stream ${cls}`;
}

/** Opens the stream (the list is read once it is open, so nothing falls between the two). */
export function start() {
  $('sound-hint').hidden = Boolean(s.audio && s.audio.state === 'running');
  render();
  openStream();
}

function openStream() {
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
    es.addEventListener(type, (ev) => {
      if (ev.lastEventId) s.lastEventId = ev.lastEventId;
      let data;
      try {
        data = JSON.parse(ev.data);
      } catch {
        return;
      }
      refresh(data.alertId, NEWS.has(type)).catch(() => undefined);
    });
  }
  // The server ends the stream this way when the login is no longer valid (token revoked, user
  // disabled, session logged out or run out): back to the login form with its message, rather
  // than reconnecting to be refused.
  es.addEventListener('auth', (ev) => {
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
    s.reopenTimer = setTimeout(async () => {
      s.reopenTimer = null;
      const me = await api('GET', '/api/auth/me');
      if (me.status === 401) return session.onExpired('登录已过期，请重新登录');
      if (session.me) openStream();
    }, 3000);
  });
}

/** The message of the stream's last `auth` event: the server's own (Chinese) text, else the usual one. */
function authEndMessage(data) {
  try {
    const m = JSON.parse(data).message;
    if (typeof m === 'string' && /[\u4e00-\u9fff]/.test(m)) return m;
  } catch {
    // unreadable: the usual text
  }
  return LOGIN_GONE;
}

function closeStream() {
  if (s.reopenTimer) clearTimeout(s.reopenTimer);
  s.reopenTimer = null;
  if (s.es) s.es.close();
  s.es = null;
}

/** Logged out: close the stream and forget the list. */
export function stop() {
  closeStream();
  stopFlash();
  s.alerts.clear();
  s.levelForms.clear();
  s.listLoaded = false;
  s.lastEventId = null;
}
