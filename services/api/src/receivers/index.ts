/** Notification receivers (DingTalk, WeCom, Feishu, generic webhook): formats, signing, validation, delivery. */
export * from './notification';
export type { FormatInput, OutgoingRequest, ReceiverFormat, VendorVerdict } from './vendor';
export { RECEIVER_FORMATS } from './formats';
export { dingtalkBody, dingtalkFormat, dingtalkSign, dingtalkSignedUrl } from './dingtalk';
export { WECOM_MAX_BYTES, wecomBody, wecomFormat } from './wecom';
export { feishuBody, feishuFormat, feishuSign } from './feishu';
export { webhookFormat, webhookSignature } from './webhook';
export { receiverInputSchema, receiverPatchSchema, receiverWarnings, validateReceiver, type ReceiverInput, type ReceiverPatch } from './validation';
export { postJson, PostError, type PostErrorCode, type PostOptions, type PostResult } from './http';
export {
  createDeliveryQueue,
  enqueueNotification,
  requeueStaleDeliveries,
  sendToReceiver,
  startDeliveryWorker,
  UnknownReceiverError,
  type AttemptOutcome,
  type DeliveryWorker,
  type DeliveryWorkerDeps,
  type EnqueueResult,
  type SendResult,
  type NotifierDeps,
} from './delivery';
