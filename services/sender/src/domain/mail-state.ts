// The sender's record of one mail: requested -> sending(attempt) -> sent | retrying | failed | dead |
// ambiguous (docs/sender.md, "States").
import type { MailRequested } from '@mailfleet/contracts';

/** `suppressed`: its address was on the suppression list when the mail was due (never sent). */
export type MailStatus =
  'requested' | 'sending' | 'retrying' | 'sent' | 'failed' | 'dead' | 'ambiguous' | 'suppressed';

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

// The Message-ID comes from the mailId: messageIdFor lives in @mailfleet/contracts, because the feedback
// service reads it back.
export { messageIdFor } from '@mailfleet/contracts';

export const isFinal = (status: MailStatus): boolean =>
  status === 'sent' ||
  status === 'failed' ||
  status === 'dead' ||
  status === 'ambiguous' ||
  status === 'suppressed';
