import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

export const repoRoot = path.resolve(__dirname, '..', '..');
export const SCHEMA_DIR = path.join(repoRoot, 'schemas');
export const GENERATED_FILE = path.join(repoRoot, 'libs', 'contracts', 'src', 'generated', 'events.ts');

export type SchemaJson = { readonly type: string; readonly name: string; readonly [key: string]: unknown };

/** Every top-level schema in `dir` (one *.avsc per event record), checked to be named like its file. */
export function readSchemas(dir = SCHEMA_DIR): SchemaJson[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.avsc'))
    .sort()
    .map((file) => {
      const json = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as SchemaJson;
      if (`${json.name}.avsc` !== file)
        throw new Error(`${file}: the record is named ${json.name}; name the file ${json.name}.avsc`);
      return json;
    });
}
