/**
 * Analyst feedback on items: what an item's values are once an analyst's correction is taken into
 * account. Pure; the items routes show it next to the automatic analysis and the correction.
 */
import type { ItemLabel, LabelSentiment } from '@yuqing/db';

/** The three values an analyst can correct. */
export const CORRECTABLE = ['policeRelated', 'policeNegative', 'sentiment'] as const;
export type Correctable = (typeof CORRECTABLE)[number];

/** The automatic values (item_analysis), null until the item is analysed. */
export interface AutomaticValues {
  policeRelated: boolean;
  policeNegative: boolean;
  sentiment: LabelSentiment;
}

/** The values that count: the correction where given, else the automatic ones. */
export interface EffectiveValues {
  policeRelated: boolean | null;
  policeNegative: boolean | null;
  sentiment: LabelSentiment | null;
  /** The values decided by the correction: given, or implied (as below) where that differs from the automatic value. */
  corrected: Correctable[];
}

/**
 * The correction where given, else the automatic value (null when there is neither). Two
 * implications keep the pair consistent where the analyst corrected only one of them: an item
 * corrected to police-negative is police-related, and an item corrected to not police-related is
 * not police-negative. (The contradictory pair itself is refused when a label is stored.)
 */
export function effectiveValues(auto: AutomaticValues | null, label: Pick<ItemLabel, Correctable> | null): EffectiveValues {
  const corrected: Correctable[] = [];
  const pick = <T>(field: Correctable, given: T | null | undefined, implied: T | null, automatic: T | null): T | null => {
    if (given !== null && given !== undefined) {
      corrected.push(field);
      return given;
    }
    // an implication counts as a correction only where it changes something
    if (implied !== null && implied !== automatic) {
      corrected.push(field);
      return implied;
    }
    return automatic;
  };
  const policeRelated = pick('policeRelated', label?.policeRelated, label?.policeNegative === true ? true : null, auto?.policeRelated ?? null);
  const policeNegative = pick('policeNegative', label?.policeNegative, label?.policeRelated === false ? false : null, auto?.policeNegative ?? null);
  const sentiment = pick('sentiment', label?.sentiment, null, auto?.sentiment ?? null);
  return { policeRelated, policeNegative, sentiment, corrected };
}
