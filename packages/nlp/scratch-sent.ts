import { readFileSync } from 'node:fs';
import { normalize } from './src/normalize';
import { tokenize } from './src/segment';
import { scoreSentiment } from './src/sentiment';
const D = '/work/shared/data/sentiment/';
function osm() { return readFileSync(D + 'osm-weibo-train.jsonl', 'utf8').trim().split('\n').map((l) => { const o = JSON.parse(l); return { text: o.text as string, neg: o.negative as boolean }; }); }
function csv() { const out: { text: string; neg: boolean }[] = []; const lines = readFileSync(D + 'ChnSentiCorp_htl_all.csv', 'utf8').split('\n').slice(1); for (const l of lines) { const m = /^(\d),(.*)$/.exec(l); if (!m) continue; let t = m[2]!; if (t.startsWith('"')) t = t.slice(1, -1).replace(/""/g, '"'); out.push({ text: t, neg: m[1] === '0' }); } return out; }
const EMO = /\[([^\]\s]{1,6})\]/g;
for (const [name, data] of [['osm', osm()], ['htl', csv()]] as const) {
  let ok = 0; const errs: string[] = [];
  let tp=0,fp=0,fn=0;
  for (const d of data) {
    const n = normalize(d.text); const r = scoreSentiment(tokenize(n.text), n.emoticons);
    const p = r.label === 'negative';
    if (p === d.neg) ok++; else if (errs.length < 4000) errs.push(`${d.neg ? 'FN' : 'FP'} ${r.raw.toFixed(2)} ${d.text.slice(0, 120)}`);
    if (p&&d.neg) tp++; if (p&&!d.neg) fp++; if(!p&&d.neg) fn++;
  }
  console.log(name, (ok / data.length).toFixed(4), 'P', (tp/(tp+fp)).toFixed(3), 'R', (tp/(tp+fn)).toFixed(3));
  const { writeFileSync } = await import('node:fs'); writeFileSync(`/tmp/scratch/${name}.err`, errs.join('\n'));
}
