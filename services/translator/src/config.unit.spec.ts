import { loadConfig, type ConfigError } from '@mailfleet/config';
import { deliveryPolicy, translatorEnvSchema } from './config';

const load = (env: Record<string, string>) => loadConfig('translator', translatorEnvSchema, env);
const problemsOf = (env: Record<string, string>) => {
  try {
    load(env);
    return [];
  } catch (err) {
    return (err as ConfigError).problems;
  }
};

describe('translator configuration: quiet hours and priorities', () => {
  test('by default: no quiet hours, every kind NORMAL, UTC for customers without a zone', () => {
    const config = load({});
    expect(config.TRANSLATOR_QUIET_HOURS).toBeUndefined();
    expect(config.TRANSLATOR_DEFAULT_TIME_ZONE).toBe('UTC');
    expect(deliveryPolicy(config)).toEqual({
      'order-confirmation': { priority: 'NORMAL', quietHours: false },
      'shipping-notice': { priority: 'NORMAL', quietHours: true },
      'cancellation-notice': { priority: 'NORMAL', quietHours: false },
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
      'order-confirmation': { priority: 'LOW', quietHours: false },
      'shipping-notice': { priority: 'NORMAL', quietHours: true },
      'cancellation-notice': { priority: 'HIGH', quietHours: true },
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
});
