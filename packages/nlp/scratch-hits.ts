import { readFileSync } from 'node:fs';
import { tokenize } from './src/segment';
import { normalize } from './src/normalize';
import { sentimentLexicon } from './src/sentiment';
const D = '/work/shared/data/sentiment/';
const data = readFileSync(D + 'osm-weibo-train.jsonl', 'utf8').trim().split('\n').map((l) => { const o = JSON.parse(l); return { text: o.text as string, neg: o.negative as boolean }; });
const lex = sentimentLexicon();
const st = new Map<string, [number, number, number]>();
for (const d of data) { const seen = new Set<string>(); const toks = tokenize(normalize(d.text).text); for (let i=0;i<toks.length;i++){ let t=toks[i]!; for (let k=0;k<3 && i+k<toks.length;k++){ if(k>0) t+=toks[i+k]!; const w = lex.polarity.get(t); if (w!==undefined && !seen.has(t)) { seen.add(t); const s = st.get(t) ?? [w,0,0]; s[1]++; if (d.neg) s[2]++; st.set(t,s);} } } }
const rows = [...st.entries()].filter(([,s])=>s[1]>=8);
const mode = process.argv[2];
rows.sort((a,b)=>b[1][1]-a[1][1]);
for (const [t,[w,n,k]] of rows) { const r=k/n; if (mode==='pos' ? (w>0 && r>0.6) : (w<0 && r<0.55)) console.log(t, w, n, r.toFixed(2)); }
