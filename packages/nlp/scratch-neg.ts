import { readFileSync } from 'node:fs';
import { normalize } from './src/normalize';
import { tokenize } from './src/segment';
import { policeRelevance } from './src/relevance';
import { scoreSentiment } from './src/sentiment';
import { policeNegative } from './src/police-negative';
const data = readFileSync('/work/shared/data/police/dev.jsonl', 'utf8').trim().split('\n').map((l) => JSON.parse(l));
let tp = 0, fp = 0, fn = 0;
for (const d of data) {
  const n = normalize(d.text); const toks = tokenize(n.text);
  const rel = policeRelevance(toks, [], { mentions: n.mentions, textLength: n.text.length });
  const s = scoreSentiment(toks, n.emoticons);
  const r = policeNegative(rel, s, toks);
  const tag = `${r.score.toFixed(2)} s=${s.score.toFixed(2)} ${r.kinds.join(',')}`;
  if (r.negative && d.police_negative) tp++; else if (r.negative) { fp++; console.log('FP', tag, d.text.slice(0, 70)); } else if (d.police_negative) { fn++; console.log('FN', tag, d.text.slice(0, 70)); }
}
const P = tp / (tp + fp), R = tp / (tp + fn); console.log('P', P.toFixed(3), 'R', R.toFixed(3), 'F1', (2 * P * R / (P + R)).toFixed(3));
