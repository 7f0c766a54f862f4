// npm run contracts:generate — writes libs/contracts/src/generated/events.ts from schemas/*.avsc.
// With --check it writes nothing and exits 1 when the file is stale.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { format, resolveConfig } from 'prettier';
import { generateTypes } from '@mailfleet/contracts';
import { GENERATED_FILE, readSchemas } from './schema-files';

/** The generated module, formatted the way the format check expects. */
export async function renderGenerated(): Promise<string> {
  const options = (await resolveConfig(GENERATED_FILE)) ?? {};
  return format(generateTypes(readSchemas()), { ...options, filepath: GENERATED_FILE });
}

if (require.main === module) {
  void renderGenerated().then((source) => {
    if (process.argv.includes('--check')) {
      // --against FILE compares another copy (tests use it to check a deliberately stale file).
      const at = process.argv.indexOf('--against');
      const target = at > 0 ? (process.argv[at + 1] ?? GENERATED_FILE) : GENERATED_FILE;
      if (readFileSync(target, 'utf8') !== source) {
        console.error(`${path.relative(process.cwd(), target)} is stale: run npm run contracts:generate`);
        process.exit(1);
      }
      console.log('generated types are up to date');
      return;
    }
    mkdirSync(path.dirname(GENERATED_FILE), { recursive: true });
    writeFileSync(GENERATED_FILE, source);
    console.log(`wrote ${path.relative(process.cwd(), GENERATED_FILE)}`);
  });
}
