import { z } from 'zod';
import type { SoftBouncePolicy } from './address-suppression';

/**
 * The settings of the soft-bounce rule, the same in every service that keeps a suppression list (the
 * translator when it decides, the sender right before it sends), so both suppress the same addresses.
 */
export const suppressionEnv = {
  /** Soft bounces (RFC 3463 class 4, blocks) of an address within the window that suppress it for a while. */
  SUPPRESSION_SOFT_BOUNCE_LIMIT: z.coerce.number().int().min(1).max(100).default(3),
  SUPPRESSION_SOFT_BOUNCE_WINDOW_HOURS: z.coerce
    .number()
    .positive()
    .max(24 * 365)
    .default(72),
};

export function softBouncePolicy(config: {
  SUPPRESSION_SOFT_BOUNCE_LIMIT: number;
  SUPPRESSION_SOFT_BOUNCE_WINDOW_HOURS: number;
}): SoftBouncePolicy {
  return {
    limit: config.SUPPRESSION_SOFT_BOUNCE_LIMIT,
    windowMs: config.SUPPRESSION_SOFT_BOUNCE_WINDOW_HOURS * 3_600_000,
  };
}
