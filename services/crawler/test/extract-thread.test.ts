import { describe, expect, it } from 'vitest';
import { extractArticle, extractThread } from '../src/extract/index';

// Every page below is written for these tests: invented posts in the shape forum engines print them.

/** A Discuz!-like thread: posts in div#post_N > table#pidN, body in td#postmessage_N. */
function discuzPost(o: { pid: number; floor: string; author: string; uid: number; time: string; body: string }): string {
  return `<div id="post_${o.pid}">
  <table id="pid${o.pid}" class="plhin" summary="pid${o.pid}" cellspacing="0" cellpadding="0">
    <tr>
      <td class="pls" rowspan="2">
        <div class="pi"><div class="authi"><a href="home.php?mod=space&amp;uid=${o.uid}" target="_blank" class="xw1">${o.author}</a></div></div>
        <p><span>主题</span> 12 <span>帖子</span> 345 <span>积分</span> 678</p>
      </td>
      <td class="plc">
        <div class="pi">
          <strong><a href="forum.php?mod=redirect&amp;goto=findpost&amp;pid=${o.pid}" id="postnum${o.pid}">${o.floor}</a></strong>
          <div class="pti"><div class="authi">
            <img class="authicn vm" src="static/image/common/online_member.gif" />
            <em id="authorposton${o.pid}">${o.time}</em>
            <span class="pipe">|</span><a href="forum.php?mod=viewthread&amp;tid=88&amp;authorid=${o.uid}">只看该作者</a>
          </div></div>
        </div>
        <div class="pct"><div class="pcb"><div class="t_fsz">
          <table cellspacing="0" cellpadding="0"><tr><td class="t_f" id="postmessage_${o.pid}">${o.body}</td></tr></table>
        </div></div></div>
      </td>
    </tr>
    <tr><td class="plc plm"><div class="po hin"><div class="pob cl"><em><a class="fastre" href="#">回复</a></em><p><a href="#">举报</a></p></div></div></td></tr>
  </table>
</div>`;
}

const DISCUZ = `<!DOCTYPE html><html><head><meta charset="utf-8">
<title>小区东门路灯坏了一个月没人修 - 民生杂谈 - 某某社区 - Powered by Discuz!</title></head><body>
<div id="hd"><div class="wp"><a href="/">首页</a> <a href="/forum.php">论坛</a> <a href="/group">群组</a> <a href="/home.php">家园</a></div></div>
<div id="pt" class="bm cl"><a href="./">某某社区</a> <em>›</em> <a href="forum-2-1.html">民生杂谈</a> <em>›</em> 小区东门路灯坏了一个月没人修</div>
<div id="ct" class="wp cl"><div id="postlist" class="pl bm">
  <table cellspacing="0" cellpadding="0"><tr>
    <td class="pls ptn pbn"><div class="hm ptn"><span class="xg1">查看:</span> <span class="xi1">1024</span><span class="pipe">|</span><span class="xg1">回复:</span> <span class="xi1">4</span></div></td>
    <td class="plc ptm pbn vwthd"><h1 class="ts"><span id="thread_subject">小区东门路灯坏了一个月没人修</span></h1></td>
  </tr></table>
  ${discuzPost({
    pid: 1001,
    floor: '楼主',
    author: '老街坊',
    uid: 501,
    time: '发表于 2024-3-5 10:20',
    body: '小区东门口的路灯从上个月开始就不亮了，晚上下班回来黑漆漆一片，老人孩子出门都不方便。<br />打过物业电话，说要报给街道，可一个月过去了还是没人来修。有没有邻居知道该找哪个部门？',
  })}
  ${discuzPost({ pid: 1002, floor: '沙发', author: '夜跑的猫', uid: 502, time: '发表于 2024-3-5 11:02', body: '同感，我每天夜跑都绕着走，前两天还差点被电动车撞到。' })}
  ${discuzPost({
    pid: 1003,
    floor: '板凳',
    author: '热心市民小周',
    uid: 503,
    time: '发表于 <span title="2024-3-6 08:15:00">昨天&nbsp;08:15</span>',
    body: '<div class="quote"><blockquote><font size="2"><a href="#"><font color="#999999">老街坊 发表于 2024-3-5 10:20</font></a></font><br />打过物业电话，说要报给街道</blockquote></div><br />我上周打了市民热线，第二天就有人来登记了，可以试试。<i class="pstatus"> 本帖最后由 热心市民小周 于 2024-3-6 08:30 编辑 </i>',
  })}
  ${discuzPost({ pid: 1004, floor: '<em>4</em><sup>#</sup>', author: 'lamp_fixer', uid: 504, time: '发表于 2024-3-7 19:45', body: '今天路过看到已经修好了，感谢各位。' })}
</div></div>
<div id="ft" class="wp cl"><p>Powered by Discuz! X3.4 © 2001-2024 某某社区 京ICP备00000000号</p></div>
</body></html>`;

