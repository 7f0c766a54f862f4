export { accepted, rejected, statusFor, type RejectionReason, type Verdict } from './verdict';
export { DEFAULT_TOLERANCE_SECONDS, type WindowOptions } from './replay-window';
export { headerValue, type WebhookRequest } from './webhook-request';
export {
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  checkSigningKeys,
  signMailfleetWebhook,
  verifyMailfleetWebhook,
} from './mailfleet-signature';
export {
  mailgunSignatureOf,
  signMailgunWebhook,
  verifyMailgunWebhook,
  type MailgunSignature,
} from './mailgun-signature';
export {
  SENDGRID_SIGNATURE_HEADER,
  SENDGRID_TIMESTAMP_HEADER,
  sendGridPublicKey,
  verifySendGridWebhook,
} from './sendgrid-signature';
export { addressList, verifyPostmarkWebhook, type PostmarkAuth } from './postmark-auth';
