/**
 * Receiver message formats and signatures. Signatures are recomputed here from the vendors'
 * documented algorithms with node:crypto, never by calling the code under test.
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  beijingTime,
  dingtalkFormat,
  feishuFormat,
  notificationSchema,
  receiverWarnings,
  validateReceiver,
  webhookFormat,
  WECOM_MAX_BYTES,
  wecomFormat,
  type NotificationInput,
} from '../src/receivers';

const NOW = new Date('2024-05-01T06:10:00.123Z');
const SAMPLE: NotificationInput = {
  title: '某区派出所民警执法视频引发网民热议',
  level: 'red',
  summary: '网传视频显示民警在处置纠纷时与群众发生肢体冲突，相关话题转发量快速上升。',
  heat: 87.46,
  trend: 'up',
  link: 'https://yuqing.example.gov.cn/topics/42',
  at: '2024-05-01T06:03:05Z',
  kind: 'firing',
};
const n = notificationSchema.parse(SAMPLE);
const input = (url: string, secret: string | null, notification = n) => ({ url, secret, notification, deliveryId: 7, now: NOW });

describe('notification model', () => {
  it('fills the level label and shows times in Beijing time', () => {
    expect(n.levelLabel).toBe('红色预警');
    expect(notificationSchema.parse({ ...SAMPLE, level: 'blue' }).levelLabel).toBe('蓝色预警');
    expect(notificationSchema.parse({ ...SAMPLE, level: 'yellow' }).levelLabel).toBe('黄色预警');
    expect(notificationSchema.parse({ ...SAMPLE, level: 'orange' }).levelLabel).toBe('橙色预警');
    expect(beijingTime('2024-05-01T06:03:05Z')).toBe('2024-05-01 14:03:05');
    expect(beijingTime('2024-12-31T23:30:00+08:00')).toBe('2024-12-31 23:30:00');
  });

  it('refuses a non-http link, an unknown level and a time without a zone', () => {
    expect(notificationSchema.safeParse({ ...SAMPLE, link: 'javascript:alert(1)' }).success).toBe(false);
    expect(notificationSchema.safeParse({ ...SAMPLE, level: 'purple' }).success).toBe(false);
    expect(notificationSchema.safeParse({ ...SAMPLE, at: '2024-05-01 14:03' }).success).toBe(false);
  });
});

describe('DingTalk custom robot', () => {
  const SECRET = 'SECb1e8a7c0f3d24c5e9a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9';
  const URL_ = 'https://oapi.dingtalk.com/robot/send?access_token=abc123';

  it('sends msgtype markdown with title and Chinese text', () => {
    const req = dingtalkFormat.build(input(URL_, SECRET));
    const body = JSON.parse(req.body) as { msgtype: string; markdown: { title: string; text: string } };
    expect(req.headers['content-type']).toMatch(/application\/json/);
    expect(body.msgtype).toBe('markdown');
    expect(body.markdown.title).toBe('【红色预警】某区派出所民警执法视频引发网民热议');
    const text = body.markdown.text;
    expect(text.startsWith('#### 【红色预警】某区派出所民警执法视频引发网民热议')).toBe(true);
    expect(text).toContain('**红色预警** · 新预警');
    expect(text).toContain('**标题**：某区派出所民警执法视频引发网民热议');
    expect(text).toContain('**热度**：87.5（趋势：上升 ↑）');
    expect(text).toContain('**摘要**：网传视频显示民警');
    expect(text).toContain('**时间**：2024-05-01 14:03:05（北京时间）');
    expect(text).toContain('[查看详情](https://yuqing.example.gov.cn/topics/42)');
    // DingTalk breaks lines on blank lines only.
    expect(text).toContain('\n\n**热度**');
  });

  it('signs: timestamp + "\\n" + secret → HMAC-SHA256 → base64 → URL-encoded, as &timestamp=&sign=', () => {
    const req = dingtalkFormat.build(input(URL_, SECRET));
    const m = /^https:\/\/oapi\.dingtalk\.com\/robot\/send\?access_token=abc123&timestamp=(\d+)&sign=([^&]+)$/.exec(req.url);
    expect(m, req.url).not.toBeNull();
    const [, ts, rawSign] = m!;
    expect(ts).toBe(String(NOW.getTime())); // milliseconds
    expect(rawSign).toMatch(/^[A-Za-z0-9%]+$/); // +, / and = are percent-encoded
    const expected = createHmac('sha256', SECRET).update(`${ts}\n${SECRET}`).digest('base64');
    expect(decodeURIComponent(rawSign!)).toBe(expected);
  });

  it('leaves the URL alone without a secret, and names the event kind in the title', () => {
    const esc = notificationSchema.parse({ ...SAMPLE, level: 'orange', kind: 'escalated' });
    const req = dingtalkFormat.build(input(URL_, null, esc));
    expect(req.url).toBe(URL_);
    expect(JSON.parse(req.body).markdown.title).toBe('【橙色预警】预警升级：某区派出所民警执法视频引发网民热议');
  });

  it('treats errcode != 0 as a failure', () => {
    expect(dingtalkFormat.check('{"errcode":0,"errmsg":"ok"}')).toEqual({ ok: true });
    const bad = dingtalkFormat.check('{"errcode":310000,"errmsg":"keywords not in content"}');
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.error).toContain('310000');
    expect(dingtalkFormat.check('<html>bad gateway</html>').ok).toBe(false);
  });
});

describe('WeCom group robot', () => {
  const URL_ = 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx';

  it('sends msgtype markdown with content, level in WeCom colour markup, no signing', () => {
    const req = wecomFormat.build(input(URL_, 'ignored'));
    expect(req.url).toBe(URL_);
    expect(Object.keys(req.headers).filter((h) => h.startsWith('x-'))).toEqual([]);
    const body = JSON.parse(req.body) as { msgtype: string; markdown: { content: string } };
    expect(body.msgtype).toBe('markdown');
    expect(Object.keys(body.markdown)).toEqual(['content']);
    const c = body.markdown.content;
    expect(c.startsWith('### 【红色预警】某区派出所民警执法视频引发网民热议\n')).toBe(true);
    expect(c).toContain('<font color="warning">红色预警</font>');
    expect(c).toContain('**热度**：87.5（趋势：上升 ↑）');
    expect(c).toContain('2024-05-01 14:03:05（北京时间）');
    expect(c).toContain('[查看详情](https://yuqing.example.gov.cn/topics/42)');
    const blue = JSON.parse(wecomFormat.build(input(URL_, null, notificationSchema.parse({ ...SAMPLE, level: 'blue' }))).body);
    expect(blue.markdown.content).toContain('<font color="comment">蓝色预警</font>');
  });

  it('stays within 4096 bytes of UTF-8 however long the summary and title', () => {
    const long = notificationSchema.parse({ ...SAMPLE, title: '警'.repeat(400), summary: '情'.repeat(5000) });
    const c = JSON.parse(wecomFormat.build(input(URL_, null, long)).body).markdown.content as string;
    expect(Buffer.byteLength(c, 'utf8')).toBeLessThanOrEqual(WECOM_MAX_BYTES);
    expect(c).toContain('**热度**');
  });

  it('treats errcode != 0 as a failure', () => {
    expect(wecomFormat.check('{"errcode":0,"errmsg":"ok"}').ok).toBe(true);
    expect(wecomFormat.check('{"errcode":45009,"errmsg":"api freq out of limit"}').ok).toBe(false);
  });
});

describe('Feishu custom bot', () => {
  const SECRET = 'qVm8Jx3uT0pZ4nKc';
  const URL_ = 'https://open.feishu.cn/open-apis/bot/v2/hook/0a1b2c3d-4e5f';

  it('sends an interactive card coloured by level, with the text and a link button', () => {
    const req = feishuFormat.build(input(URL_, SECRET));
    expect(req.url).toBe(URL_);
    const body = JSON.parse(req.body);
    expect(body.msg_type).toBe('interactive');
    expect(body.card.header).toEqual({ template: 'red', title: { tag: 'plain_text', content: '【红色预警】某区派出所民警执法视频引发网民热议' } });
    const md = body.card.elements[0];
    expect(md.tag).toBe('markdown');
    expect(md.content).toContain('**红色预警** · 新预警');
    expect(md.content).toContain('**热度**：87.5（趋势：上升 ↑）');
    expect(md.content).toContain('**时间**：2024-05-01 14:03:05（北京时间）');
    expect(body.card.elements[1]).toEqual({
      tag: 'action',
      actions: [{ tag: 'button', text: { tag: 'plain_text', content: '查看详情' }, type: 'primary', url: 'https://yuqing.example.gov.cn/topics/42' }],
    });
    const yellow = JSON.parse(feishuFormat.build(input(URL_, null, notificationSchema.parse({ ...SAMPLE, level: 'yellow', link: undefined }))).body);
    expect(yellow.card.header.template).toBe('yellow');
    expect(yellow.card.elements).toHaveLength(1);
  });

  it('signs: HMAC-SHA256 keyed with timestamp + "\\n" + secret over an empty message, base64, in the body', () => {
    const body = JSON.parse(feishuFormat.build(input(URL_, SECRET)).body);
    expect(body.timestamp).toBe(String(Math.floor(NOW.getTime() / 1000))); // seconds, as a string
    const expected = createHmac('sha256', `${body.timestamp}\n${SECRET}`).digest('base64');
    expect(body.sign).toBe(expected);
    const unsigned = JSON.parse(feishuFormat.build(input(URL_, null)).body);
    expect(unsigned).not.toHaveProperty('sign');
    expect(unsigned).not.toHaveProperty('timestamp');
  });

  it('treats code != 0 as a failure (and accepts the legacy StatusCode)', () => {
    expect(feishuFormat.check('{"code":0,"msg":"success","data":{}}').ok).toBe(true);
    expect(feishuFormat.check('{"StatusCode":0,"StatusMessage":"success"}').ok).toBe(true);
    const bad = feishuFormat.check('{"code":19021,"msg":"sign match fail or timestamp is not within one hour from current time"}');
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.error).toContain('19021');
  });
});

describe('generic JSON webhook', () => {
  it('sends the notification as JSON with X-Yuqing-Signature = sha256=hex(HMAC(secret, ts + "." + body))', () => {
    const secret = 'webhook-secret-密钥';
    const req = webhookFormat.build(input('https://hooks.example.com/yuqing#frag', secret));
    expect(req.url).toBe('https://hooks.example.com/yuqing');
    expect(JSON.parse(req.body)).toEqual({ ...SAMPLE, levelLabel: '红色预警' });
    const ts = req.headers['x-yuqing-timestamp'];
    expect(ts).toBe(String(Math.floor(NOW.getTime() / 1000)));
    const expected = createHmac('sha256', secret).update(`${ts}.${req.body}`).digest('hex');
    expect(req.headers['x-yuqing-signature']).toBe(`sha256=${expected}`);
    expect(req.headers['x-yuqing-delivery']).toBe('7');
    expect(webhookFormat.build(input('https://hooks.example.com/', null)).headers).not.toHaveProperty('x-yuqing-signature');
  });
});

describe('text from crawled pages stays inert', () => {
  it('cannot inject links, colour markup or headings into any Markdown format', () => {
    const evil = notificationSchema.parse({
      ...SAMPLE,
      title: '[紧急通知，点此核实](http://evil.example/x) <font color="info">已解除</font>',
      summary: '正文\n# 假标题\n**加粗** `代码`',
    });
    const texts = [
      JSON.parse(dingtalkFormat.build(input('https://oapi.dingtalk.com/robot/send?access_token=a', null, evil)).body).markdown.text as string,
      JSON.parse(wecomFormat.build(input('https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=a', null, evil)).body).markdown.content as string,
      JSON.parse(feishuFormat.build(input('https://open.feishu.cn/open-apis/bot/v2/hook/a', null, evil)).body).card.elements[0].content as string,
    ];
    for (const t of texts) {
      expect(t).not.toContain('](http://evil');
      expect(t).not.toContain('<font color="info">');
      expect(t).not.toMatch(/\n# /);
      expect(t).toContain('紧急通知，点此核实'); // the words survive, only the markup is defused
    }
  });
});

describe('receiver validation', () => {
  it('rejects a non-http(s) URL as the only hard rule', () => {
    for (const url of ['ftp://oapi.dingtalk.com/robot/send', 'file:///etc/passwd', 'javascript:alert(1)', 'not a url']) {
      const r = validateReceiver({ name: 'x', kind: 'webhook', url });
      expect(r.ok, url).toBe(false);
    }
    expect(validateReceiver({ name: 'x', kind: 'sms', url: 'https://a.example' }).ok).toBe(false);
  });

  it('warns about vendor URL oddities without refusing them', () => {
    const ding = validateReceiver({ name: '值班群', kind: 'dingtalk', url: 'https://oapi.dingtalk.com/robot/send' });
    expect(ding.ok).toBe(true);
    expect(ding.ok && ding.warnings.join('|')).toContain('access_token');
    const relay = validateReceiver({ name: '中转', kind: 'wecom', url: 'http://10.1.2.3/relay' });
    expect(relay.ok && relay.warnings.join('|')).toMatch(/key.*|明文/);
    expect(receiverWarnings({ kind: 'feishu', url: 'https://open.feishu.cn/open-apis/other', secret: 's' }).join('|')).toContain('/open-apis/bot/v2/hook/');
    expect(receiverWarnings({ kind: 'webhook', url: 'https://hooks.example.com/', secret: null }).join('|')).toContain('X-Yuqing-Signature');
  });

  it('has no warnings for a well-formed signed robot', () => {
    expect(receiverWarnings({ kind: 'dingtalk', url: 'https://oapi.dingtalk.com/robot/send?access_token=abc', secret: 'SECabc' })).toEqual([]);
    expect(receiverWarnings({ kind: 'feishu', url: 'https://open.feishu.cn/open-apis/bot/v2/hook/abc', secret: 's' })).toEqual([]);
    expect(receiverWarnings({ kind: 'wecom', url: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc' })).toEqual([]);
  });
});
