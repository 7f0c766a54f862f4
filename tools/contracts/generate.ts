// npm run contracts:generate — writes libs/contracts/src/generated/events.ts from schemas/*.avsc.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { format, resolveConfig } from 'prettier';
import { generateTypes } from '../../libs/contracts/src/type-generator';
import { GENERATED_FILE, readSchemas } from './schema-files';

/** The generated module, formatted the way the format check expects. */
export async function renderGenerated(): Promise<string> {
  const options = (await resolveConfig(GENERATED_FILE)) ?? {};
  return format(generateTypes(readSchemas()), { ...options, filepath: GENERATED_FILE });
}

if (require.main === module) {
  void renderGenerated().then((source) => {
    mkdirSync(path.dirname(GENERATED_FILE), { recursive: true });
    writeFileSync(GENERATED_FILE, source);
    console.log(`wrote ${path.relative(process.cwd(), GENERATED_FILE)}`);
  });
}
