// A client for the dev SMTP sink's HTTP API (dev/smtp-sink), for tests.
import { stackEndpoints } from '@mailfleet/config';

export interface SinkMessage {
  readonly id: number;
  readonly receivedAt: string;
  readonly envelope: { readonly mailFrom: string; readonly rcptTo: readonly string[] };
  readonly messageId: string | undefined;
  readonly subject: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly text: string | undefined;
  readonly html: string | undefined;
  readonly attachments: readonly {
    readonly filename: string | undefined;
    readonly contentType: string;
    readonly size: number;
    readonly sha256: string;
  }[];
}

/** A fault rule for the sink (dev/smtp-sink/fault-plan.ts says what each field does). */
export interface SinkFault {
  readonly kind:
    '4xx' | '5xx' | 'drop' | 'slow' | 'reply' | 'drop-after-dot' | 'auth-required' | 'bounce' | 'complaint';
  readonly stage?: 'connect' | 'auth' | 'mail' | 'rcpt' | 'data';
  readonly code?: number;
  readonly enhanced?: string;
  readonly text?: string;
  readonly times?: number;
  readonly durationMs?: number;
  readonly recipient?: string;
  readonly delayMs?: number;
  /** `bounce`: where the DSN goes (the feedback service's SMTP listener). */
  readonly dsn?: { readonly host: string; readonly port: number };
  /** `bounce`, `complaint`: where mailfleet's signed webhook goes, and its key. */
  readonly webhook?: { readonly url: string; readonly key: string };
  readonly reportDelayMs?: number;
}

export interface SinkClient {
  /** Messages the sink received, filtered by Message-ID and/or a recipient substring. */
  messages(query?: { messageId?: string; to?: string }): Promise<SinkMessage[]>;
  /** Arms a fault; on the shared sink scope it with `recipient` so that parallel tests do not trip over it. */
  arm(fault: SinkFault): Promise<unknown>;
}

/** A client for the sink whose API is at `apiUrl` (the local stack's by default). */
export function sinkClient(apiUrl = stackEndpoints().smtpApiUrl): SinkClient {
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${apiUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? null : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`smtp sink ${method} ${path}: HTTP ${res.status} ${await res.text()}`);
    return (res.status === 204 ? undefined : await res.json()) as T;
  };
  return {
    messages(query = {}) {
      const params = new URLSearchParams(
        Object.entries(query).filter(([, v]) => v !== undefined) as [string, string][],
      );
      return call('GET', `/api/messages?${params.toString()}`);
    },
    arm: (fault) => call('POST', '/api/faults', fault),
  };
}

/** Messages the local stack's sink received, filtered by Message-ID and/or a recipient substring. */
export const sinkMessages = (query: { messageId?: string; to?: string } = {}): Promise<SinkMessage[]> =>
  sinkClient().messages(query);

/** Arms a fault on the local stack's sink; scope it with `recipient` so parallel tests do not trip over it. */
export const armSinkFault = (fault: SinkFault): Promise<unknown> => sinkClient().arm(fault);
