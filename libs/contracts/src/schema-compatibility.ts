// Avro schema compatibility, decided with avsc's schema resolution: a reader can read a writer's data
// when avsc can build a resolver between them. Used by the dev schema registry and the compatibility gate.
import avro from 'avsc';

export const COMPATIBILITY_LEVELS = [
  'NONE',
  'BACKWARD',
  'BACKWARD_TRANSITIVE',
  'FORWARD',
  'FORWARD_TRANSITIVE',
  'FULL',
  'FULL_TRANSITIVE',
] as const;
export type CompatibilityLevel = (typeof COMPATIBILITY_LEVELS)[number];

export const isCompatibilityLevel = (s: string): s is CompatibilityLevel =>
  (COMPATIBILITY_LEVELS as readonly string[]).includes(s);

export type CompatibilityVerdict =
  { readonly compatible: true } | { readonly compatible: false; readonly problems: readonly string[] };

/** Parses an Avro schema (JSON text or object); throws with avsc's message when it is not valid Avro. */
export function parseAvro(schema: string | object): avro.Type {
  return avro.Type.forSchema(
    typeof schema === 'string' ? (JSON.parse(schema) as avro.Schema) : (schema as avro.Schema),
  );
}

/** Can data written with `writer` be read with `reader`? Problems name the fields that break it. */
export function canRead(reader: avro.Type, writer: avro.Type, label: string): readonly string[] {
  try {
    reader.createResolver(writer);
    return [];
  } catch (err) {
    const detail = explainRecord(reader, writer);
    return detail.length > 0 ? detail.map((d) => `${label}: ${d}`) : [`${label}: ${(err as Error).message}`];
  }
}

// avsc says only that two types do not match; for records, name the fields that do not.
function explainRecord(reader: avro.Type, writer: avro.Type): string[] {
  if (!(reader instanceof avro.types.RecordType) || !(writer instanceof avro.types.RecordType)) return [];
  const problems: string[] = [];
  const written = new Map(writer.fields.map((f) => [f.name, f]));
  for (const field of reader.fields) {
    const source = written.get(field.name) ?? writer.fields.find((w) => field.aliases.includes(w.name));
    if (!source) {
      if (field.defaultValue() === undefined) {
        problems.push(`field '${field.name}' is missing from the written data and has no default`);
      }
      continue;
    }
    try {
      field.type.createResolver(source.type);
    } catch {
      problems.push(
        `field '${field.name}' was written as ${describe(source.type)} and cannot be read as ${describe(field.type)}`,
      );
    }
  }
  return problems;
}

const describe = (t: avro.Type): string => t.branchName ?? t.typeName;

/**
 * Checks `candidate` against the earlier versions of a subject (oldest first) under `level`.
 * BACKWARD: the new schema reads the latest data; FORWARD: the latest schema reads new data; FULL: both;
 * *_TRANSITIVE: against every earlier version, not only the latest.
 */
export function checkCompatibility(
  candidate: avro.Type,
  earlier: readonly avro.Type[],
  level: CompatibilityLevel,
): CompatibilityVerdict {
  if (level === 'NONE' || earlier.length === 0) return { compatible: true };
  const transitive = level.endsWith('_TRANSITIVE');
  const against = transitive
    ? earlier.map((t, i) => ({ t, v: i + 1 }))
    : [{ t: earlier.at(-1) as avro.Type, v: earlier.length }];
  const backward = level.startsWith('BACKWARD') || level.startsWith('FULL');
  const forward = level.startsWith('FORWARD') || level.startsWith('FULL');
  const problems: string[] = [];
  for (const { t, v } of against) {
    if (backward)
      problems.push(...canRead(candidate, t, `new readers cannot read data written with version ${v}`));
    if (forward) problems.push(...canRead(t, candidate, `readers of version ${v} cannot read new data`));
  }
  return problems.length === 0 ? { compatible: true } : { compatible: false, problems };
}
