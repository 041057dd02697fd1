// 系统管理 › 用户与令牌: the accounts (add, disable / enable, reset a password) and the API tokens
// (create one for a user, revoke). A password the server generates and a new token are secrets
// the server shows once: the page shows them once too, with a copy button and a warning, and
// forgets them when the box is closed or the tab is left — they are never shown again.
import './admin-users.css';
import type { ApiToken, Role } from '@yuqing/db';
import { api, beijingMinute, button, el, errorText, field, input, ROLE_LABELS, select, session, showError } from './core';
import type { User, Wire } from './wire';

type Token = Wire<ApiToken>;

/** Roles in the order an admin picks them most: duty officers first, the API-only account last. */
const ROLE_ORDER: readonly Role[] = ['pr', 'analyst', 'leader', 'admin', 'ingest'];
const NAME_RULE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

interface Built {
  panel: HTMLElement;
  done: HTMLElement;
  error: HTMLElement;
  secret: { box: HTMLElement; title: HTMLElement; value: HTMLInputElement; copied: HTMLElement };
  userForm: HTMLFormElement;
  userName: HTMLInputElement;
  userDisplay: HTMLInputElement;
  userRole: HTMLSelectElement;
  userPassword: HTMLInputElement;
  userError: HTMLElement;
  usersBody: HTMLTableSectionElement;
  usersEmpty: HTMLElement;
  tokenForm: HTMLFormElement;
  tokenUser: HTMLSelectElement;
  tokenName: HTMLInputElement;
  tokenError: HTMLElement;
  tokensBody: HTMLTableSectionElement;
  tokensEmpty: HTMLElement;
}

let built: Built | null = null;
let users: User[] = [];
let generation = 0;

export async function show(panel: HTMLElement): Promise<void> {
  if (!built || built.panel !== panel || !panel.contains(built.done)) built = build(panel);
  // A secret is shown once: leaving the tab and coming back does not bring it back.
  hideSecret();
  await load();
}

export function reset(): void {
  if (built) hideSecret();
  built = null;
  users = [];
  generation++;
}

