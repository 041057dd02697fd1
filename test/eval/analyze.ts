/**
 * Evaluation of the analysis engine on the real data of ../shared/data (evaluation only: nothing
 * here is shipped, and the models trained here are thrown away).
 *
 *   npx tsx test/eval/analyze.ts [--json] [--floor name=value …]        (pnpm eval:analyze)
 *
 * Every figure goes through createAnalyzer, the code path of `yuqing analyze` and the analyzer.
 * - police/dev.jsonl and police/dev2.jsonl, each (two independent samples: a change must help
 *   both): police relevance P/R/F1 and police-negative P/R/F1 (an item counts as police-negative
 *   only when the analyzer also calls it related) for
 *   - shipped: what ships — the rules plus the model trained on the team's authored corpus, at the
 *     default threshold (POLICE_NEGATIVE_THRESHOLD); its precision/recall curve over thresholds;
 *   - rules: the rules alone (no model);
 *   - baseline: a one-line police regex and a 50-word sentiment list;
 * - learning loop: 5-fold over dev ∪ dev2 — the labels of four folds are analysts' corrections
 *   (trainStanceModel, what the analyzer's retraining runs), the fifth is judged by
 *   createAnalyzer({ model }) — folds by FNV hash of the item id, so deterministic;
 * - sentiment/osm-weibo-train.jsonl (`negative`) and sentiment/ChnSentiCorp_htl_all.csv
 *   (label 0 ⇒ negative): negative-vs-not accuracy and macro-F1, lexicon and a 5-fold model of
 *   `yuqing train`'s own code (cv-model alone, cv-combined through the analyzer).
 * Exits 1 when a target is missed (or a --floor given for it), 2 when the data is missing.
 */
import { parseFloors } from './floors';
import { existsSync, readFileSync } from 'node:fs';
import { createAnalyzer, loadModel, POLICE_NEGATIVE_THRESHOLD, stanceFeatures, train, trainStanceModel, trainingTokens, type ModelJson, type TrainingExample } from '../../packages/nlp/src/index';
import { parseLabelLine } from '../../services/cli/src/commands/train';
import { sharedPath } from '../shared-data';

const TARGETS = { relevanceF1: 0.95, policeNegativeF1: 0.8, policeNegativeRecall: 0.8, policeNegativePrecision: 0.75, learningLoopF1: 0.85, osmAccuracy: 0.78, chnSentiCorpAccuracy: 0.8 };
const CURVE = [0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8];
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
}

/** 5-fold cross-validation of `yuqing train`'s code on sentiment items; predictions of each held-out fold. */
function crossValidate(items: Item[]): CvResult {
  const examples = items.map((it) => {
    const ex = parseLabelLine(labelLine(it, 'negative'));
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
      modelPairs.push([(model.probability('negative', ex.tokens) ?? 0) >= 0.5, it.gold]);
      combinedPairs.push([r.sentiment.label === 'negative', it.gold]);
    });
  }
  return { model: count(modelPairs), combined: count(combinedPairs) };
}

/**
 * The learning loop over the police sets: four folds' labels are the corrections the analyzer's
 * retraining would have (police-related items with their police_negative label, as item_labels
 * rows give them), the fifth is judged by the analyzer with the model trained on them.
 */
function learningLoop(items: Item[]): Counts {
  const fold = items.map((it) => fnv(it.id) % FOLDS);
  const examples = items.map((it) => {
    const f = stanceFeatures(it.text);
    return { tokens: trainingTokens(it.text), stanceTokens: f.tokens, ruleScore: f.ruleScore, chars: f.chars, police_negative: it.gold };
  });
  const pairs: [boolean, boolean][] = [];
  for (let f = 0; f < FOLDS; f++) {
    const corrections = examples.filter((_, i) => fold[i] !== f && items[i]?.related === true);
    const analyzer = createAnalyzer({ model: trainStanceModel(corrections, { createdAt: '1970-01-01T00:00:00.000Z' }) });
    items.forEach((it, i) => {
      if (fold[i] === f) pairs.push([analyzer.analyze({ id: it.id, text: it.text }).policeNegative, it.gold]);
    });
  }
  return count(pairs);
}

