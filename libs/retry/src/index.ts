export { backoffDelay, type Backoff } from './backoff';
export { pause } from './pause';
export { retryUntil, type RetryOptions } from './retry-until';
