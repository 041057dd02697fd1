// 接收端 (系统管理 → 接收端): where warnings are pushed — DingTalk, WeCom and Feishu group robots
// and plain webhooks. Each with its recent deliveries (the latest state at a glance, the log on
// demand), the rules that push to it, and 「发送测试消息」: one message now, the other side's answer
// shown at once (in Chinese, with the HTTP status and how long it took). A signing secret is
// write-only: the API only says whether one is set, and the form never shows it back. The URL
// itself may carry the robot's token, so the list shows it masked; the full URL is in 「编辑」.
import './admin-receivers.css';
import type { Rule } from '@yuqing/alerting';
import type { AdminRule, Delivery, DeliveryStatus, Receiver, ReceiverKind } from '@yuqing/db';
import { api, beijing, beijingMinute, button, el, errorText, field, input, query, select, showError } from './core';
import type { Wire } from './wire';

type ReceiverW = Wire<Receiver>;
type DeliveryW = Wire<Delivery>;
type RuleW = Wire<Omit<AdminRule, 'spec'> & { spec: Rule }>;
/**
 * POST /api/receivers/:id/test. The route declares this answer inline (routes/receivers.ts), with
 * no type to import; these are its fields.
 */
interface TestResult {
  ok: boolean;
  httpStatus: number | null;
  error: string | null;
  durationMs: number;
}

/** Every kind the API takes (a Record over ReceiverKind: a kind added there must be described here). */
const KINDS: Record<ReceiverKind, { label: string; placeholder: string; secret: string; secretHint: string }> = {
  dingtalk: {
    label: '钉钉机器人',
    placeholder: 'https://oapi.dingtalk.com/robot/send?access_token=…',
    secret: '加签密钥（SEC 开头）',
    secretHint: '机器人安全设置选「加签」时填写；选关键词时，关键词须含「预警」',
  },
  wecom: {
    label: '企业微信机器人',
    placeholder: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…',
    secret: '签名密钥（企业微信不使用，留空）',
    secretHint: '企业微信群机器人不支持签名',
  },
  feishu: {
    label: '飞书机器人',
    placeholder: 'https://open.feishu.cn/open-apis/bot/v2/hook/…',
    secret: '签名校验密钥',
    secretHint: '机器人安全设置中开启「签名校验」时填写',
  },
  webhook: {
    label: '通用 Webhook',
    placeholder: 'https://内网中转地址/yuqing-hook',
    secret: '签名密钥（HMAC-SHA256）',
    secretHint: '设置后每个请求带 X-Yuqing-Signature，接收方可据此验证来源',
  },
};
const KIND_KEYS = Object.keys(KINDS) as ReceiverKind[];

const DELIVERY_LABELS: Record<DeliveryStatus, string> = { pending: '等待发送', sent: '已送达', failed: '失败，等待重试', dead: '已放弃' };
/** Deliveries read per receiver for the list's 最近投递 column. */
const RECENT = 20;
const HISTORY_PAGE = 50;

/** What an HTTP status from a robot or relay usually means, for the person fixing it. */
function statusMeaning(status: number): string {
  if (status >= 300 && status < 400) return '接收端要求重定向，系统不跟随重定向，请改用最终地址';
  if (status === 400) return '接收端拒绝了请求内容';
  if (status === 401 || status === 403) return '接收端拒绝访问，请检查地址中的令牌或密钥';
  if (status === 404) return '接收端地址不存在，请检查地址';
  if (status === 413) return '消息过大，接收端拒收';
  if (status === 429) return '发送过于频繁，接收端限流';
  if (status >= 500) return '接收端服务器出错';
  return '接收端返回了错误状态';
}

/**
 * Why a send failed, in Chinese first: the delivery code's own message (part English, naming the
 * host) stays available as the detail.
 */
