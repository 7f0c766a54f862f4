// The registry's data: schemas by id, subjects with their versions, compatibility settings. Persisted
// as one JSON file, replaced atomically, because ids are referenced by every record on Kafka.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { CompatibilityLevel } from '@mailfleet/contracts';

export interface SubjectVersion {
  readonly version: number;
  readonly id: number;
}

interface State {
  nextId: number;
  schemas: Record<string, string>;
  subjects: Record<string, SubjectVersion[]>;
  globalLevel: CompatibilityLevel;
  subjectLevels: Record<string, CompatibilityLevel>;
}

const EMPTY: State = { nextId: 1, schemas: {}, subjects: {}, globalLevel: 'BACKWARD', subjectLevels: {} };

export class RegistryState {
  private state: State;

  constructor(private readonly file: string) {
    mkdirSync(path.dirname(file), { recursive: true });
    this.state = existsSync(file)
      ? (JSON.parse(readFileSync(file, 'utf8')) as State)
      : structuredClone(EMPTY);
  }

  private save(): void {
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.state));
    renameSync(tmp, this.file);
  }

  subjects(): string[] {
    return Object.keys(this.state.subjects).filter((s) => (this.state.subjects[s]?.length ?? 0) > 0);
  }

  versions(subject: string): readonly SubjectVersion[] | undefined {
    const v = this.state.subjects[subject];
    return v && v.length > 0 ? v : undefined;
  }

  schema(id: number): string | undefined {
    return this.state.schemas[String(id)];
  }

  idOf(canonical: string): number | undefined {
    const hit = Object.entries(this.state.schemas).find(([, s]) => s === canonical);
    return hit ? Number(hit[0]) : undefined;
  }

  subjectsOf(id: number): { subject: string; version: number }[] {
    return Object.entries(this.state.subjects).flatMap(([subject, versions]) =>
      versions.filter((v) => v.id === id).map((v) => ({ subject, version: v.version })),
    );
  }

  /** Appends `canonical` as the subject's next version, reusing its id if any subject has it. */
  addVersion(subject: string, canonical: string): SubjectVersion {
    let id = this.idOf(canonical);
    if (id === undefined) {
      id = this.state.nextId++;
      this.state.schemas[String(id)] = canonical;
    }
    const versions = (this.state.subjects[subject] ??= []);
    const entry = { version: (versions.at(-1)?.version ?? 0) + 1, id };
    versions.push(entry);
    this.save();
    return entry;
  }

  deleteSubject(subject: string): number[] {
    const versions = this.state.subjects[subject] ?? [];
    delete this.state.subjects[subject];
    delete this.state.subjectLevels[subject];
    this.save();
    return versions.map((v) => v.version);
  }

  globalLevel(): CompatibilityLevel {
    return this.state.globalLevel;
  }

  subjectLevel(subject: string): CompatibilityLevel | undefined {
    return this.state.subjectLevels[subject];
  }

  setLevel(subject: string | undefined, level: CompatibilityLevel): void {
    if (subject === undefined) this.state.globalLevel = level;
    else this.state.subjectLevels[subject] = level;
    this.save();
  }
}
