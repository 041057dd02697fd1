import { readFileSync } from 'node:fs';
import nodejieba from 'nodejieba';
import { normalize } from './src/normalize';
import { tokenize, contentTokens } from './src/segment';
import { policeRelevance } from './src/relevance';
import { scoreSentiment } from './src/sentiment';
import { policeNegative } from './src/police-negative';
import { keywords } from './src/keywords';
import { simhash } from './src/simhash';
import { categorize } from './src/categories';
import { createPlaceMatcher } from './src/places';
const texts = readFileSync('/work/shared/data/sentiment/osm-weibo-train.jsonl', 'utf8').trim().split('\n').map((l) => JSON.parse(l).text as string);
const htl = readFileSync('/work/shared/data/sentiment/ChnSentiCorp_htl_all.csv', 'utf8').split('\n').slice(1, 4000);
const all = [...texts, ...htl];
const pm = createPlaceMatcher();
const T: Record<string, number> = {};
const time = <R>(k: string, f: () => R): R => { const t = performance.now(); const r = f(); T[k] = (T[k] ?? 0) + performance.now() - t; return r; };
for (let round = 0; round < 2; round++) {
  for (const k of Object.keys(T)) delete T[k];
  for (const x of all) {
    time('cut', () => nodejieba.cut(x));
    const n = time('normalize', () => normalize(x));
    const toks = time('tokenize', () => tokenize(n.text));
    const ct = time('content', () => contentTokens(toks));
    const rel = time('relevance', () => policeRelevance(toks, [], { mentions: n.mentions, textLength: n.text.length }));
    const s = time('sentiment', () => scoreSentiment(toks, n.emoticons));
    time('pneg', () => policeNegative(rel, s, toks));
    time('keywords', () => keywords(toks, 8));
    time('simhash', () => simhash(ct));
    time('categorize', () => categorize(toks, n.text));
    time('places', () => pm.find(n.text));
  }
  console.log(Object.entries(T).map(([k, v]) => `${k} ${v.toFixed(0)}`).join('  '));
}