function failureHeadline(error: string | null, httpStatus: number | null): string {
  const e = error ?? '';
  if (e.startsWith('地址被拒绝')) return '地址被拒绝：指向本机或内网地址，SSRF 防护未发送';
  if (e.startsWith('connect_timeout')) return '连接超时：在限定时间内连不上接收端';
  if (e.startsWith('timeout')) return '等待应答超时：接收端没有及时回复';
  if (e.startsWith('network')) return '网络错误：无法连接接收端（连接被拒绝，或域名无法解析）';
  if (e.startsWith('bad_url')) return '地址无效';
  if (e.startsWith('无法生成消息')) return '无法生成消息';
  // DingTalk's 310000: the robot's security setting (keyword, 加签 or IP allow-list) refused it.
  if (/errcode=310000/.test(e)) return '接收端拒绝了消息：未通过机器人的安全设置（关键词、加签或 IP 白名单）';
  if (httpStatus !== null && httpStatus >= 200 && httpStatus < 300) return '接收端收到了请求，但拒绝了消息';
  if (httpStatus !== null) return `${statusMeaning(httpStatus)}（HTTP ${httpStatus}）`;
  return '发送失败';
}

/**
 * The URL with what may be a credential hidden: query values (access_token, key) and long path
 * segments (Feishu's hook token). Admins see the whole URL in 「编辑」.
 */
function maskedUrl(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return raw.slice(0, 40);
  }
  const path = u.pathname
    .split('/')
    .map((s) => (s.length >= 16 ? `${s.slice(0, 4)}…` : s))
    .join('/');
  const q = [...u.searchParams.keys()].map((k) => `${k}=…`).join('&');
  return `${u.protocol}//${u.host}${path}${q ? `?${q}` : ''}`;
}

interface Row {
  receiver: ReceiverW;
  /** The latest deliveries (newest first); null while loading, or with the error. */
  recent: DeliveryW[] | null;
  recentError: string | null;
}

interface Detail {
  /** The receiver whose detail row is open. */
  id: number;
  deliveries: DeliveryW[];
  cursor: number | null;
  status: DeliveryStatus | '';
  error: string | null;
  loading: boolean;
}

interface View {
  panel: HTMLElement;
  done: HTMLElement;
  warn: HTMLElement;
  error: HTMLElement;
  body: HTMLTableSectionElement;
  empty: HTMLElement;
  summary: HTMLElement;
  form: HTMLFormElement;
  newButton: HTMLButtonElement;
}

interface Editor {
  receiver: ReceiverW | null;
  name: HTMLInputElement;
  kind: HTMLSelectElement;
  url: HTMLInputElement;
  secret: HTMLInputElement;
  clearSecret: HTMLInputElement | null;
  enabled: HTMLInputElement;
  allowPrivate: HTMLInputElement;
}

const state: {
  view: View | null;
  rows: Row[];
  rules: RuleW[] | null;
  /** The last test of each receiver this session (tests are not in the delivery log). */
  tests: Map<number, { result: TestResult | null; at: string; error: string | null; sending: boolean }>;
  detail: Detail | null;
  editor: Editor | null;
  loadSeq: number;
  highlight: number | null;
} = { view: null, rows: [], rules: null, tests: new Map(), detail: null, editor: null, loadSeq: 0, highlight: null };

function say(message: string, warnings: string[] = []): void {
  const v = state.view;
  if (!v) return;
  v.done.textContent = message;
  v.done.hidden = !message;
  v.warn.replaceChildren(...warnings.map((w) => el('li', null, w)));
  v.warn.hidden = !warnings.length;
}

// --- the list ----------------------------------------------------------------------------------

function recentCell(row: Row): HTMLElement {
  const td = el('td', 'rcv-recent');
  if (row.recentError) {
    td.append(el('span', 'error', row.recentError));
    return td;
  }
  if (!row.recent) {
    td.append(el('span', 'hint', '读取中…'));
    return td;
  }
  const last = row.recent[0];
  if (!last) {
    td.append(el('span', 'hint', '尚无投递'));
    return td;
  }
  const head = el('div', 'recent-head');
  head.append(el('span', `delivery-status ds-${last.status}`, DELIVERY_LABELS[last.status]), el('span', 'time', beijingMinute(last.sentAt ?? last.updatedAt)));
  td.append(head);
  if (last.status !== 'sent' && last.lastError) {
    const why = el('div', 'recent-error', failureHeadline(last.lastError, last.lastStatus));
    why.title = last.lastError;
    td.append(why);
  }
  const sent = row.recent.filter((d) => d.status === 'sent').length;
  const bad = row.recent.filter((d) => d.status === 'dead' || d.status === 'failed').length;
  td.append(el('div', 'summary', `最近 ${row.recent.length} 次：送达 ${sent}${bad ? ` · 失败 ${bad}` : ''}`));
  return td;
}

