import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createAnalyzer, defaultStanceModel, SHIPPED_STANCE_MODEL_FILE } from '../src/analyze';
import { authoredStanceExamples, trainShippedStanceModel, trainStanceModel, stanceTrainingTokens } from '../src/stance-training';

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
