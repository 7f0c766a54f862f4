export {
  addressFactOf,
  suppressionReason,
  type AddressFact,
  type AddressSuppression,
  type FeedbackEvent,
  type SoftBouncePolicy,
} from './address-suppression';
export { SuppressionStore, erasedCustomerKey } from './suppression-store';
export { addressFactsAmong } from './address-facts';
export { softBouncePolicy, suppressionEnv } from './suppression-env';
export {
  checkUnsubscribeKeys,
  openUnsubscribeToken,
  sealUnsubscribeToken,
  type UnsubscribeClaim,
} from './unsubscribe-token';
export { unsubscribeEnv, unsubscribeKeysFrom } from './unsubscribe-env';