function usedBy(id: number): string[] {
  return (state.rules ?? []).filter((r) => r.spec.receivers.includes(id)).map((r) => `${r.name}${r.enabled ? '' : '（停用）'}`);
}

function receiverRow(row: Row): HTMLTableRowElement {
  const r = row.receiver;
  const tr = el('tr', `receiver-row${r.enabled ? '' : ' row-disabled'}${state.highlight === r.id ? ' fresh' : ''}`);
  tr.dataset.receiverId = String(r.id);
  const status = el('td', 'rcv-status');
  status.append(el('span', `state-tag ${r.enabled ? 'on' : 'off'}`, r.enabled ? '启用' : '停用'));
  const name = el('td', 'rcv-name');
  name.append(el('div', 'title', r.name), el('div', 'summary', KINDS[r.kind].label));
  const url = el('td', 'rcv-url');
  const code = el('code', null, maskedUrl(r.url));
  code.title = '地址中的令牌已隐藏，完整地址见「编辑」';
  url.append(code);
  const flags = el('div', 'rcv-flags');
  flags.append(el('span', `tag ${r.hasSecret ? 'secret-set' : 'secret-none'}`, r.hasSecret ? '已设密钥' : '未设密钥'));
  if (r.allowPrivate) flags.append(el('span', 'tag private', '允许内网地址'));
  url.append(flags);
  const rules = el('td', 'rcv-rules');
  const names = usedBy(r.id);
  if (state.rules === null) rules.append(el('span', 'hint', '—'));
  else if (names.length) rules.append(el('span', null, names.join('、')));
  else rules.append(el('span', 'hint', '未被任何规则使用'));
  const actions = el('td', 'actions');
  const test = button('发送测试消息', null, () => void sendTest(r));
  test.dataset.action = 'test';
  test.setAttribute('aria-label', `向「${r.name}」发送测试消息`);
  test.disabled = state.tests.get(r.id)?.sending ?? false;
  const open = state.detail?.id === r.id;
  const history = button(open ? '收起记录' : '投递记录', 'secondary', () => void toggleDetail(r.id));
  history.dataset.action = 'history';
  history.setAttribute('aria-expanded', String(open));
  const edit = button('编辑', 'secondary', () => openEditor(r));
  edit.setAttribute('aria-label', `编辑接收端「${r.name}」`);
  const toggle = button(r.enabled ? '停用' : '启用', 'secondary', () => void setEnabled(r, !r.enabled, toggle));
  const del = button('删除', 'secondary danger', () => confirmDelete(r, actions, del));
  del.setAttribute('aria-label', `删除接收端「${r.name}」`);
  actions.append(test, history, edit, toggle, del);
  tr.append(status, name, url, recentCell(row), rules, actions);
  return tr;
}

/** Puts a test result away (the keyboard goes back to the row's 发送测试消息). */
function dismissButton(id: number): HTMLButtonElement {
  const close = button('关闭', 'secondary dismiss', () => {
    state.tests.delete(id);
    renderOne(id);
    (state.view?.body.querySelector(`tr.receiver-row[data-receiver-id="${id}"] button[data-action="test"]`) as HTMLButtonElement | null)?.focus();
  });
  close.setAttribute('aria-label', '关闭测试结果');
  return close;
}

