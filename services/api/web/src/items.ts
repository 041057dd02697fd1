// 条目: the analysts' search over collected items. Each item shows the automatic judgement
// (police-related, police-negative, sentiment) and, when an analyst corrected it, the correction;
// 「纠正」 stores a label. Selected items can open an incident.
import type { Incident, ItemLabel, ItemView, LabelSentiment } from '@yuqing/db';
import type { EffectiveValues } from '../../src/item-feedback';
import { $, api, beijingMinute, button, can, el, errorText, field, input, outLink, query, select, showError } from './core';
import type { Wire } from './wire';

/** An analyst's correction as the routes send it (labelOut in routes/items.ts): who by id and name, and when. */
type LabelOut = Pick<ItemLabel, 'policeRelated' | 'policeNegative' | 'sentiment' | 'note'> & {
  by: { id: ItemLabel['labelledBy']; name: ItemLabel['labelledByName'] };
  at: ItemLabel['labelledAt'];
};
/** An item as GET /api/items and the label routes send it (withFeedback in routes/items.ts). */
type Item = Wire<Omit<ItemView, 'label'> & { label: LabelOut | null; effective: EffectiveValues }>;
/** PUT and DELETE /api/items/:id/label (the item also carries its full text, not shown here). */
interface ItemAnswer {
  item: Item;
}
/** The body of PUT /api/items/:id/label: only what the analyst corrects. */
interface LabelBody {
  policeRelated?: boolean;
  policeNegative?: boolean;
  sentiment?: string;
  note?: string;
}

const SENTIMENT_LABELS: Record<LabelSentiment, string> = { negative: '负面', neutral: '中性', positive: '正面' };
const yesNo = (v: boolean | null): string => (v === true ? '是' : v === false ? '否' : '—');
// Names of the analyzer's stance cues (as the topic explanations name them: packages/topics/src/levels.ts).
const CUE_NAMES: Record<string, string> = {
  accountability: '要求问责', coverup: '掩盖压制', distrust: '不信任', fear: '不敢报警', question: '质问', inaction: '不作为',
  rhetorical: '反问质疑', ridicule: '嘲讽', sarcasm: '反讽', abuse: '滥用职权', assault: '袭警', clash: '警民冲突',
  corruption: '腐败', custody: '羁押', rumour: '谣言', unfair: '执法不公', violence: '暴力执法', wrongful: '冤错', model: '模型判断',
};

const state: { cursor: string | null; q: string; seq: number; selected: Set<number> } = { cursor: null, q: '', seq: 0, selected: new Set() };

function judgement<T>(caption: string, auto: T | null, effective: T | null, corrected: boolean, fmt: (v: T | null) => string): HTMLSpanElement {
  const span = el('span', 'judgement');
  span.append(el('span', 'caption', `${caption}：`), el('span', 'auto', fmt(auto)));
  if (corrected && effective === auto) span.append(el('span', 'fixed', '（人工确认）'));
  else if (corrected) {
    span.classList.add('corrected');
    span.append(el('span', 'arrow', ' → '), el('span', 'fixed', `${fmt(effective)}（人工校正）`));
  }
  return span;
}

/**
 * The judgement line: the automatic values and, where an analyst's correction decides one (given,
 * or implied: police-negative means police-related), the value that counts now.
 */
function judgements(item: Item): HTMLDivElement {
  const a = item.analysis;
  const eff = item.effective;
  const fixed = new Set(eff.corrected);
  const line = el('div', 'judgements');
  if (!a && !item.label) {
    line.append(el('span', 'hint', '尚未分析'));
    return line;
  }
  line.append(
    judgement('涉警', a ? a.policeRelated : null, eff.policeRelated, fixed.has('policeRelated'), yesNo),
    judgement('涉警负面', a ? a.policeNegative : null, eff.policeNegative, fixed.has('policeNegative'), yesNo),
    judgement<LabelSentiment>('情感', a ? a.sentiment : null, eff.sentiment, fixed.has('sentiment'), (v) => (v ? SENTIMENT_LABELS[v] : '—')),
  );
  // Why the engine read it as police-negative: the cues that fired, with the score.
  if (a && a.policeNegative && a.policeNegativeCues.length) {
    const names = a.policeNegativeCues.map((c) => CUE_NAMES[c] || c).join('、');
    line.append(el('div', 'summary cues', `判定线索：${names}（得分 ${a.policeNegativeScore.toFixed(2)}）`));
  }
  const l = item.label;
  if (l) {
    const by = [l.by.name, beijingMinute(l.at)].filter(Boolean).join(' ');
    line.append(el('div', 'summary label-note', `校正人：${by || '—'}${l.note ? `；说明：${l.note}` : ''}`));
  }
  return line;
}

function itemCard(item: Item): HTMLLIElement {
  const li = el('li', 'item');
  li.dataset.itemId = String(item.id);
  const head = el('div', 'item-head');
  if (can('createIncident')) {
    const pick = input('checkbox', String(item.id), { 'aria-label': '选择此条目' });
    pick.checked = state.selected.has(item.id);
    pick.addEventListener('change', () => {
      if (pick.checked) state.selected.add(item.id);
      else state.selected.delete(item.id);
      updateSelection();
    });
    head.append(pick);
  }
  head.append(outLink(item.url, item.title || item.excerpt.slice(0, 40) || item.url, 'title'));
  li.append(head, el('div', 'summary', `${item.source || '推送'} · ${beijingMinute(item.publishedAt)}${item.author ? ` · ${item.author}` : ''}`));
  if (item.excerpt) li.append(el('p', 'excerpt', item.excerpt));
  li.append(judgements(item));
  if (can('labelItem')) {
    const tools = el('div', 'item-tools');
    const fix = button('纠正', 'secondary fix');
    fix.addEventListener('click', () => {
      tools.hidden = true;
      li.append(labelForm(item, li));
    });
    tools.append(fix);
    if (item.label) tools.append(button('撤销纠正', 'secondary unfix', () => void withdraw(item, li)));
    li.append(tools);
  }
  return li;
}

