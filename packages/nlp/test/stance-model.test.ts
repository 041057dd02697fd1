import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createAnalyzer, defaultStanceModel, SHIPPED_STANCE_MODEL_FILE } from '../src/analyze';
import { authoredStanceExamples, calibrateStanceDecision, CALIBRATION_MIN, stanceFeatures, stanceTrainingTokens, trainShippedStanceModel, trainStanceModel } from '../src/stance-training';

describe('the shipped police-negative model', () => {
  it('is current: training on the authored corpus again gives the shipped file (run pnpm nlp:train-stance after changing the corpus, the stance lexicon or the rules)', () => {
    const shipped = JSON.parse(readFileSync(SHIPPED_STANCE_MODEL_FILE, 'utf8')) as { modelVersion: string };
    expect(trainShippedStanceModel().modelVersion).toBe(shipped.modelVersion);
  }, 60_000);

  it('is what the analyzer uses by default, and its version is stored with each analysis', () => {
    const model = defaultStanceModel();
    expect(model?.heads).toContain('police_negative');
    const r = createAnalyzer().analyze({ id: '1', text: '警察叔叔效率真高，报警半年了还没下文' });
    expect(r.modelVersion).toBe(model?.modelVersion);
    expect(r.policeNegative).toBe(true);
  });

  it('learns only from police-related authored texts, both stances', () => {
    const ex = authoredStanceExamples();
    expect(ex.length).toBeGreaterThan(1000);
    const negatives = ex.filter((e) => e.police_negative).length;
    expect(negatives / ex.length).toBeGreaterThan(0.3);
    expect(negatives / ex.length).toBeLessThan(0.7);
  });

  it('reads the rules\' markers besides the words', () => {
    const tokens = stanceTrainingTokens('派出所推来推去，就是不立案');
    expect(tokens).toContain('⟦inaction⟧');
    expect(tokens.some((t) => /^⟦r\d⟧$/.test(t))).toBe(true);
    expect(tokens).toContain('派出所');
  });

  it('lets analysts\' corrections move the judgement', () => {
    // A local phrase the corpus never saw, corrected as police-negative again and again.
    const text = '城南所又在搞那一套了';
    const before = createAnalyzer().analyze({ id: 'a', text: `${text}，民警` });
    const corrections = Array.from({ length: 30 }, (_, i) => ({ tokens: [], stanceTokens: stanceTrainingTokens(`${text}，民警${'！'.repeat(i % 3)}`), police_negative: true }));
    const after = createAnalyzer({ model: trainStanceModel(corrections, { createdAt: '1970-01-01T00:00:00.000Z' }) }).analyze({ id: 'a', text: `${text}，民警` });
    expect(after.policeNegativeScore).toBeGreaterThan(before.policeNegativeScore);
  }, 60_000);
});

describe('calibrateStanceDecision', () => {
  const example = (text: string, negative: boolean) => {
    const f = stanceFeatures(text);
    return { tokens: [], stanceTokens: f.tokens, ruleScore: f.ruleScore, police_negative: negative };
  };

  it('needs enough corrections of both kinds before it decides anything', () => {
    expect(calibrateStanceDecision([])).toBeNull();
    const few = Array.from({ length: CALIBRATION_MIN.examples - 1 }, (_, i) => example(`民警第${i}次不作为`, i % 2 === 0));
    expect(calibrateStanceDecision(few)).toBeNull();
    const oneSided = Array.from({ length: CALIBRATION_MIN.examples + 10 }, (_, i) => example(`派出所民警第${i}号`, i < 5));
    expect(calibrateStanceDecision(oneSided)).toBeNull();
  });

  it('chooses a rule and threshold from cross-validation on the corrections and records why; the model carries it', () => {
    // A bureau whose analysts call every mention of a local station's "老规矩" police-negative.
    const corrections = [
      ...Array.from({ length: 40 }, (_, i) => example(`城东派出所又是老规矩，第${i}回了，民警`, true)),
      ...Array.from({ length: 40 }, (_, i) => example(`城东派出所民警今天第${i}次上门走访，很热心`, false)),
    ];
    const decision = calibrateStanceDecision(corrections);
    expect(decision).not.toBeNull();
    expect(['or', 'model']).toContain(decision?.combine);
    expect(decision!.threshold).toBeGreaterThan(0);
    expect(decision!.threshold).toBeLessThan(1);
    expect(decision!.chosenBy).toMatch(/3-fold on 80 corrections: P [\d.]+ R [\d.]+ F1 [\d.]+/);
    const json = trainStanceModel(corrections, { createdAt: '1970-01-01T00:00:00.000Z' });
    expect(json.modelVersion).toMatch(/\.(m|o)\d+$/);
    const analyzer = createAnalyzer({ model: json });
    expect(analyzer.analyze({ id: 'x', text: '城东派出所又是老规矩，民警' }).policeNegative).toBe(true);
    expect(analyzer.analyze({ id: 'y', text: '城东派出所民警上门走访，很热心' }).policeNegative).toBe(false);
  }, 120_000);
});