function build(panel: HTMLElement): Built {
  panel.replaceChildren();
  const done = el('p', 'done');
  done.id = 'us-done';
  done.setAttribute('role', 'status');
  done.tabIndex = -1;
  done.hidden = true;
  const error = el('p', 'error');
  error.id = 'us-error';
  error.setAttribute('role', 'alert');
  error.hidden = true;

  // The once-only secret.
  const box = el('section', 'card secret-box');
  box.id = 'us-secret';
  box.setAttribute('aria-labelledby', 'us-secret-title');
  box.tabIndex = -1;
  box.hidden = true;
  const title = el('h4', null, '');
  title.id = 'us-secret-title';
  const warn = el('p', 'secret-warning', '只显示这一次：关闭或离开本页后无法再次查看。请立即复制，并通过安全的渠道交给使用者。');
  const value = input('text', '', { id: 'us-secret-value', readonly: '', spellcheck: 'false', autocomplete: 'off', 'aria-label': '密钥内容' });
  value.addEventListener('focus', () => value.select());
  const copied = el('span', 'hint secret-copied');
  copied.setAttribute('aria-live', 'polite');
  const copy = button('复制', null, () => void copySecret(value, copied));
  copy.id = 'us-secret-copy';
  const close = button('我已妥善保存，关闭', 'secondary', () => hideSecret(true));
  close.id = 'us-secret-close';
  const secretRow = el('div', 'secret-row');
  secretRow.append(value, copy, copied);
  const secretActions = el('div', 'form-actions');
  secretActions.append(close);
  box.append(title, warn, secretRow, secretActions);

  // Users.
  const usersHead = el('div', 'toolbar');
  const addUser = button('添加用户', null, () => toggleUserForm(true));
  addUser.id = 'us-open-add';
  const usersActions = el('div', 'actions');
  usersActions.append(addUser);
  usersHead.append(el('h3', null, '用户'), usersActions);

  const userForm = el('form', 'card us-panel');
  userForm.id = 'us-add';
  userForm.noValidate = true;
  userForm.hidden = true;
  const userName = input('text', '', { id: 'us-name', maxlength: '64', autocomplete: 'off', spellcheck: 'false', placeholder: '如 zhangsan' });
  const userDisplay = input('text', '', { id: 'us-display', maxlength: '100', autocomplete: 'off', placeholder: '如 张三（可空，默认同登录名）' });
  const userRole = select(ROLE_ORDER.map((r) => [r, ROLE_LABELS[r]] as const), 'pr');
  userRole.id = 'us-role';
  const userPassword = input('password', '', { id: 'us-password', maxlength: '256', autocomplete: 'new-password' });
  const showPw = input('checkbox');
  showPw.addEventListener('change', () => (userPassword.type = showPw.checked ? 'text' : 'password'));
  const showPwLabel = el('label', 'check');
  showPwLabel.append(showPw, ' 显示密码');
  const pwHint = el('p', 'hint', '');
  const pwField = field('初始密码（可空：留空则自动生成，只显示一次）', userPassword);
  pwField.append(showPwLabel, pwHint);
  const syncRole = () => {
    const ingest = userRole.value === 'ingest';
    userPassword.disabled = ingest;
    showPw.disabled = ingest;
    if (ingest) userPassword.value = '';
    pwHint.textContent = ingest ? '数据推送账号只通过 API 令牌推送数据，不设密码；添加后请为它创建令牌。' : '至少 10 个字符。';
  };
  userRole.addEventListener('change', syncRole);
  syncRole();
  const userError = el('p', 'error');
  userError.setAttribute('role', 'alert');
  userError.hidden = true;
  const userSubmit = el('button', null, '添加');
  userSubmit.type = 'submit';
  userSubmit.id = 'us-submit';
  const userActions = el('div', 'form-actions');
  userActions.append(userSubmit, button('取消', 'secondary', () => toggleUserForm(false)));
  const grid = el('div', 'form-grid');
  grid.append(
    field('登录名（字母、数字、.、_、-，2–64 位）', userName),
    field('显示名', userDisplay),
    field('角色', userRole),
    pwField,
  );
  userForm.append(el('h4', null, '添加用户'), grid, userError, userActions);
  userForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    void addUserSubmit(userSubmit);
  });

  const usersTable = el('table', 'grid users');
  const usersThead = el('thead');
  usersThead.append(headerRow(['登录名', '显示名', '角色', '状态', '密码', '创建时间（北京时间）', '']));
  const usersBody = el('tbody');
  usersBody.id = 'us-body';
  usersTable.append(usersThead, usersBody);
  const usersEmpty = el('p', 'empty', '还没有用户：点「添加用户」为值班员、领导和研判员开通账号。');
  usersEmpty.hidden = true;

  // Tokens.
  const tokensHead = el('div', 'toolbar');
  const addToken = button('创建令牌', null, () => toggleTokenForm(true));
  addToken.id = 'tk-open-add';
  const tokensActions = el('div', 'actions');
  tokensActions.append(addToken);
  tokensHead.append(el('h3', null, 'API 令牌'), tokensActions);
  const tokensIntro = el('p', 'hint', '令牌供程序调用接口（如数据推送、值班大屏）时代替密码，以所属用户的角色和权限访问。令牌只在创建时显示一次；不再使用或可能泄露时请立即吊销。');

  const tokenForm = el('form', 'card us-panel');
  tokenForm.id = 'tk-add';
  tokenForm.noValidate = true;
  tokenForm.hidden = true;
  const tokenUser = el('select');
  tokenUser.id = 'tk-user';
  const tokenName = input('text', '', { id: 'tk-name', maxlength: '100', autocomplete: 'off', placeholder: '如 采集推送、值班大屏' });
  const tokenError = el('p', 'error');
  tokenError.setAttribute('role', 'alert');
  tokenError.hidden = true;
  const tokenSubmit = el('button', null, '创建');
  tokenSubmit.type = 'submit';
  tokenSubmit.id = 'tk-submit';
  const tokenActions = el('div', 'form-actions');
  tokenActions.append(tokenSubmit, button('取消', 'secondary', () => toggleTokenForm(false)));
  const tokenGrid = el('div', 'form-grid');
  tokenGrid.append(field('所属用户', tokenUser), field('用途（可空）', tokenName));
  tokenForm.append(el('h4', null, '创建令牌'), tokenGrid, tokenError, tokenActions);
  tokenForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    void addTokenSubmit(tokenSubmit);
  });

  const tokensTable = el('table', 'grid tokens');
  const tokensThead = el('thead');
  tokensThead.append(headerRow(['用途', '所属用户', '前缀', '创建时间（北京时间）', '最近使用', '状态', '']));
  const tokensBody = el('tbody');
  tokensBody.id = 'tk-body';
  tokensTable.append(tokensThead, tokensBody);
  const tokensEmpty = el('p', 'empty', '还没有令牌。需要让程序推送数据或读取预警时，点「创建令牌」。');
  tokensEmpty.hidden = true;

  const usersWrap = el('div', 'table-wrap');
  usersWrap.append(usersTable);
  const tokensWrap = el('div', 'table-wrap');
  tokensWrap.append(tokensTable);
  panel.append(done, error, box, usersHead, userForm, usersWrap, usersEmpty, tokensHead, tokensIntro, tokenForm, tokensWrap, tokensEmpty);
  return {
    panel,
    done,
    error,
    secret: { box, title, value, copied },
    userForm,
    userName,
    userDisplay,
    userRole,
    userPassword,
    userError,
    usersBody,
    usersEmpty,
    tokenForm,
    tokenUser,
    tokenName,
    tokenError,
    tokensBody,
    tokensEmpty,
  };
}