/** A Tieba-like thread: div.l_post with data-field, body div.d_post_content, floor and time in span.tail-info. */
function tiebaPost(o: { id: number; no: number; author: string; time: string; body: string; lzl?: string }): string {
  return `<div class="l_post j_l_post l_post_bright" data-field='{"author":{"user_id":${o.id},"user_name":"${o.author}"},"content":{"post_id":${o.id},"post_no":${o.no}}}'>
  <div class="d_author"><ul class="p_author">
    <li class="icon"><a class="p_author_face" href="/home/main?un=u${o.id}"><img src="portrait.jpg"></a></li>
    <li class="d_name"><a class="p_author_name j_user_card" href="/home/main?un=u${o.id}">${o.author}</a></li>
    <li class="l_badge"><div class="d_badge_title">小区居民</div><div class="d_badge_lv">7</div></li>
  </ul></div>
  <div class="d_post_content_main">
    <div class="p_content"><cc><div id="post_content_${o.id}" class="d_post_content j_d_post_content">${o.body}</div></cc></div>
    <div class="core_reply j_lzl_wrapper">
      <div class="core_reply_tail"><div class="post-tail-wrap">
        <span class="tail-info">来自Android客户端</span><span class="tail-info">${o.no}楼</span><span class="tail-info">${o.time}</span>
      </div></div>
      <div class="j_lzl_container core_reply_wrapper"><ul class="j_lzl_m_w">${o.lzl ?? ''}</ul></div>
    </div>
  </div>
</div>`;
}

const TIEBA = `<!DOCTYPE html><html><head><meta charset="utf-8"><title>【求助】晚上十点后广场舞音响太吵怎么办_某某小区吧_百度贴吧</title></head><body>
<div class="head_inner"><a href="/">百度首页</a> <a href="/f?kw=x">进吧</a> <a href="/f/search">搜索</a></div>
<div class="card_top_wrap"><a class="card_title_fname" href="/f?kw=x">某某小区吧</a> 关注：3,201 贴子：45,678</div>
<div class="core_title_wrap_bright"><h3 class="core_title_txt pull-left text-overflow" title="【求助】晚上十点后广场舞音响太吵怎么办">【求助】晚上十点后广场舞音响太吵怎么办</h3></div>
<div class="p_postlist" id="j_p_postlist">
${tiebaPost({
  id: 11,
  no: 1,
  author: '住三楼的阿强',
  time: '2024-06-12 22:41',
  body: '每天晚上广场上的音响一直放到十点半，家里孩子第二天要上学，根本睡不着。<br>跟领队的阿姨说过几次，当面答应得好好的，过两天又照旧。大家有什么好办法吗？',
  lzl: '<li class="lzl_single_post"><a class="at j_user_card" href="/home/main?un=u99">楼下老王</a>:<span class="lzl_content_main">同感，我家也听得清清楚楚</span><span class="lzl_time">2024-6-12 23:05</span></li>',
})}
${tiebaPost({ id: 12, no: 2, author: '晚睡星人', time: '2024-06-12 23:10', body: '可以先找社区居委会协调，不行再打派出所电话。' })}
${tiebaPost({ id: 13, no: 3, author: '住三楼的阿强', time: '2024-06-13 07:30', body: '谢谢，今天就去居委会问问。' })}
${tiebaPost({ id: 14, no: 4, author: '广场舞领队', time: '2024-06-13 09:02', body: '我们以后九点半就停，音量也调小，给大家添麻烦了。' })}
</div>
<div class="footer">©2024 Baidu 贴吧协议 京ICP证000000号</div>
</body></html>`;

