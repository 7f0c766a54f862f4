// The CLI's two kinds of failure: a command given wrongly (exit 2) and one that could not be done (exit 1).
// Both carry a message that says what to change.

/** The command line is wrong: exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The command was understood but refused or failed: exit code 1. */
export class OpsRefusal extends Error {
  override name = 'OpsRefusal';
}

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** The reason an audited change needs, trimmed; a usage error naming the command without one. */
export function needReason(reason: string | undefined, what: string): string {
  if (!reason?.trim()) throw new UsageError(`${what} needs --reason "..." (kept in the audit record)`);
  return reason.trim();
}