/** The test result block: sent, or why not in Chinese with the raw answer as the detail. */
function testBlock(id: number): HTMLElement | null {
  const t = state.tests.get(id);
  if (!t) return null;
  const box = el('div', 'rcv-test-result');
  box.setAttribute('role', 'status');
  if (t.sending) {
    box.classList.add('sending');
    box.append(el('p', null, '正在发送测试消息…'));
    return box;
  }
  if (t.error || !t.result) {
    box.classList.add('failed');
    box.append(dismissButton(id), el('p', 'headline', `未能发送测试消息：${t.error ?? '未知错误'}`));
    return box;
  }
  const r = t.result;
  const facts = [r.httpStatus !== null ? `HTTP ${r.httpStatus}` : '未收到应答', `用时 ${r.durationMs} 毫秒`, `${beijing(t.at)}（北京时间）`].join(' · ');
  if (r.ok) {
    box.classList.add('ok');
    box.append(el('p', 'headline', '测试消息已送达：接收端已接受'), el('p', 'facts', facts));
  } else {
    box.classList.add('failed');
    box.append(el('p', 'headline', `测试消息发送失败：${failureHeadline(r.error, r.httpStatus)}`), el('p', 'facts', facts));
    if (r.error) {
      const d = el('p', 'detail');
      d.append(el('span', 'caption', '接收端或网络的原始信息：'), el('span', 'raw', r.error));
      box.append(d);
    }
  }
  box.append(el('p', 'hint', '测试消息立即发送一次，不重试，也不计入投递记录。'));
  box.prepend(dismissButton(id));
  return box;
}

function historyBlock(d: Detail): HTMLElement {
  const box = el('div', 'rcv-history');
  const head = el('div', 'history-head');
  head.append(el('h4', null, '投递记录'));
  const filter = select([['', '全部'], ...Object.entries(DELIVERY_LABELS)] as Array<[string, string]>, d.status);
  filter.dataset.action = 'filter';
  filter.addEventListener('change', () => {
    d.status = filter.value as DeliveryStatus | '';
    void loadHistory(d, true);
  });
  head.append(field('状态', filter, 'field inline'));
  box.append(head);
  if (d.error) box.append(el('p', 'error', d.error));
  if (!d.deliveries.length) {
    box.append(el('p', 'hint', d.loading ? '读取中…' : d.status ? '没有此状态的投递' : '尚无投递：规则触发预警后，推送记录会出现在这里'));
    return box;
  }
  const table = el('table', 'grid deliveries');
  const thead = el('thead');
  const hr = el('tr');
  for (const h of ['时间（北京时间）', '消息', '状态', '尝试', 'HTTP', '原因']) hr.append(el('th', null, h));
  thead.append(hr);
  const tbody = el('tbody');
  for (const x of d.deliveries) {
    const tr = el('tr', `delivery ds-row-${x.status}`);
    tr.dataset.deliveryId = String(x.id);
    const p = (x.payload ?? {}) as { title?: unknown; levelLabel?: unknown };
    const title = typeof p.title === 'string' ? p.title : x.dedupKey;
    const st = el('td');
    st.append(el('span', `delivery-status ds-${x.status}`, DELIVERY_LABELS[x.status]));
    const why = el('td', 'why');
    if (x.lastError && x.status !== 'sent') {
      why.append(el('div', null, failureHeadline(x.lastError, x.lastStatus)), el('div', 'raw', x.lastError));
    }
    tr.append(
      el('td', 'time', beijing(x.sentAt ?? x.createdAt)),
      el('td', 'msg', `${typeof p.levelLabel === 'string' ? `【${p.levelLabel}】` : ''}${title}`),
      st,
      el('td', 'num', x.attempts),
      el('td', 'num', x.lastStatus ?? '—'),
      why,
    );
    tbody.append(tr);
  }
  table.append(thead, tbody);
  const wrap = el('div', 'table-wrap');
  wrap.append(table);
  box.append(wrap);
  if (d.cursor !== null) {
    const more = button(d.loading ? '读取中…' : '加载更多', 'secondary more', () => void loadHistory(d, false));
    more.dataset.action = 'more';
    more.disabled = d.loading;
    box.append(more);
  }
  return box;
}

function detailRow(id: number): HTMLTableRowElement | null {
  const t = testBlock(id);
  const d = state.detail?.id === id ? state.detail : null;
  if (!t && !d) return null;
  const tr = el('tr', 'receiver-detail');
  tr.dataset.receiverId = String(id);
  const td = el('td');
  td.colSpan = 6;
  if (t) td.append(t);
  if (d) td.append(historyBlock(d));
  tr.append(td);
  return tr;
}

