// Hostile input never changes where a mail goes or which headers it carries: property-based, over the
// same functions the sender uses (outgoingMail → nodemailer's MailComposer), parsed back by mailparser.
import fc from 'fast-check';
import { simpleParser } from 'mailparser';
import { isMailAddress } from '@mailfleet/contracts';
import { composeMail } from '../adapters/smtp-transport';
import { headerText, headerToken } from '../domain/header-text';
import { messageIdFor, type MailState } from '../domain/mail-state';
import { openUnsubscribeToken } from '@mailfleet/suppression';
import { outgoingMail } from './send-attempt';

const hostilePiece = fc.constantFrom(
  '"',
  '\\',
  ',',
  ';',
  ':',
  '<',
  '>',
  '@',
  '\r\n',
  '\n',
  '\r',
  '\r\nBcc: eve@evil.test',
  '\nTo: eve@evil.test',
  'attacker@evil.test \\',
  '"attacker@evil.test" <eve@evil.test>',
  '=?utf-8?B?ZXZlQGV2aWwudGVzdA==?=',
  '\u0000',
  '\u2028',
  'Ünïcødé 名前 🚀',
  ' ',
);
const hostileText = fc.oneof(
  fc
    .array(fc.oneof(hostilePiece, fc.string({ unit: 'grapheme' })), { maxLength: 12 })
    .map((parts) => parts.join('')),
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.string({ minLength: 1000, maxLength: 5000 }),
);
const address = fc.emailAddress().filter(isMailAddress);

function mailState(name: string | null, email: string, mailId: string, correlationId: string): MailState {
  return {
    mailId,
    status: 'sending',
    attempt: 1,
    nextAttemptAt: 0,
    sendingSince: 0,
    queuedAt: 0,
    ambiguousResends: 0,
    request: {
      mailId,
      templateId: 'order-confirmation',
      templateVersion: 1,
      recipient: { customerId: 'c-1', email, name },
      locale: 'en',
      templateData: '{}',
      attachments: [],
      priority: 'NORMAL',
      requestedAt: 0,
      notBefore: null,
      digest: null,
      category: null,
    },
    cause: { eventId: 'e-1', correlationId },
    messageId: messageIdFor(mailId, 'mailfleet.test'),
    history: [],
    sentAt: null,
  };
}

const read = async (stream: NodeJS.ReadableStream): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
};

test('hostile names, subjects and ids never change the envelope recipient or add a header (fast-check, 1000 runs)', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.option(hostileText, { nil: null }),
      address,
      hostileText,
      hostileText,
      hostileText,
      async (name, email, subject, mailId, correlationId) => {
        const mail = outgoingMail(
          mailState(name, email, mailId, correlationId),
          { subject, html: '<p>hi</p>', text: 'hi', locale: 'en' },
          [],
          'mailfleet <noreply@mailfleet.test>',
        );
        const { envelope, stream } = composeMail(mail);
        expect(envelope.to).toEqual([email]);
        const raw = await read(stream());
        const head = raw.subarray(0, raw.indexOf('\r\n\r\n')).toString('latin1');
        // Well-formed header block: CRLF line ends only, each line a header or its folded continuation.
        expect(head).not.toMatch(/\r(?!\n)|(?<!\r)\n/);
        for (const line of head.split('\r\n')) {
          expect(line).toMatch(/^([A-Za-z0-9-]+:( |$)|[ \t])/);
          expect(line.length).toBeLessThanOrEqual(998); // RFC 5322 §2.1.1
        }
        const names = head
          .split('\r\n')
          .filter((l) => !/^[ \t]/.test(l))
          .map((l) => l.slice(0, l.indexOf(':')).toLowerCase());
        expect(names.filter((n) => n === 'to')).toHaveLength(1);
        expect(names.filter((n) => ['cc', 'bcc'].includes(n))).toEqual([]);
        const parsed = await simpleParser(raw);
        const to = Array.isArray(parsed.to) ? parsed.to : [parsed.to];
        expect(to.flatMap((t) => t?.value ?? []).map((v) => v.address)).toEqual([email]);
        expect(parsed.subject ?? '').toBe(headerText(subject));
        const header = (key: string) => String(parsed.headers.get(key) ?? '');
        expect(header('x-mailfleet-mail-id')).toBe(headerToken(mailId));
        expect(header('x-correlation-id')).toBe(headerToken(correlationId));
        // Identifiers read back exactly (as UTF-8 has them: a lone surrogate becomes U+FFFD).
        const wellFormed = new TextDecoder().decode(new TextEncoder().encode(mailId));
        if (mailId.length < 200) expect(decodeURIComponent(header('x-mailfleet-mail-id'))).toBe(wellFormed);
      },
    ),
    { numRuns: 1000 },
  );
}, 120_000);

