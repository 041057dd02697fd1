import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { idfOf } from '../src/keywords';
import { createPlaceMatcher } from '../src/places';
import { mayJoin, sentimentLexicon } from '../src/sentiment';
import { tokenize } from '../src/segment';
import { B_CONTENT, B_ELIGIBLE } from '../src/token-bits';
import { TokenTable } from '../src/token-info';

// Internals the analyzer's speed rests on; each must stay exact, never approximate.

describe('token table', () => {
  it('keeps ids stable within an item and empties itself only between items', () => {
    const tab = new TokenTable();
    const police = tab.id('警察');
    // Far past the capacity within one "item": ids keep growing, nothing is dropped.
    for (let i = 0; i < 70_000; i++) tab.id(`词${i}`);
    expect(tab.size).toBe(70_001);
    expect(tab.id('警察')).toBe(police);
    expect(tab.id('词69999')).toBe(70_000);
    // The next item starts with an empty table; facts are computed again, the same.
    tab.beginItem();
    expect(tab.size).toBe(0);
    const again = tab.id('警察');
    expect(again).toBe(0);
    expect(tab.str[again]).toBe('警察');
    expect((tab.bits[again] as number) & (B_CONTENT | B_ELIGIBLE)).toBe(B_CONTENT | B_ELIGIBLE);
    expect(tab.idf[again]).toBe(idfOf('警察'));
    expect(tab.id('词5')).toBe(1);
  });

  it('does not empty itself below its capacity', () => {
    const tab = new TokenTable();
    const a = tab.id('执法');
    tab.beginItem();
    expect(tab.id('执法')).toBe(a);
    expect(tab.size).toBe(1);
  });
});

describe('idf table', () => {
  it('gives every entry of the file its value, and the mean to unknown words', () => {
    const text = readFileSync(new URL('../data/dict/idf.trimmed.utf8', import.meta.url), 'utf8');
    let checked = 0;
    for (const line of text.split('\n')) {
      const sp = line.indexOf(' ');
      if (sp <= 0) continue;
      const v = Number(line.slice(sp + 1));
      if (!Number.isFinite(v)) continue;
      expect(idfOf(line.slice(0, sp))).toBe(v);
      checked++;
    }
    expect(checked).toBeGreaterThan(70_000);
    expect(idfOf('一个完全不存在的词')).toBe(11.74);
    expect(idfOf('')).toBe(11.74);
  });
});

describe('sentiment phrase filter', () => {
  it('never rejects a split of a polarity entry', () => {
    const lex = sentimentLexicon();
    let splits = 0;
    for (const w of [...lex.polarity.keys(), ...lex.prefixes]) {
      for (let i = 1; i < w.length; i++) {
        expect(mayJoin(w.slice(0, i), w.slice(i))).toBe(true);
        splits++;
      }
    }
    expect(splits).toBeGreaterThan(10_000);
  });
});

describe('place matcher over token ranges', () => {
  it('finds what find() finds with the same tokens', () => {
    const matcher = createPlaceMatcher({ jurisdiction: [{ name: '天河区', aliases: ['天河'], kind: 'district' }] });
    const tab = new TokenTable();
    const titles = ['吉林长春交警', '平安顺利', '', '大同小异的天河'];
    const bodies = ['长春市朝阳区民警出警', '延边州和安顺的民警', '海南的天河路上发生事故，朝阳区派出所', '南京市长江大桥上发生交通事故'];
    for (const title of titles) {
      for (const body of bodies) {
        const t = tokenize(title);
        const b = tokenize(body);
        const ids = Int32Array.from([...t, '。', ...b], (x) => tab.id(x));
        const text = title ? `${title} ${body}` : body;
        const expected = matcher.find(text, title ? [...t, ...b] : b);
        const ranges = title ? { str: tab.str, ids, to1: t.length, from2: t.length + 1, to2: ids.length } : { str: tab.str, ids: ids.subarray(t.length + 1), to1: 0, from2: 0, to2: b.length };
        expect(matcher.findRanges(text, ranges)).toEqual(expected);
      }
    }
  });
});