interface PoliceSetReport {
  file: string;
  items: number;
  relevance: { shipped: PRF; baseline: PRF };
  policeNegative: { shipped: PRF; rules: PRF; baseline: PRF };
  /** Precision/recall/F1 of the shipped analyzer at each threshold. */
  curve: Array<{ threshold: number } & PRF>;
}

type PRF = { p: number; r: number; f1: number };

/** Relevance, police-negative (shipped, rules alone, baseline) and the curve of one police set. */
function evaluatePoliceSet(file: string, items: Item[]): PoliceSetReport {
  const shipped = createAnalyzer();
  const rules = createAnalyzer({ defaultStanceModel: false });
  const rel: [boolean, boolean][] = [];
  const neg: [boolean, boolean][] = [];
  const rulesNeg: [boolean, boolean][] = [];
  const bRel: [boolean, boolean][] = [];
  const bNeg: [boolean, boolean][] = [];
  const scores: Array<[number, boolean]> = [];
  for (const it of items) {
    const r = shipped.analyze({ id: it.id, text: it.text });
    rel.push([r.policeRelated, it.related === true]);
    neg.push([r.policeNegative, it.gold]);
    scores.push([r.policeRelated ? r.policeNegativeScore : -1, it.gold]);
    rulesNeg.push([rules.analyze({ id: it.id, text: it.text }).policeNegative, it.gold]);
    const b = BASELINE_POLICE.test(it.text);
    bRel.push([b, it.related === true]);
    bNeg.push([b && baselineNegative(it.text), it.gold]);
  }
  const curve = CURVE.map((threshold) => ({ threshold, ...prf(count(scores.map(([s, g]) => [s >= threshold, g] as [boolean, boolean]))) }));
  return {
    file,
    items: items.length,
    relevance: { shipped: prf(count(rel)), baseline: prf(count(bRel)) },
    policeNegative: { shipped: prf(count(neg)), rules: prf(count(rulesNeg)), baseline: prf(count(bNeg)) },
    curve,
  };
}

