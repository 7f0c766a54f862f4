// The compatibility gate: every schema in schemas/ against its released versions in schemas/history/.
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  checkCompatibility,
  isCompatibilityLevel,
  parseAvro,
  type CompatibilityLevel,
} from '@mailfleet/contracts';
import { readSchemas, type SchemaJson } from './schema-files';

export interface GateResult {
  readonly name: string;
  readonly level: CompatibilityLevel;
  readonly released: number;
  readonly changed: boolean;
  readonly problems: readonly string[];
}

/** A schema's declared compatibility: its top-level "compatibility" attribute, BACKWARD by default. */
export function declaredLevel(schema: SchemaJson): CompatibilityLevel {
  const declared = schema['compatibility'];
  if (declared === undefined) return 'BACKWARD';
  if (typeof declared !== 'string' || !isCompatibilityLevel(declared)) {
    throw new Error(
      `${schema.name}: "compatibility" must be one of NONE, BACKWARD, FORWARD, FULL (or *_TRANSITIVE), not ${JSON.stringify(declared)}`,
    );
  }
  return declared;
}

const canonical = (json: unknown) => JSON.stringify(json);

function releasedVersions(historyDir: string, name: string): unknown[] {
  const dir = path.join(historyDir, name);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /^v\d+\.avsc$/.test(f))
    .sort((a, b) => Number(a.slice(1, -5)) - Number(b.slice(1, -5)))
    .map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as unknown);
}

/** Checks every schema against its history under its declared level. */
export function runGate(schemaDir: string, historyDir: string): GateResult[] {
  const schemas = readSchemas(schemaDir);
  const results: GateResult[] = schemas.map((schema) => {
    const level = declaredLevel(schema);
    const history = releasedVersions(historyDir, schema.name);
    const verdict = checkCompatibility(
      parseAvro(schema),
      history.map((h) => parseAvro(h as object)),
      level,
    );
    return {
      name: schema.name,
      level,
      released: history.length,
      changed: history.length === 0 || canonical(history.at(-1)) !== canonical(schema),
      problems: verdict.compatible ? [] : verdict.problems,
    };
  });
  const present = new Set(schemas.map((s) => s.name));
  const removed = existsSync(historyDir) ? readdirSync(historyDir).filter((name) => !present.has(name)) : [];
  for (const name of removed) {
    results.push({
      name,
      level: 'BACKWARD',
      released: releasedVersions(historyDir, name).length,
      changed: true,
      problems: [
        `schemas/${name}.avsc was removed, but released data of this type may still be read; keep the schema`,
      ],
    });
  }
  return results;
}

/** Snapshots every changed schema as its next released version; refuses while the gate fails. */
export function release(schemaDir: string, historyDir: string): string[] {
  const results = runGate(schemaDir, historyDir);
  const failing = results.filter((r) => r.problems.length > 0);
  if (failing.length > 0)
    throw new Error(
      `not releasing, the compatibility gate fails for: ${failing.map((r) => r.name).join(', ')}`,
    );
  const written: string[] = [];
  for (const schema of readSchemas(schemaDir)) {
    const result = results.find((r) => r.name === schema.name);
    if (!result?.changed) continue;
    const file = path.join(historyDir, schema.name, `v${result.released + 1}.avsc`);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(schema, null, 2)}\n`);
    written.push(path.relative(path.dirname(historyDir), file));
  }
  return written;
}