function render(): void {
  const v = state.view;
  if (!v) return;
  const rows: HTMLTableRowElement[] = [];
  for (const row of state.rows) {
    rows.push(receiverRow(row));
    const d = detailRow(row.receiver.id);
    if (d) rows.push(d);
  }
  v.body.replaceChildren(...rows);
  v.empty.hidden = state.rows.length > 0;
  v.empty.textContent = '尚无接收端。点「添加接收端」填写钉钉、企业微信、飞书机器人或 Webhook 地址，保存后「发送测试消息」确认能收到。';
  const on = state.rows.filter((r) => r.receiver.enabled).length;
  v.summary.textContent = state.rows.length ? `共 ${state.rows.length} 个 · 启用 ${on} · 停用 ${state.rows.length - on}` : '';
}

/** Redraws one receiver's rows in place (a test result or the log arriving moves nothing else). */
function renderOne(id: number): void {
  const v = state.view;
  const row = state.rows.find((r) => r.receiver.id === id);
  if (!v || !row) return;
  const old = v.body.querySelector(`tr.receiver-row[data-receiver-id="${id}"]`);
  const oldDetail = v.body.querySelector(`tr.receiver-detail[data-receiver-id="${id}"]`);
  if (!old) return render();
  const active = document.activeElement;
  const focused = active instanceof HTMLElement && (old.contains(active) || oldDetail?.contains(active)) ? (active.dataset.action ?? null) : null;
  const fresh = receiverRow(row);
  old.replaceWith(fresh);
  const d = detailRow(id);
  if (oldDetail && d) oldDetail.replaceWith(d);
  else if (oldDetail) oldDetail.remove();
  else if (d) fresh.after(d);
  // Keep the keyboard where it was: the same control of the redrawn rows.
  if (focused) ((fresh.querySelector(`[data-action="${focused}"]`) ?? d?.querySelector(`[data-action="${focused}"]`)) as HTMLElement | null)?.focus();
}

async function loadRecent(row: Row): Promise<void> {
  const r = await api<{ deliveries: DeliveryW[] }>('GET', `/api/receivers/${row.receiver.id}/deliveries${query({ limit: RECENT })}`);
  if (r.status === 401) return;
  if (r.status === 200) row.recent = r.data.deliveries;
  else row.recentError = errorText(r, '投递记录读取失败');
  if (state.rows.includes(row)) renderOne(row.receiver.id);
}

async function load(): Promise<void> {
  const v = state.view;
  if (!v) return;
  const seq = ++state.loadSeq;
  const [receivers, rules] = await Promise.all([api<{ receivers: ReceiverW[] }>('GET', '/api/receivers'), api<{ rules: RuleW[] }>('GET', '/api/rules')]);
  if (seq !== state.loadSeq || state.view !== v || receivers.status === 401) return;
  if (receivers.status !== 200) {
    showError(v.error, errorText(receivers, '接收端读取失败，请稍后重试'));
    v.empty.hidden = true;
    return;
  }
  showError(v.error, '');
  state.rules = rules.status === 200 ? rules.data.rules : null;
  // Keep what is known of each receiver's deliveries while they are read again: no flicker.
  const before = new Map(state.rows.map((r) => [r.receiver.id, r]));
  state.rows = receivers.data.receivers.map((receiver) => ({ receiver, recent: before.get(receiver.id)?.recent ?? null, recentError: null }));
  if (state.detail && !state.rows.some((r) => r.receiver.id === state.detail?.id)) state.detail = null;
  render();
  state.highlight = null;
  await Promise.all(state.rows.map(loadRecent));
  if (state.detail) await loadHistory(state.detail, true);
}

async function loadHistory(d: Detail, fromStart: boolean): Promise<void> {
  d.loading = true;
  if (fromStart) {
    d.cursor = null;
    d.deliveries = [];
  }
  renderOne(d.id);
  const r = await api<{ deliveries: DeliveryW[]; nextCursor: number | null }>(
    'GET',
    `/api/receivers/${d.id}/deliveries${query({ limit: HISTORY_PAGE, status: d.status, cursor: fromStart ? null : d.cursor })}`,
  );
  d.loading = false;
  if (r.status === 401 || state.detail !== d) return;
  if (r.status !== 200) d.error = errorText(r, '投递记录读取失败');
  else {
    d.error = null;
    d.deliveries = fromStart ? r.data.deliveries : [...d.deliveries, ...r.data.deliveries];
    d.cursor = r.data.nextCursor;
  }
  renderOne(d.id);
}

