/** An HTTP request as a verifier needs it. */
export interface WebhookRequest {
  /** The body exactly as received: a re-serialised JSON body would not verify. */
  readonly rawBody: Buffer;
  /** Header values by lower-case name (as Node's IncomingMessage gives them). */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

/** A header's value, trimmed; a header sent several times reads as its values joined by commas (RFC 9110, 5.3). */
export function headerValue(request: WebhookRequest, name: string): string | undefined {
  const v = request.headers[name];
  return (Array.isArray(v) ? v.join(', ') : v)?.trim() || undefined;
}
