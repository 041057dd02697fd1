import { readFileSync } from 'node:fs';
import nodejieba from 'nodejieba';
import { createAnalyzer } from './src/analyze';
import { tokenize } from './src/segment';
const texts = readFileSync('/work/shared/data/sentiment/osm-weibo-train.jsonl', 'utf8').trim().split('\n').map((l) => JSON.parse(l).text as string);
const htl = readFileSync('/work/shared/data/sentiment/ChnSentiCorp_htl_all.csv', 'utf8').split('\n').slice(1, 4000);
const all = [...texts, ...htl];
const a = createAnalyzer(); tokenize('预热'); nodejieba.cut('预热');
for (let round = 0; round < 2; round++) {
  let t = performance.now(); for (const x of all) nodejieba.cut(x); const cut = performance.now() - t;
  t = performance.now(); for (const x of all) a.analyze({ id: '1', text: x }); const an = performance.now() - t;
  console.log(`cut ${cut.toFixed(0)}ms analyze ${an.toFixed(0)}ms ratio ${(cut / an).toFixed(2)}`);
}
