import { TemplateRenderer, parseTemplateData } from './template-renderer';

const renderer = new TemplateRenderer();
const sample = (id: string) => renderer.sample(id, 1);

describe('templates', () => {
  test.each(['order-confirmation', 'shipping-notice', 'cancellation-notice'])(
    '%s renders in en and de from its sample',
    (id) => {
      for (const locale of ['en', 'de']) {
        const mail = renderer.render(id, 1, locale, sample(id));
        expect(mail.locale).toBe(locale);
        expect(mail.subject).toContain('o-1001');
        expect(mail.html).toContain('o-1001');
        expect(mail.text).toContain('o-1001');
      }
    },
  );

  test('money is formatted from minor units in the locale', () => {
    const mail = renderer.render('order-confirmation', 1, 'de', sample('order-confirmation'));
    // Intl puts a no-break space before the euro sign.
    expect(mail.text).toMatch(/Summe: 32,94\s€/);
    expect(renderer.render('order-confirmation', 1, 'en', sample('order-confirmation')).text).toContain(
      'Total: €32.94',
    );
  });

  test('an unknown locale falls back to the language, then to en', () => {
    expect(renderer.render('shipping-notice', 1, 'de-AT', sample('shipping-notice')).locale).toBe('de');
    expect(renderer.render('shipping-notice', 1, 'fr', sample('shipping-notice')).locale).toBe('en');
  });

  test('HTML is escaped in the HTML part only', () => {
    const data = { ...sample('cancellation-notice'), reason: '<script>x</script> & more' };
    const mail = renderer.render('cancellation-notice', 1, 'en', data);
    expect(mail.html).toContain('&lt;script&gt;x&lt;/script&gt; &amp; more');
    expect(mail.text).toContain('<script>x</script> & more');
  });

  test.each<[string, () => unknown, string]>([
    [
      'an unknown template',
      () => renderer.render('newsletter', 1, 'en', {}),
      "unknown template 'newsletter'",
    ],
    [
      'an unknown version',
      () => renderer.render('shipping-notice', 7, 'en', {}),
      "template 'shipping-notice' has no version 7 (available: v1)",
    ],
    [
      'missing variables',
      () => renderer.render('shipping-notice', 1, 'en', { orderId: 'o' }),
      'is missing: carrier, trackingNumber',
    ],
    ['data that is not an object', () => parseTemplateData('[1]'), 'templateData must be a JSON object'],
    ['data that is not JSON', () => parseTemplateData('{'), 'templateData is not valid JSON'],
  ])('%s is refused with a clear reason', (_n, call, message) => {
    expect(call).toThrow(message);
  });
});
