/**
 * DingTalk (钉钉) custom group robot (自定义机器人).
 * Source: DingTalk open platform, "自定义机器人发送群消息" and "消息类型及数据格式"
 * (open.dingtalk.com/document/orgapp/custom-robot-access, …/robot-message-type): POST JSON to
 * https://oapi.dingtalk.com/robot/send?access_token=…, `{"msgtype":"markdown","markdown":{"title","text"}}`;
 * the title is what the conversation list and the push notification show. 加签 (signing):
 * string_to_sign = timestamp(ms) + "\n" + secret, HmacSHA256 keyed with the secret, Base64, then
 * URL-encoded, appended as `&timestamp=…&sign=…`; the timestamp must be within an hour of
 * DingTalk's clock. Answer `{"errcode":0,"errmsg":"ok"}`; e.g. 310000 = security check failed
 * (sign, keyword or IP), 130101 = sending too fast (20 messages a minute per robot).
 */
import { createHmac } from 'node:crypto';
import { headline, inertMarkdown, markdownLines } from './notification';
import { checkErrcode, JSON_HEADERS, type FormatInput, type OutgoingRequest, type ReceiverFormat } from './vendor';

/** The DingTalk `sign` query value (already URL-encoded) for a millisecond timestamp. */
export function dingtalkSign(secret: string, timestampMs: number): string {
  const digest = createHmac('sha256', secret).update(`${timestampMs}\n${secret}`, 'utf8').digest('base64');
  return encodeURIComponent(digest);
}

/** The signed robot URL: the configured URL plus `timestamp` and `sign` (unchanged without a secret). */
export function dingtalkSignedUrl(url: string, secret: string | null, now: Date): string {
  const u = new URL(url);
  u.hash = '';
  if (!secret) return u.href;
  const ts = now.getTime();
  return `${u.href}${u.search ? '&' : '?'}timestamp=${ts}&sign=${dingtalkSign(secret, ts)}`;
}

/** The markdown message body. DingTalk Markdown needs a blank line between lines to break them. */
export function dingtalkBody(input: Pick<FormatInput, 'notification'>): { msgtype: 'markdown'; markdown: { title: string; text: string } } {
  const n = input.notification;
  const title = headline(n);
  // A digest comes rendered, paragraphs already separated by blank lines.
  if (n.kind === 'digest' && n.markdown) return { msgtype: 'markdown', markdown: { title, text: n.markdown } };
  // Plain level words, no <font>: colour markup is not part of DingTalk's documented Markdown subset.
  const text = [`#### ${inertMarkdown(title, 200)}`, ...markdownLines(n, (t) => t)].join('\n\n');
  return { msgtype: 'markdown', markdown: { title, text } };
}

export const dingtalkFormat: ReceiverFormat = {
  kind: 'dingtalk',
  build(input: FormatInput): OutgoingRequest {
    return { url: dingtalkSignedUrl(input.url, input.secret, input.now), headers: { ...JSON_HEADERS }, body: JSON.stringify(dingtalkBody(input)) };
  },
  check: (text) => checkErrcode('钉钉', text),
};
