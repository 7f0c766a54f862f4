// The sender's record of one mail: requested -> sending(attempt) -> sent | retrying | failed | dead.
import type { MailRequested } from '@mailfleet/contracts';

export type MailStatus = 'requested' | 'sending' | 'retrying' | 'sent' | 'failed' | 'dead';

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
  readonly sendingSince: number | null;
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

/** Message-ID from the mailId: the same mail always has the same Message-ID, so a resend is recognisable. */
export function messageIdFor(mailId: string, domain: string): string {
  const local = mailId.replace(
    /[^A-Za-z0-9._-]/g,
    (c) => `=${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
  return `<${local}@${domain}>`;
}

export const isFinal = (status: MailStatus): boolean =>
  status === 'sent' || status === 'failed' || status === 'dead';
