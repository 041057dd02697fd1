// Live page of the PR duty officer: log in, firing alerts newest first, acknowledge with one click,
// new alerts live over Server-Sent Events with a short tone and a title flash. Plain browser
// JavaScript, no libraries, nothing loaded from anywhere but this service (CSP default-src 'self').
// Every text from the server is set with textContent, never as HTML.
'use strict';

(function () {
  const LEVEL_LABELS = { blue: '蓝色', yellow: '黄色', orange: '橙色', red: '红色' };
  const STATE_LABELS = { firing: '未确认', acknowledged: '已确认', resolved: '已解除' };
  const EVENT_TYPES = ['firing', 'escalated', 'reopened', 'updated', 'acknowledged', 'resolved'];
  const NEWS = new Set(['firing', 'escalated', 'reopened']);
  const HANDLER_ROLES = new Set(['admin', 'pr']);
  const FLASH_PREFIX = '【新预警】';
  const BASE_TITLE = document.title;

  const $ = (id) => document.getElementById(id);
  const el = (tag, cls, text) => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  };

  /** Page state. */
  const s = {
    me: null,
    /** alert id → { alert, trend, ackName } */
    alerts: new Map(),
    fresh: new Set(),
    es: null,
    lastEventId: null,
    reopenTimer: null,
    listLoaded: false,
    audio: null,
    flashTimer: null,
  };

  // --- time (Asia/Shanghai, whatever the machine's zone) ---
  const SHANGHAI = new Intl.DateTimeFormat('zh-CN', {
    timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
  });
  function beijing(iso) {
    if (!iso) return '';
    const d = new Date(iso);
    if (Number.isNaN(d.getTime())) return '';
    const p = {};
    for (const x of SHANGHAI.formatToParts(d)) p[x.type] = x.value;
    return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
  }

  // --- HTTP ---
  async function api(method, url, body) {
    const init = { method, credentials: 'same-origin', headers: { accept: 'application/json' } };
    if (body !== undefined) {
      init.headers['content-type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const res = await fetch(url, init);
    let data = null;
    if (res.status !== 204) data = await res.json().catch(() => null);
    return { status: res.status, data };
  }
  const errorText = (r, fallback) => (r.data && r.data.error && r.data.error.message) || fallback;

  // --- sound: a short two-tone chime made with the Web Audio API (no audio file) ---
  function enableAudio() {
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
  function stopFlash() {
    if (s.flashTimer) clearInterval(s.flashTimer);
    s.flashTimer = null;
    document.title = BASE_TITLE;
  }
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden) stopFlash();
  });

  // --- views ---
  function showLogin(message) {
    closeStream();
    s.me = null;
    s.alerts.clear();
    s.listLoaded = false;
    s.lastEventId = null;
    $('who').hidden = true;
    $('alerts-view').hidden = true;
    $('login-view').hidden = false;
    const err = $('login-error');
    err.textContent = message || '';
    err.hidden = !message;
    $('login-password').value = '';
    $('login-name').focus();
  }

  function showApp(user) {
    s.me = user;
    $('login-view').hidden = true;
    $('alerts-view').hidden = false;
    $('who').hidden = false;
    $('who-name').textContent = `${user.displayName || user.name}（${user.role}）`;
    $('sound-hint').hidden = Boolean(s.audio && s.audio.state === 'running');
    render();
    openStream();
  }

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
    if (s.me && alert.acknowledgedBy === s.me.id) return s.me.displayName || s.me.name;
    return `用户 #${alert.acknowledgedBy}`;
  }

  function upsert(alert, events, extra) {
    const prev = s.alerts.get(alert.id);
    if (alert.state === 'resolved') {
      s.alerts.delete(alert.id);
      return;
    }
    const entry = { alert, trend: prev ? prev.trend : '', ackName: prev ? prev.ackName : '' };
    if (events) {
      entry.trend = trendOf(events) || entry.trend;
      entry.ackName = ackNameOf(alert, events);
    }
    if (extra && extra.ackName) entry.ackName = extra.ackName;
    if (alert.state !== 'acknowledged') entry.ackName = '';
    s.alerts.set(alert.id, entry);
  }

  function render() {
    const body = $('alerts-body');
    const entries = [...s.alerts.values()].sort((a, b) => b.alert.id - a.alert.id);
    const canHandle = Boolean(s.me && HANDLER_ROLES.has(s.me.role));
    const rows = entries.map(({ alert: a, trend, ackName }) => {
      const tr = el('tr', `level-${a.level}${s.fresh.has(a.id) ? ' fresh' : ''}`);
      tr.dataset.alertId = String(a.id);
      tr.dataset.state = a.state;

      const level = el('td');
      level.append(el('span', `badge ${a.level}`, LEVEL_LABELS[a.level] || a.level));
      const topic = el('td');
      topic.append(el('div', 'title', a.title));
      const sub = [a.ruleName ? `规则：${a.ruleName}` : '', a.summary].filter(Boolean).join(' · ');
      if (sub) topic.append(el('div', 'summary', sub));
      const heat = el('td', 'heat', `${a.heat === null ? '—' : Math.round(a.heat * 10) / 10}${trend ? ` · ${trend}` : ''}`);
      const time = el('td', 'time', beijing(a.createdAt));
      if (a.updatedAt && a.updatedAt !== a.createdAt) time.append(el('div', 'summary', `更新 ${beijing(a.updatedAt)}`));
      const state = el('td', `state state-${a.state}`, STATE_LABELS[a.state] || a.state);
      if (a.state === 'acknowledged') {
        state.append(el('div', 'summary who-acked', `${ackName || ''}${a.acknowledgedAt ? ` · ${beijing(a.acknowledgedAt)}` : ''}`));
      }
      const action = el('td');
      if (a.state === 'firing' && canHandle) {
        const btn = el('button', 'ack', '确认');
        btn.type = 'button';
        btn.addEventListener('click', () => acknowledge(a.id, btn));
        action.append(btn);
      }
      tr.append(level, topic, heat, time, state, action);
      return tr;
    });
    body.replaceChildren(...rows);
    $('count').textContent = String(entries.filter((e) => e.alert.state === 'firing').length);
    $('empty').hidden = entries.length > 0 || !s.listLoaded;
  }

  async function loadAlerts() {
    const r = await api('GET', '/api/alerts?limit=100');
    if (r.status === 401) return showLogin('登录已过期，请重新登录');
    if (r.status !== 200) {
      $('alerts-error').textContent = errorText(r, '预警列表加载失败');
      $('alerts-error').hidden = false;
      return;
    }
    $('alerts-error').hidden = true;
    for (const a of r.data.alerts) upsert(a, null);
    s.listLoaded = true;
    render();
    // Trend and who acknowledged come from each alert's events: a few requests at a time.
    const ids = r.data.alerts.map((a) => a.id);
    const worker = async () => {
      while (ids.length) await refresh(ids.shift(), false);
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
    if (r.status === 401) return showLogin('登录已过期，请重新登录');
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
    if (r.status === 401) return showLogin('登录已过期，请重新登录');
    if (r.status !== 200) {
      btn.disabled = false;
      btn.textContent = '确认';
      $('alerts-error').textContent = errorText(r, '确认失败');
      $('alerts-error').hidden = false;
      return;
    }
    $('alerts-error').hidden = true;
    const byName = r.data.event && r.data.event.payload && r.data.event.payload.byName;
    upsert(r.data.alert, null, { ackName: typeof byName === 'string' ? byName : ackNameOf(r.data.alert, []) });
    render();
  }

  // --- the live stream ---
  function setStreamState(text, cls) {
    const e = $('stream-state');
    e.textContent = text;
    e.className = `stream ${cls}`;
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
      // The list is read once the stream is open, so nothing falls between the two.
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
        const me = await api('GET', '/api/auth/me').catch(() => null);
        if (me && me.status === 401) return showLogin('登录已过期，请重新登录');
        if (s.me) openStream();
      }, 3000);
    });
  }

  function closeStream() {
    if (s.reopenTimer) clearTimeout(s.reopenTimer);
    s.reopenTimer = null;
    if (s.es) s.es.close();
    s.es = null;
  }

  // --- login and logout ---
  $('login-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    enableAudio();
    const btn = $('login-submit');
    btn.disabled = true;
    try {
      const r = await api('POST', '/api/auth/login', { name: $('login-name').value.trim(), password: $('login-password').value });
      if (r.status !== 200) {
        $('login-error').textContent = errorText(r, '登录失败');
        $('login-error').hidden = false;
        return;
      }
      $('login-password').value = '';
      showApp(r.data.user);
    } catch {
      $('login-error').textContent = '无法连接服务器';
      $('login-error').hidden = false;
    } finally {
      btn.disabled = false;
    }
  });

  $('logout').addEventListener('click', async () => {
    closeStream();
    await api('POST', '/api/auth/logout').catch(() => undefined);
    stopFlash();
    showLogin();
  });

  // --- start: the server marks the page when a session cookie is valid, so no 401 is needed to find out ---
  (async () => {
    if (document.body.dataset.session !== '1') return showLogin();
    const r = await api('GET', '/api/auth/me').catch(() => null);
    if (r && r.status === 200) showApp(r.data.user);
    else showLogin();
  })();
})();