function labelForm(item: Item, li: HTMLLIElement): HTMLFormElement {
  // A correction replaces the previous one: the form starts from it, so what is kept is sent again.
  const l = item.label;
  const tri = (v: boolean | null | undefined): string => (v === true ? 'true' : v === false ? 'false' : '');
  const form = el('form', 'inline-form label-form');
  const related = select([['', '不纠正'], ['true', '是'], ['false', '否']], tri(l?.policeRelated));
  related.name = 'policeRelated';
  const negative = select([['', '不纠正'], ['true', '是'], ['false', '否']], tri(l?.policeNegative));
  negative.name = 'policeNegative';
  const sentiment = select([['', '不纠正'], ['negative', '负面'], ['neutral', '中性'], ['positive', '正面']], l?.sentiment || '');
  sentiment.name = 'sentiment';
  const note = input('text', l?.note || '', { name: 'note', maxlength: '500', placeholder: '说明（可选）' });
  const err = el('p', 'error');
  err.hidden = true;
  const save = el('button', null, '保存纠正');
  save.type = 'submit';
  form.append(field('涉警', related), field('涉警负面', negative), field('情感', sentiment), field('说明', note), save, button('取消', 'secondary', () => redraw(item, li)), err);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body: LabelBody = {};
    if (related.value) body.policeRelated = related.value === 'true';
    if (negative.value) body.policeNegative = negative.value === 'true';
    if (sentiment.value) body.sentiment = sentiment.value;
    if (note.value.trim()) body.note = note.value.trim();
    if (body.policeRelated === undefined && body.policeNegative === undefined && !body.sentiment) return showError(err, '请至少纠正一项');
    if (body.policeRelated === false && body.policeNegative === true) return showError(err, '不涉警的条目不能标为涉警负面');
    save.disabled = true;
    const r = await api<ItemAnswer>('PUT', `/api/items/${item.id}/label`, body);
    save.disabled = false;
    if (r.status === 401) return;
    if (r.status !== 200) return showError(err, errorText(r, '保存失败'));
    redraw(r.data.item, li);
  });
  return form;
}

/** 「撤销纠正」: the automatic values count again. */
async function withdraw(item: Item, li: HTMLLIElement): Promise<void> {
  if (!window.confirm('撤销对该条目的人工校正？')) return;
  const r = await api<ItemAnswer & { changed: boolean }>('DELETE', `/api/items/${item.id}/label`);
  if (r.status === 401) return;
  if (r.status !== 200) return showError($('items-error'), errorText(r, '撤销失败'));
  redraw(r.data.item, li);
}

function redraw(item: Item, li: HTMLLIElement): void {
  li.replaceWith(itemCard(item));
}

function updateSelection(): void {
  const n = state.selected.size;
  $('items-incident').hidden = n === 0 || !can('createIncident');
  $('items-incident').textContent = `用所选 ${n} 条建立事件`;
}

async function load(reset: boolean): Promise<void> {
  // Only the latest request's answer is shown.
  const seq = ++state.seq;
  if (reset) {
    state.q = $<HTMLInputElement>('i-q').value.trim();
    state.cursor = null;
  }
  const r = await api<{ items: Item[]; nextCursor: string | null }>(
    'GET',
    `/api/items${query({
      q: state.q,
      policeRelated: $<HTMLInputElement>('i-police').checked ? 'true' : '',
      labelled: $<HTMLInputElement>('i-labelled').checked ? 'true' : '',
      limit: 50,
      cursor: state.cursor,
    })}`,
  );
  if (seq !== state.seq || r.status === 401) return;
  if (r.status !== 200) return showError($('items-error'), errorText(r, '条目加载失败'));
  showError($('items-error'), '');
  const cards = r.data.items.map((it) => itemCard(it));
  if (reset) $('items-list').replaceChildren(...cards);
  else $('items-list').append(...cards);
  state.cursor = r.data.nextCursor ?? null;
  $('items-more').hidden = state.cursor === null;
  $('items-empty').hidden = $('items-list').children.length > 0;
}

/** #/items */
export function show(): void {
  updateSelection();
  if (!$('items-list').children.length) load(true).catch(() => undefined);
}

function setUp(): void {
  $('items-search').addEventListener('submit', (ev) => {
    ev.preventDefault();
    load(true).catch(() => undefined);
  });
  for (const id of ['i-police', 'i-labelled']) $(id).addEventListener('change', () => load(true).catch(() => undefined));
  $('items-more').addEventListener('click', () => load(false).catch(() => undefined));
  $('items-incident').addEventListener('click', async () => {
    const btn = $<HTMLButtonElement>('items-incident');
    btn.disabled = true;
    // POST /api/incidents answers 201 with the incident itself (incidentDetailOut).
    const r = await api<Wire<Pick<Incident, 'id'>>>('POST', '/api/incidents', { itemIds: [...state.selected] });
    btn.disabled = false;
    if (r.status === 401) return;
    if (r.status !== 201 && r.status !== 200) return showError($('items-error'), errorText(r, '建立事件失败'));
    state.selected.clear();
    updateSelection();
    location.hash = `#/incidents/${r.data.id}`;
  });
}

export function reset(): void {
  state.selected.clear();
  state.cursor = null;
  $('items-list').replaceChildren();
}

setUp();
