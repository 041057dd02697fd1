import { readFileSync } from 'node:fs';
import { normalize } from './src/normalize';
import { tokenize } from './src/segment';
import { policeRelevance } from './src/relevance';
const data = readFileSync('/work/shared/data/police/dev.jsonl', 'utf8').trim().split('\n').map((l) => JSON.parse(l));
let tp = 0, fp = 0, fn = 0;
for (const d of data) {
  const n = normalize(d.text); const r = policeRelevance(tokenize(n.text), [], { mentions: n.mentions, textLength: n.text.length });
  if (r.related && d.police_related) tp++; else if (r.related) { fp++; console.log('FP', r.score.toFixed(2), r.hits.join(','), d.text.slice(0, 80)); } else if (d.police_related) { fn++; console.log('FN', r.score.toFixed(2), r.hits.join(','), d.text.slice(0, 80)); }
}
const P = tp / (tp + fp), R = tp / (tp + fn); console.log('P', P.toFixed(3), 'R', R.toFixed(3), 'F1', (2 * P * R / (P + R)).toFixed(3));
