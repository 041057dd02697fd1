/**
 * The digest as one standalone HTML page: inline <style>, inline SVG charts, no script, no font
 * or image from anywhere (isolated intranets; the API serves it with a CSP that allows nothing
 * else). Reads on screen; prints on A4 with the period in every page header, tables and charts
 * kept whole where they fit. Every outside text goes through `h` (escape.ts).
 */
import { OVERDUE_DEFINITION } from './compute';
import { h, truncate } from './escape';
import { fmtChange, fmtDuration, fmtInt, fmtPct, fmtPointsChange } from './format';
import { KIND_NAMES, LEVEL_COLOURS, LEVEL_LABELS } from './labels';
import { miniBar, sparkline, stackedBar, volumeChart } from './svg';
import { formatDateTime, formatShort, zoneLabel } from './time';
import type { Digest, DigestIncident, Figure, TopicLevel } from './types';

/** A CSS string literal: only letters, digits, CJK and a few safe marks pass; the rest as \hex escapes. */
function cssString(text: string): string {
  let out = '';
  for (const ch of text) {
    out += /[\p{L}\p{N} :：（）()·\-—至年月日时分]/u.test(ch) ? ch : `\\${(ch.codePointAt(0) ?? 32).toString(16)} `;
  }
  return `"${out}"`;
}

const STYLE = (pageHeadLeft: string, pageHeadRight: string): string => `
@page { size: A4; margin: 14mm;
  @top-left { content: ${cssString(pageHeadLeft)}; font-size: 8pt; color: #6b7280; }
  @top-right { content: ${cssString(pageHeadRight)}; font-size: 8pt; color: #6b7280; }
  @bottom-center { content: "第 " counter(page) " 页 / 共 " counter(pages) " 页"; font-size: 8pt; color: #6b7280; }
}
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0; background: #f5f6f8; color: #1f2937;
  font-family: "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", "WenQuanYi Micro Hei", "Heiti SC", sans-serif;
  font-size: 14px; line-height: 1.5; }
main { max-width: 960px; margin: 0 auto; padding: 20px 24px 32px; background: #fff; }
header.doc { border-bottom: 3px solid #b91c1c; padding-bottom: 8px; margin-bottom: 12px; }
header.doc h1 { margin: 0; font-size: 24px; color: #b91c1c; letter-spacing: 2px; }
header.doc .period { font-size: 15px; font-weight: 600; margin-top: 2px; }
header.doc .meta { font-size: 12px; color: #6b7280; }
h2 { font-size: 16px; margin: 16px 0 6px; padding-left: 8px; border-left: 4px solid #1677ff; break-after: avoid; page-break-after: avoid; }
h3 { font-size: 14px; margin: 10px 0 4px; break-after: avoid; }
section { margin-bottom: 6px; }
.cards { display: grid; grid-template-columns: repeat(4, 1fr); gap: 8px; break-inside: avoid; }
.cards.three { grid-template-columns: repeat(3, 1fr); }
.card { border: 1px solid #e5e7eb; border-radius: 6px; padding: 6px 10px; }
.card .k { font-size: 12px; color: #6b7280; }
.card .v { font-size: 22px; font-weight: 700; line-height: 1.25; }
.card .d { font-size: 12px; color: #4b5563; }
.up { color: #cf1322; } .down { color: #389e0d; }
table { width: 100%; border-collapse: collapse; font-size: 12.5px; break-inside: avoid; page-break-inside: avoid; }
thead { display: table-header-group; }
tr { break-inside: avoid; page-break-inside: avoid; }
th, td { border-bottom: 1px solid #e5e7eb; padding: 3px 6px; text-align: left; vertical-align: middle; }
th { background: #f3f4f6; font-weight: 600; white-space: nowrap; }
td.num, th.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td.title { word-break: break-all; }
.lv { display: inline-block; min-width: 3em; padding: 0 6px; border-radius: 3px; color: #fff; font-size: 12px; text-align: center; white-space: nowrap; }
.lv-none { background: #d1d5db; color: #374151; }
.chart-box { break-inside: avoid; page-break-inside: avoid; }
svg.chart, svg.stack { display: block; max-width: 100%; height: auto; }
svg.spark, svg.mini { display: inline-block; vertical-align: middle; }
.legend { font-size: 12px; color: #4b5563; margin: 2px 0 4px; }
.legend i { display: inline-block; width: 10px; height: 10px; margin: 0 4px 0 12px; vertical-align: -1px; }
.legend i:first-child { margin-left: 0; }
.cols { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; }
.muted { color: #6b7280; font-size: 12px; }
.empty { color: #6b7280; font-size: 12.5px; margin: 2px 0 6px; }
ol.items { margin: 0; padding-left: 22px; font-size: 12.5px; }
ol.items li { margin: 2px 0; break-inside: avoid; word-break: break-all; }
a { color: #0958d9; text-decoration: none; }
footer.notes { margin-top: 14px; border-top: 1px solid #e5e7eb; font-size: 11.5px; color: #6b7280; break-inside: avoid; }
footer.notes ul { margin: 4px 0 0; padding-left: 18px; }
@media print {
  body { background: #fff; font-size: 12px; }
  main { max-width: none; padding: 0; }
  header.doc h1 { font-size: 20px; }
  h2 { font-size: 14px; margin-top: 10px; }
  .card { padding: 4px 8px; }
  .card .v { font-size: 17px; }
  table { font-size: 11px; }
  th, td { padding: 2px 5px; }
  .muted, .empty, ol.items { font-size: 11px; }
  a { color: inherit; }
}
@media (max-width: 640px) { .cards { grid-template-columns: repeat(2, 1fr); } .cols { grid-template-columns: 1fr; } }
`;

