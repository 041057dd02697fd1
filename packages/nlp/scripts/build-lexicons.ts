/**
 * Converts the NTUSD sentiment word lists (Traditional Chinese, MIT, NTU NLPLab) to Simplified
 * Chinese for the sentiment engine. Run once; the output under data/lexicons/ntusd is committed.
 *
 *   npx tsx packages/nlp/scripts/build-lexicons.ts [NTUSD_DIR]
 *
 * NTUSD_DIR defaults to ../shared/data/lexicons/ntusd (see test/shared-data.ts). The licence and
 * README are copied beside the converted lists, as the MIT licence requires.
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import * as OpenCC from 'opencc-js';

const here = fileURLToPath(new URL('.', import.meta.url));
const repoRoot = resolve(here, '../../..');
const src = resolve(process.argv[2] ?? resolve(repoRoot, '../shared/data/lexicons/ntusd'));
const out = resolve(here, '../data/lexicons/ntusd');

// 'tw' → 'cn' converts Taiwan-standard characters and common phrases to mainland Simplified.
const toSimplified = OpenCC.Converter({ from: 'tw', to: 'cn' });

// NTUSD's positive list is largely a translation of the General Inquirer and holds many words that
// carry no feeling in Chinese use (已经, 还是, 发展, 时间 …). jieba's own dictionary tags each word
// with a part of speech and a corpus frequency; we drop function words (adverbs, conjunctions,
// prepositions, numerals, pronouns, names …), which negation/degree rules handle instead, and very
// common plain verbs and nouns, which in GI translations are topic words rather than opinion words.
const jiebaDict = join(dirname(createRequire(import.meta.url).resolve('nodejieba')), 'submodules/cppjieba/dict/jieba.dict.utf8');
const jieba = new Map<string, { freq: number; tag: string }>();
for (const line of readFileSync(jiebaDict, 'utf8').split('\n')) {
  const [w, f, tag] = line.split(' ');
  if (w && f && tag) jieba.set(w, { freq: Number(f), tag });
}
const FUNCTION_TAGS = new Set(['d', 'df', 'ad', 'c', 'p', 'm', 'mq', 'q', 'f', 't', 'r', 'u', 'uj', 'ul', 'b', 'nr', 'nrt', 'nrfg', 'ns', 'nt', 'nz', 'o', 'y', 'e', 'j', 'zg']);
const LEADING_FUNCTION_CHARS = new Set([...'都也才就还又会能该应是已很太更最所被把让再却并而且只']);
const COMMON_FREQ = { positive: 3000, negative: 8000 };

/** True when a converted NTUSD word is kept (see above). */
function keep(word: string, list: 'positive' | 'negative'): boolean {
  // jieba compounds of an adverb/auxiliary and a verb (都是, 也会, 才能, 就可以) are function words too.
  // (被 is kept for the negative list: 被骗, 被打 are complaints.)
  if (word.length <= 3 && LEADING_FUNCTION_CHARS.has(word[0] as string) && !(list === 'negative' && word[0] === '被')) return false;
  const info = jieba.get(word);
  if (!info) return true;
  if (FUNCTION_TAGS.has(info.tag)) return false;
  const opinionTag = info.tag === 'a' || info.tag === 'an' || info.tag === 'i' || info.tag === 'l' || info.tag === 'z';
  return opinionTag || info.freq <= COMMON_FREQ[list];
}

const dropped: string[] = [];
/** Reads a word list, converts each word, drops blanks, duplicates and non-opinion words, sorts. */
function convert(file: string, list: 'positive' | 'negative'): string[] {
  const words = new Set<string>();
  for (const line of readFileSync(join(src, file), 'utf8').split(/\r?\n/)) {
    const w = toSimplified(line.trim().replace(/^\uFEFF/, ''));
    if (!w) continue;
    if (keep(w, list)) words.add(w);
    else dropped.push(`${list}\t${w}`);
  }
  return [...words].sort();
}

mkdirSync(out, { recursive: true });
const positive = convert('positive_9365.utf8.txt', 'positive');
const negative = convert('negative_11230.utf8.txt', 'negative');
writeFileSync(join(out, 'dropped.tsv'), `${dropped.sort().join('\n')}\n`);
writeFileSync(join(out, 'positive.txt'), `${positive.join('\n')}\n`);
writeFileSync(join(out, 'negative.txt'), `${negative.join('\n')}\n`);
copyFileSync(join(src, 'LICENSE'), join(out, 'LICENSE'));
copyFileSync(join(src, 'README.md'), join(out, 'README.upstream.md'));
writeFileSync(
  join(out, 'README.md'),
  [
    '# NTUSD, converted to Simplified Chinese',
    '',
    'National Taiwan University Sentiment Dictionary (NTUSD), © 2022 NTU NLPLab, MIT licence (see LICENSE;',
    'the upstream README is README.upstream.md).',
    '',
    'Lun-Wei Ku and Hsin-Hsi Chen (2007). Mining Opinions from the Web: Beyond Relevance Retrieval.',
    'Journal of the American Society for Information Science and Technology, 58(12), 1838–1850.',
    '',
    'Converted from Traditional to Simplified by packages/nlp/scripts/build-lexicons.ts with opencc-js',
    "(`Converter({ from: 'tw', to: 'cn' })`); blank and duplicate lines removed, sorted. Words that jieba's",
    'dictionary tags as function words (adverbs, conjunctions, pronouns, names …) or as very common plain',
    'verbs/nouns (e.g. 已经, 还是, 时间) were left out, because they carry no opinion in Chinese text; they are',
    'listed in dropped.tsv.',
    `positive.txt: ${positive.length} words; negative.txt: ${negative.length} words.`,
    '',
  ].join('\n'),
);
console.log(`ntusd: ${positive.length} positive, ${negative.length} negative → ${out}`);
