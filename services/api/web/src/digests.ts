// 日报/周报: the prominent link to today's daily digest, the list of stored digests (each opens as
// the service's HTML in a new tab, which prints on A4), and 「生成」 for any period.
import type { DigestSummary as StoredSummary, StoredDigestKind } from '@yuqing/db';
import type { Digest, Figure } from '@yuqing/digest';
import { $, api, beijingMinute, can, el, errorText, fromBeijingInput, outLink, query, showError, toBeijingInput } from './core';
import type { Wire } from './wire';

/**
 * A digest in the list (digestSummaryOut in routes/digests.ts): the stored summary, its headline
 * read back as the digest's own headline figures (null for a digest stored without one).
 */
type DigestSummary = Wire<Omit<StoredSummary, 'headline'> & { headline: Digest['headline'] | null }>;
type Headline = DigestSummary['headline'];

export const KIND_LABELS: Record<StoredDigestKind, string> = { daily: '日报', weekly: '周报', custom: '专报' };

const state = { seq: 0 };

/** 'system' is the schedule, 'cli:<user>' the command line, anything else a user's login name. */
function generatedByText(by: string): string {
  if (!by || by === 'system') return '定时生成';
  if (by.startsWith('cli:')) return `命令行（${by.slice(4)}）`;
  return by;
}

/** `1,234（较上期 +12）` */
function figureText(f: Wire<Figure> | null | undefined): string {
  if (!f || typeof f.value !== 'number') return '—';
  const change = typeof f.change === 'number' ? `（较上期 ${f.change >= 0 ? '+' : ''}${f.change}）` : '';
  return `${f.value.toLocaleString('zh-CN')}${change}`;
}

/** The headline figures in one line: items, police-related, police-negative, share negative. */
export function headlineText(h: Headline | undefined): string {
  if (!h || typeof h !== 'object') return '';
  const share = h.negativeShare && typeof h.negativeShare.value === 'number' ? `${(h.negativeShare.value * 100).toFixed(1)}%` : '—';
  return `信息 ${figureText(h.items)} · 涉警 ${figureText(h.policeRelated)} · 涉警负面 ${figureText(h.policeNegative)} · 负面占比 ${share}`;
}

function digestRow(d: DigestSummary): HTMLTableRowElement {
  const tr = el('tr');
  tr.dataset.digestId = String(d.id);
  const title = el('td');
  title.append(outLink(`/api/digests/${d.id}/html`, d.title || `${KIND_LABELS[d.kind] || d.kind} #${d.id}`, 'title'));
  // The route always sends the figures (or null), never a ready-made line.
  const headline = headlineText(d.headline);
  if (headline) title.append(el('div', 'summary headline', headline));
  tr.append(
    el('td', 'kind', KIND_LABELS[d.kind] || d.kind),
    title,
    el('td', 'time', `${beijingMinute(d.periodStart)} 至 ${beijingMinute(d.periodEnd)}`),
    el('td', 'time', beijingMinute(d.generatedAt)),
    el('td', null, generatedByText(d.generatedBy)),
  );
  return tr;
}

async function load(): Promise<void> {
  // Only the latest request's answer is shown.
  const seq = ++state.seq;
  const r = await api<{ digests: DigestSummary[] }>('GET', `/api/digests${query({ kind: $<HTMLSelectElement>('d-kind').value, limit: 100 })}`);
  if (seq !== state.seq || r.status === 401) return;
  if (r.status !== 200) return showError($('digests-error'), errorText(r, '日报列表加载失败'));
  showError($('digests-error'), '');
  $('digests-body').replaceChildren(...r.data.digests.map(digestRow));
  $('digests-empty').hidden = r.data.digests.length > 0;
}

/** #/digests */
export function show(): void {
  $('digest-generate').hidden = !can('generateDigest');
  const from = $<HTMLInputElement>('g-from');
  if (!from.value) {
    // Default period: the last 24 hours, to the current minute.
    const now = Date.now();
    $<HTMLInputElement>('g-to').value = toBeijingInput(new Date(now).toISOString());
    from.value = toBeijingInput(new Date(now - 24 * 3_600_000).toISOString());
  }
  load().catch(() => undefined);
}

/** Days a kind covers: a 日报 one, a 周报 seven; a 专报 any period. */
const PERIOD_DAYS: Partial<Record<string, number>> = { daily: 1, weekly: 7 };

/** A 日报 covers one day and a 周报 seven: the end follows the start (and the kind). */
function syncPeriod(): void {
  const days = PERIOD_DAYS[$<HTMLSelectElement>('g-kind').value];
  const from = fromBeijingInput($<HTMLInputElement>('g-from').value);
  if (!days || !from) return;
  $<HTMLInputElement>('g-to').value = toBeijingInput(new Date(Date.parse(from) + days * 86_400_000).toISOString());
}

function setUp(): void {
  $('d-kind').addEventListener('change', () => load().catch(() => undefined));
  for (const id of ['g-kind', 'g-from']) $(id).addEventListener('change', syncPeriod);
  $('digest-generate').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const from = fromBeijingInput($<HTMLInputElement>('g-from').value);
    const to = fromBeijingInput($<HTMLInputElement>('g-to').value);
    if (!from || !to) return showError($('generate-error'), '请填写起止时间');
    if (Date.parse(from) >= Date.parse(to)) return showError($('generate-error'), '结束时间应晚于开始时间');
    const submit = $<HTMLButtonElement>('g-submit');
    submit.disabled = true;
    submit.textContent = '生成中…';
    const r = await api<{ digest: DigestSummary; created: boolean; pushed: number }>('POST', '/api/digests', {
      kind: $<HTMLSelectElement>('g-kind').value,
      from,
      to,
      push: $<HTMLInputElement>('g-push').checked,
    });
    submit.disabled = false;
    submit.textContent = '生成';
    if (r.status === 401) return;
    if (r.status !== 201 && r.status !== 200) return showError($('generate-error'), errorText(r, '生成失败'));
    showError($('generate-error'), '');
    const d = r.data.digest;
    const done = $('generate-done');
    const pushed = r.data.pushed ? `（已推送到 ${r.data.pushed} 个接收群）` : '';
    done.replaceChildren(document.createTextNode('已生成：'), outLink(`/api/digests/${d.id}/html`, d.title || `#${d.id}`), document.createTextNode(pushed));
    done.hidden = false;
    await load();
  });
}

export function reset(): void {
  $('digests-body').replaceChildren();
  $('generate-done').hidden = true;
}

setUp();
