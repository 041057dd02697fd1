/**
 * WeCom (企业微信) group robot (群机器人).
 * Source: WeCom developer docs, "群机器人配置说明" (developer.work.weixin.qq.com/document/path/91770):
 * POST JSON to https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…,
 * `{"msgtype":"markdown","markdown":{"content":"…"}}`, content at most 4096 bytes of UTF-8; colours
 * only `<font color="info|comment|warning">` (green, grey, orange-red). No signing: the `key` in
 * the URL is the credential. Answer `{"errcode":0,"errmsg":"ok"}`; e.g. 45009 = rate limited
 * (20 messages a minute), 93000 = invalid webhook URL.
 */
import type { NotificationLevel } from './notification';
import { headline, inertMarkdown, markdownLines } from './notification';
import { checkErrcode, JSON_HEADERS, type FormatInput, type OutgoingRequest, type ReceiverFormat } from './vendor';

/** WeCom's documented byte limit of a markdown message. */
export const WECOM_MAX_BYTES = 4096;

// Only three colours exist: orange-red for the levels that need action, grey for blue.
const WECOM_COLOUR: Record<NotificationLevel, 'warning' | 'comment'> = { red: 'warning', orange: 'warning', yellow: 'warning', blue: 'comment' };

function content(input: Pick<FormatInput, 'notification'>, summaryChars: number): string {
  const n = input.notification;
  const colour = (t: string): string => `<font color="${WECOM_COLOUR[n.level]}">${t}</font>`;
  return [`### ${inertMarkdown(headline(n), 200)}`, ...markdownLines(n, colour, { summaryChars })].join('\n');
}

/** At most `max` bytes of UTF-8, cut at a line end (never inside a character). */
function fitBytes(text: string, max: number): string {
  if (Buffer.byteLength(text, 'utf8') <= max) return text;
  const kept: string[] = [];
  let size = 0;
  for (const line of text.split('\n')) {
    const add = Buffer.byteLength(line, 'utf8') + (kept.length ? 1 : 0);
    if (size + add > max) break;
    kept.push(line);
    size += add;
  }
  return kept.join('\n');
}

/** The markdown message body, shortened (summary first) to fit WeCom's 4096-byte limit. */
export function wecomBody(input: Pick<FormatInput, 'notification'>): { msgtype: 'markdown'; markdown: { content: string } } {
  const n = input.notification;
  if (n.kind === 'digest' && n.markdown) return { msgtype: 'markdown', markdown: { content: fitBytes(n.markdown, WECOM_MAX_BYTES) } };
  let text = content(input, 300);
  for (const chars of [150, 50, 0]) {
    if (Buffer.byteLength(text, 'utf8') <= WECOM_MAX_BYTES) break;
    text = content(input, chars);
  }
  return { msgtype: 'markdown', markdown: { content: text } };
}

export const wecomFormat: ReceiverFormat = {
  kind: 'wecom',
  build(input: FormatInput): OutgoingRequest {
    const u = new URL(input.url);
    u.hash = '';
    return { url: u.href, headers: { ...JSON_HEADERS }, body: JSON.stringify(wecomBody(input)) };
  },
  check: (text) => checkErrcode('企业微信', text),
};