function headerRow(labels: string[]): HTMLTableRowElement {
  const tr = el('tr');
  for (const l of labels) tr.append(el('th', null, l));
  return tr;
}

// --- the once-only secret ---

function showSecret(title: string, secret: string): void {
  const b = built;
  if (!b) return;
  b.secret.title.textContent = title;
  b.secret.value.value = secret;
  b.secret.copied.textContent = '';
  b.secret.box.hidden = false;
  b.secret.box.scrollIntoView({ block: 'nearest' });
  b.secret.value.focus();
}

/** Forgets the secret (the box and its text); `announce`: the admin closed it, so say where focus went. */
function hideSecret(announce = false): void {
  const b = built;
  if (!b) return;
  b.secret.value.value = '';
  b.secret.title.textContent = '';
  b.secret.copied.textContent = '';
  b.secret.box.hidden = true;
  // The box is gone: keep the keyboard nearby, not thrown back to the top of the page.
  if (announce) (b.done.hidden ? b.panel.querySelector<HTMLElement>('#us-open-add') : b.done)?.focus();
}

async function copySecret(value: HTMLInputElement, status: HTMLElement): Promise<void> {
  const text = value.value;
  let ok = false;
  // The Clipboard API needs a secure context (an intranet address over plain HTTP is not one);
  // then the selection is copied the old way.
  if (navigator.clipboard && window.isSecureContext) {
    ok = await Promise.race([
      navigator.clipboard.writeText(text).then(
        () => true,
        () => false,
      ),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 1500)),
    ]);
  }
  if (!ok) {
    value.focus();
    value.select();
    try {
      ok = document.execCommand('copy');
    } catch {
      ok = false;
    }
  }
  status.textContent = ok ? '已复制到剪贴板' : '无法自动复制：已选中内容，请按 Ctrl+C 复制';
}

// --- users ---

function toggleUserForm(open: boolean): void {
  const b = built;
  if (!b) return;
  b.userForm.hidden = !open;
  if (!open) return;
  b.userName.value = '';
  b.userDisplay.value = '';
  b.userPassword.value = '';
  showError(b.userError, '');
  b.userName.focus();
}

async function addUserSubmit(submit: HTMLButtonElement): Promise<void> {
  const b = built;
  if (!b) return;
  const name = b.userName.value.trim();
  const displayName = b.userDisplay.value.trim();
  const role = b.userRole.value as Role;
  const password = b.userPassword.value;
  // The server's rules, said in Chinese before asking (its own messages for these are English).
  let problem = '';
  if (name.length < 2 || name.length > 64) problem = '登录名应为 2–64 个字符';
  else if (!NAME_RULE.test(name)) problem = '登录名只能用字母、数字、.、_、-，且以字母或数字开头';
  else if (users.some((u) => u.name === name)) problem = `用户 ${name} 已存在`;
  else if (role !== 'ingest' && password && password.length < 10) problem = '密码至少 10 个字符';
  if (problem) {
    showError(b.userError, problem);
    b.userName.focus();
    return;
  }
  showError(b.userError, '');
  submit.disabled = true;
  try {
    const body = { name, role, ...(displayName ? { displayName } : {}), ...(password && role !== 'ingest' ? { password } : {}) };
    const r = await api<{ user: User; password?: string }>('POST', '/api/users', body);
    if (r.status !== 201) return showError(b.userError, errorText(r, '添加用户失败，请稍后重试'));
    const u = r.data.user;
    b.userForm.hidden = true;
    b.userPassword.value = '';
    showError(b.done, `已添加用户 ${u.name}（${ROLE_LABELS[u.role]}）${u.role === 'ingest' ? '，请为它创建令牌' : ''}`);
    await load();
    if (r.data.password) showSecret(`用户 ${u.name} 的初始密码`, r.data.password);
    else if (u.role === 'ingest') toggleTokenForm(true, u.name);
  } finally {
    submit.disabled = false;
  }
}

