// The duty-room screen's credential (态势大屏令牌): an API token an admin made for a leader, duty
// officer or analyst, entered once on the screen's machine and kept in its localStorage, exchanged
// for a session cookie (POST /api/auth/screen) whenever the screen has none — at start, and each
// time its session runs out. So the screen never falls back to the login form while the token is
// valid; once it is revoked (or its user disabled) the exchange fails and the screen says so.
//
// Why localStorage and not a cookie of its own: the token must outlive every session, and the page
// must be able to present it again by itself. The page's strict CSP (no inline or foreign script)
// is what keeps other code from reading it; it is the credential of a read-only wall screen, and an
// admin revokes it in 系统管理 → 用户与令牌 the moment the machine is in doubt.
import { api, button, el, errorText, input, showError } from './core';
import type { User } from './wire';

const STORAGE_KEY = 'yuqing.screenToken';
/** What the screen says when its token no longer opens a session (the wording). */
export const TOKEN_GONE = '大屏令牌已失效，请管理员重新配置';

/** The hash of the screen mode. */
export const isScreenHash = (): boolean => /^#\/overview\/screen\/?$/.test(location.hash);

export function storedToken(): string | null {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    return null; // storage refused (a locked-down profile): the screen then works like any login
  }
}

export function storeToken(token: string | null): void {
  try {
    if (token) localStorage.setItem(STORAGE_KEY, token);
    else localStorage.removeItem(STORAGE_KEY);
  } catch {
    // nothing to do: the next exchange asks again
  }
}

/**
 * The outcome of an exchange: a session (for `user`); `invalid` — the token opens none and never
 * will (revoked, unknown, user disabled or not allowed), with the server's message; `retry` — the
 * server could not be asked or could not answer now (network, restart, too many attempts).
 */
export type Exchange = { kind: 'ok'; user: User } | { kind: 'invalid'; message: string } | { kind: 'retry'; message: string };

/** Exchanges a token for a session cookie. */
export async function exchange(token: string): Promise<Exchange> {
  const r = await api<{ user: User }>('POST', '/api/auth/screen', { token });
  if (r.status === 200) return { kind: 'ok', user: r.data.user };
  // 400: not a token at all (empty, too long) — as final as a revoked one.
  if (r.status === 401 || r.status === 403 || r.status === 400) return { kind: 'invalid', message: errorText(r, TOKEN_GONE) };
  return { kind: 'retry', message: errorText(r, '暂时无法连接服务器，稍后自动重试') };
}

/** A small form asking for the token: the caption, the field, a submit and (optionally) more buttons. */
export function tokenForm(opts: { id: string; title: string; hint: string; submit: string; onSubmit: (token: string, error: HTMLElement, form: HTMLFormElement) => Promise<void>; extra?: HTMLElement[] }): HTMLFormElement {
  const form = el('form', 'screen-token-form');
  form.id = opts.id;
  form.noValidate = true;
  const field = input('password', null, { autocomplete: 'off', maxlength: '200', spellcheck: 'false', 'aria-describedby': `${opts.id}-hint` });
  field.id = `${opts.id}-token`;
  const label = el('label', 'field');
  label.htmlFor = field.id;
  label.append(el('span', 'caption', '大屏令牌（yq_ 开头）'), field);
  const hint = el('p', 'hint', opts.hint);
  hint.id = `${opts.id}-hint`;
  const error = el('p', 'error');
  error.setAttribute('role', 'alert');
  error.hidden = true;
  const submit = el('button', null, opts.submit);
  submit.type = 'submit';
  const actions = el('div', 'form-actions');
  actions.append(submit, ...(opts.extra ?? []));
  form.append(el('h3', null, opts.title), hint, label, actions, error);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const token = field.value.trim();
    if (!token) {
      showError(error, '请输入大屏令牌');
      field.focus();
      return;
    }
    submit.disabled = true;
    opts
      .onSubmit(token, error, form)
      .catch(() => showError(error, '操作失败，请重试'))
      .finally(() => {
        submit.disabled = false;
      });
  });
  return form;
}

// --- not signed in, at #/overview/screen: the login form gets a screen-token form beside it ---

let loginAddon: HTMLFormElement | null = null;
let bootTimer: number | null = null;

