/**
 * Evaluation of the analysis engine on the real data of ../shared/data (evaluation only: nothing
 * here is shipped, and the models trained here are thrown away).
 *
 *   npx tsx test/eval/analyze.ts [--json]        (pnpm eval:analyze)
 *
 * Every figure goes through createAnalyzer, the code path of `yuqing analyze` and the analyzer.
 * - police/dev.jsonl: police relevance P/R/F1 and police-negative P/R/F1 (an item counts as
 *   police-negative only when the analyzer also calls it related);
 * - sentiment/osm-weibo-train.jsonl (`negative`) and sentiment/ChnSentiCorp_htl_all.csv
 *   (label 0 ⇒ negative): negative-vs-not accuracy and macro-F1 (mean F1 of the two classes).
 * Rows:
 * - lexicon: the default analyzer, no model (what ships);
 * - cv-model: a model trained by `yuqing train`'s own code (parseLabelLine + train) under 5-fold
 *   cross-validation — folds by FNV hash of the item id, so deterministic — judged alone
 *   (P(negative) ≥ 0.5; police-negative: related by the rules and P ≥ 0.5);
 * - cv-combined: createAnalyzer({ model }) with that fold's model, the configured combination;
 * - baseline: a one-line police regex and a 50-word sentiment list (more negative than positive
 *   words ⇒ negative; police-negative = regex ∧ negative).
 * Exits 1 when a target is missed (lexicon and cv-model rows), 2 when the data is missing.
 */
import { parseFloors } from './floors';
import { existsSync, readFileSync } from 'node:fs';
import { createAnalyzer, loadModel, train, type ModelJson, type TrainingExample } from '../../packages/nlp/src/index';
import { parseLabelLine } from '../../services/cli/src/commands/train';
import { sharedPath } from '../shared-data';

const TARGETS = { relevanceF1: 0.95, policeNegativeF1: 0.8, osmAccuracy: 0.78, chnSentiCorpAccuracy: 0.8 };
const FOLDS = 5;

interface Item {
  id: string;
  text: string;
  /** Gold label of the measure (negative, or police_negative). */
  gold: boolean;
  /** Gold police_related, police data only. */
  related?: boolean;
}