async function setDisabled(u: User, disabled: boolean, btn: HTMLButtonElement): Promise<void> {
  const b = built;
  if (!b) return;
  if (disabled && !confirm(`确定停用用户 ${u.name}？停用后其登录会话立即失效、令牌被拒绝，直到重新启用。`)) return;
  btn.disabled = true;
  const r = await api<{ user: User }>('PATCH', `/api/users/${encodeURIComponent(u.name)}`, { disabled });
  btn.disabled = false;
  if (built !== b) return;
  if (r.status !== 200) return showError(b.error, errorText(r, disabled ? '停用失败，请稍后重试' : '启用失败，请稍后重试'));
  showError(b.error, '');
  showError(b.done, disabled ? `已停用用户 ${u.name}` : `已启用用户 ${u.name}`);
  await load();
  b.usersBody.querySelector<HTMLButtonElement>(`tr[data-user="${CSS.escape(u.name)}"] button.toggle`)?.focus();
}

async function resetPassword(u: User, btn: HTMLButtonElement): Promise<void> {
  const b = built;
  if (!b) return;
  if (!confirm(`确定为 ${u.name} 重置密码？将生成新的随机密码，原密码立即失效，该用户在各处的登录都会退出。`)) return;
  btn.disabled = true;
  const r = await api<{ user: User; password: string }>('POST', `/api/users/${encodeURIComponent(u.name)}/password`);
  btn.disabled = false;
  if (built !== b) return;
  if (r.status !== 200) return showError(b.error, errorText(r, '重置密码失败，请稍后重试'));
  showError(b.error, '');
  showError(b.done, `已重置 ${u.name} 的密码`);
  await load();
  showSecret(`用户 ${u.name} 的新密码`, r.data.password);
}

function userRow(u: User): HTMLTableRowElement {
  const me = session.me?.id === u.id;
  const tr = el('tr', u.disabled ? 'user-row row-disabled' : 'user-row');
  tr.dataset.user = u.name;
  const name = el('td', 'us-name');
  name.append(el('span', 'title', u.name));
  if (me) name.append(el('span', 'tag', '当前登录'));
  const status = el('td');
  status.append(el('span', `account-state ${u.disabled ? 'off' : 'on'}`, u.disabled ? '已停用' : '正常'));
  const pw = el('td', 'us-password', u.role === 'ingest' ? '不适用（仅令牌）' : u.hasPassword ? '已设置' : '未设置');
  const act = el('td', 'actions');
  if (!me) {
    act.append(button(u.disabled ? '启用' : '停用', `secondary toggle${u.disabled ? '' : ' danger'}`, (ev) => void setDisabled(u, !u.disabled, ev.currentTarget as HTMLButtonElement)));
  }
  if (u.role !== 'ingest') {
    act.append(button('重置密码', 'secondary reset-password', (ev) => void resetPassword(u, ev.currentTarget as HTMLButtonElement)));
  }
  if (!u.disabled) act.append(button('创建令牌', 'secondary new-token', () => toggleTokenForm(true, u.name)));
  tr.append(name, el('td', null, u.displayName), el('td', 'us-role', ROLE_LABELS[u.role] ?? u.role), status, pw, el('td', 'time', beijingMinute(u.createdAt)), act);
  return tr;
}

// --- tokens ---

function toggleTokenForm(open: boolean, userName?: string): void {
  const b = built;
  if (!b) return;
  b.tokenForm.hidden = !open;
  if (!open) return;
  fillTokenUsers(b, userName);
  b.tokenName.value = '';
  showError(b.tokenError, '');
  (userName ? b.tokenName : b.tokenUser).focus();
}

/** The enabled users a token can be made for, by role then name. */
function fillTokenUsers(b: Built, chosen?: string): void {
  const keep = chosen ?? b.tokenUser.value;
  const enabled = users.filter((u) => !u.disabled).sort((x, y) => ROLE_ORDER.indexOf(y.role) - ROLE_ORDER.indexOf(x.role) || x.name.localeCompare(y.name));
  b.tokenUser.replaceChildren(
    ...enabled.map((u) => {
      const o = el('option', null, `${u.name}${u.displayName && u.displayName !== u.name ? `（${u.displayName}）` : ''} · ${ROLE_LABELS[u.role]}`);
      o.value = u.name;
      return o;
    }),
  );
  if (enabled.some((u) => u.name === keep)) b.tokenUser.value = keep;
}

