/**
 * Our generic JSON webhook, for systems that are not a chat robot. The body is the notification
 * as JSON. With a secret, the request carries
 *   X-Yuqing-Timestamp: <unix seconds>
 *   X-Yuqing-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + raw body)>
 * (the scheme of Stripe's and Slack's webhooks): a receiver recomputes it over the raw bytes,
 * compares in constant time and rejects old timestamps to stop replays. X-Yuqing-Delivery is the
 * delivery id, the same on every retry, so a receiver can drop duplicates.
 */
import { createHmac } from 'node:crypto';
import { JSON_HEADERS, type FormatInput, type OutgoingRequest, type ReceiverFormat } from './vendor';

/** The X-Yuqing-Signature value for a timestamp (seconds) and the raw body. */
export function webhookSignature(secret: string, timestampSec: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestampSec}.${body}`, 'utf8').digest('hex')}`;
}

export const webhookFormat: ReceiverFormat = {
  kind: 'webhook',
  build(input: FormatInput): OutgoingRequest {
    const body = JSON.stringify(input.notification);
    const ts = Math.floor(input.now.getTime() / 1000);
    const headers: Record<string, string> = {
      ...JSON_HEADERS,
      'x-yuqing-timestamp': String(ts),
      'x-yuqing-delivery': String(input.deliveryId),
      'x-yuqing-event': input.notification.kind,
    };
    if (input.secret) headers['x-yuqing-signature'] = webhookSignature(input.secret, ts, body);
    const u = new URL(input.url);
    u.hash = '';
    return { url: u.href, headers, body };
  },
  // Any 2xx is success: the receiver is ours to define, and it says "no" with a status code.
  check: () => ({ ok: true }),
};