/** A home-made BBS: floors, 楼主/网友 labels and 发表于 in a plain header line, text in a sibling div. */
function bbsPost(o: { floor: number; who: string; name: string; time: string; body: string }): string {
  return `<div class="item">
  <div class="info">第${o.floor}楼 ${o.who}：${o.name} 发表于 ${o.time}</div>
  <div class="msg">${o.body}</div>
  <div class="ops"><a href="#reply">回复</a> | <a href="#quote">引用</a> | <a href="#report">举报</a></div>
</div>`;
}

const BBS = `<html><head><meta charset="gbk"><title>关于小区停车收费调整的讨论 - 业主论坛</title></head><body>
<div class="top"><a href="/">业主论坛</a> | <a href="/post">发帖</a> | <a href="/login">登录</a> | <a href="/reg">注册</a></div>
<h2>关于小区停车收费调整的讨论</h2>
<div class="topic">
${bbsPost({ floor: 1, who: '楼主', name: '车位难求', time: '2024-04-02 09:15', body: '物业昨天贴出通知，地面停车费从每月一百五涨到三百，没有开业主大会，也没有公示依据。这样合规吗？' })}
${bbsPost({ floor: 2, who: '网友', name: '早起的鸟', time: '2024-04-02 09:40', body: '按规定调价要业主大会表决，可以向住建部门反映。' })}
${bbsPost({
  floor: 3,
  who: '网友',
  name: 'old_owner',
  time: '2024-04-02 10:05',
  body: '<div class="quote">引用 车位难求 于 2024-04-02 09:15 的发言：这样合规吗？</div>我去物业问过了，他们说是开发商定的，已经有十几户联名写了意见书。',
})}
${bbsPost({ floor: 4, who: '网友', name: '车位难求', time: '2024-04-02 12:30', body: '算我一个，意见书在哪里签？' })}
</div>
<div class="foot">业主论坛 版权所有 联系我们</div>
</body></html>`;

describe('extractThread on a Discuz!-like thread', () => {
  const t = extractThread(DISCUZ, 'https://bbs.example.cn/thread-88-1-1.html');

  it('reads every post in page order', () => {
    expect(t).not.toBeNull();
    expect(t?.posts.map((p) => p.author)).toEqual(['老街坊', '夜跑的猫', '热心市民小周', 'lamp_fixer']);
  });

  it('gives the first post its author, Beijing time and text, without the buttons around it', () => {
    const first = t?.posts[0];
    expect(first?.publishedAt).toBe('2024-03-05T10:20:00+08:00');
    expect(first?.text).toBe(
      '小区东门口的路灯从上个月开始就不亮了，晚上下班回来黑漆漆一片，老人孩子出门都不方便。\n打过物业电话，说要报给街道，可一个月过去了还是没人来修。有没有邻居知道该找哪个部门？',
    );
  });

  it('numbers the floors: 楼主, 沙发, 板凳, then N#', () => {
    expect(t?.posts.map((p) => p.floor)).toEqual([1, 2, 3, 4]);
  });

  it('keeps a quoting reply its own author and time, and leaves the quotation and the edit note out of its text', () => {
    const reply = t?.posts[2];
    expect(reply?.author).toBe('热心市民小周');
    // "昨天 08:15" on the page; the absolute time is in the span's title.
    expect(reply?.publishedAt).toBe('2024-03-06T08:15:00+08:00');
    expect(reply?.text).toBe('我上周打了市民热线，第二天就有人来登记了，可以试试。');
  });

  it('takes the thread subject as the title', () => {
    expect(t?.title).toBe('小区东门路灯坏了一个月没人修');
  });

  it('makes the first post the article of extractArticle', () => {
    const a = extractArticle(DISCUZ);
    expect(a.author).toBe('老街坊');
    expect(a.publishedAt?.toISOString()).toBe('2024-03-05T02:20:00.000Z');
    expect(a.text).toContain('小区东门口的路灯');
    expect(a.text).not.toContain('夜跑');
  });
});

