// The page's entry: log in and out, the navigation bar with the views the user's role may use, and
// the hash routes (#/overview, #/alerts, #/incidents, #/incidents/12, #/digests, #/topics, #/topics/7,
// #/hotlists, #/items, #/schemes, #/sources, #/admin, #/admin/rules …). Each view lives in its own
// module; the live alert stream stays open whichever view is shown.
import './app.css';
import * as admin from './admin';
import * as alerts from './alerts';
import { $, api, can, errorText, ROLE_LABELS, session, showError, type Ability } from './core';
import * as digests from './digests';
import * as forms from './forms';
import * as hotlists from './hotlists';
import * as incidents from './incidents';
import * as items from './items';
import * as overview from './overview';
import * as schemes from './schemes';
import * as sources from './sources';
import * as topics from './topics';
import type { User } from './wire';

const SECTIONS = ['overview-view', 'alerts-view', 'incidents-view', 'incident-view', 'digests-view', 'forms-view', 'topics-view', 'hotlists-view', 'items-view', 'schemes-view', 'sources-view', 'admin-view', 'noaccess-view'];

interface Route {
  name: string;
  ability: Ability;
  section: string;
  detailSection?: string;
  /** On entry: the id of `#/name/12`, or the sub-page of `#/name/sub` (the admin console's tabs). */
  enter: (id: number | null, sub: string | null) => unknown;
  /** On leaving the view (stops timers and live updates the view keeps while shown). */
  leave?: () => void;
}

/** Where a role lands after signing in: a leader on 态势总览, everyone else on 预警 (else the first view it may use). */
const HOME: Partial<Record<User['role'], string>> = { leader: 'overview' };
const DEFAULT_HOME = 'alerts';

/** Routes in navigation order: the ability a role needs, the section, and what to do on entry. */
const ROUTES: Route[] = [
  { name: 'overview', ability: 'overview', section: 'overview-view', enter: (_id, sub) => overview.show(sub), leave: () => overview.hide() },
  { name: 'alerts', ability: 'alerts', section: 'alerts-view', enter: () => alerts.render() },
  { name: 'incidents', ability: 'incidents', section: 'incidents-view', detailSection: 'incident-view', enter: (id) => (id ? incidents.showDetail(id) : incidents.showList()) },
  // #/digests/12 is where a pushed digest message links: after the login, open that digest's page.
  { name: 'digests', ability: 'digests', section: 'digests-view', enter: (id) => (id ? location.assign(`/api/digests/${id}/html`) : digests.show()) },
  { name: 'forms', ability: 'forms', section: 'forms-view', enter: (id, sub) => forms.show(id, sub) },
  // #/topics/7 (an incident's linked topic): the list with that topic opened.
  { name: 'topics', ability: 'topics', section: 'topics-view', enter: (id) => topics.show(id) },
  { name: 'hotlists', ability: 'hotlists', section: 'hotlists-view', enter: () => hotlists.show() },
  { name: 'items', ability: 'items', section: 'items-view', enter: () => items.show() },
  { name: 'schemes', ability: 'schemes', section: 'schemes-view', enter: () => schemes.show() },
  { name: 'sources', ability: 'sources', section: 'sources-view', enter: () => sources.show() },
  { name: 'admin', ability: 'admin', section: 'admin-view', enter: (_id, sub) => admin.show(sub) },
];

let current: Route | null = null;

function showOnly(section: string | null) {
  for (const id of SECTIONS) $(id).hidden = id !== section;
}

/** Shows the view the hash names, or the first one the role may use. */
function route(): void {
  const me = session.me;
  if (!me) return;
  const m = /^#\/([a-z]+)(?:\/(\d+|[a-z][a-z0-9-]*))?\/?$/.exec(location.hash);
  const allowed = ROUTES.filter((r) => can(r.ability));
  const first = allowed[0];
  if (!first) return showOnly('noaccess-view');
  const target = allowed.find((r) => m && r.name === m[1]);
  if (!m || !target) {
    // Unknown or not for this role: the role's home view, else the first it may use (replace, so
    // Back does not loop). A leader starts on 态势总览; everyone else on their work list.
    const home = allowed.find((r) => r.name === (HOME[me.role] ?? DEFAULT_HOME)) ?? first;
    history.replaceState(null, '', `#/${home.name}`);
    return route();
  }
  const rest = m[2] ?? null;
  const id = rest && /^\d+$/.test(rest) ? Number(rest) : null;
  const sub = rest && id === null ? rest : null;
  if (current && current !== target) current.leave?.();
  current = target;
  showOnly(id && target.detailSection ? target.detailSection : target.section);
  for (const a of $('nav').querySelectorAll('a')) a.classList.toggle('active', a.dataset.view === target.name);
  Promise.resolve(target.enter(id, sub)).catch(() => undefined);
}
window.addEventListener('hashchange', route);

function showLogin(message?: string): void {
  const wasIn = session.me !== null;
  alerts.stop();
  current?.leave?.();
  current = null;
  session.me = null;
  if (wasIn) {
    overview.reset();
    admin.reset();
    incidents.reset();
    digests.reset();
    forms.reset();
    topics.reset();
    items.reset();
    schemes.reset();
    hotlists.reset();
    sources.reset();
  }
  $('who').hidden = true;
  $('nav').hidden = true;
  showOnly(null);
  $('login-view').hidden = false;
  showError($('login-error'), message);
  $<HTMLInputElement>('login-password').value = '';
  $('login-name').focus();
}
session.onExpired = (message) => {
  if (session.me) showLogin(message);
};

function showApp(user: User): void {
  session.me = user;
  $('login-view').hidden = true;
  $('who').hidden = false;
  $('who-name').textContent = `${user.displayName || user.name}（${ROLE_LABELS[user.role] || user.role}）`;
  for (const a of $('nav').querySelectorAll('a')) {
    const r = ROUTES.find((x) => x.name === a.dataset.view);
    a.hidden = !r || !can(r.ability);
  }
  $('nav').hidden = false;
  if (can('alerts')) alerts.start();
  else $('stream-state').hidden = true;
  route();
}

// --- login and logout ---
$('login-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  alerts.enableAudio();
  const btn = $<HTMLButtonElement>('login-submit');
  btn.disabled = true;
  try {
    const r = await api<{ user: User }>('POST', '/api/auth/login', { name: $<HTMLInputElement>('login-name').value.trim(), password: $<HTMLInputElement>('login-password').value });
    if (r.status !== 200) return showError($('login-error'), errorText(r, '登录失败'));
    $<HTMLInputElement>('login-password').value = '';
    $('stream-state').hidden = false;
    showApp(r.data.user);
  } finally {
    btn.disabled = false;
  }
});

$('logout').addEventListener('click', async () => {
  alerts.stop();
  await api('POST', '/api/auth/logout');
  showLogin();
});

// --- start: the server marks the page when a session cookie is valid, so no 401 is needed to find out ---
(async () => {
  if (document.body.dataset.session !== '1') return showLogin();
  const r = await api<{ user: User }>('GET', '/api/auth/me');
  if (r.status === 200) showApp(r.data.user);
  else showLogin();
})();
