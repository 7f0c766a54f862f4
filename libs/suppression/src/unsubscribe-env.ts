import { z } from 'zod';
import { keysIn, secretFrom } from '@mailfleet/config';
import { checkUnsubscribeKeys } from './unsubscribe-token';

/**
 * The keys of the one-click unsubscribe links, the same in the sender (which seals the tokens) and the
 * feedback service (which opens them): one, or two separated by a comma while rotating, the new one
 * first. From UNSUBSCRIBE_KEYS or the file UNSUBSCRIBE_KEYS_FILE names (Docker/Kubernetes secrets).
 */
export const unsubscribeEnv = {
  UNSUBSCRIBE_KEYS: z.string().min(1).optional(),
  UNSUBSCRIBE_KEYS_FILE: z.string().min(1).optional(),
};

/** The keys, undefined when none are configured; throws with the reason when they are unusable. */
export function unsubscribeKeysFrom(env: {
  UNSUBSCRIBE_KEYS?: string | undefined;
  UNSUBSCRIBE_KEYS_FILE?: string | undefined;
}): string[] | undefined {
  let text: string | undefined;
  try {
    text = secretFrom(env, 'UNSUBSCRIBE_KEYS');
  } catch (err) {
    throw new Error(
      `UNSUBSCRIBE_KEYS_FILE: cannot read ${env.UNSUBSCRIBE_KEYS_FILE}: ${(err as Error).message}`,
    );
  }
  if (text === undefined) return undefined;
  const keys = keysIn(text);
  try {
    checkUnsubscribeKeys(keys);
  } catch (err) {
    throw new Error(`UNSUBSCRIBE_KEYS: ${(err as Error).message}`);
  }
  return keys;
}
