import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { RenderError, TemplateRenderer, parseTemplateData } from './template-renderer';

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

  test('the shipping digest lists every shipment of its window, in en and de', () => {
    for (const locale of ['en', 'de']) {
      const mail = renderer.render('shipping-digest', 1, locale, sample('shipping-digest'));
      expect(mail.subject).toContain('2');
      for (const part of [mail.text, mail.html]) {
        expect(part).toContain('o-1001');
        expect(part).toContain('o-1002');
        expect(part).toContain('1Z999AA10123456784');
      }
      // The second shipment has no tracking link; the first one has.
      expect(mail.html.match(/<a href=/g)).toHaveLength(1);
    }
  });

  test('a digest without its items is refused before sending, naming the variable', () => {
    expect(() => renderer.render('shipping-digest', 1, 'en', { customerName: 'Ada' })).toThrow(/items/);
  });

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
    [
      'a currency Intl does not know',
      () =>
        renderer.render('order-confirmation', 1, 'en', {
          ...sample('order-confirmation'),
          currency: 'EURO!',
        }),
      "template 'order-confirmation' v1 (en) cannot render this data: Invalid currency code",
    ],
    [
      'a link that is not http(s)',
      () =>
        renderer.render('shipping-notice', 1, 'en', {
          ...sample('shipping-notice'),
          trackingUrl: 'javascript:alert(1)',
        }),
      'links must be http(s); got "javascript:alert(1)"',
    ],
    ['data that is not an object', () => parseTemplateData('[1]'), 'templateData must be a JSON object'],
    ['data that is not JSON', () => parseTemplateData('{'), 'templateData is not valid JSON'],
  ])('%s is refused with a clear reason', (_n, call, message) => {
    expect(call).toThrow(RenderError);
    expect(call).toThrow(message);
  });

  test('an http(s) link is kept, escaped in HTML', () => {
    const data = { ...sample('shipping-notice'), trackingUrl: 'https://t.example.test/a?b=1&c=2' };
    const mail = renderer.render('shipping-notice', 1, 'en', data);
    expect(mail.html).toContain("href='https://t.example.test/a?b&#x3D;1&amp;c&#x3D;2'");
    expect(mail.text).toContain('https://t.example.test/a?b=1&c=2');
  });

  test('a template that does not parse stops the start, naming its file', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'templates-'));
    mkdirSync(path.join(dir, 'broken', 'v1'), { recursive: true });
    writeFileSync(
      path.join(dir, 'broken', 'v1', 'template.json'),
      JSON.stringify({ variables: [], sample: {} }),
    );
    writeFileSync(path.join(dir, 'broken', 'v1', 'en.subject.hbs'), 'Hello {{#if x}}');
    writeFileSync(path.join(dir, 'broken', 'v1', 'en.html.hbs'), '<p>hi</p>');
    writeFileSync(path.join(dir, 'broken', 'v1', 'en.text.hbs'), 'hi');
    expect(() => new TemplateRenderer(dir)).toThrow(/broken\/v1\/en\.subject\.hbs does not parse/);
  });
});