interface Counts {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

const BASELINE_POLICE = /警察|民警|警方|公安|派出所|交警|辅警|特警|刑警/;
const BASELINE_NEG = ['不', '没', '差', '坏', '烂', '脏', '吵', '贵', '慢', '旧', '失望', '垃圾', '恶心', '生气', '愤怒', '讨厌', '可怕', '可恶', '无耻', '难过', '伤心', '痛心', '糟糕', '问题', '投诉'];
const BASELINE_POS = ['好', '棒', '赞', '爱', '喜欢', '满意', '不错', '干净', '方便', '舒适', '热情', '开心', '高兴', '感谢', '支持', '优秀', '漂亮', '推荐', '温暖', '希望', '安全', '快', '值得', '周到', '加油'];

function baselineNegative(text: string): boolean {
  let n = 0;
  for (const w of BASELINE_NEG) if (text.includes(w)) n++;
  for (const w of BASELINE_POS) if (text.includes(w)) n--;
  return n > 0;
}

function fnv(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

function count(pairs: Iterable<[boolean, boolean]>): Counts {
  const c = { tp: 0, fp: 0, fn: 0, tn: 0 };
  for (const [pred, gold] of pairs) {
    if (pred && gold) c.tp++;
    else if (pred) c.fp++;
    else if (gold) c.fn++;
    else c.tn++;
  }
  return c;
}

function prf(c: Counts): { p: number; r: number; f1: number } {
  const p = c.tp + c.fp ? c.tp / (c.tp + c.fp) : 0;
  const r = c.tp + c.fn ? c.tp / (c.tp + c.fn) : 0;
  return { p, r, f1: p + r ? (2 * p * r) / (p + r) : 0 };
}

function accMacro(c: Counts): { accuracy: number; macroF1: number } {
  const pos = prf(c).f1;
  const neg = prf({ tp: c.tn, tn: c.tp, fp: c.fn, fn: c.fp }).f1;
  return { accuracy: (c.tp + c.tn) / (c.tp + c.tn + c.fp + c.fn), macroF1: (pos + neg) / 2 };
}

function readJsonl(path: string): Record<string, unknown>[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** label,review CSV with quoted fields ("" escapes); label 0 ⇒ negative. */
function readReviews(path: string): Item[] {
  const text = readFileSync(path, 'utf8');
  const items: Item[] = [];
  let i = text.indexOf('\n') + 1;
  let n = 0;
  while (i < text.length) {
    const comma = text.indexOf(',', i);
    if (comma < 0) break;
    const label = text.slice(i, comma).trim();
    let j = comma + 1;
    let review = '';
    if (text[j] === '"') {
      j++;
      for (;;) {
        const q = text.indexOf('"', j);
        if (q < 0) {
          review += text.slice(j);
          j = text.length;
          break;
        }
        review += text.slice(j, q);
        if (text[q + 1] === '"') {
          review += '"';
          j = q + 2;
        } else {
          j = q + 1;
          break;
        }
      }
      const nl = text.indexOf('\n', j);
      i = nl < 0 ? text.length : nl + 1;
    } else {
      const nl = text.indexOf('\n', j);
      review = text.slice(j, nl < 0 ? text.length : nl);
      i = nl < 0 ? text.length : nl + 1;
    }
    if (label === '0' || label === '1') items.push({ id: `htl-${n++}`, text: review.replace(/\r$/, ''), gold: label === '0' });
  }
  return items;
}

/** The label line `yuqing train` would read for an item, for the measure's head. */
function labelLine(item: Item, head: 'negative' | 'police_negative'): string {
  return JSON.stringify({ text: item.text, [head]: item.gold });
}

interface CvResult {
  model: Counts;
  combined: Counts;
  relatedCombined?: Counts;
}

/** 5-fold cross-validation of `yuqing train`'s code on items; predictions of each held-out fold. */
function crossValidate(items: Item[], head: 'negative' | 'police_negative'): CvResult {
  const examples = items.map((it) => {
    const ex = parseLabelLine(labelLine(it, head));
    if (typeof ex === 'string') throw new Error(`eval: ${it.id}: ${ex}`);
    return ex;
  });
  const fold = items.map((it) => fnv(it.id) % FOLDS);
  const modelPairs: [boolean, boolean][] = [];
  const combinedPairs: [boolean, boolean][] = [];
  for (let f = 0; f < FOLDS; f++) {
    const trainSet: TrainingExample[] = examples.filter((_, i) => fold[i] !== f);
    const json: ModelJson = train(trainSet, { createdAt: '1970-01-01T00:00:00.000Z' });
    const model = loadModel(json);
    const analyzer = createAnalyzer({ model: json });
    items.forEach((it, i) => {
      if (fold[i] !== f) return;
      const ex = examples[i] as TrainingExample;
      const r = analyzer.analyze({ id: it.id, text: it.text });
      const p = model.probability(head, ex.tokens) ?? 0;
      if (head === 'negative') {
        modelPairs.push([p >= 0.5, it.gold]);
        combinedPairs.push([r.sentiment.label === 'negative', it.gold]);
      } else {
        modelPairs.push([r.policeRelated && p >= 0.5, it.gold]);
        combinedPairs.push([r.policeNegative, it.gold]);
      }
    });
  }
  return { model: count(modelPairs), combined: count(combinedPairs) };
}

function main(): number {
  const asJson = process.argv.includes('--json');
  const paths = {
    police: sharedPath('police', 'dev.jsonl'),
    osm: sharedPath('sentiment', 'osm-weibo-train.jsonl'),
    htl: sharedPath('sentiment', 'ChnSentiCorp_htl_all.csv'),
  };
  const missing = Object.values(paths).filter((p) => !existsSync(p));
  if (missing.length) {
    process.stderr.write(`eval:analyze: shared data missing (${missing.join(', ')}); set SHARED_DATA_DIR or check out ../shared\n`);
    return 2;
  }
  const police: Item[] = readJsonl(paths.police).map((o) => ({ id: String(o.id), text: String(o.text), gold: o.police_negative === true, related: o.police_related === true }));
  const osm: Item[] = readJsonl(paths.osm).map((o) => ({ id: String(o.id), text: String(o.text), gold: o.negative === true }));
  const htl = readReviews(paths.htl);

  const t0 = performance.now();
  const lexicon = createAnalyzer();
  const rel: [boolean, boolean][] = [];
  const pneg: [boolean, boolean][] = [];
  const bRel: [boolean, boolean][] = [];
  const bNeg: [boolean, boolean][] = [];
  for (const it of police) {
    const r = lexicon.analyze({ id: it.id, text: it.text });
    rel.push([r.policeRelated, it.related === true]);
    pneg.push([r.policeNegative, it.gold]);
    const b = BASELINE_POLICE.test(it.text);
    bRel.push([b, it.related === true]);
    bNeg.push([b && baselineNegative(it.text), it.gold]);
  }
  const sentiment = (items: Item[]) => {
    const lex: [boolean, boolean][] = [];
    const base: [boolean, boolean][] = [];
    for (const it of items) {
      lex.push([lexicon.analyze({ id: it.id, text: it.text }).sentiment.label === 'negative', it.gold]);
      base.push([baselineNegative(it.text), it.gold]);
    }
    return { lexicon: accMacro(count(lex)), baseline: accMacro(count(base)) };
  };
  const osmLex = sentiment(osm);
  const htlLex = sentiment(htl);
  const cvOsm = crossValidate(osm, 'negative');
  const cvHtl = crossValidate(htl, 'negative');
  const cvPolice = crossValidate(police, 'police_negative');

  const report = {
    engineVersion: lexicon.engineVersion,
    targets: TARGETS,
    police: {
      items: police.length,
      relevance: { lexicon: prf(count(rel)), baseline: prf(count(bRel)) },
      policeNegative: { lexicon: prf(count(pneg)), cvModel: prf(cvPolice.model), cvCombined: prf(cvPolice.combined), baseline: prf(count(bNeg)) },
    },
    osm: { items: osm.length, lexicon: osmLex.lexicon, cvModel: accMacro(cvOsm.model), cvCombined: accMacro(cvOsm.combined), baseline: osmLex.baseline },
    chnSentiCorp: { items: htl.length, lexicon: htlLex.lexicon, cvModel: accMacro(cvHtl.model), cvCombined: accMacro(cvHtl.combined), baseline: htlLex.baseline },
    seconds: Math.round((performance.now() - t0) / 100) / 10,
  };
  const checks: Array<[string, string, number, number]> = [
    ['relevanceF1', 'relevance F1', report.police.relevance.lexicon.f1, TARGETS.relevanceF1],
    ['policeNegativeF1', 'police-negative F1', report.police.policeNegative.lexicon.f1, TARGETS.policeNegativeF1],
    ['osmLexicon', 'osm accuracy (lexicon)', report.osm.lexicon.accuracy, TARGETS.osmAccuracy],
    ['osmModel', 'osm accuracy (cv model)', report.osm.cvModel.accuracy, TARGETS.osmAccuracy],
    ['chnSentiCorpLexicon', 'ChnSentiCorp accuracy (lexicon)', report.chnSentiCorp.lexicon.accuracy, TARGETS.chnSentiCorpAccuracy],
    ['chnSentiCorpModel', 'ChnSentiCorp accuracy (cv model)', report.chnSentiCorp.cvModel.accuracy, TARGETS.chnSentiCorpAccuracy],
  ];
  const floors = parseFloors(process.argv.slice(2), checks.map((c) => c[0]));
  const misses = checks.filter(([, , v, target]) => v < target).map(([, label]) => label);
  const belowFloor = checks.filter(([key, , v, target]) => v < (floors.get(key) ?? target)).map(([, label]) => label);

  if (asJson) {
    process.stdout.write(`${JSON.stringify({ ...report, misses }, null, 2)}\n`);
  } else {
    const f = (x: number) => x.toFixed(3);
    const line = (name: string, m: { p: number; r: number; f1: number }) => `  ${name.padEnd(12)} P ${f(m.p)}  R ${f(m.r)}  F1 ${f(m.f1)}`;
    const acc = (name: string, m: { accuracy: number; macroF1: number }) => `  ${name.padEnd(12)} accuracy ${f(m.accuracy)}  macro-F1 ${f(m.macroF1)}`;
    const out = [
      `engine ${report.engineVersion}`,
      `police/dev.jsonl (${police.length} items) — police relevance (target F1 ≥ ${TARGETS.relevanceF1})`,
      line('lexicon', report.police.relevance.lexicon),
      line('baseline', report.police.relevance.baseline),
      `police-negative (target F1 ≥ ${TARGETS.policeNegativeF1})`,
      line('lexicon', report.police.policeNegative.lexicon),
      line('cv-model', report.police.policeNegative.cvModel),
      line('cv-combined', report.police.policeNegative.cvCombined),
      line('baseline', report.police.policeNegative.baseline),
      `osm-weibo-train.jsonl (${osm.length} items) — negative vs not (target accuracy ≥ ${TARGETS.osmAccuracy})`,
      acc('lexicon', report.osm.lexicon),
      acc('cv-model', report.osm.cvModel),
      acc('cv-combined', report.osm.cvCombined),
      acc('baseline', report.osm.baseline),
      `ChnSentiCorp_htl_all.csv (${htl.length} items) — negative vs not (target accuracy ≥ ${TARGETS.chnSentiCorpAccuracy})`,
      acc('lexicon', report.chnSentiCorp.lexicon),
      acc('cv-model', report.chnSentiCorp.cvModel),
      acc('cv-combined', report.chnSentiCorp.cvCombined),
      acc('baseline', report.chnSentiCorp.baseline),
      `${report.seconds}s; ${misses.length ? `BELOW TARGET: ${misses.join(', ')}` : 'all targets met'}`,
      ...(floors.size ? [`floors for the exit code: ${JSON.stringify(Object.fromEntries(floors))}; below a floor: ${belowFloor.join(', ') || 'none'}`] : []),
    ];
    process.stdout.write(`${out.join('\n')}\n`);
  }
  return belowFloor.length ? 1 : 0;
}

process.exitCode = main();