describe('extractThread on a Tieba-like thread', () => {
  const t = extractThread(TIEBA, 'https://tieba.example.com/p/123');

  it('reads the posts, their floors and authors, not the nested replies', () => {
    expect(t?.posts.map((p) => [p.floor, p.author])).toEqual([
      [1, '住三楼的阿强'],
      [2, '晚睡星人'],
      [3, '住三楼的阿强'],
      [4, '广场舞领队'],
    ]);
  });

  it('gives the first post the time of its own tail, not that of a reply under it', () => {
    expect(t?.posts[0]?.publishedAt).toBe('2024-06-12T22:41:00+08:00');
    expect(t?.posts[3]?.publishedAt).toBe('2024-06-13T09:02:00+08:00');
  });

  it('keeps the first post text only', () => {
    expect(t?.posts[0]?.text).toBe('每天晚上广场上的音响一直放到十点半，家里孩子第二天要上学，根本睡不着。\n跟领队的阿姨说过几次，当面答应得好好的，过两天又照旧。大家有什么好办法吗？');
    expect(t?.title).toBe('【求助】晚上十点后广场舞音响太吵怎么办');
  });

  it('is read as its first post by extractArticle', () => {
    const a = extractArticle(TIEBA);
    expect(a.author).toBe('住三楼的阿强');
    expect(a.text).not.toContain('居委会');
  });
});

describe('extractThread without the engines’ names', () => {
  // The same pages with the engines' ids and classes for post bodies renamed: what is left is the
  // structure (repeated blocks, each with a poster, a time and text) and the forum's wording.
  const plain = (html: string) =>
    html
      .replace(/postmessage_/g, 'msg')
      .replace(/post_content_/g, 'pc')
      .replace(/d_post_content/g, 'pbody')
      .replace(/\bj?_?l_post\b/g, 'floor-item')
      .replace(/id="(?:post_|pid)(\d+)"/g, 'id="x$1"');

  it('still reads a Discuz!-like page by its structure', () => {
    const t = extractThread(plain(DISCUZ));
    expect(t?.posts.map((p) => [p.floor, p.author, p.publishedAt])).toEqual([
      [1, '老街坊', '2024-03-05T10:20:00+08:00'],
      [2, '夜跑的猫', '2024-03-05T11:02:00+08:00'],
      [3, '热心市民小周', '2024-03-06T08:15:00+08:00'],
      [4, 'lamp_fixer', '2024-03-07T19:45:00+08:00'],
    ]);
    expect(t?.posts[0]?.text).toMatch(/^小区东门口的路灯/);
  });

  it('still reads a Tieba-like page by its structure', () => {
    const t = extractThread(plain(TIEBA));
    expect(t?.posts.map((p) => p.author)).toEqual(['住三楼的阿强', '晚睡星人', '住三楼的阿强', '广场舞领队']);
    expect(t?.posts[0]?.publishedAt).toBe('2024-06-12T22:41:00+08:00');
    expect(t?.posts[0]?.text).toMatch(/^每天晚上广场上的音响/);
  });
});

