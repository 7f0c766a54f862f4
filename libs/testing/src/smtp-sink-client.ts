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

export interface SinkFault {
  readonly kind: '4xx' | '5xx' | 'drop' | 'slow';
  readonly times?: number;
  readonly recipient?: string;
  readonly delayMs?: number;
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${stackEndpoints().smtpApiUrl}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? null : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`smtp sink ${method} ${path}: HTTP ${res.status} ${await res.text()}`);
  return (res.status === 204 ? undefined : await res.json()) as T;
}

/** Messages the sink received, filtered by Message-ID and/or a recipient substring. */
export const sinkMessages = (query: { messageId?: string; to?: string } = {}): Promise<SinkMessage[]> => {
  const params = new URLSearchParams(
    Object.entries(query).filter(([, v]) => v !== undefined) as [string, string][],
  );
  return call('GET', `/api/messages?${params.toString()}`);
};

/** Arms a fault; scope it with `recipient` so that parallel tests do not trip over it. */
export const armSinkFault = (fault: SinkFault): Promise<unknown> => call('POST', '/api/faults', fault);
