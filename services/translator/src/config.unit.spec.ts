import { configProblems, loadConfig } from '@mailfleet/config';
import { deliveryPolicy, digestRules, translatorEnvSchema } from './config';

const load = (env: Record<string, string>) => loadConfig('translator', translatorEnvSchema, env);
const problemsOf = (env: Record<string, string>) => configProblems('translator', translatorEnvSchema, env);

describe('translator configuration: quiet hours and priorities', () => {
  test('by default: no quiet hours, every kind NORMAL, UTC for customers without a zone', () => {
    const config = load({});
    expect(config.TRANSLATOR_QUIET_HOURS).toBeUndefined();
    expect(config.TRANSLATOR_DEFAULT_TIME_ZONE).toBe('UTC');
    expect(deliveryPolicy(config)).toEqual({
      'order-confirmation': { priority: 'NORMAL', quietHours: false, category: null },
      'shipping-notice': { priority: 'NORMAL', quietHours: true, category: 'shipping-updates' },
      'cancellation-notice': { priority: 'NORMAL', quietHours: false, category: null },
      'shipping-digest': { priority: 'NORMAL', quietHours: true, category: 'shipping-updates' },
    });
  });

  test('quiet hours, held kinds and priorities are read', () => {
    const config = load({
      TRANSLATOR_QUIET_HOURS: '22:00-07:00',
      TRANSLATOR_QUIET_KINDS: 'shipping-notice, cancellation-notice',
      TRANSLATOR_PRIORITIES: 'cancellation-notice=HIGH,order-confirmation=LOW',
      TRANSLATOR_DEFAULT_TIME_ZONE: 'Europe/Berlin',
    });
    expect(config.TRANSLATOR_QUIET_HOURS).toEqual({ startMinute: 1320, endMinute: 420 });
    expect(deliveryPolicy(config)).toEqual({
      'order-confirmation': { priority: 'LOW', quietHours: false, category: null },
      'shipping-notice': { priority: 'NORMAL', quietHours: true, category: 'shipping-updates' },
      'cancellation-notice': { priority: 'HIGH', quietHours: true, category: null },
      'shipping-digest': { priority: 'NORMAL', quietHours: false, category: 'shipping-updates' },
    });
  });

  test('each mistake is named with what is expected', () => {
    const problems = problemsOf({
      TRANSLATOR_QUIET_HOURS: '10pm-7am',
      TRANSLATOR_QUIET_KINDS: 'shipping-notice,newsletter',
      TRANSLATOR_PRIORITIES: 'shipping-notice=URGENT',
      TRANSLATOR_DEFAULT_TIME_ZONE: 'Berlin',
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^TRANSLATOR_QUIET_HOURS: quiet hours must look like 22:00-07:00/),
        expect.stringMatching(
          /^TRANSLATOR_QUIET_KINDS\.1: "newsletter" is not a mail kind \(known: order-confirmation/,
        ),
        expect.stringMatching(
          /^TRANSLATOR_PRIORITIES: "shipping-notice=URGENT" must be kind=HIGH\|NORMAL\|LOW/,
        ),
        expect.stringMatching(/^TRANSLATOR_DEFAULT_TIME_ZONE: "Berlin" is not an IANA time zone/),
      ]),
    );
  });

  test('digest rules: a kind that can be collected, with its window', () => {
    const config = load({
      TRANSLATOR_DIGESTS: 'shipping-notice=daily@08:00',
      TRANSLATOR_DIGEST_SINGLE: 'digest',
    });
    expect(digestRules(config)).toEqual([
      {
        kind: 'shipping-notice',
        digestKind: 'shipping-digest',
        window: { type: 'daily', minute: 480 },
        singleAsItself: false,
      },
    ]);
    expect(digestRules(load({}))).toEqual([]);
    expect(problemsOf({ TRANSLATOR_DIGESTS: 'order-confirmation=10m' })).toEqual([
      expect.stringMatching(
        /^TRANSLATOR_DIGESTS: "order-confirmation" cannot be collected into a digest \(can: shipping-notice\)/,
      ),
    ]);
    expect(problemsOf({ TRANSLATOR_DIGESTS: 'shipping-notice=soon' })).toEqual([
      expect.stringMatching(/^TRANSLATOR_DIGESTS: a digest window is a duration/),
    ]);
  });

  test('unsubscribe categories: configurable, and refused for transactional kinds with the reason', () => {
    const config = load({ TRANSLATOR_UNSUBSCRIBE_CATEGORIES: 'shipping-notice=parcels' });
    expect(deliveryPolicy(config)['shipping-notice'].category).toBe('parcels');
    expect(deliveryPolicy(config)['shipping-digest'].category).toBeNull();
    expect(
      deliveryPolicy(load({ TRANSLATOR_UNSUBSCRIBE_CATEGORIES: '' }))['shipping-notice'].category,
    ).toBeNull();
    expect(problemsOf({ TRANSLATOR_UNSUBSCRIBE_CATEGORIES: 'order-confirmation=orders' }).join('\n')).toMatch(
      /order-confirmation is transactional .* cannot be unsubscribed from/,
    );
    expect(problemsOf({ TRANSLATOR_UNSUBSCRIBE_CATEGORIES: 'shipping-notice=Parcels!' }).join('\n')).toMatch(
      /must be kind=category/,
    );
  });
});