describe('extractThread on a plain BBS page', () => {
  const t = extractThread(BBS, null);

  it('finds the repeated post blocks by their structure', () => {
    expect(t?.posts).toHaveLength(4);
    expect(t?.posts.map((p) => p.floor)).toEqual([1, 2, 3, 4]);
    expect(t?.posts.map((p) => p.author)).toEqual(['车位难求', '早起的鸟', 'old_owner', '车位难求']);
  });

  it('reads the first post (楼主): author, time, text without header or buttons', () => {
    const first = t?.posts[0];
    expect(first?.author).toBe('车位难求');
    expect(first?.publishedAt).toBe('2024-04-02T09:15:00+08:00');
    expect(first?.text).toBe('物业昨天贴出通知，地面停车费从每月一百五涨到三百，没有开业主大会，也没有公示依据。这样合规吗？');
  });

  it('leaves the quoted post out of a reply, and the quote does not become its author or time', () => {
    const reply = t?.posts[2];
    expect(reply?.author).toBe('old_owner');
    expect(reply?.publishedAt).toBe('2024-04-02T10:05:00+08:00');
    expect(reply?.text).toBe('我去物业问过了，他们说是开发商定的，已经有十几户联名写了意见书。');
  });

  it('gives extractArticle the first post', () => {
    const a = extractArticle(BBS);
    expect(a.author).toBe('车位难求');
    expect(a.publishedAt?.toISOString()).toBe('2024-04-02T01:15:00.000Z');
    expect(a.text).not.toContain('意见书');
  });
});

describe('extractThread on other BBS layouts', () => {
  it('reads an opening post printed in its own block above the replies', () => {
    const reply = (n: number, name: string, t: string, body: string) =>
      `<div class="atl-item"><div class="atl-info"><span>作者：<a href="/u/${n}">${name}</a></span> <span>时间：${t}</span></div><div class="atl-content">${body}</div><div class="atl-reply"><a href="#">回复</a> | <span>${n}楼</span></div></div>`;
    const html = `<html><head><title>东门路灯的事 - 某某论坛</title></head><body><h1>东门路灯的事</h1>
      <div class="atl-main"><div class="atl-info"><span>楼主：<a href="/u/1">发帖的人</a></span> <span>时间：2024-03-05 10:20:00</span> <span>点击：1234</span></div>
        <div class="bbs-content">东门的路灯坏了很久，晚上出门很不方便，希望有关部门管一管。</div></div>
      <div class="atl-list">${reply(2, '乙乙', '2024-03-05 11:20:00', '同感，希望尽快修好。')}${reply(3, '丙丙', '2024-03-05 12:20:00', '已经打电话报修了。')}${reply(4, '丁丁', '2024-03-06 09:00:00', '今天看到有人来修了。')}</div>
    </body></html>`;
    const t = extractThread(html);
    expect(t?.posts.map((p) => [p.floor, p.author, p.publishedAt])).toEqual([
      [1, '发帖的人', '2024-03-05T10:20:00+08:00'],
      [2, '乙乙', '2024-03-05T11:20:00+08:00'],
      [3, '丙丙', '2024-03-05T12:20:00+08:00'],
      [4, '丁丁', '2024-03-06T09:00:00+08:00'],
    ]);
    expect(t?.posts[0]?.text).toBe('东门的路灯坏了很久，晚上出门很不方便，希望有关部门管一管。');
    expect(extractArticle(html).author).toBe('发帖的人');
  });

  it('reads posts whose header and text are sibling elements', () => {
    const head = (n: number, name: string, t: string) => `<div class="post-head"><span>${n}楼</span> <a href="/member/${n}">${name}</a> 发表于 ${t}</div>`;
    const html = `<html><head><title>路灯 - 论坛</title></head><body><div class="thread">
      ${head(1, '甲某', '2024-03-05 10:20')}<div class="post-body">东门的路灯坏了很久，希望有人管管。</div>
      ${head(2, '乙某', '2024-03-05 11:20')}<div class="post-body">同感。</div>
      ${head(3, '丙某', '2024-03-05 12:20')}<div class="post-body">已经报修了。</div></div></body></html>`;
    const t = extractThread(html);
    expect(t?.posts.map((p) => [p.floor, p.author, p.text])).toEqual([
      [1, '甲某', '东门的路灯坏了很久，希望有人管管。'],
      [2, '乙某', '同感。'],
      [3, '丙某', '已经报修了。'],
    ]);
  });
});