function addon(): HTMLFormElement {
  if (loginAddon) return loginAddon;
  loginAddon = tokenForm({
    id: 'screen-login',
    title: '值班室大屏',
    hint: '输入管理员为大屏创建的 API 令牌（系统管理 → 用户与令牌；所属账号须为领导、值班员或研判员）。只需输入一次，令牌保存在本机浏览器中，登录过期时大屏自动重新登录。',
    submit: '保存并进入大屏',
    onSubmit: async (token, error) => {
      const r = await exchange(token);
      if (r.kind !== 'ok') return showError(error, r.message);
      storeToken(token);
      // Signed in by cookie now: the page starts again as a signed-in page, on the screen mode.
      reloadSignedIn(error);
    },
  });
  loginAddon.classList.add('card');
  return loginAddon;
}

/** Shows the screen-token form under the login form when at #/overview/screen (hides it elsewhere); `message` goes into it. */
export function mountLoginAddon(message?: string): void {
  const view = document.getElementById('login-view');
  if (!view) return;
  const form = addon();
  if (form.parentElement !== view) view.append(form);
  form.hidden = !isScreenHash();
  const error = form.querySelector<HTMLElement>('.error');
  if (error && message !== undefined) showError(error, message);
}

/** Set just before the page is loaded again after an exchange: a second one soon after means the cookie did not stick. */
const RELOAD_KEY = 'yuqing.screenReloadAt';

function reloadSignedIn(error: HTMLElement | null): void {
  let last = 0;
  try {
    last = Number(sessionStorage.getItem(RELOAD_KEY)) || 0;
    sessionStorage.setItem(RELOAD_KEY, String(Date.now()));
  } catch {
    // without sessionStorage there is no loop guard; the reload is still right
  }
  // A session cookie the browser refuses to keep (AUTH_COOKIE_SECURE over plain HTTP) would
  // otherwise reload the page for ever.
  if (Date.now() - last < 20_000) {
    if (error) showError(error, '令牌有效，但浏览器没有保存登录状态（请确认通过系统规定的地址访问，例如 HTTPS），请联系管理员');
    return;
  }
  location.reload();
}

/** The page is signed in: a reload after the next exchange is no loop. */
export function signedIn(): void {
  try {
    sessionStorage.removeItem(RELOAD_KEY);
  } catch {
    // no sessionStorage: no guard to clear
  }
}

/**
 * Whenever the login form shows at #/overview/screen — at page start without a session, or
 * after the session ended — a stored token is exchanged and the page loaded again signed in;
 * without one (or with one no longer valid) the form asks for it. A screen that boots before the
 * server (a power cut) keeps trying rather than giving up.
 */
export async function bootScreen(): Promise<void> {
  if (bootTimer !== null) clearTimeout(bootTimer);
  bootTimer = null;
  const view = document.getElementById('login-view');
  if (!isScreenHash() || !view || view.hidden) {
    if (loginAddon) loginAddon.hidden = true;
    return;
  }
  mountLoginAddon();
  const token = storedToken();
  if (!token) return;
  const form = addon();
  const error = form.querySelector<HTMLElement>('.error');
  const status = form.querySelector<HTMLElement>('.hint');
  const hintText = status?.textContent ?? '';
  if (status) status.textContent = '正在使用本机保存的大屏令牌登录…';
  const r = await exchange(token);
  if (status) status.textContent = hintText;
  if (r.kind === 'ok') return reloadSignedIn(error);
  if (r.kind === 'invalid') {
    storeToken(null);
    if (error) showError(error, TOKEN_GONE);
    return;
  }
  if (error) showError(error, `${r.message}（30 秒后自动重试）`);
  bootTimer = window.setTimeout(() => void bootScreen(), 30_000);
}

/** Watches the login form: each time it shows (or the hash changes while it shows) the screen's boot runs. */
export function watchLogin(): void {
  const view = document.getElementById('login-view');
  if (!view) return;
  const check = (): void => void bootScreen();
  new MutationObserver(check).observe(view, { attributes: true, attributeFilter: ['hidden'] });
  window.addEventListener('hashchange', check);
  check();
}

/** A button that forgets the stored token (on the settings form of the screen). */
export function forgetButton(after: () => void): HTMLButtonElement {
  return button('清除本机令牌', 'secondary', () => {
    storeToken(null);
    after();
  });
}