async function toggleDetail(id: number): Promise<void> {
  const previous = state.detail?.id ?? null;
  state.detail = null;
  if (previous !== null) renderOne(previous);
  if (previous === id) return;
  const d: Detail = { id, deliveries: [], cursor: null, status: '', error: null, loading: true };
  state.detail = d;
  await loadHistory(d, true);
}

async function sendTest(r: ReceiverW): Promise<void> {
  state.tests.set(r.id, { result: null, at: new Date().toISOString(), error: null, sending: true });
  renderOne(r.id);
  const res = await api<TestResult>('POST', `/api/receivers/${r.id}/test`);
  if (res.status === 401) return;
  state.tests.set(r.id, {
    result: res.status === 200 ? res.data : null,
    at: new Date().toISOString(),
    error: res.status === 200 ? null : errorText(res, '请求失败，请稍后重试'),
    sending: false,
  });
  renderOne(r.id);
}

async function setEnabled(r: ReceiverW, enabled: boolean, btn: HTMLButtonElement): Promise<void> {
  btn.disabled = true;
  const res = await api<{ receiver: ReceiverW; warnings: string[] }>('PATCH', `/api/receivers/${r.id}`, { enabled });
  btn.disabled = false;
  if (res.status === 401 || !state.view) return;
  if (res.status !== 200) return showError(state.view.error, errorText(res, `${enabled ? '启用' : '停用'}失败`));
  showError(state.view.error, '');
  say(`已${enabled ? '启用' : '停用'}接收端「${r.name}」${enabled ? '' : '：不再向它推送，投递记录保留'}`);
  state.highlight = r.id;
  await load();
}

function confirmDelete(r: ReceiverW, cell: HTMLElement, del: HTMLButtonElement): void {
  const keep = [...cell.children];
  const ask = el('span', 'confirm');
  const used = usedBy(r.id);
  ask.append(el('span', 'confirm-text', `删除后投递记录一并删除${used.length ? `，规则「${used.join('、')}」将不再推送到这里` : ''}；只想暂停请用「停用」。确定删除？`));
  const yes = button('确认删除', 'danger', () => void remove(r, yes));
  const no = button('取消', 'secondary', () => {
    cell.replaceChildren(...keep);
    del.focus();
  });
  ask.append(yes, no);
  cell.replaceChildren(ask);
  no.focus();
}

async function remove(r: ReceiverW, btn: HTMLButtonElement): Promise<void> {
  btn.disabled = true;
  const res = await api('DELETE', `/api/receivers/${r.id}`);
  if (res.status === 401 || !state.view) return;
  if (res.status !== 200 && res.status !== 404) {
    btn.disabled = false;
    return showError(state.view.error, errorText(res, '删除失败'));
  }
  showError(state.view.error, '');
  state.tests.delete(r.id);
  if (state.editor?.receiver?.id === r.id) closeEditor();
  say(`已删除接收端「${r.name}」`);
  await load();
}

// --- the form ----------------------------------------------------------------------------------

