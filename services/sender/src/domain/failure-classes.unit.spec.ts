// The classification table of docs/sender.md, row by row (RFC 5321 reply codes, RFC 3463 enhanced codes).
import { classifySmtpFailure, type FailureClass } from './failure-classes';
import { enhancedStatusOf, type SmtpFailureFacts, type SmtpStage } from './smtp-failure';

const reply = (stage: SmtpStage, text: string): SmtpFailureFacts => ({
  kind: 'reply',
  stage,
  code: Number(text.slice(0, 3)),
  enhanced: enhancedStatusOf(text),
  text,
});

describe('who a failure affects', () => {
  test.each<[string, SmtpFailureFacts, FailureClass]>([
    // recipient-permanent
    [
      '550 5.1.1 at RCPT (no such user)',
      reply('rcpt', '550 5.1.1 <x@y>: Recipient address rejected'),
      'recipient-permanent',
    ],
    [
      '550 5.7.1 at RCPT (refused by policy)',
      reply('rcpt', '550 5.7.1 Recipient refused'),
      'recipient-permanent',
    ],
    [
      '553 at RCPT without an enhanced code',
      reply('rcpt', '553 mailbox name not allowed'),
      'recipient-permanent',
    ],
    [
      '550 5.1.1 after the final dot',
      reply('data-termination', '550 5.1.1 user unknown'),
      'recipient-permanent',
    ],
    // message-permanent
    [
      '554 5.6.0 content rejected after the dot',
      reply('data-termination', '554 5.6.0 Message content rejected'),
      'message-permanent',
    ],
    [
      '552 5.3.4 message too big after the dot',
      reply('data-termination', '552 5.3.4 Message size exceeds fixed limit'),
      'message-permanent',
    ],
    [
      '552 5.3.4 at MAIL (SIZE declared too big)',
      reply('mail', '552 5.3.4 Message too big'),
      'message-permanent',
    ],
    [
      '554 5.7.1 spam after the dot',
      reply('data-termination', '554 5.7.1 Message rejected as spam'),
      'message-permanent',
    ],
    ['554 without an enhanced code at DATA', reply('data', '554 Transaction failed'), 'message-permanent'],
    // recipient-transient
    [
      '450 4.2.0 greylisted at RCPT',
      reply('rcpt', '450 4.2.0 Greylisted, please try again later'),
      'recipient-transient',
    ],
    [
      '451 4.7.1 greylisted at RCPT',
      reply('rcpt', '451 4.7.1 Please try again later'),
      'recipient-transient',
    ],
    [
      '451 at RCPT without an enhanced code',
      reply('rcpt', '451 Requested action aborted: try again later'),
      'recipient-transient',
    ],
    ['452 4.2.2 mailbox full at RCPT', reply('rcpt', '452 4.2.2 Mailbox full'), 'recipient-transient'],
    [
      '552 5.2.2 mailbox full (persistent transient)',
      reply('rcpt', '552 5.2.2 Mailbox full'),
      'recipient-transient',
    ],
    [
      '451 after the final dot',
      reply('data-termination', '451 Requested action aborted'),
      'recipient-transient',
    ],
    // system-wide
    ['421 at the greeting', reply('greeting', '421 4.3.2 Service not available'), 'system-wide'],
    ['421 at RCPT', reply('rcpt', '421 4.7.0 Too many connections, closing'), 'system-wide'],
    ['421 after the final dot', reply('data-termination', '421 Closing connection'), 'system-wide'],
    ['554 at the greeting (no SMTP service)', reply('greeting', '554 No SMTP service here'), 'system-wide'],
    [
      '535 5.7.8 credentials invalid',
      reply('auth', '535 5.7.8 Authentication credentials invalid'),
      'system-wide',
    ],
    [
      '454 4.7.0 temporary auth failure',
      reply('auth', '454 4.7.0 Temporary authentication failure'),
      'system-wide',
    ],
    [
      '534 5.7.9 mechanism too weak',
      reply('auth', '534 5.7.9 Authentication mechanism is too weak'),
      'system-wide',
    ],
    [
      '530 5.7.0 authentication required at MAIL',
      reply('mail', '530 5.7.0 Authentication required'),
      'system-wide',
    ],
    [
      '550 5.7.1 at MAIL (our sender refused)',
      reply('mail', '550 5.7.1 Sender address rejected'),
      'system-wide',
    ],
    ['451 4.3.0 at MAIL (local problem)', reply('mail', '451 4.3.0 Temporary local problem'), 'system-wide'],
    [
      '452 4.3.1 insufficient system storage at RCPT',
      reply('rcpt', '452 4.3.1 Insufficient system storage'),
      'system-wide',
    ],
    [
      '451 4.4.1 no answer from host after the dot',
      reply('data-termination', '451 4.4.1 No answer from host'),
      'system-wide',
    ],
    ['connection refused', { kind: 'unreachable', text: 'connect ECONNREFUSED 127.0.0.1:25' }, 'system-wide'],
    ['TLS failure', { kind: 'tls', text: 'self-signed certificate' }, 'system-wide'],
    [
      'connection reset before the final dot',
      { kind: 'connection-lost', stage: 'data-block', afterFinalDot: false, text: 'ECONNRESET' },
      'system-wide',
    ],
    [
      'no greeting in time',
      { kind: 'timeout', stage: 'greeting', afterFinalDot: false, text: 'timeout' },
      'system-wide',
    ],
    // ambiguous
    [
      'connection lost after the final dot',
      { kind: 'connection-lost', stage: 'data-termination', afterFinalDot: true, text: 'closed' },
      'ambiguous',
    ],
    [
      'no reply after the final dot in time',
      { kind: 'timeout', stage: 'data-termination', afterFinalDot: true, text: 'timeout' },
      'ambiguous',
    ],
  ])('%s → %s', (_name, facts, expected) => {
    expect(classifySmtpFailure(facts).errorClass).toBe(expected);
  });

  test('the reason names the stage and the server reply', () => {
    expect(classifySmtpFailure(reply('rcpt', '550 5.1.1 no\r\n such user')).message).toBe(
      'rcpt: 550 5.1.1 no such user',
    );
  });

  test.each([
    ['550 5.1.1 no such user', '5.1.1'],
    ['451-4.7.1 greylisted', '4.7.1'],
    ['250 2.0.0 Ok', '2.0.0'],
    ['550 no such user', null],
    ['550 5.1 incomplete', null],
  ])('enhanced status of %j is %j', (text, expected) => {
    expect(enhancedStatusOf(text)).toBe(expected);
  });
});
