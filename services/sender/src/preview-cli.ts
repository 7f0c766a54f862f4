// npm run preview -- <templateId> [--template-version 1] [--locale en] [--data data.json] [--out dir]
// Renders a template with its sample data (or yours) to files, to look at before shipping it.
import { Command } from 'commander';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { RenderError, TemplateRenderer } from './adapters/template-renderer';

const program = new Command('preview')
  .argument('<templateId>', 'e.g. order-confirmation')
  .option('--template-version <n>', 'template version', '1')
  .option('--locale <locale>', 'locale to render', 'en')
  .option('--data <file>', 'JSON file with the template data (default: the template sample)')
  .option('--out <dir>', 'folder for the rendered files', 'preview')
  .action(
    (templateId: string, opts: { templateVersion: string; locale: string; data?: string; out: string }) => {
      const renderer = new TemplateRenderer();
      const version = Number(opts.templateVersion);
      try {
        const data = opts.data
          ? (JSON.parse(readFileSync(opts.data, 'utf8')) as Record<string, unknown>)
          : renderer.sample(templateId, version);
        const mail = renderer.render(templateId, version, opts.locale, data);
        mkdirSync(opts.out, { recursive: true });
        const base = path.join(opts.out, `${templateId}-v${version}-${mail.locale}`);
        writeFileSync(`${base}.html`, mail.html);
        writeFileSync(`${base}.txt`, `Subject: ${mail.subject}\n\n${mail.text}`);
        console.log(`subject: ${mail.subject}\nwrote ${base}.html and ${base}.txt`);
      } catch (err) {
        if (!(err instanceof RenderError)) throw err;
        console.error(`preview: ${err.message}`);
        process.exit(1);
      }
    },
  );

program.parse();