function openEditor(r: ReceiverW | null): void {
  const v = state.view;
  if (!v) return;
  say('');
  const form = v.form;
  form.replaceChildren();
  form.hidden = false;
  const title = el('h3', null, r ? `编辑接收端「${r.name}」` : '添加接收端');
  title.id = 'rcv-form-title';
  form.setAttribute('aria-labelledby', title.id);
  const name = input('text', r?.name ?? '', { maxlength: '100', autocomplete: 'off', placeholder: '如 值班群' });
  name.id = 'rcv-name';
  const kind = select(KIND_KEYS.map((k) => [k, KINDS[k].label] as const), r?.kind ?? 'dingtalk');
  kind.id = 'rcv-kind';
  const url = input('url', r?.url ?? '', { maxlength: '2000', autocomplete: 'off', spellcheck: 'false' });
  url.id = 'rcv-url';
  // Write-only: never filled in; autocomplete off so the browser does not offer a saved password.
  const secret = input('password', '', { maxlength: '500', autocomplete: 'new-password', spellcheck: 'false' });
  secret.id = 'rcv-secret';
  const secretField = field('', secret, 'field wide');
  const secretCaption = secretField.querySelector('.caption') as HTMLElement;
  const secretHint = el('p', 'hint field-hint');
  let clearSecret: HTMLInputElement | null = null;
  const grid = el('div', 'form-grid');
  grid.append(field('名称', name), field('类型', kind), field('地址（URL）', url, 'field wide'), secretField, secretHint);
  if (r?.hasSecret) {
    clearSecret = input('checkbox');
    clearSecret.id = 'rcv-clear-secret';
    const l = el('label', 'check wide');
    l.append(clearSecret, el('span', null, '清除已设置的密钥'));
    clearSecret.addEventListener('change', () => {
      secret.disabled = clearSecret?.checked ?? false;
      if (secret.disabled) secret.value = '';
    });
    grid.append(l);
  }
  const enabled = input('checkbox');
  enabled.id = 'rcv-enabled';
  enabled.checked = r?.enabled ?? true;
  const enabledLabel = el('label', 'check');
  enabledLabel.append(enabled, el('span', null, '启用（规则触发时向它推送）'));
  const allowPrivate = input('checkbox');
  allowPrivate.id = 'rcv-allow-private';
  allowPrivate.checked = r?.allowPrivate ?? false;
  const privateLabel = el('label', 'check');
  privateLabel.append(allowPrivate, el('span', null, '允许本机或内网地址（仅用于内网中转服务；会绕过 SSRF 防护）'));
  grid.append(enabledLabel, privateLabel);
  const syncKind = () => {
    const k = KINDS[kind.value as ReceiverKind] ?? KINDS.webhook;
    url.placeholder = k.placeholder;
    secretCaption.textContent = k.secret;
    secret.placeholder = r?.hasSecret ? '已设置（不显示）；留空保持不变，填写则替换' : '可留空';
    secretHint.textContent = k.secretHint;
  };
  kind.addEventListener('change', syncKind);
  syncKind();
  const problems = el('ul', 'problems');
  problems.id = 'rcv-problems';
  const save = el('button', null, r ? '保存' : '添加');
  save.type = 'submit';
  save.id = 'rcv-save';
  const cancel = button('取消', 'secondary', () => {
    closeEditor();
    v.newButton.focus();
  });
  const actions = el('div', 'form-actions');
  actions.append(save, cancel);
  const error = el('p', 'error');
  error.id = 'rcv-error';
  error.setAttribute('role', 'alert');
  error.hidden = true;
  form.append(title, grid, problems, actions, error);
  state.editor = { receiver: r, name, kind, url, secret, clearSecret, enabled, allowPrivate };
  form.scrollIntoView({ block: 'nearest' });
  name.focus();
}

function closeEditor(): void {
  state.editor = null;
  const v = state.view;
  if (!v) return;
  v.form.hidden = true;
  v.form.replaceChildren();
}