const levelBadge = (l: TopicLevel): string => `<span class="lv lv-${l}"${l === 'none' ? '' : ` style="background:${LEVEL_COLOURS[l]}"`}>${h(LEVEL_LABELS[l])}</span>`;

const changeClass = (f: Figure): string => (f.change > 0 ? 'up' : f.change < 0 ? 'down' : '');

function card(label: string, value: string, detail: string, cls = ''): string {
  return `<div class="card"><div class="k">${h(label)}</div><div class="v">${h(value)}</div><div class="d ${cls}">${h(detail)}</div></div>`;
}

function headline(d: Digest): string {
  const { items, policeRelated, policeNegative, negativeShare } = d.headline;
  const fig = (label: string, f: Figure): string => card(label, fmtInt(f.value), `较上期 ${fmtChange(f)}（上期 ${fmtInt(f.previous)}）`, changeClass(f));
  const shareCls = negativeShare.changePoints === null || negativeShare.changePoints === 0 ? '' : negativeShare.changePoints > 0 ? 'up' : 'down';
  return `<section><h2>一、核心指标</h2><div class="cards">${fig('条目总数', items)}${fig('涉警条目', policeRelated)}${fig('涉警负面', policeNegative)}${card(
    '负面占比（涉警负面÷涉警）',
    fmtPct(negativeShare.value),
    `较上期 ${fmtPointsChange(negativeShare)}（上期 ${fmtPct(negativeShare.previous)}）`,
    shareCls,
  )}</div></section>`;
}

function volume(d: Digest): string {
  const unit = d.volume.unit === 'hour' ? '每小时' : d.volume.unit === 'day' ? '每日' : '每周';
  return `<section><h2>二、条目走势（${unit}）</h2><div class="chart-box"><div class="legend"><i style="background:#bfdbfe"></i>全部条目<i style="background:#1677ff"></i>涉警<i style="background:#f5222d"></i>涉警负面</div>${volumeChart(
    d.volume.buckets,
    { title: `${unit}条目数` },
  )}</div></section>`;
}