async function addTokenSubmit(submit: HTMLButtonElement): Promise<void> {
  const b = built;
  if (!b) return;
  const user = b.tokenUser.value;
  if (!user) return showError(b.tokenError, '请选择所属用户');
  showError(b.tokenError, '');
  submit.disabled = true;
  try {
    const r = await api<{ token: string; record: Token }>('POST', '/api/tokens', { user, name: b.tokenName.value.trim() });
    if (r.status !== 201) return showError(b.tokenError, errorText(r, '创建令牌失败，请稍后重试'));
    b.tokenForm.hidden = true;
    const rec = r.data.record;
    showError(b.done, `已为 ${rec.userName} 创建令牌${rec.name ? `「${rec.name}」` : ''}（前缀 ${rec.prefix}）`);
    await load();
    showSecret(`${rec.userName} 的新令牌${rec.name ? `「${rec.name}」` : ''}`, r.data.token);
  } finally {
    submit.disabled = false;
  }
}

async function revoke(t: Token, btn: HTMLButtonElement): Promise<void> {
  const b = built;
  if (!b) return;
  if (!confirm(`确定吊销 ${t.userName} 的令牌${t.name ? `「${t.name}」` : ''}（${t.prefix}…）？吊销后使用它的程序将立即无法访问，且不能恢复。`)) return;
  btn.disabled = true;
  const r = await api<{ record: Token }>('DELETE', `/api/tokens/${t.id}`);
  btn.disabled = false;
  if (built !== b) return;
  if (r.status !== 200) return showError(b.error, errorText(r, '吊销令牌失败，请稍后重试'));
  showError(b.error, '');
  showError(b.done, `已吊销令牌 ${t.prefix}…`);
  await load();
  b.done.focus();
}

function tokenRow(t: Token, owners: Map<number, User>): HTMLTableRowElement {
  const tr = el('tr', t.revokedAt ? 'token-row row-revoked' : 'token-row');
  tr.dataset.tokenId = String(t.id);
  const owner = owners.get(t.userId);
  const who = el('td', 'tk-owner');
  who.append(el('div', null, t.userName));
  if (owner) who.append(el('div', 'summary', `${ROLE_LABELS[owner.role]}${owner.disabled ? ' · 账号已停用' : ''}`));
  const prefix = el('td');
  prefix.append(el('code', 'token-prefix', `${t.prefix}…`));
  const state = el('td');
  state.append(el('span', `token-state ${t.revokedAt ? 'revoked' : 'live'}`, t.revokedAt ? '已吊销' : '有效'));
  if (t.revokedAt) state.append(el('div', 'summary', beijingMinute(t.revokedAt)));
  const act = el('td', 'actions');
  if (!t.revokedAt) act.append(button('吊销', 'secondary danger revoke', (ev) => void revoke(t, ev.currentTarget as HTMLButtonElement)));
  tr.append(
    el('td', 'tk-name', t.name || '（未填写）'),
    who,
    prefix,
    el('td', 'time', beijingMinute(t.createdAt)),
    el('td', 'time', t.lastUsedAt ? beijingMinute(t.lastUsedAt) : '从未使用'),
    state,
    act,
  );
  return tr;
}

async function load(): Promise<void> {
  const b = built;
  if (!b) return;
  const gen = ++generation;
  const [u, t] = await Promise.all([api<{ users: User[] }>('GET', '/api/users'), api<{ tokens: Token[] }>('GET', '/api/tokens')]);
  if (gen !== generation || built !== b) return;
  if (u.status !== 200 || t.status !== 200) {
    showError(b.error, errorText(u.status !== 200 ? u : t, '读取用户和令牌失败，请稍后重试'));
    return;
  }
  showError(b.error, '');
  users = u.data.users;
  b.usersBody.replaceChildren(...users.map(userRow));
  b.usersEmpty.hidden = users.length > 0;
  const owners = new Map(users.map((x) => [x.id, x]));
  // Live tokens first (what may need revoking), then the revoked, each newest first.
  const tokens = [...t.data.tokens].sort((x, y) => Number(Boolean(x.revokedAt)) - Number(Boolean(y.revokedAt)) || y.id - x.id);
  b.tokensBody.replaceChildren(...tokens.map((x) => tokenRow(x, owners)));
  b.tokensEmpty.hidden = tokens.length > 0;
  if (!b.tokenForm.hidden) fillTokenUsers(b);
}
