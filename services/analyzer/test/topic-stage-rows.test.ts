/**
 * batchRows: the stage changes of a batch become rows in engine order beside the level changes,
 * each with the level its topic had at that moment; a close becomes a stage row only when it does
 * not drop the level to none (then the level row tells the alerter, once).
 */
import { TopicEngine, type TopicEvent, type TopicItem } from '@yuqing/topics';
import { describe, expect, it } from 'vitest';
import type { TopicChangeRow } from '@yuqing/db';
import { batchRows } from '../src/topic-stage';

const MIN = 60_000;
const HOUR = 60 * MIN;
const BASE = Date.parse('2025-04-01T02:00:00Z');
let n = 0;

function repost(original: string, at: number, keywords: string[]): TopicItem {
  const id = String(++n);
  return {
    id,
    publishedAt: at,
    text: `转发 ${id} //转发：${original}`,
    source: '微博',
    analysis: { policeRelated: true, policeNegative: true, sentiment: 'negative', keywords, places: [], jurisdictionHits: [], categories: ['执法争议'] },
  };
}

const A = '某市城北派出所民警在菜市场暴力执法，将一名摆摊老人按倒在地，网友质疑执法过当，要求公开处理结果。';
const B = '某县交警在高速收费站查车时与司机发生冲突，视频显示交警强行拖拽司机下车，引发网友热议。';

/** Processes items as one batch and returns its change rows. */
function batch(engine: TopicEngine, items: TopicItem[]): TopicChangeRow[] {
  const events: TopicEvent[] = [];
  for (const i of items) events.push(...engine.process(i));
  return batchRows(engine, events).changes;
}

describe('batchRows: stage changes', () => {
  it('records stage changes in engine order, each with the level its topic had then', () => {
    const engine = new TopicEngine({}, { trackChanges: true });
    const rows = batch(engine, [...Array.from({ length: 12 }, (_, i) => repost(A, BASE + i * MIN, ['民警', '暴力执法', '老人']))]);
    const stages = rows.filter((r) => r.kind === 'stage');
    expect(stages.length).toBeGreaterThan(0);
    expect(stages[0]).toMatchObject({ previous: null, closed: false });
    // Replaying the batch's level changes in order gives each stage row its level.
    let level = 'none';
    for (const r of rows) {
      if (r.kind === 'level' && r.applied) level = r.level;
      if (r.kind === 'stage') expect(r.level).toBe(level);
    }
    const fade = batch(engine, [repost(A, BASE + 3 * HOUR, ['民警', '暴力执法', '老人'])]).filter((r) => r.kind === 'stage');
    expect(fade).toEqual([expect.objectContaining({ kind: 'stage', stage: '消散期', reason: '话题进入消散期', level, closed: false })]);
  });

  it('a close that drops the level to none is a level row only; a close under a person’s level is a closed stage row', () => {
    const engine = new TopicEngine({}, { trackChanges: true });
    batch(engine, Array.from({ length: 12 }, (_, i) => repost(A, BASE + i * MIN, ['民警', '暴力执法', '老人'])));
    batch(engine, Array.from({ length: 12 }, (_, i) => repost(B, BASE + 30 * MIN + i * MIN, ['交警', '收费站', '司机'])));
    const [a, b] = [...engine.topics.keys()];
    expect(engine.topics.get(a!)!.level).not.toBe('none');
    engine.setManualLevel(b!, 'orange', BASE + HOUR, '人工定级');
    engine.takeChanges();
    // Three days later an unrelated item moves the clock: both topics close.
    const rows = batch(engine, [repost('某地举办消防安全宣传活动，市民踊跃参加。', BASE + 72 * HOUR, ['消防', '宣传'])]);
    const ofA = rows.filter((r) => r.topicId === a);
    expect(ofA).toEqual([expect.objectContaining({ kind: 'level', level: 'none', applied: true })]);
    const ofB = rows.filter((r) => r.topicId === b);
    expect(ofB).toEqual([expect.objectContaining({ kind: 'stage', stage: '消散期', closed: true, level: 'orange', previous: null })]);
  });
});