describe('extractThread on pages that are not threads', () => {
  const PARAS = [
    '3月5日上午，市公安局召开新闻发布会，通报今年以来全市打击电信网络诈骗犯罪的工作情况。据介绍，全市共破获电信诈骗案件三百余起，抓获犯罪嫌疑人四百多名。',
    '警方提醒广大市民，凡是自称“公检法”要求转账到“安全账户”的，都是诈骗；接到可疑电话时，请及时拨打反诈专线咨询，不要轻信陌生人的指令。',
    '下一步，公安机关将继续保持高压态势，会同金融、通信等部门，加强源头治理，切实守护好群众的“钱袋子”。',
  ];
  const comment = (name: string, time: string, text: string) =>
    `<div class="comment-item"><div class="comment-head"><a class="username" href="/user/${name}">${name}</a> <span>${time}</span></div><p>${text}</p><a href="#">回复</a></div>`;
  const NEWS = `<html><head><title>警方通报打击电诈成果_某某网</title></head><body>
    <h1>警方通报打击电诈成果</h1><div class="info">发布时间：2024-03-05 10:20 来源：某某网 记者 张明</div>
    <div class="article">${PARAS.map((p) => `<p>${p}</p>`).join('')}</div>
    <div class="comments"><h3>网友评论</h3>
      ${comment('路人甲', '2024-03-05 11:00', '警察辛苦了，大家都要提高警惕。')}
      ${comment('路人乙', '2024-03-05 11:30', '转给家里老人看看，防骗知识很实用。')}
      ${comment('路人丙', '2024-03-05 12:10', '希望多开展这样的宣传活动。')}
    </div></body></html>`;

  it('returns null for a news article, even with dated reader comments under it', () => {
    expect(extractThread(NEWS)).toBeNull();
    const a = extractArticle(NEWS);
    expect(a.text).toContain(PARAS[0]);
    expect(a.author).toBe('张明');
  });

  it('returns null for a list of threads, whose rows have an author and a time but no text', () => {
    const row = (title: string, author: string, time: string) =>
      `<tr class="thread-row"><th><a href="/t/${title.length}">${title}</a></th><td class="by"><a href="/user/${author}">${author}</a> ${time}</td><td class="num">12/345</td></tr>`;
    const LIST = `<html><head><title>民生杂谈 - 某某社区</title></head><body><table class="threadlist">
      ${row('小区东门路灯坏了一个月没人修', '老街坊', '2024-3-5 10:20')}
      ${row('晚上十点后广场舞音响太吵怎么办', '住三楼的阿强', '2024-6-12 22:41')}
      ${row('关于小区停车收费调整的讨论', '车位难求', '2024-4-2 09:15')}
    </table></body></html>`;
    expect(extractThread(LIST)).toBeNull();
  });

  it('returns null for a blog front page: one author dated entries, no floors', () => {
    const entry = (title: string, time: string) =>
      `<div class="entry"><h2><a href="/p/${title.length}">${title}</a></h2><div class="meta">作者：海边的人 发表于 ${time} | 评论(2) | 回复</div><div class="text"><p>${PARAS[0]}</p></div></div>`;
    const BLOG = `<html><head><title>海边的人的博客</title></head><body>${entry('周末去爬山', '2024-03-02 20:10')}${entry('读书笔记', '2024-03-01 21:30')}${entry('雨天随想', '2024-02-27 22:05')}</body></html>`;
    expect(extractThread(BLOG)).toBeNull();
  });

  it('returns null, without throwing, on empty and broken input', () => {
    for (const html of ['', '<<<>>>', '<html><body></body></html>', '<div id="postmessage_1">']) expect(() => extractThread(html)).not.toThrow();
    expect(extractThread('')).toBeNull();
  });
});