function warnings(d: Digest): string {
  const w = d.warnings;
  const activity = (r: (typeof w.byLevel)[number]): number => r.opened + r.escalated + r.reopened;
  const max = Math.max(0, ...w.byLevel.map(activity));
  const rows = w.byLevel
    .map(
      (r) =>
        `<tr><td>${levelBadge(r.level)}</td><td class="num">${r.opened}</td><td class="num">${r.escalated}</td><td class="num">${r.reopened}</td><td class="num">${r.resolved}</td><td>${miniBar(activity(r), max, LEVEL_COLOURS[r.level], { width: 160 })}</td></tr>`,
    )
    .join('');
  const t = w.totals;
  const p = w.previousTotals;
  return `<section><h2>三、预警情况</h2><div class="chart-box">${stackedBar(
    w.byLevel.map((r) => ({ label: r.label, value: activity(r), colour: LEVEL_COLOURS[r.level] })),
    { title: '各级预警（新发、升级、次生）构成' },
  )}</div><table><thead><tr><th>级别</th><th class="num">新发</th><th class="num">升级</th><th class="num">次生</th><th class="num">解除</th><th>新发+升级+次生</th></tr></thead><tbody>${rows}<tr><th>合计</th><th class="num">${t.opened}</th><th class="num">${t.escalated}</th><th class="num">${t.reopened}</th><th class="num">${t.resolved}</th><th class="muted">上期：新发 ${p.opened}、升级 ${p.escalated}、次生 ${p.reopened}、解除 ${p.resolved}</th></tr></tbody></table></section>`;
}

function topics(d: Digest): string {
  const tz = d.period.timeZone;
  const unitWord = d.volume.unit === 'hour' ? '每小时' : d.volume.unit === 'day' ? '每日' : '每周';
  if (d.topics.top.length === 0) return `<section><h2>四、热点话题</h2><p class="empty">本时段无归入话题的条目。</p></section>`;
  const rows = d.topics.top
    .map((t) => {
      const peak = t.peakLevel !== t.level ? `<div class="muted">期内最高 ${h(LEVEL_LABELS[t.peakLevel])}</div>` : '';
      const onList = t.hotList ? `<div class="muted">上榜：${h(truncate(t.hotList.lists.join('、'), 30))}（最高第 ${t.hotList.bestRank} 位）</div>` : '';
      return `<tr><td class="num">${t.rank}</td><td class="title">${h(truncate(t.title, 60))}${onList}</td><td>${levelBadge(t.level)}${peak}</td><td>${h(t.stage ?? '—')}</td><td>${h(truncate(t.firstSource ?? '—', 12))}</td><td class="num">${fmtInt(t.heat)}</td><td class="num">${fmtInt(t.policeNegative)}</td><td>${sparkline(t.series, {
        colour: LEVEL_COLOURS[t.level === 'none' ? 'blue' : t.level],
        label: `${truncate(t.title, 20)} ${unitWord}条目数`,
      })}</td></tr>`;
    })
    .join('');
  return `<section><h2>四、热点话题（共 ${fmtInt(d.topics.count)} 个话题有新条目，按热度列前 ${d.topics.top.length} 个）</h2><table><thead><tr><th class="num">#</th><th>话题</th><th>等级</th><th>阶段</th><th>首发来源</th><th class="num">热度</th><th class="num">涉警负面</th><th>趋势（${unitWord}）</th></tr></thead><tbody>${rows}</tbody></table><p class="muted">${h(
    d.topics.heatDefinition,
  )} 统计时段 ${h(formatShort(new Date(d.period.from), tz))} 起。</p></section>`;
}

function incidentRows(list: DigestIncident[], tz: string, overdue: boolean): string {
  return list
    .map(
      (i) =>
        `<tr><td class="num">${i.id}</td><td class="title">${h(truncate(i.title, 50))}</td><td>${levelBadge(i.level)}</td><td>${h(i.statusLabel)}</td><td>${h(truncate(i.jurisdiction || '—', 12))}</td><td>${h(
          i.ownerName ?? '—',
        )}</td><td class="num">${h(formatShort(new Date(overdue ? i.dueAt : i.createdAt), tz))}</td>${overdue ? `<td class="num up">${h(fmtDuration(i.overdueMinutes))}</td>` : ''}</tr>`,
    )
    .join('');
}

