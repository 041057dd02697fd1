import { readFileSync } from 'node:fs';
import { normalize } from './src/normalize';
import { tokenize } from './src/segment';
import { scoreSentiment } from './src/sentiment';
const D = '/work/shared/data/sentiment/';
function osm() { return readFileSync(D + 'osm-weibo-train.jsonl', 'utf8').trim().split('\n').map((l) => { const o = JSON.parse(l); return { text: o.text as string, neg: o.negative as boolean }; }); }
function csv() { const out: { text: string; neg: boolean }[] = []; const lines = readFileSync(D + 'ChnSentiCorp_htl_all.csv', 'utf8').split('\n').slice(1); for (const l of lines) { const m = /^(\d),(.*)$/.exec(l); if (!m) continue; let t = m[2]!; if (t.startsWith('"')) t = t.slice(1, -1).replace(/""/g, '"'); out.push({ text: t, neg: m[1] === '0' }); } return out; }
const EMO = /\[([^\]\s]{1,6})\]/g;
for (const [name, data] of [['osm', osm()], ['htl', csv()]] as const) {
  const rs = data.map((d) => { const n = normalize(d.text); return { raw: scoreSentiment(tokenize(n.text), n.emoticons).raw, neg: d.neg }; });
  const line: string[] = [];
  for (const th of [-1, -0.5, -0.2, 0, 0.01, 0.3, 0.5, 1]) { const ok = rs.filter((r) => (r.raw < th || (th <= 0 && r.raw <= th)) === r.neg).length; line.push(`${th}:${(ok / rs.length).toFixed(3)}`); }
  const zero = rs.filter(r=>r.raw===0); console.log(name, line.join(' '), 'zero', zero.length, (zero.filter(r=>r.neg).length/zero.length).toFixed(2));
}
