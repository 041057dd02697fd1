/**
 * Feishu (飞书) custom bot (自定义机器人).
 * Source: Feishu open platform, "自定义机器人使用指南" (open.feishu.cn/document/client-docs/bot-v3/add-custom-bot):
 * POST JSON to https://open.feishu.cn/open-apis/bot/v2/hook/…; `msg_type: "interactive"` with a
 * `card` (header with a colour `template` and a plain-text title; a `markdown` element; an
 * `action` element with a link button). 签名校验: string_to_sign = timestamp(seconds) + "\n" + secret,
 * HmacSHA256 with string_to_sign as the KEY over an empty message, Base64; sent as the body fields
 * `timestamp` and `sign` (the timestamp must be within an hour). Answer `{"code":0,"msg":"success"}`
 * (older deployments: `StatusCode`); e.g. 19021 = signature mismatch, 9499 = bad request.
 */
import { createHmac } from 'node:crypto';
import { headline, markdownLines, type NotificationLevel } from './notification';
import { JSON_HEADERS, parseJsonObject, type FormatInput, type OutgoingRequest, type ReceiverFormat, type VendorVerdict } from './vendor';

/** The Feishu `sign` for a timestamp in seconds. */
export function feishuSign(secret: string, timestampSec: number): string {
  return createHmac('sha256', `${timestampSec}\n${secret}`).update('').digest('base64');
}

// Card header colours (Feishu's template names happen to match our levels).
const TEMPLATE: Record<NotificationLevel, string> = { blue: 'blue', yellow: 'yellow', orange: 'orange', red: 'red' };

/** The interactive-card message body, signed when there is a secret. */
export function feishuBody(input: Pick<FormatInput, 'notification' | 'secret' | 'now'>): Record<string, unknown> {
  const n = input.notification;
  // The link gets a button of its own rather than a Markdown line.
  const lines = n.kind === 'digest' && n.markdown ? [n.markdown] : markdownLines({ ...n, link: undefined }, (t) => t);
  const elements: unknown[] = [{ tag: 'markdown', content: lines.join('\n') }];
  if (n.link) {
    elements.push({ tag: 'action', actions: [{ tag: 'button', text: { tag: 'plain_text', content: '查看详情' }, type: 'primary', url: n.link }] });
  }
  const card = {
    config: { wide_screen_mode: true },
    header: { template: TEMPLATE[n.level], title: { tag: 'plain_text', content: headline(n) } },
    elements,
  };
  const signed: Record<string, unknown> = {};
  if (input.secret) {
    const ts = Math.floor(input.now.getTime() / 1000);
    signed['timestamp'] = String(ts);
    signed['sign'] = feishuSign(input.secret, ts);
  }
  return { ...signed, msg_type: 'interactive', card };
}

function checkFeishu(text: string): VendorVerdict {
  const body = parseJsonObject(text);
  if (!body) return { ok: false, error: `飞书返回的不是 JSON：${text.slice(0, 200)}` };
  const code = body['code'] ?? body['StatusCode'];
  if (code === 0) return { ok: true };
  return { ok: false, error: `飞书返回错误 code=${String(code)}：${String(body['msg'] ?? body['StatusMessage'] ?? '').slice(0, 300)}` };
}

export const feishuFormat: ReceiverFormat = {
  kind: 'feishu',
  build(input: FormatInput): OutgoingRequest {
    const u = new URL(input.url);
    u.hash = '';
    return { url: u.href, headers: { ...JSON_HEADERS }, body: JSON.stringify(feishuBody(input)) };
  },
  check: checkFeishu,
};
