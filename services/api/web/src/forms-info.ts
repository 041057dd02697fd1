// 信息采集: what officers learned offline (走访, 来电, 来信, 网友反映, 其他), entered here. Each
// entry also becomes an item (origin 'manual', source 「信息采集」) that is analysed like any other,
// so it can join a topic and raise a warning; the list shows what became of it. A period's entries
// export as the 信息采集表 register (.xlsx).
import type { InfoChannel } from '@yuqing/forms';
import type { ItemView } from '@yuqing/db';
import { api, beijingMinute, button, can, el, errorText, field, fromBeijingInput, input, query, select, session, showError, textarea, toBeijingInput } from './core';
import { CHANNELS, doneLine, errorLine, lastMonth, rangeQuery, type DayRange, type InfoEntry } from './forms-common';
import type { Wire } from './wire';

/** The body of POST /api/info-entries. */
interface NewEntry {
  channel: InfoChannel;
  occurredAt: string;
  place: string;
  people: string;
  content: string;
  followUp?: string;
  officer: string;
}
/** GET /api/items/:id: what the analysis made of an entry (the item's other fields are not shown here). */
type ItemAnswer = { item: Wire<Pick<ItemView, 'id' | 'title' | 'publishedAt' | 'analysis'>> };

const SENTIMENT: Readonly<Record<string, string | undefined>> = { negative: '负面', neutral: '中性', positive: '正面' };

const state: { seq: number; cursor: string | null; range: DayRange | null; channel: string } = { seq: 0, cursor: null, range: null, channel: '' };

/** Draws the 信息采集 panel into `box`. */
export function infoPanel(box: HTMLElement): void {
  const parts: HTMLElement[] = [el('h3', null, '信息采集登记')];
  if (can('infoEntries')) parts.push(entryForm(() => load(box, true)));
  parts.push(listPart(box));
  box.replaceChildren(...parts);
  load(box, true).catch(() => undefined);
}

function entryForm(reload: () => Promise<void>): HTMLElement {
  const form = el('form', 'card info-form');
  form.noValidate = true;
  const channel = select(CHANNELS.map((c): [string, string] => [c, c]), CHANNELS[0]);
  channel.name = 'channel';
  const at = input('datetime-local', toBeijingInput(new Date()), { name: 'occurredAt', required: '' });
  const place = input('text', '', { name: 'place', maxlength: '200', required: '' });
  const people = input('text', '', { name: 'people', maxlength: '500', placeholder: '反映人、涉及人员及联系方式', required: '' });
  const content = textarea('', { name: 'content', rows: '4', maxlength: '5000', required: '', placeholder: '了解到的情况' });
  const followUp = textarea('', { name: 'followUp', rows: '2', maxlength: '2000', placeholder: '已做或拟做的处理（可空）' });
  const me = session.me;
  const officer = input('text', me ? me.displayName || me.name : '', { name: 'officer', maxlength: '50', required: '' });
  const err = errorLine();
  const done = doneLine();
  const submit = el('button', null, '登记');
  submit.type = 'submit';
  const actions = el('div', 'form-actions');
  actions.append(submit, el('span', 'hint', '登记后作为一条信息进入研判（来源「信息采集」），可归入话题并触发预警。'));
  const grid = el('div', 'form-grid');
  grid.append(
    el('h4', 'wide', '登记一条信息'),
    field('渠道', channel),
    field('时间（北京时间）', at),
    field('地点', place),
    field('人员', people),
    field('内容', content, 'field wide'),
    field('后续处理', followUp, 'field wide'),
    field('填报民警', officer),
    actions,
    err,
    done,
  );
  form.append(grid);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    showError(done, '');
    const when = fromBeijingInput(at.value);
    const missing = [
      [!when, '时间'],
      [!place.value.trim(), '地点'],
      [!people.value.trim(), '人员'],
      [!content.value.trim(), '内容'],
      [!officer.value.trim(), '填报民警'],
    ].filter(([m]) => m).map(([, name]) => name);
    if (missing.length || !when) return showError(err, `请填写：${missing.join('、')}`);
    const body: NewEntry = { channel: channel.value as InfoChannel, occurredAt: when, place: place.value.trim(), people: people.value.trim(), content: content.value.trim(), officer: officer.value.trim() };
    if (followUp.value.trim()) body.followUp = followUp.value.trim();
    submit.disabled = true;
    const r = await api<{ entry: InfoEntry }>('POST', '/api/info-entries', body);
    submit.disabled = false;
    if (r.status === 401) return;
    if (r.status !== 201 && r.status !== 200) return showError(err, errorText(r, '登记失败'));
    showError(err, '');
    showError(done, `已登记（${beijingMinute(r.data.entry.occurredAt)} ${r.data.entry.channel}），已进入研判`);
    for (const c of [place, people, content, followUp]) c.value = '';
    at.value = toBeijingInput(new Date());
    await reload();
    content.focus();
  });
  return form;
}

