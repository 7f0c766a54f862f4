import { FaultPlan, faultRuleSchema } from './fault-plan';

const rule = (input: object) => faultRuleSchema.parse(input);

describe('FaultPlan', () => {
  test('given no rules, every delivery goes through', () => {
    expect(new FaultPlan().take('data', ['a@x.test'])).toEqual({ kind: 'none' });
  });

  test('given a rule armed twice, it fires twice and is then used up', () => {
    const plan = new FaultPlan();
    plan.add(rule({ kind: '4xx', times: 2 }));
    expect(
      [plan.take('data', ['a@x']), plan.take('data', ['a@x']), plan.take('data', ['a@x'])].map((d) => d.kind),
    ).toEqual(['reply', 'reply', 'none']);
  });

  test('given a recipient filter, only matching deliveries use the rule up', () => {
    const plan = new FaultPlan();
    plan.add(rule({ kind: '5xx', recipient: 'victim' }));
    expect(plan.take('data', ['other@x']).kind).toBe('none');
    expect(plan.take('data', ['victim@x'])).toEqual({
      kind: 'reply',
      code: 550,
      message: expect.any(String),
    });
    expect(plan.list()).toEqual([]);
  });

  test('given a slow rule, the decision carries its delay', () => {
    const plan = new FaultPlan();
    plan.add(rule({ kind: 'slow', delayMs: 250 }));
    expect(plan.take('data', ['a@x'])).toEqual({ kind: 'slow', delayMs: 250 });
  });

  test('given a reply for a duration, it answers every matching command until the time is up', () => {
    let now = 1_000;
    const plan = new FaultPlan(() => now);
    plan.add(
      rule({
        kind: 'reply',
        stage: 'rcpt',
        code: 451,
        enhanced: '4.7.1',
        durationMs: 60_000,
        recipient: 'grey',
      }),
    );
    expect(plan.take('rcpt', ['grey@x'])).toEqual({
      kind: 'reply',
      code: 451,
      message: '4.7.1 Requested action aborted: try again later',
    });
    now = 60_999;
    expect(plan.take('rcpt', ['grey@x']).kind).toBe('reply');
    expect(plan.take('data', ['grey@x']).kind).toBe('none');
    now = 61_000;
    expect(plan.take('rcpt', ['grey@x']).kind).toBe('none');
    expect(plan.list()).toEqual([]);
  });

  test('rules apply at their own stage only: 421 at connect, 535 at auth', () => {
    const plan = new FaultPlan();
    plan.add(rule({ kind: 'reply', stage: 'connect', code: 421 }));
    plan.add(rule({ kind: 'reply', stage: 'auth', code: 535, enhanced: '5.7.8' }));
    expect(plan.take('mail').kind).toBe('none');
    expect(plan.take('auth')).toMatchObject({ code: 535 });
    expect(plan.take('connect')).toMatchObject({ code: 421 });
  });

  test('authentication required answers only sessions that did not authenticate', () => {
    const plan = new FaultPlan();
    plan.add(rule({ kind: 'auth-required', times: 1 }));
    expect(plan.take('mail', [], true).kind).toBe('none');
    expect(plan.take('mail', [], false).kind).toBe('auth-required');
  });

  test.each([
    [{ kind: 'explode' }, 'kind'],
    [{ kind: 'reply', stage: 'rcpt' }, 'code'],
    [{ kind: 'reply', stage: 'connect', code: 421, recipient: 'x' }, 'recipient'],
  ])('a rule that cannot work is refused with the field named: %j', (input, field) => {
    const parsed = faultRuleSchema.safeParse(input);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual([field]);
  });

  test('given a bounce or complaint rule, the mail is accepted and reported; the key is not listed back', () => {
    const plan = new FaultPlan();
    const webhook = { url: 'http://127.0.0.1:8090/webhooks/mailfleet', key: 'k'.repeat(32) };
    plan.add(rule({ kind: 'complaint', recipient: 'spam', webhook }));
    expect(plan.list()).toEqual([expect.objectContaining({ webhook: { url: webhook.url, key: '(set)' } })]);
    expect(plan.take('data', ['spam@x'])).toEqual({
      kind: 'report',
      rule: expect.objectContaining({ kind: 'complaint', webhook }),
    });
  });

  test('given a report rule without a destination, or a complaint by DSN, it is refused with the reason', () => {
    const problems = (input: object) =>
      faultRuleSchema.safeParse(input).error?.issues.map((i) => i.message) ?? [];
    expect(problems({ kind: 'bounce' })).toEqual([expect.stringMatching(/say where the bounce is reported/)]);
    expect(problems({ kind: 'complaint', dsn: { host: '127.0.0.1', port: 2525 } })).toEqual([
      expect.stringMatching(/a complaint is reported by webhook/),
    ]);
    expect(problems({ kind: 'bounce', stage: 'rcpt', dsn: { host: 'h', port: 25 } })).toEqual([
      expect.stringMatching(/use stage data/),
    ]);
  });
});
