// The page's entry: log in and out, the navigation bar with the views the user's role may use, and
// the hash routes (#/alerts, #/incidents, #/incidents/12, #/digests, #/topics, #/topics/7, #/hotlists, #/items, #/schemes, #/sources).
// Each view lives in its own module; the live alert stream stays open whichever view is shown.
import * as alerts from './alerts.js';
import { $, api, can, errorText, ROLE_LABELS, session, showError } from './core.js';
import * as digests from './digests.js';
import * as incidents from './incidents.js';
import * as items from './items.js';
import * as hotlists from './hotlists.js';
import * as schemes from './schemes.js';
import * as sources from './sources.js';
import * as topics from './topics.js';

const SECTIONS = ['alerts-view', 'incidents-view', 'incident-view', 'digests-view', 'topics-view', 'hotlists-view', 'items-view', 'schemes-view', 'sources-view', 'noaccess-view'];

/** Routes in navigation order: the ability a role needs, the section, and what to do on entry. */
const ROUTES = [
  { name: 'alerts', ability: 'alerts', section: 'alerts-view', enter: () => alerts.render() },
  { name: 'incidents', ability: 'incidents', section: 'incidents-view', detailSection: 'incident-view', enter: (id) => (id ? incidents.showDetail(id) : incidents.showList()) },
  // #/digests/12 is where a pushed digest message links: after the login, open that digest's page.
  { name: 'digests', ability: 'digests', section: 'digests-view', enter: (id) => (id ? location.assign(`/api/digests/${id}/html`) : digests.show()) },
  // #/topics/7 (an incident's linked topic): the list with that topic opened.
  { name: 'topics', ability: 'topics', section: 'topics-view', enter: (id) => topics.show(id) },
  { name: 'hotlists', ability: 'hotlists', section: 'hotlists-view', enter: () => hotlists.show() },
  { name: 'items', ability: 'items', section: 'items-view', enter: () => items.show() },
  { name: 'schemes', ability: 'schemes', section: 'schemes-view', enter: () => schemes.show() },
  { name: 'sources', ability: 'sources', section: 'sources-view', enter: () => sources.show() },
];

function showOnly(section) {
  for (const id of SECTIONS) $(id).hidden = id !== section;
}

/** Shows the view the hash names, or the first one the role may use. */
function route() {
  if (!session.me) return;
  const m = /^#\/([a-z]+)(?:\/(\d+))?\/?$/.exec(location.hash);
  const allowed = ROUTES.filter((r) => can(r.ability));
  if (!allowed.length) return showOnly('noaccess-view');
  const target = allowed.find((r) => m && r.name === m[1]);
  if (!target) {
    // Unknown or not for this role: the first view it may use (replace, so Back does not loop).
    history.replaceState(null, '', `#/${allowed[0].name}`);
    return route();
  }
  const id = m[2] ? Number(m[2]) : null;
  showOnly(id && target.detailSection ? target.detailSection : target.section);
  for (const a of $('nav').querySelectorAll('a')) a.classList.toggle('active', a.dataset.view === target.name);
  Promise.resolve(target.enter(id)).catch(() => undefined);
}
window.addEventListener('hashchange', route);

function showLogin(message) {
  const wasIn = session.me !== null;
  alerts.stop();
  session.me = null;
  if (wasIn) {
    incidents.reset();
    digests.reset();
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
  $('login-password').value = '';
  $('login-name').focus();
}
session.onExpired = (message) => {
  if (session.me) showLogin(message);
};

function showApp(user) {
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
  const btn = $('login-submit');
  btn.disabled = true;
  try {
    const r = await api('POST', '/api/auth/login', { name: $('login-name').value.trim(), password: $('login-password').value });
    if (r.status !== 200) return showError($('login-error'), errorText(r, '登录失败'));
    $('login-password').value = '';
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
  const r = await api('GET', '/api/auth/me');
  if (r.status === 200) showApp(r.data.user);
  else showLogin();
})();
