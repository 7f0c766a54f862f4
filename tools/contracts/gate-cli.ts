// npm run contracts:gate    — fails when a schema breaks its declared compatibility with released versions
// npm run contracts:release — records every changed schema as its next released version
import path from 'node:path';
import { release, runGate } from './gate';
import { SCHEMA_DIR } from './schema-files';

const HISTORY_DIR = path.join(SCHEMA_DIR, 'history');
const command = process.argv[2];

if (command === 'check') {
  const results = runGate(SCHEMA_DIR, HISTORY_DIR);
  for (const r of results) {
    const state =
      r.problems.length > 0
        ? 'BREAKS'
        : r.changed
          ? r.released === 0
            ? 'new, unreleased'
            : 'changed, compatible, unreleased'
          : 'unchanged';
    console.log(`${r.name.padEnd(32)} ${r.level.padEnd(20)} v${r.released}  ${state}`);
    for (const p of r.problems) console.log(`    ${p}`);
  }
  const failing = results.filter((r) => r.problems.length > 0);
  if (failing.length > 0) {
    console.error(
      `\ncompatibility gate: ${failing.length} schema(s) break their readers. See docs/contracts.md, "Evolving a schema".`,
    );
    process.exit(1);
  }
  console.log('\ncompatibility gate: every schema is compatible with its released versions');
} else if (command === 'release') {
  const written = release(SCHEMA_DIR, HISTORY_DIR);
  console.log(
    written.length === 0
      ? 'nothing changed since the last release'
      : written.map((w) => `wrote ${w}`).join('\n'),
  );
} else {
  console.error('usage: gate-cli.ts check|release');
  process.exit(2);
}
