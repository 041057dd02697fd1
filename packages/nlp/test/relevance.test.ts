import { describe, expect, it } from 'vitest';
import { normalize } from '../src/normalize';
import { policeRelevance } from '../src/relevance';
import { tokenize } from '../src/segment';

function rel(text: string, title = '') {
  const n = normalize(text);
  return policeRelevance(tokenize(n.text), title ? tokenize(normalize(title).text) : [], { mentions: n.mentions, textLength: n.text.length });
}

describe('policeRelevance', () => {
  it('finds police terms and institution patterns', () => {
    for (const t of ['城南派出所昨晚接到群众求助', '市公安局城关分局发布通报', '民警王某当场制止了这名男子', '李警官耐心劝说了半小时', '交警在路口查处一辆超载货车', '辅警协助疏导交通']) {
      const r = rel(t);
      expect(r.related, t).toBe(true);
      expect(r.score).toBeGreaterThanOrEqual(0.5);
      expect(r.hits.length).toBeGreaterThan(0);
    }
  });

  it('ignores false friends that only share the character 警', () => {
    for (const t of ['大家要提高警惕，谨防电信诈骗', '气象台发布暴雨预警', '厨房的报警器突然响了', '这件事给我们敲响了警钟', '消防部门接到火警后赶到现场', '老师给了他一个警告']) {
      expect(rel(t).related, t).toBe(false);
    }
  });

  it('does not count impostors, fiction, armed police or a bare arrest', () => {
    expect(rel('一名男子冒充警察骗取老人钱财').related).toBe(false);
    expect(rel('她在新剧中饰演一名女警察，剧情紧凑').related).toBe(false);
    expect(rel('武警官兵参加抗洪抢险').related).toBe(false);
    expect(rel('男子盗窃电瓶车被刑拘').related).toBe(false);
  });

  it('needs more than a report to police to call it police-related, unless the police are judged', () => {
    expect(rel('我报警了').score).toBeLessThan(0.5);
    expect(rel('邻居报警以后根本没人管，拖了一个月').related).toBe(true);
  });

  it('weighs the title more than the body', () => {
    const inTitle = rel('今日发生一起纠纷，现已处理完毕', '民警调解邻里纠纷');
    const inBody = rel('民警调解邻里纠纷，今日发生一起纠纷，现已处理完毕');
    expect(inTitle.score).toBeGreaterThan(inBody.score);
  });

  it('counts a short comment addressed to a police account but not a bare tag list', () => {
    expect(rel('@平安某市 你们什么时候给个说法？').related).toBe(true);
    expect(rel('@某市公安 你们什么时候给个说法？').related).toBe(true);
    expect(rel('@某市公安@某某日报').related).toBe(false);
  });

  it('never throws on odd input', () => {
    for (const t of ['', '😀😀😀', 'police officers arrived at the scene', '\uD800警察\uDC00', '警'.repeat(10_000)]) {
      expect(() => rel(t)).not.toThrow();
    }
    expect(rel('police officers arrived at the scene').related).toBe(true);
  });
});