function incidents(d: Digest): string {
  const tz = d.period.timeZone;
  const { opened, closed, overdue } = d.incidents;
  const cmp = (prev: number): string => `上期 ${fmtInt(prev)}`;
  const more = (shown: number, count: number): string => (count > shown ? `<p class="muted">另有 ${fmtInt(count - shown)} 起未列出。</p>` : '');
  const overdueTable = overdue.list.length
    ? `<table><thead><tr><th class="num">编号</th><th>事件</th><th>级别</th><th>状态</th><th>辖区</th><th>负责人</th><th class="num">应回应</th><th class="num">已超期</th></tr></thead><tbody>${incidentRows(overdue.list, tz, true)}</tbody></table>${more(overdue.list.length, overdue.count)}`
    : '<p class="empty">无超期事件。</p>';
  const openedTable = opened.list.length
    ? `<table><thead><tr><th class="num">编号</th><th>事件</th><th>级别</th><th>状态</th><th>辖区</th><th>负责人</th><th class="num">开立</th></tr></thead><tbody>${incidentRows(opened.list, tz, false)}</tbody></table>${more(opened.list.length, opened.count)}`
    : '<p class="empty">本时段无新开立事件。</p>';
  return `<section><h2>五、舆情事件处置</h2><div class="cards three">${card('新开立', fmtInt(opened.count), cmp(opened.previous))}${card(
    '超期未回应',
    fmtInt(overdue.count),
    '截至统计时段结束',
    overdue.count > 0 ? 'up' : '',
  )}${card('已结案', fmtInt(closed.count), cmp(closed.previous))}</div><h3>超期未回应</h3>${overdueTable}<p class="muted">${h(OVERDUE_DEFINITION)}。</p><h3>新开立</h3>${openedTable}</section>`;
}

function countTable(title: string, rows: Array<{ name: string; items: number }>, total: number, colour: string): string {
  if (rows.length === 0) return `<div><h3>${h(title)}</h3><p class="empty">无。</p></div>`;
  const max = Math.max(...rows.map((r) => r.items));
  const body = rows
    .map((r) => `<tr><td class="title">${h(truncate(r.name, 20))}</td><td class="num">${fmtInt(r.items)}</td><td class="num">${fmtPct(total > 0 ? r.items / total : null)}</td><td>${miniBar(r.items, max, colour, { width: 80 })}</td></tr>`)
    .join('');
  return `<div><h3>${h(title)}</h3><table><thead><tr><th>名称</th><th class="num">条目</th><th class="num">占比</th><th></th></tr></thead><tbody>${body}</tbody></table></div>`;
}

function places(d: Digest): string {
  const p = d.places;
  return `<section><h2>六、地域与辖区分布（涉警条目 ${fmtInt(p.policeRelated)} 条，涉及地名 ${fmtInt(p.withPlace)} 条，命中辖区 ${fmtInt(p.withJurisdiction)} 条）</h2><div class="cols">${countTable(
    '地域（地名）',
    p.topPlaces,
    p.policeRelated,
    '#1677ff',
  )}${countTable('本辖区命中', p.topJurisdictions, p.policeRelated, '#fa8c16')}</div></section>`;
}