test('the name from the first report cannot redirect the mail', () => {
  const mail = outgoingMail(
    mailState('attacker@evil.test \\', 'ada@example.test', 'order-confirmation:o-1', 'c'),
    { subject: 's', html: '', text: '', locale: 'en' },
    [],
    'noreply@mailfleet.test',
  );
  expect(composeMail(mail).envelope.to).toEqual(['ada@example.test']);
});

test('with a VERP domain the envelope sender names the mail; the From header stays the brand address', async () => {
  const state = mailState('Ada', 'ada@example.test', 'order-confirmation:o-1', 'c');
  const rendered = { subject: 's', html: '', text: '', locale: 'en' };
  const plain = composeMail(outgoingMail(state, rendered, [], 'noreply@mailfleet.test'));
  expect(plain.envelope.from).toBe('noreply@mailfleet.test');
  const verp = composeMail(
    outgoingMail(state, rendered, [], 'noreply@mailfleet.test', 'bounces.mailfleet.test'),
  );
  expect(verp.envelope.from).toBe('bounces+order-confirmation=3ao-1@bounces.mailfleet.test');
  const text = await new Promise<string>((resolve) => {
    let out = '';
    verp
      .stream()
      .on('data', (c: Buffer) => (out += c.toString()))
      .on('end', () => resolve(out));
  });
  expect(text).toMatch(/^From: noreply@mailfleet\.test\r?$/m);
});

test('a mail of a category carries a one-click unsubscribe link (RFC 8058) whose token names recipient and category; transactional mail carries none', async () => {
  const keys = ['k'.repeat(40)];
  const links = { baseUrl: 'https://feedback.mailfleet.test/unsubscribe/', keys };
  const rendered = { subject: 's', html: '', text: '', locale: 'en' };
  const base = mailState('Ada', 'Ada@Example.test', 'shipping-notice:o-1', 'c');
  const shipping = { ...base, request: { ...base.request, category: 'shipping-updates' } };
  const raw = await new Promise<string>((resolve) => {
    let out = '';
    composeMail(outgoingMail(shipping, rendered, [], 'noreply@mailfleet.test', undefined, links))
      .stream()
      .on('data', (c: Buffer) => (out += c.toString()))
      .on('end', () => resolve(out));
  });
  // The link may be folded onto its own line (RFC 5322 §2.2.3): unfold before reading it.
  const head = raw.slice(0, raw.indexOf('\r\n\r\n')).replace(/\r\n[ \t]+/g, ' ');
  expect(head).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click$/m);
  const link =
    /^List-Unsubscribe: <https:\/\/feedback\.mailfleet\.test\/unsubscribe\/([A-Za-z0-9._-]+)>$/m.exec(head);
  expect(link).not.toBeNull();
  expect(openUnsubscribeToken(link![1]!, keys)).toEqual({
    mailId: 'shipping-notice:o-1',
    customerId: 'c-1',
    recipient: 'ada@example.test',
    category: 'shipping-updates',
  });
  const transactional = outgoingMail(base, rendered, [], 'noreply@mailfleet.test', undefined, links);
  expect(Object.keys(transactional.headers).filter((h) => h.startsWith('List-'))).toEqual([]);
  const unconfigured = outgoingMail(shipping, rendered, [], 'noreply@mailfleet.test');
  expect(Object.keys(unconfigured.headers).filter((h) => h.startsWith('List-'))).toEqual([]);
});
