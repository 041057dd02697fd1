/** Alerting at run time: the live alerter, the delivery worker beside it, and the conversions routes share. */
export { startAlerter, type Alerter, type AlerterDeps } from './alerter';
export { startAlerting, type Alerting } from './run';
export * from './convert';