function sources(d: Digest): string {
  const s = d.sources;
  const sh = d.sourceHealth;
  const tz = d.period.timeZone;
  const activity = countTable(`信源活跃度（${fmtInt(s.activeCount)} 个信源有条目）`, s.top, s.totalItems, '#1677ff');
  const failing = sh.failingAtEnd.list.length
    ? `<table><thead><tr><th>信源</th><th class="num">异常起</th><th class="num">连续失败</th><th>最近错误</th></tr></thead><tbody>${sh.failingAtEnd.list
        .map(
          (f) =>
            `<tr><td class="title">${h(truncate(f.name, 20))}</td><td class="num">${h(formatShort(new Date(f.since), tz))}</td><td class="num">${f.consecutiveErrors}</td><td class="title muted">${h(truncate(f.error ?? '—', 40))}</td></tr>`,
        )
        .join('')}</tbody></table>`
    : '<p class="empty">统计时段结束时无异常信源。</p>';
  const erroring = sh.erroring.list.length
    ? `<table><thead><tr><th>信源</th><th class="num">抓取</th><th class="num">失败</th><th>最近错误</th></tr></thead><tbody>${sh.erroring.list
        .map((e) => `<tr><td class="title">${h(truncate(e.name, 20))}</td><td class="num">${fmtInt(e.fetches)}</td><td class="num">${fmtInt(e.errors)}</td><td class="title muted">${h(truncate(e.lastError ?? '—', 40))}</td></tr>`)
        .join('')}</tbody></table>`
    : '<p class="empty">本时段无抓取失败。</p>';
  return `<section><h2>七、信源情况</h2><div class="cols">${activity}<div><h3>信源健康</h3><div class="cards three">${card('启用信源', fmtInt(sh.enabledSources), '当前')}${card(
    '抓取失败',
    fmtInt(sh.fetchErrors),
    `共抓取 ${fmtInt(sh.fetches)} 次（${fmtPct(sh.fetches > 0 ? sh.fetchErrors / sh.fetches : null)}）`,
    sh.fetchErrors > 0 ? 'up' : '',
  )}${card('异常信源', fmtInt(sh.failingAtEnd.count), `期内转异常 ${sh.failingEvents}、恢复 ${sh.recoveredEvents}`, sh.failingAtEnd.count > 0 ? 'up' : '')}</div></div></div><h3>异常信源（统计时段结束时）</h3>${failing}<h3>抓取失败较多的信源（共 ${fmtInt(
    sh.erroring.count,
  )} 个）</h3>${erroring}</section>`;
}

function items(d: Digest): string {
  const tz = d.period.timeZone;
  if (d.representativeItems.length === 0) return '<section><h2>八、代表性条目</h2><p class="empty">无。</p></section>';
  const li = d.representativeItems
    .map((i) => {
      const title = h(truncate(i.title, 80));
      const link = i.url ? `<a href="${h(i.url)}" rel="noopener noreferrer" target="_blank">${title}</a>` : title;
      const tags = [i.sourceName ? h(truncate(i.sourceName, 16)) : null, h(formatShort(new Date(i.publishedAt), tz)), i.policeNegative ? '<span class="up">涉警负面</span>' : null, i.reposts > 0 ? `转发 ${fmtInt(i.reposts)}` : null]
        .filter(Boolean)
        .join(' · ');
      return `<li>${link}<div class="muted">${tags} · 话题：${h(truncate(i.topicTitle, 30))}</div></li>`;
    })
    .join('');
  return `<section><h2>八、代表性条目</h2><ol class="items">${li}</ol></section>`;
}

/** The complete HTML page of a digest. */
export function renderDigestHtml(d: Digest): string {
  const tz = d.period.timeZone;
  const from = new Date(d.period.from);
  const to = new Date(d.period.to);
  const periodText = `${formatDateTime(from, tz)} 至 ${formatDateTime(to, tz)}（${zoneLabel(tz)}）`;
  const prev = `${formatDateTime(new Date(d.previousPeriod.from), tz)} 至 ${formatDateTime(new Date(d.previousPeriod.to), tz)}`;
  return `<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${h(d.title)}</title>
<style>${STYLE(d.title, `统计时段 ${periodText}`)}</style>
</head>
<body>
<main>
<header class="doc"><h1>${h(KIND_NAMES[d.kind])}</h1><div class="period">统计时段：${h(periodText)}</div><div class="meta">对比时段：${h(prev)} · 生成时间：${h(
    formatDateTime(new Date(d.generatedAt), tz),
  )}（${h(zoneLabel(tz))}）</div></header>
${headline(d)}
${volume(d)}
${warnings(d)}
${topics(d)}
${incidents(d)}
${places(d)}
${sources(d)}
${items(d)}
<footer class="notes"><h2>统计口径</h2><ul>${d.notes.map((x) => `<li>${h(x)}</li>`).join('')}</ul></footer>
</main>
</body>
</html>
`;
}
