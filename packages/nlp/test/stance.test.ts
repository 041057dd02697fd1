import { describe, expect, it } from 'vitest';
import { normalize } from '../src/normalize';
import { stanceOf } from '../src/stance';

function stance(text: string, addressed = false) {
  const n = normalize(text);
  return stanceOf(n.text, n.emoticons, addressed);
}

describe('stanceOf', () => {
  it('finds stance cues that carry no sentiment word', () => {
    expect(stance('报警两个小时了，警察人呢？').cues).toContain('inaction');
    expect(stance('警方的通报你信吗，反正我不信').cues).toContain('distrust');
    expect(stance('派出所的效率真高，三个月了还没立案').cues).toEqual(expect.arrayContaining(['sarcasm', 'inaction']));
    expect(stance('评论区都关了，警方这是心虚了吧').cues).toContain('coverup');
    expect(stance('涉事民警必须开除，给公众一个交代').cues).toContain('accountability');
    expect(stance('这就是人民警察？跟黑社会有什么区别').cues).toContain('rhetorical');
    expect(stance('以后谁还敢报警').cues).toContain('fear');
    expect(stance('警察叔叔真是辛苦了[微笑]').cues).toContain('sarcasm');
  });

  it('counts defence and support of the police against, not for, a negative reading', () => {
    const defended = stance('这个人渣太可恶了，支持警察依法处置，抓得好');
    expect(defended.defence).toBeGreaterThan(defended.against);
    expect(stance('不是警察的错，别什么都骂警察').against).toBe(0);
  });

  it('denies a cue right after a negator', () => {
    expect(stance('民警不作为').against).toBeGreaterThan(stance('不是民警不作为').against);
  });

  it('weighs the clause after 但/却 more than the one before', () => {
    const later = stance('民警来得很快，但是处理得很敷衍');
    const earlier = stance('民警处理得很敷衍，但是来得很快');
    expect(later.against).toBeGreaterThan(earlier.against);
  });

  it('in a long post, counts cues in sentences about the police more than elsewhere', () => {
    const filler = '今天天气不错，我们一家人去公园散步，看到很多人在放风筝，孩子玩得很开心。';
    const near = stance(`${filler}${filler}派出所的人推来推去，没人管。`);
    const far = stance(`派出所来人登记了情况。${filler}${filler}物业推来推去，没人管。`);
    expect(near.against).toBeGreaterThan(far.against);
  });

  it('reads a short comment to a tagged police account as speaking to the police', () => {
    expect(stance('人呢？装死吗', true).against).toBeGreaterThan(stance('人呢？装死吗', false).against);
  });

  it('finds nothing in neutral police news and never throws', () => {
    expect(stance('市公安局召开新闻发布会，通报今年以来治安形势').against).toBe(0);
    for (const t of ['', '？？？', '\uD800', '警察'.repeat(50_000)]) expect(() => stance(t)).not.toThrow();
  });
});
