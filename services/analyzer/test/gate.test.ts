/**
 * The gate of the learning loop, alone (no training): folds, figures, and the rule that decides
 * whether a candidate replaces the running model.
 */
import { describe, expect, it } from 'vitest';
import { assignFolds, confusionOf, decideGate, figuresOf, type Judged } from '@yuqing/analyzer/learning';

/** n judged corrections: `actual` labels with the candidate's and the running model's predictions. */
function judged(rows: Array<[actual: boolean, candidate: boolean, current: boolean]>): Judged[] {
  return rows.map(([actual, candidate, current], i) => ({ itemId: i + 1, actual, candidate, current }));
}

/** `n` copies of a row. */
const times = (n: number, row: [boolean, boolean, boolean]) => Array.from({ length: n }, () => row);

describe('figures', () => {
  it('counts a confusion matrix and derives precision, recall and F1 (0 where undefined)', () => {
    const c = confusionOf([
      { predicted: true, actual: true },
      { predicted: true, actual: false },
      { predicted: false, actual: true },
      { predicted: false, actual: false },
      { predicted: true, actual: true },
    ]);
    expect(c).toEqual({ tp: 2, fp: 1, fn: 1, tn: 1 });
    expect(figuresOf(c)).toEqual({ tp: 2, fp: 1, fn: 1, tn: 1, n: 5, precision: 0.6667, recall: 0.6667, f1: 0.6667 });
    // Nothing predicted positive: precision and F1 are 0, not NaN.
    expect(figuresOf({ tp: 0, fp: 0, fn: 3, tn: 2 })).toMatchObject({ precision: 0, recall: 0, f1: 0 });
  });
});

describe('folds', () => {
  it('are stratified, balanced and the same for the same corrections in any order', () => {
    const items = [
      ...Array.from({ length: 7 }, (_, i) => ({ itemId: 100 + i, label: true })),
      ...Array.from({ length: 13 }, (_, i) => ({ itemId: 200 + i, label: false })),
    ];
    const folds = assignFolds(items, 5);
    expect(folds.size).toBe(20);
    for (let f = 0; f < 5; f++) {
      const inFold = items.filter((i) => folds.get(i.itemId) === f);
      expect(inFold).toHaveLength(4);
      // Seven positives over five folds: one or two in each.
      expect(inFold.filter((i) => i.label).length).toBeGreaterThanOrEqual(1);
      expect(inFold.filter((i) => i.label).length).toBeLessThanOrEqual(2);
    }
    expect(assignFolds([...items].reverse(), 5)).toEqual(folds);
    expect(() => assignFolds(items, 1)).toThrow(/folds/);
  });
});

describe('the gate', () => {
  it('activates a candidate whose F1 on the corrections the running model has not seen is higher', () => {
    // The running model misses half of the police-negative corrections; the candidate finds them.
    const v = decideGate(judged([...times(10, [true, true, true]), ...times(10, [true, true, false]), ...times(20, [false, false, false])]), 30);
    expect(v.accepted).toBe(true);
    expect(v.candidate).toMatchObject({ f1: 1, tp: 20, fn: 0 });
    expect(v.current).toMatchObject({ tp: 10, fn: 10, f1: 0.6667 });
    expect(v.evaluated).toEqual({ n: 40, positives: 20, negatives: 20 });
    expect(v.reason).toMatch(/启用候选模型/);
  });

  it('keeps the running model when the candidate is only as good (a tie) or worse', () => {
    const tie = decideGate(judged([...times(15, [true, true, true]), ...times(15, [false, false, false])]), 30);
    expect(tie.accepted).toBe(false);
    expect(tie.candidate?.f1).toBe(tie.current?.f1);
    expect(tie.reason).toMatch(/不高于当前模型/);
    // Finds more but raises many false alarms: F1 lower.
    const worse = decideGate(judged([...times(15, [true, true, true]), ...times(15, [false, true, false])]), 30);
    expect(worse.accepted).toBe(false);
    expect(worse.candidate!.f1).toBeLessThan(worse.current!.f1);
  });

  it('refuses to judge on too few corrections, or on corrections of one class only', () => {
    // A perfect candidate against a model that finds nothing, but only 29 corrections: keep what runs.
    const few = decideGate(judged([...times(15, [true, true, false]), ...times(14, [false, false, false])]), 30);
    expect(few).toMatchObject({ accepted: false, candidate: null, current: null, evaluated: { n: 29, positives: 15, negatives: 14 } });
    expect(few.reason).toMatch(/至少需要 30 条/);
    const oneClass = decideGate(judged(times(40, [false, false, true])), 30);
    expect(oneClass.accepted).toBe(false);
    expect(oneClass.reason).toMatch(/两类都有/);
  });
});