function listPart(box: HTMLElement): HTMLElement {
  const wrap = el('div', 'info-list');
  const range = state.range ?? lastMonthToNow();
  const from = input('date', range.first, { name: 'from' });
  const to = input('date', range.last, { name: 'to' });
  const channel = select([['', '全部'], ...CHANNELS.map((c): [string, string] => [c, c])], state.channel);
  channel.name = 'channel';
  const exp = el('a', 'button-link export-info', '导出 Excel');
  exp.setAttribute('download', '');
  const filters = el('form', 'filters');
  filters.append(field('从', from, 'inline'), field('至（含）', to, 'inline'), field('渠道', channel, 'inline'), exp);
  const apply = () => {
    if (!from.value || !to.value || from.value > to.value) return;
    state.range = { first: from.value, last: to.value };
    state.channel = channel.value;
    load(box, true).catch(() => undefined);
  };
  filters.addEventListener('change', apply);
  filters.addEventListener('submit', (ev) => {
    ev.preventDefault();
    apply();
  });
  const err = errorLine();
  err.classList.add('info-error');
  const table = el('table', 'grid info-entries');
  const head = el('tr');
  for (const h of ['时间（北京时间）', '渠道', '地点', '人员', '内容', '后续处理', '填报民警', '研判']) head.append(el('th', null, h));
  const thead = el('thead');
  thead.append(head);
  const body = el('tbody', 'info-body');
  table.append(thead, body);
  const empty = el('p', 'empty info-empty', can('infoEntries') ? '该时段没有登记的信息。在上方登记一条。' : '该时段没有登记的信息。');
  empty.hidden = true;
  const more = button('加载更多', 'secondary more info-more', () => load(box, false).catch(() => undefined));
  more.hidden = true;
  const tableWrap = el('div', 'table-wrap');
  tableWrap.append(table);
  wrap.append(el('h4', null, '已登记的信息'), filters, err, tableWrap, empty, more);
  return wrap;
}

/** The default list: the last month up to today (what was entered recently stays in view). */
function lastMonthToNow(): DayRange {
  const today = toBeijingInput(new Date()).slice(0, 10);
  return { first: lastMonth().first, last: today };
}

async function load(box: HTMLElement, reset: boolean): Promise<void> {
  const seq = ++state.seq;
  const range = state.range ?? lastMonthToNow();
  if (reset) state.cursor = null;
  const q = rangeQuery(range);
  const exp = box.querySelector<HTMLAnchorElement>('.export-info');
  if (exp) exp.href = `/api/info-entries.xlsx${query(q)}`;
  const r = await api<{ entries: InfoEntry[]; nextCursor: string | null }>('GET', `/api/info-entries${query({ ...q, channel: state.channel, limit: 50, cursor: state.cursor })}`);
  if (seq !== state.seq || r.status === 401) return;
  const err = box.querySelector<HTMLElement>('.info-error');
  const body = box.querySelector<HTMLElement>('.info-body');
  if (!err || !body) return;
  if (r.status !== 200) return showError(err, errorText(r, '信息采集列表加载失败'));
  showError(err, '');
  const rows = r.data.entries.flatMap(entryRows);
  if (reset) body.replaceChildren(...rows);
  else body.append(...rows);
  state.cursor = r.data.nextCursor ?? null;
  const more = box.querySelector<HTMLElement>('.info-more');
  if (more) more.hidden = state.cursor === null;
  const empty = box.querySelector<HTMLElement>('.info-empty');
  if (empty) empty.hidden = body.children.length > 0;
}

/** An entry's row, and the (hidden) row that shows what the analysis made of its item. */
function entryRows(e: InfoEntry): HTMLTableRowElement[] {
  const tr = el('tr', 'info-entry');
  tr.dataset.entryId = String(e.id);
  const item = el('td', 'item-cell');
  const detail = el('tr', 'item-detail');
  detail.hidden = true;
  const detailCell = el('td');
  detailCell.colSpan = 8;
  detail.append(detailCell);
  if (e.itemId !== null) {
    const toggle = button(`条目 #${e.itemId}`, 'link-button item-link');
    toggle.setAttribute('aria-expanded', 'false');
    toggle.title = '查看该信息作为条目的研判结果';
    toggle.dataset.itemId = String(e.itemId);
    toggle.addEventListener('click', async () => {
      const open = detail.hidden;
      detail.hidden = !open;
      toggle.setAttribute('aria-expanded', String(open));
      if (open) await showItem(detailCell, e.itemId as number);
    });
    item.append(toggle);
  } else item.append(el('span', 'hint', '未生成条目'));
  tr.append(
    el('td', 'time', beijingMinute(e.occurredAt)),
    el('td', 'channel', e.channel),
    el('td', null, e.place),
    el('td', null, e.people),
    el('td', 'pre content', e.content),
    el('td', 'pre', e.followUp || '—'),
    el('td', null, e.officer),
    item,
  );
  return [tr, detail];
}

async function showItem(cell: HTMLElement, id: number): Promise<void> {
  cell.replaceChildren(el('span', 'hint', '加载中…'));
  const r = await api<ItemAnswer>('GET', `/api/items/${id}`);
  if (r.status === 401) return;
  if (r.status !== 200) {
    cell.replaceChildren(el('span', 'error', errorText(r, '条目加载失败')));
    return;
  }
  const a = r.data.item.analysis;
  const line = el('div', 'item-analysis');
  line.append(el('strong', null, `条目 #${id}`), el('span', null, r.data.item.title || ''));
  if (!a) line.append(el('span', 'hint', '等待分析（通常在一分钟内完成）'));
  else {
    line.append(
      el('span', null, `涉警：${a.policeRelated ? '是' : '否'}`),
      el('span', a.policeNegative ? 'error' : null, `涉警负面：${a.policeNegative ? '是' : '否'}`),
      el('span', null, `情感：${SENTIMENT[a.sentiment] || a.sentiment}`),
    );
    if (a.keywords.length) line.append(el('span', 'summary', `关键词：${a.keywords.slice(0, 8).join('、')}`));
  }
  cell.replaceChildren(line);
}

export function reset(): void {
  state.seq++;
  state.cursor = null;
  state.range = null;
  state.channel = '';
}
