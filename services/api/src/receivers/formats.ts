/** The formats by receiver kind. */
import type { ReceiverKind } from '@yuqing/db';
import { dingtalkFormat } from './dingtalk';
import { feishuFormat } from './feishu';
import type { ReceiverFormat } from './vendor';
import { webhookFormat } from './webhook';
import { wecomFormat } from './wecom';

export const RECEIVER_FORMATS: Record<ReceiverKind, ReceiverFormat> = {
  dingtalk: dingtalkFormat,
  wecom: wecomFormat,
  feishu: feishuFormat,
  webhook: webhookFormat,
};
