/**
 * Validation of a receiver as an admin enters it. Only the scheme is a hard rule (http or https);
 * vendor-specific URL checks are warnings, because intranet deployments often reach the vendor
 * through a relay or proxy whose URL looks nothing like the vendor's.
 */
import { RECEIVER_KINDS, type ReceiverKind } from '@yuqing/db';
import { z } from 'zod';

function isHttpUrl(raw: string): boolean {
  try {
    const u = new URL(raw);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}

const url = z.string().trim().max(2000).refine(isHttpUrl, { message: 'url 必须是 http:// 或 https:// 地址' });

/** A new receiver. */
export const receiverInputSchema = z.object({
  name: z.string().trim().min(1).max(100),
  kind: z.enum(RECEIVER_KINDS),
  url,
  /** Signing key: DingTalk 加签 (SEC…), Feishu 签名校验, or our webhook's HMAC key. */
  secret: z.string().max(500).nullish(),
  enabled: z.boolean().default(true),
  /** Allow this receiver to reach a loopback/private/link-local address (an admin's explicit choice). */
  allowPrivate: z.boolean().default(false),
});
export type ReceiverInput = z.output<typeof receiverInputSchema>;

/** A change to a receiver: any subset of the fields. */
export const receiverPatchSchema = receiverInputSchema.partial().extend({
  enabled: z.boolean().optional(),
  allowPrivate: z.boolean().optional(),
});
export type ReceiverPatch = z.output<typeof receiverPatchSchema>;

const VENDOR_HOSTS: Partial<Record<ReceiverKind, string[]>> = {
  dingtalk: ['oapi.dingtalk.com'],
  wecom: ['qyapi.weixin.qq.com'],
  feishu: ['open.feishu.cn', 'open.larksuite.com'],
};

/** Things that look wrong about a receiver but may be deliberate; empty when all looks right. */
export function receiverWarnings(r: { kind: ReceiverKind; url: string; secret?: string | null | undefined }): string[] {
  const warnings: string[] = [];
  let u: URL;
  try {
    u = new URL(r.url);
  } catch {
    return ['url 无法解析'];
  }
  const hosts = VENDOR_HOSTS[r.kind];
  if (hosts && !hosts.includes(u.hostname.toLowerCase())) warnings.push(`主机 ${u.hostname} 不是 ${hosts.join(' / ')}（经中转时可忽略）`);
  if (r.kind !== 'webhook' && u.protocol === 'http:') warnings.push('使用明文 http：URL 中的令牌可能被截获');
  switch (r.kind) {
    case 'dingtalk':
      if (!u.searchParams.get('access_token')) warnings.push('钉钉机器人地址缺少 access_token 参数');
      if (!r.secret) warnings.push('未设置加签密钥：请确认机器人使用了关键词或 IP 白名单等安全设置');
      else if (!r.secret.startsWith('SEC')) warnings.push('钉钉加签密钥通常以 SEC 开头');
      break;
    case 'wecom':
      if (!u.searchParams.get('key')) warnings.push('企业微信机器人地址缺少 key 参数');
      if (r.secret) warnings.push('企业微信群机器人不支持签名，密钥将不被使用');
      break;
    case 'feishu':
      if (!/\/open-apis\/bot\/v2\/hook\/[^/]+$/.test(u.pathname)) warnings.push('飞书机器人地址应为 /open-apis/bot/v2/hook/<token>');
      if (!r.secret) warnings.push('未设置签名校验密钥');
      break;
    case 'webhook':
      if (!r.secret) warnings.push('未设置密钥：请求不带 X-Yuqing-Signature，接收方无法验证来源');
      break;
  }
  return warnings;
}

/** Validates a new receiver: the value and its warnings, or the list of problems. */
export function validateReceiver(
  input: unknown,
): { ok: true; value: ReceiverInput; warnings: string[] } | { ok: false; problems: string[] } {
  const parsed = receiverInputSchema.safeParse(input);
  if (!parsed.success) return { ok: false, problems: parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`) };
  return { ok: true, value: parsed.data, warnings: receiverWarnings(parsed.data) };
}
