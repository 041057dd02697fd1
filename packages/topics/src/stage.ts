/**
 * Lifecycle stage of a topic (舆情生命周期) from its hourly rate against its own peak:
 * 发生期 emerging, 扩散期 spreading, 高潮期 peak, 消散期 fading, and 次生 — a topic that had faded
 * (or closed) and flares up again.
 */
export type Stage = '发生期' | '扩散期' | '高潮期' | '消散期' | '次生';

export interface StageInput {
  previous: Stage | null;
  items: number;
  rate1h: number;
  acceleration: number;
  peakRate: number;
  burst: number;
  /** The topic was reopened after closing, or had faded and bursts again. */
  reopened: boolean;
}

/** The stage now. */
export function decideStage(s: StageInput): Stage {
  const faded = s.peakRate > 0 && s.rate1h < 0.3 * s.peakRate;
  if ((s.reopened || s.previous === '消散期' || s.previous === '次生') && s.burst >= 3 && !faded) return '次生';
  if (s.previous === '次生' && !faded) return '次生';
  if (s.items < 5 && s.previous === null) return '发生期';
  if (faded) return s.previous === null || s.previous === '发生期' ? '发生期' : '消散期';
  if (s.rate1h >= 0.7 * s.peakRate && s.acceleration <= 0 && s.peakRate >= 5) return '高潮期';
  if (s.acceleration > 0 || s.burst >= 3) return s.items < 5 ? '发生期' : '扩散期';
  return s.previous ?? '发生期';
}
