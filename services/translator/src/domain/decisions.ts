import type { AttachmentRef, MailPriority } from '@mailfleet/contracts';
import type { SoftBouncePolicy } from '@mailfleet/suppression';
import type { DigestRule } from './digests';
import type { QuietHours } from './quiet-hours';
import type { Cause, MailKind } from './translator-state';

export type RejectionCode =
  'CUSTOMER_UNKNOWN' | 'NO_ADDRESS' | 'MALFORMED_ADDRESS' | 'INVALID_DATA' | 'OTHER' | 'CUSTOMER_ERASED';

/** What the translator decided about one mail. Each mailId is decided once, ever (the ledger). */
export type MailDecision =
  | {
      readonly type: 'request';
      readonly mailId: string;
      readonly kind: MailKind;
      readonly templateVersion: number;
      readonly recipient: {
        readonly customerId: string;
        readonly email: string;
        readonly name: string | null;
      };
      readonly locale: string;
      readonly templateData: Readonly<Record<string, unknown>>;
      readonly priority: MailPriority;
      /** Held until then (the end of the recipient's quiet hours); null: send at once. */
      readonly notBefore: number | null;
      /** The category its unsubscribe link stops (RFC 8058); null or absent: transactional, no link. */
      readonly category?: string | null;
      /** Blobs to attach, by reference (the order's invoice on its confirmation). */
      readonly attachments?: readonly AttachmentRef[];
      /** The recipient's time zone as used for the decision (a digest window keeps it). */
      readonly zone?: string;
      /** A digest's window and the mails it lists (digests.ts). */
      readonly digest?: {
        readonly windowStart: number;
        readonly windowEnd: number;
        readonly members: readonly string[];
      };
      readonly cause: Cause;
    }
  | {
      readonly type: 'suppress';
      readonly mailId: string;
      readonly kind: MailKind;
      readonly customerId: string;
      readonly reason: string;
      readonly cause: Cause;
    }
  | {
      readonly type: 'reject';
      readonly mailId: string;
      readonly kind: MailKind;
      readonly customerId: string | null;
      readonly code: RejectionCode;
      readonly reason: string;
      readonly cause: Cause;
    };

export interface TranslatorPolicy {
  /** Locales the templates exist in; anything else falls back to `defaultLocale`. */
  readonly locales: readonly string[];
  readonly defaultLocale: string;
  /** How long a mail may wait for its customer before it is rejected. */
  readonly parkLimitMs: number;
  /** How long mails wait for the follow-up events of a customer who has just become known. */
  readonly settleMs: number;
  /** The template version each kind of mail is rendered with. */
  readonly templateVersions: Readonly<Record<MailKind, number>>;
  /** How each kind is delivered: its priority, and whether quiet hours hold it. */
  readonly delivery: Readonly<Record<MailKind, KindDelivery>>;
  /** The recipients' nightly quiet hours; undefined: none. */
  readonly quietHours?: QuietHours | undefined;
  /** The time zone of a customer whose facts carry none (or an unknown one). */
  readonly defaultTimeZone: string;
  /** The kinds collected into digests, each with its window (empty: none). */
  readonly digests?: readonly DigestRule[] | undefined;
  /** When soft bounces suppress an address for a while. */
  readonly softBounces: SoftBouncePolicy;
}

export interface KindDelivery {
  readonly priority: MailPriority;
  /** Whether the kind waits for the end of the recipient's quiet hours. HIGH-priority kinds never wait. */
  readonly quietHours: boolean;
  /**
   * The category a recipient can unsubscribe from with the mail's link (RFC 8058); null or absent for
   * transactional kinds, which carry no link and which no unsubscribe stops.
   */
  readonly category?: string | null;
}