function main(): number {
  const asJson = process.argv.includes('--json');
  const paths = {
    dev: sharedPath('police', 'dev.jsonl'),
    dev2: sharedPath('police', 'dev2.jsonl'),
    osm: sharedPath('sentiment', 'osm-weibo-train.jsonl'),
    htl: sharedPath('sentiment', 'ChnSentiCorp_htl_all.csv'),
  };
  const missing = Object.values(paths).filter((p) => !existsSync(p));
  if (missing.length) {
    process.stderr.write(`eval:analyze: shared data missing (${missing.join(', ')}); set SHARED_DATA_DIR or check out ../shared\n`);
    return 2;
  }
  const policeItems = (path: string): Item[] => readJsonl(path).map((o) => ({ id: String(o.id), text: String(o.text), gold: o.police_negative === true, related: o.police_related === true }));
  const dev = policeItems(paths.dev);
  const dev2 = policeItems(paths.dev2);
  const osm: Item[] = readJsonl(paths.osm).map((o) => ({ id: String(o.id), text: String(o.text), gold: o.negative === true }));
  const htl = readReviews(paths.htl);

  const t0 = performance.now();
  const lexicon = createAnalyzer();
  const sets = [evaluatePoliceSet('police/dev.jsonl', dev), evaluatePoliceSet('police/dev2.jsonl', dev2)];
  const loop = prf(learningLoop([...dev, ...dev2]));
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
  const cvOsm = crossValidate(osm);
  const cvHtl = crossValidate(htl);

  const report = {
    engineVersion: lexicon.engineVersion,
    modelVersion: lexicon.modelVersion,
    threshold: POLICE_NEGATIVE_THRESHOLD,
    targets: TARGETS,
    police: sets,
    learningLoop: { items: dev.length + dev2.length, folds: FOLDS, ...loop },
    osm: { items: osm.length, lexicon: osmLex.lexicon, cvModel: accMacro(cvOsm.model), cvCombined: accMacro(cvOsm.combined), baseline: osmLex.baseline },
    chnSentiCorp: { items: htl.length, lexicon: htlLex.lexicon, cvModel: accMacro(cvHtl.model), cvCombined: accMacro(cvHtl.combined), baseline: htlLex.baseline },
    seconds: Math.round((performance.now() - t0) / 100) / 10,
  };
  const [d1, d2] = sets as [PoliceSetReport, PoliceSetReport];
  const checks: Array<[string, string, number, number]> = [
    ['relevanceF1', 'relevance F1 (dev)', d1.relevance.shipped.f1, TARGETS.relevanceF1],
    ['relevanceF1Dev2', 'relevance F1 (dev2)', d2.relevance.shipped.f1, TARGETS.relevanceF1],
    ['policeNegativeF1', 'police-negative F1 (dev)', d1.policeNegative.shipped.f1, TARGETS.policeNegativeF1],
    ['policeNegativeF1Dev2', 'police-negative F1 (dev2)', d2.policeNegative.shipped.f1, TARGETS.policeNegativeF1],
    ['policeNegativeRecall', 'police-negative recall (dev)', d1.policeNegative.shipped.r, TARGETS.policeNegativeRecall],
    ['policeNegativeRecallDev2', 'police-negative recall (dev2)', d2.policeNegative.shipped.r, TARGETS.policeNegativeRecall],
    ['policeNegativePrecision', 'police-negative precision (dev)', d1.policeNegative.shipped.p, TARGETS.policeNegativePrecision],
    ['policeNegativePrecisionDev2', 'police-negative precision (dev2)', d2.policeNegative.shipped.p, TARGETS.policeNegativePrecision],
    ['learningLoopF1', 'learning loop F1 (5-fold dev ∪ dev2)', loop.f1, TARGETS.learningLoopF1],
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
    const line = (name: string, m: PRF) => `  ${name.padEnd(12)} P ${f(m.p)}  R ${f(m.r)}  F1 ${f(m.f1)}`;
    const acc = (name: string, m: { accuracy: number; macroF1: number }) => `  ${name.padEnd(12)} accuracy ${f(m.accuracy)}  macro-F1 ${f(m.macroF1)}`;
    const police = sets.flatMap((set) => [
      `${set.file} (${set.items} items) — police relevance (target F1 ≥ ${TARGETS.relevanceF1})`,
      line('shipped', set.relevance.shipped),
      line('baseline', set.relevance.baseline),
      `  police-negative (targets F1 ≥ ${TARGETS.policeNegativeF1}, recall ≥ ${TARGETS.policeNegativeRecall}, precision ≥ ${TARGETS.policeNegativePrecision}; threshold ${POLICE_NEGATIVE_THRESHOLD})`,
      line('shipped', set.policeNegative.shipped),
      line('rules', set.policeNegative.rules),
      line('baseline', set.policeNegative.baseline),
      `  precision/recall curve of the shipped score (threshold: P / R / F1)`,
      ...set.curve.map((c) => `    ${c.threshold.toFixed(2)}${c.threshold === POLICE_NEGATIVE_THRESHOLD ? '*' : ' '}  ${f(c.p)} / ${f(c.r)} / ${f(c.f1)}`),
    ]);
    const out = [
      `engine ${report.engineVersion}, shipped model ${report.modelVersion ?? 'none'}`,
      ...police,
      `learning loop: 5-fold over dev ∪ dev2 (${report.learningLoop.items} items; four folds' labels as corrections) — target F1 ≥ ${TARGETS.learningLoopF1}`,
      line('retrained', loop),
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
