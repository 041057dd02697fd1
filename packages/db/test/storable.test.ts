import { describe, expect, it } from 'vitest';
import { storableJson, storableOrNull, storableText } from '../src/storable';

describe('storableText', () => {
  it('drops NUL and the other C0 controls but keeps tab, line feed and carriage return', () => {
    expect(storableText('a\u0000b\u0001c\u001Fd\te\nf\rg')).toBe('abcd\te\nf\rg');
  });
  it('replaces a lone surrogate with U+FFFD and keeps pairs', () => {
    expect(storableText('x\uD800y')).toBe('x\uFFFDy');
    expect(storableText('x\uDC00y')).toBe('x\uFFFDy');
    expect(storableText('😀')).toBe('😀');
  });
  it('caps at the limit with 「…」, never splitting a surrogate pair', () => {
    expect(storableText('一二三四五', 3)).toBe('一二…');
    expect(storableText('一二三', 3)).toBe('一二三');
    const cut = storableText('a😀bc', 3);
    expect(cut).toBe('a…');
    expect(storableOrNull(null, 3)).toBeNull();
  });
  it('cleans every string of a JSON value, keys included', () => {
    expect(storableJson({ 'k\u0000': ['v\u0000', 1, null, { x: 'y\uD800' }] })).toEqual({ k: ['v', 1, null, { x: 'y\uFFFD' }] });
  });
});
