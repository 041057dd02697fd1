import { describe, expect, it } from 'vitest';
import { creditsIn, isCreditLine } from '../src/extract/byline';
import { extractArticle } from '../src/extract/index';

// Pages and by-lines written for these tests (invented names and text, in the shape news pages have).
const PARAS = [
  '3月5日上午，市公安局召开新闻发布会，通报今年以来全市打击电信网络诈骗犯罪的工作情况。据介绍，全市共破获电信诈骗案件三百余起，抓获犯罪嫌疑人四百多名。',
  '警方提醒广大市民，凡是自称“公检法”要求转账到“安全账户”的，都是诈骗；接到可疑电话时，请及时拨打反诈专线咨询，不要轻信陌生人的指令。',
  '下一步，公安机关将继续保持高压态势，会同金融、通信等部门，加强源头治理，切实守护好群众的“钱袋子”。',
];

const nav = `<ul class="nav">${Array.from({ length: 10 }, (_, i) => `<li><a href="/c${i}">栏目${i}</a></li>`).join('')}</ul>`;
const footer = '<div class="footer"><p>关于我们 | 联系我们 | 网站地图</p><p>Copyright © 2024 某某网 版权所有 京ICP备00000000号</p></div>';

/** A news page: `info` is the header row under the headline, `top` lines open the article, `tail` lines close it. */
function page(o: { info?: string; top?: string[]; lead?: string; tail?: string[] } = {}): string {
  const first = o.lead ? `${o.lead}${PARAS[0]}` : PARAS[0];
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>警方通报打击电诈成果_某某网</title></head><body>
  <div class="header">${nav}</div>
  <div class="main">
    <h1>警方通报打击电诈成果</h1>
    <div class="info">${o.info ?? '2024-03-05 10:20 来源：某某日报'}</div>
    <div class="article">
      ${(o.top ?? []).map((l) => `<p>${l}</p>`).join('\n')}
      <p>${first}</p><p>${PARAS[1]}</p><p>${PARAS[2]}</p>
      ${(o.tail ?? []).map((l) => `<p>${l}</p>`).join('\n')}
    </div>
  </div>
  ${footer}
</body></html>`;
}

const author = (o: Parameters<typeof page>[0]) => extractArticle(page(o)).author;

describe('several authors are all returned, in order, with the by-line’s separators', () => {
  it('reads reporters separated by spaces', () => {
    expect(author({ top: ['本报记者 王明 李华'] })).toBe('王明 李华');
    expect(author({ top: ['本报记者 王明 李华 赵强'] })).toBe('王明 李华 赵强');
  });

  it('keeps the list mark 、 as written', () => {
    expect(author({ info: '2024-03-05 10:20 作者：赵刚、刘芳 来源：某某网' })).toBe('赵刚、刘芳');
    expect(author({ tail: ['（记者 王明、李华、张强）'] })).toBe('王明、李华、张强');
  });

  it('joins reporters and correspondents of one by-line', () => {
    expect(author({ top: ['记者 王明 通讯员 李华'] })).toBe('王明 李华');
    expect(author({ lead: '本报讯（记者 马骏 通讯员 徐丽 陈晨）' })).toBe('马骏 徐丽 陈晨');
  });

  it('reads consecutive by-line lines as one by-line', () => {
    expect(author({ top: ['本报实习生 陈晨 周洋', '本报记者 吴凡'] })).toBe('陈晨 周洋 吴凡');
  });

  it('reads the names closing an article', () => {
    expect(author({ tail: ['（记者 王明 李华）'] })).toBe('王明 李华');
    expect(author({ tail: ['（王明 李华 上海报道）'] })).toBe('王明 李华');
  });

  it('takes the writer of 文/ and not the photographer of 图/', () => {
    expect(author({ top: ['文/张三 图/李四'] })).toBe('张三');
    expect(author({ top: ['文/张三、王五 图/李四'] })).toBe('张三、王五');
  });
});

describe('by-lines that must not be split', () => {
  it('keeps a name with a middle dot whole', () => {
    expect(author({ info: '2024-03-05 10:20 作者：阿卜杜·热合曼' })).toBe('阿卜杜·热合曼');
    expect(author({ top: ['本报记者 阿卜杜·热合曼 王明'] })).toBe('阿卜杜·热合曼 王明');
  });

  it('keeps an organisation credited as the author whole', () => {
    expect(author({ info: '2024-03-05 10:20 作者：市公安局宣传处 来源：某某网' })).toBe('市公安局宣传处');
  });

  it('names the issuing body of a government document, label and value in separate cells', () => {
    const gov = page({ info: '<table><tr><td>发文机关：</td><td>某市人民政府</td></tr><tr><td>成文日期：</td><td>2024年03月05日</td></tr></table>' });
    expect(extractArticle(gov).author).toBe('某市人民政府');
  });

  it('does not take what a by-line goes on to say for another author', () => {
    expect(author({ info: '2024-03-05 10:20 作者：张三，北京人' })).toBe('张三');
    expect(author({ tail: ['（作者：李四 某大学法学院教授）'] })).toBe('李四');
  });

  it('keeps a Latin name in brackets with its Han name', () => {
    expect(author({ info: '作者： 周思远 (Alan Zhou)' })).toBe('周思远 (Alan Zhou)');
  });
});

describe('编辑 and 摄 versus 记者', () => {
  it('prefers the reporter to the editor', () => {
    expect(author({ tail: ['（记者 张明）', '责任编辑：李华'] })).toBe('张明');
    expect(author({ top: ['记者 张明 李强'], tail: ['编辑：赵六 校对：钱七'] })).toBe('张明 李强');
  });

  it('falls back to the editor when no writer is named', () => {
    expect(author({ tail: ['责任编辑：赵六'] })).toBe('赵六');
    expect(author({ tail: ['来源：某某日报 编辑：赵六、孙八'] })).toBe('赵六、孙八');
  });

  it('does not take a photographer for the writer', () => {
    expect(author({ top: ['图为民警在社区宣传防骗知识。本报记者 孙立 摄'], tail: ['（记者 钱进）'] })).toBe('钱进');
    expect(author({ top: ['本报记者 孙立 摄'], tail: ['责任编辑：赵六'] })).toBe('赵六');
  });

  it('does not read a sentence about reporters as a by-line', () => {
    expect(author({ tail: ['记者从市公安局获悉，此案仍在进一步审理中。'] })).toBeNull();
    expect(author({ tail: ['一位民警对记者透露，涉案资金已冻结。'] })).toBeNull();
    expect(author({ tail: ['他在接受记者采访时表示，将加强宣传。'] })).toBeNull();
  });
});

describe('creditsIn', () => {
  it('reads each role with its names and knows a line that is only a by-line', () => {
    const line = '本报记者 王明 李华 通讯员 赵强';
    const cs = creditsIn(line);
    expect(cs.map((c) => [c.role, c.text])).toEqual([
      ['writer', '王明 李华'],
      ['writer', '赵强'],
    ]);
    expect(isCreditLine(line, cs)).toBe(true);
    expect(isCreditLine('新京报讯（记者 王明）3月5日，记者从市公安局获悉', creditsIn('新京报讯（记者 王明）3月5日，记者从市公安局获悉'))).toBe(false);
  });

  it('marks photo credits and labels', () => {
    expect(creditsIn('本报记者 孙立 摄').map((c) => c.role)).toEqual(['photo']);
    expect(creditsIn('责任编辑：李华').map((c) => [c.role, c.labelled])).toEqual([['editor', true]]);
    expect(creditsIn('地图|设为首页|文字版')).toEqual([]);
  });
});
