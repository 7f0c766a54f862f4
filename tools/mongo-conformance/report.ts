// Runs the MongoDB conformance suite against several servers and prints the results as a Markdown
// table (the one in docs/mongodb-compatibility.md).
//   npx tsx tools/mongo-conformance/report.ts "SecantusDB=mongodb://127.0.0.1:17017/?directConnection=true" ...
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';

interface Assertion {
  readonly ancestorTitles: readonly string[];
  readonly title: string;
  readonly status: string;
  readonly failureMessages: readonly string[];
}

const repoRoot = path.resolve(__dirname, '..', '..');
const targets = process.argv.slice(2).map((arg) => {
  const at = arg.indexOf('=');
  if (at < 1) throw new Error(`expected NAME=MONGO_URL, got '${arg}'`);
  return { name: arg.slice(0, at), url: arg.slice(at + 1) };
});
if (targets.length === 0) {
  console.error('usage: report.ts NAME=MONGO_URL [NAME=MONGO_URL ...]');
  process.exit(2);
}

const tmp = mkdtempSync(path.join(os.tmpdir(), 'conformance-'));
const results = targets.map(({ name, url }, i) => {
  const out = path.join(tmp, `${i}.json`);
  spawnSync(
    'npx',
    ['jest', '--selectProjects', 'conformance', '--json', `--outputFile=${out}`, '--testTimeout=20000'],
    {
      cwd: repoRoot,
      env: { ...process.env, MONGO_URL: url },
      encoding: 'utf8',
    },
  );
  try {
    const json = JSON.parse(readFileSync(out, 'utf8')) as {
      testResults: { assertionResults: Assertion[]; message: string }[];
    };
    const assertions = json.testResults.flatMap((r) => r.assertionResults);
    const suiteError = json.testResults.find((r) => r.assertionResults.length === 0)?.message;
    return { name, assertions, suiteError };
  } catch {
    return { name, assertions: [] as Assertion[], suiteError: 'jest produced no results' };
  }
});

const firstLine = (s: string) =>
  stripVTControlCharacters(s)
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l.length > 0 && !l.startsWith('at ') && !l.startsWith('expect(')) ?? '';

const titles = [
  ...new Map(
    results.flatMap((r) => r.assertions).map((a) => [`${a.ancestorTitles.join(' › ')} › ${a.title}`, a]),
  ).keys(),
];
console.log(`| behaviour | ${results.map((r) => r.name).join(' | ')} |`);
console.log(`| --- | ${results.map(() => '---').join(' | ')} |`);
for (const title of titles) {
  const cells = results.map((r) => {
    const a = r.assertions.find((x) => `${x.ancestorTitles.join(' › ')} › ${x.title}` === title);
    if (!a) return 'not run';
    return a.status === 'passed'
      ? 'pass'
      : `FAIL: ${firstLine(a.failureMessages.join('\n')).slice(0, 80).replace(/\|/g, '\\|')}`;
  });
  console.log(`| ${title} | ${cells.join(' | ')} |`);
}
console.log(
  `| **passed** | ${results.map((r) => (r.assertions.length === 0 ? `0 (${firstLine(r.suiteError ?? '').slice(0, 60)})` : `**${r.assertions.filter((a) => a.status === 'passed').length}/${r.assertions.length}**`)).join(' | ')} |`,
);
