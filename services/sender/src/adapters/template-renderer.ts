// Templates live in the repo (services/sender/templates/<id>/v<version>/<locale>.{subject,html,text}.hbs
// with a template.json declaring the variables), are loaded once at start and rendered with Handlebars:
// HTML escaped, plain text and subject not.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';

export const DEFAULT_TEMPLATES_DIR = path.resolve(__dirname, '..', '..', 'templates');
const FALLBACK_LOCALE = 'en';

export interface RenderedMail {
  readonly subject: string;
  readonly html: string;
  readonly text: string;
  readonly locale: string;
}

type Compiled = {
  subject: HandlebarsTemplateDelegate;
  html: HandlebarsTemplateDelegate;
  text: HandlebarsTemplateDelegate;
};

interface Template {
  readonly variables: readonly string[];
  readonly sample: Readonly<Record<string, unknown>>;
  readonly locales: ReadonlyMap<string, Compiled>;
}

/** A request the templates cannot render; never retried. */
export class RenderError extends Error {
  override name = 'RenderError';
}

function createEngine(): typeof Handlebars {
  const engine = Handlebars.create();
  // Money is in minor units; the currency decides how many of them make one.
  engine.registerHelper('money', (minor: unknown, currency: unknown, locale: unknown) => {
    const format = new Intl.NumberFormat(String(locale), { style: 'currency', currency: String(currency) });
    return format.format(Number(minor) / 10 ** (format.resolvedOptions().maximumFractionDigits ?? 2));
  });
  // Links from event data: only http(s), so no `javascript:` or `data:` URL reaches a mail client.
  engine.registerHelper('httpUrl', (value: unknown) => {
    const text = String(value ?? '');
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new RenderError(`${JSON.stringify(text.slice(0, 80))} is not a URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new RenderError(`links must be http(s); got ${JSON.stringify(text.slice(0, 80))}`);
    return url.href;
  });
  return engine;
}

export class TemplateRenderer {
  private readonly templates = new Map<string, Template>();

  constructor(dir = DEFAULT_TEMPLATES_DIR) {
    const engine = createEngine();
    for (const id of readdirSync(dir)) {
      for (const versionDir of readdirSync(path.join(dir, id)).filter((v) => /^v\d+$/.test(v))) {
        const base = path.join(dir, id, versionDir);
        const meta = JSON.parse(readFileSync(path.join(base, 'template.json'), 'utf8')) as {
          variables: string[];
          sample: Record<string, unknown>;
        };
        const locales = new Map<string, Compiled>();
        for (const file of readdirSync(base).filter((f) => f.endsWith('.subject.hbs'))) {
          const locale = file.slice(0, -'.subject.hbs'.length);
          const read = (part: string) => {
            const file = path.join(base, `${locale}.${part}.hbs`);
            const text = readFileSync(file, 'utf8');
            // Handlebars compiles on first use: parse now, so a broken template stops the start with
            // its file named instead of failing every mail that uses it.
            try {
              engine.parse(text);
            } catch (err) {
              throw new Error(
                `template ${file} does not parse: ${err instanceof Error ? err.message : String(err)}`,
              );
            }
            return text;
          };
          locales.set(locale, {
            subject: engine.compile(read('subject').trim(), { noEscape: true, strict: false }),
            html: engine.compile(read('html')),
            text: engine.compile(read('text'), { noEscape: true }),
          });
        }
        if (!locales.has(FALLBACK_LOCALE))
          throw new Error(`template ${id} ${versionDir} has no '${FALLBACK_LOCALE}' locale to fall back to`);
        this.templates.set(`${id}@${versionDir}`, {
          variables: meta.variables,
          sample: meta.sample,
          locales,
        });
      }
    }
  }

  /** Renders a template; RenderError says what is wrong with the request. */
  render(
    templateId: string,
    version: number,
    locale: string,
    data: Readonly<Record<string, unknown>>,
  ): RenderedMail {
    const template = this.templates.get(`${templateId}@v${version}`);
    if (!template) {
      const known = [...this.templates.keys()].filter((k) => k.startsWith(`${templateId}@`));
      throw new RenderError(
        known.length === 0
          ? `unknown template '${templateId}'`
          : `template '${templateId}' has no version ${version} (available: ${known.map((k) => k.split('@')[1]).join(', ')})`,
      );
    }
    const missing = template.variables.filter((v) => data[v] === undefined || data[v] === null);
    if (missing.length > 0)
      throw new RenderError(
        `template data for '${templateId}' v${version} is missing: ${missing.join(', ')}`,
      );
    const language = locale.toLowerCase().split(/[-_]/)[0] ?? '';
    const chosen = template.locales.has(locale)
      ? locale
      : template.locales.has(language)
        ? language
        : FALLBACK_LOCALE;
    const compiled = template.locales.get(chosen) as Compiled;
    try {
      return {
        subject: compiled.subject(data).trim(),
        html: compiled.html(data),
        text: compiled.text(data),
        locale: chosen,
      };
    } catch (err) {
      // A helper or the template failed on this data (an invalid currency code, a bad link): the request
      // can never be rendered as it is.
      if (err instanceof RenderError) throw err;
      throw new RenderError(
        `template '${templateId}' v${version} (${chosen}) cannot render this data: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }

  /** The sample data a template ships with (for previews). */
  sample(templateId: string, version: number): Readonly<Record<string, unknown>> {
    const template = this.templates.get(`${templateId}@v${version}`);
    if (!template) throw new RenderError(`unknown template '${templateId}' v${version}`);
    return template.sample;
  }
}

/** Parses MailRequested.templateData; RenderError when it is not a JSON object. */
export function parseTemplateData(json: string): Record<string, unknown> {
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch {
    throw new RenderError('templateData is not valid JSON');
  }
  if (!data || typeof data !== 'object' || Array.isArray(data))
    throw new RenderError('templateData must be a JSON object');
  return data as Record<string, unknown>;
}

export const templatesDirExists = (dir: string): boolean => existsSync(dir);
