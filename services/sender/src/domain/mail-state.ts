// The sender's record of one mail: requested -> sending(attempt) -> sent | retrying | failed | dead |
// ambiguous (docs/sender.md, "States").
import type { MailRequested } from '@mailfleet/contracts';

export type MailStatus = 'requested' | 'sending' | 'retrying' | 'sent' | 'failed' | 'dead' | 'ambiguous';

export interface AttemptRecord {
  readonly attempt: number;
  readonly errorClass: string;
  readonly errorMessage: string;
  readonly failedAt: number;
}

export interface MailState {
  readonly mailId: string;
  readonly status: MailStatus;
  /** Attempts started so far (infrastructure outages do not count, see send-policy). */
  readonly attempt: number;
  readonly nextAttemptAt: number;
  /** Server time of the claim, renewed while the attempt runs: a stale one means its sender died. */
  readonly sendingSince: number | null;
  /** When the sender queued the mail: the retry age counts from here. */
  readonly queuedAt: number;
  /** Resends scheduled after unknown outcomes (connection lost after the final dot, sender died). */
  readonly ambiguousResends: number;
  readonly request: MailRequested;
  /** The event that requested the mail: its correlation id is carried on. */
  readonly cause: {
    readonly eventId: string;
    readonly correlationId: string;
    readonly traceparent?: string | undefined;
  };
  readonly messageId: string;
  readonly history: readonly AttemptRecord[];
  readonly sentAt: number | null;
}

/** FNV-1a, 64 bit: a stable short digest without I/O (not for security, only to keep ids unique). */
function fnv1a64(text: string): string {
  let hash = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= BigInt(byte);
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash.toString(16).padStart(16, '0');
}

/**
 * Message-ID from the mailId: the same mail always has the same Message-ID, so a resend is recognisable.
 * A very long id keeps its first 64 characters and a digest of the whole, so the header stays within
 * RFC 5322's line length.
 */
export function messageIdFor(mailId: string, domain: string): string {
  const local = mailId.replace(
    /[^A-Za-z0-9._-]/g,
    (c) => `=${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
  return local.length <= 128
    ? `<${local}@${domain}>`
    : `<${local.slice(0, 64)}.${fnv1a64(mailId)}@${domain}>`;
}

export const isFinal = (status: MailStatus): boolean =>
  status === 'sent' || status === 'failed' || status === 'dead' || status === 'ambiguous';
