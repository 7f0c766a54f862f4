// The webhook endpoints, one per format: how a request is verified and how its body is read. A format's
// endpoint exists only when its secret is configured.
import {
  verifyMailfleetWebhook,
  verifyMailgunWebhook,
  verifySendGridWebhook,
  type Verdict,
  type WebhookRequest,
} from '@mailfleet/webhooks';
import type { WebhookSecrets } from '../config';
import { parseMailfleetBody } from '../domain/mailfleet-format';
import { parseMailgunBody } from '../domain/mailgun-format';
import type { Parsed, Provider } from '../domain/notification';
import { parseSendGridBody } from '../domain/sendgrid-format';

export interface WebhookRoute {
  readonly provider: Provider;
  readonly path: string;
  /** `json` is the parsed body, or undefined when it is not JSON (Mailgun's signature is inside it). */
  verify(request: WebhookRequest, json: unknown, nowMs: number): Verdict;
  parse(json: unknown, now: Date): Parsed;
}

export function webhookRoutes(secrets: WebhookSecrets): WebhookRoute[] {
  const { mailfleetKeys, mailgunKey, sendGridKey } = secrets;
  return [
    ...(mailfleetKeys === undefined
      ? []
      : [
          {
            provider: 'mailfleet' as const,
            path: '/webhooks/mailfleet',
            verify: (request: WebhookRequest, _json: unknown, nowMs: number) =>
              verifyMailfleetWebhook(request, mailfleetKeys, { nowMs }),
            parse: parseMailfleetBody,
          },
        ]),
    ...(mailgunKey === undefined
      ? []
      : [
          {
            provider: 'mailgun' as const,
            path: '/webhooks/mailgun',
            verify: (_request: WebhookRequest, json: unknown, nowMs: number) =>
              verifyMailgunWebhook(json, mailgunKey, { nowMs }),
            parse: (json: unknown) => parseMailgunBody(json),
          },
        ]),
    ...(sendGridKey === undefined
      ? []
      : [
          {
            provider: 'sendgrid' as const,
            path: '/webhooks/sendgrid',
            verify: (request: WebhookRequest, _json: unknown, nowMs: number) =>
              verifySendGridWebhook(request, sendGridKey, { nowMs }),
            parse: (json: unknown) => parseSendGridBody(json),
          },
        ]),
  ];
}