function isHttpUrl(raw: string): boolean {
  try {
    const u = new URL(raw);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}

/** The form as the API takes it (receiverInputSchema), and what is wrong with it in Chinese. */
function readEditor(e: Editor): { body: Record<string, unknown>; problems: string[] } {
  const problems: string[] = [];
  const name = e.name.value.trim();
  const url = e.url.value.trim();
  if (!name) problems.push('请填写名称');
  else if (name.length > 100) problems.push('名称不超过 100 个字');
  if (!url) problems.push('请填写地址');
  else if (url.length > 2000) problems.push('地址不超过 2000 个字符');
  else if (!isHttpUrl(url)) problems.push('地址须是完整的 http:// 或 https:// 网址');
  if (e.secret.value.length > 500) problems.push('密钥不超过 500 个字符');
  const body: Record<string, unknown> = { name, kind: e.kind.value, url, enabled: e.enabled.checked, allowPrivate: e.allowPrivate.checked };
  // The secret is sent only when set or cleared: left empty on an edit, the stored one stays.
  if (e.clearSecret?.checked) body['secret'] = null;
  else if (e.secret.value) body['secret'] = e.secret.value;
  return { body, problems };
}

async function saveEditor(ev: Event): Promise<void> {
  ev.preventDefault();
  const e = state.editor;
  const v = state.view;
  const error = document.getElementById('rcv-error');
  const problemsList = document.getElementById('rcv-problems');
  const save = document.getElementById('rcv-save') as HTMLButtonElement | null;
  if (!e || !v || !error || !save || !problemsList) return;
  const { body, problems } = readEditor(e);
  problemsList.replaceChildren(...problems.map((p) => el('li', null, p)));
  if (problems.length) return showError(error, '还有问题需要修改，见上方列出的各项');
  showError(error, '');
  save.disabled = true;
  const editing = e.receiver;
  const r = editing
    ? await api<{ receiver: ReceiverW; warnings: string[] }>('PATCH', `/api/receivers/${editing.id}`, body)
    : await api<{ receiver: ReceiverW; warnings: string[] }>('POST', '/api/receivers', body);
  save.disabled = false;
  if (r.status === 401 || state.editor !== e) return;
  if (r.status !== 200 && r.status !== 201) return showError(error, errorText(r, '保存失败，请稍后重试'));
  e.secret.value = '';
  closeEditor();
  state.highlight = r.data.receiver.id;
  say(`已${editing ? '保存' : '添加'}接收端「${r.data.receiver.name}」：可点「发送测试消息」确认能收到`, r.data.warnings);
  await load();
  v.newButton.focus();
}

// --- the panel ---------------------------------------------------------------------------------

function build(panel: HTMLElement): View {
  panel.replaceChildren();
  const bar = el('div', 'toolbar');
  const h = el('h3', 'panel-title', '接收端');
  const summary = el('span', 'hint');
  summary.id = 'receivers-summary';
  h.append(' ', summary);
  const newButton = button('添加接收端', null, () => openEditor(null));
  newButton.id = 'receivers-new';
  const refresh = button('刷新', 'secondary', () => void load());
  const actions = el('div', 'actions');
  actions.append(newButton, refresh);
  bar.append(h, actions);
  const intro = el('p', 'hint', '预警规则触发、升级、次生时，向所选接收端推送消息；失败的会自动重试。地址中的令牌在列表中隐藏，密钥保存后不再显示。时间均为北京时间。');
  const done = el('p', 'done');
  done.id = 'receivers-done';
  done.setAttribute('role', 'status');
  done.hidden = true;
  const warn = el('ul', 'problems rcv-warnings');
  warn.id = 'receivers-warnings';
  warn.hidden = true;
  const form = el('form', 'card rcv-form');
  form.id = 'rcv-form';
  form.noValidate = true;
  form.hidden = true;
  form.addEventListener('submit', (ev) => void saveEditor(ev));
  const error = el('p', 'error');
  error.id = 'receivers-error';
  error.setAttribute('role', 'alert');
  error.hidden = true;
  const table = el('table', 'grid receivers');
  const thead = el('thead');
  const hr = el('tr');
  for (const x of ['状态', '名称 / 类型', '地址', '最近投递', '用于规则', '']) hr.append(el('th', null, x));
  thead.append(hr);
  const body = el('tbody');
  body.id = 'receivers-body';
  table.append(thead, body);
  const wrap = el('div', 'table-wrap');
  wrap.append(table);
  const empty = el('p', 'empty', '正在读取…');
  empty.id = 'receivers-empty';
  panel.append(bar, intro, done, warn, form, error, wrap, empty);
  return { panel, done, warn, error, body, empty, summary, form, newButton };
}

/** #/admin/receivers */
export async function show(panel: HTMLElement): Promise<void> {
  if (!state.view || state.view.panel !== panel) {
    state.editor = null;
    state.view = build(panel);
  }
  await load();
}

/** Signed out: forget the receivers, the tests and the form. */
export function reset(): void {
  state.loadSeq++;
  state.view = null;
  state.rows = [];
  state.rules = null;
  state.tests.clear();
  state.detail = null;
  state.editor = null;
  state.highlight = null;
}
