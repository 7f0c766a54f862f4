/** At least this long: a short key is guessable, whatever the cipher or MAC. */
const MIN_KEY_BYTES = 32;

/**
 * Refuses a set of secret keys a service must not run with: one key, or two while rotating (the new one
 * first), each of at least 32 bytes. `noun` names them in the message, which says what to fix.
 */
export function checkRotatingKeys(keys: readonly string[], noun: string): void {
  if (keys.length === 0 || keys.length > 2)
    throw new Error(`give one ${noun}, or two while rotating (got ${keys.length})`);
  keys.forEach((key, i) => {
    if (Buffer.byteLength(key) < MIN_KEY_BYTES)
      throw new Error(
        `${noun} ${i + 1} is ${Buffer.byteLength(key)} bytes; use at least ${MIN_KEY_BYTES} random bytes`,
      );
  });
}

/** The keys in a setting's text: separated by commas or new lines (a mounted file has one per line). */
export const keysIn = (text: string): string[] =>
  text
    .split(/[,\n]/)
    .map((k) => k.trim())
    .filter((k) => k !== '');
