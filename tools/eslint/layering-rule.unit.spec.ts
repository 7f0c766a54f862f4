// The layering rule through ESLint itself (run as a child process: ESLint loads the ESM config and rule,
// which Jest's CommonJS sandbox cannot), on code placed at virtual paths in the repository.
import { execFileSync } from 'node:child_process';
import path from 'node:path';

const repoRoot = path.resolve(__dirname, '..', '..');

function lint(filePath: string, code: string): string[] {
  const script = `
    import { ESLint } from 'eslint';
    const eslint = new ESLint({ cwd: process.cwd() });
    const [result] = await eslint.lintText(process.env.CODE, { filePath: process.env.FILE });
    console.log(JSON.stringify(result.messages.filter((m) => m.ruleId === 'mailfleet/layering').map((m) => m.message)));
  `;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: repoRoot,
    env: { ...process.env, CODE: code, FILE: path.join(repoRoot, filePath) },
    encoding: 'utf8',
  });
  return JSON.parse(out) as string[];
}

test.each([
  ['import … from', "import { x } from '../../../translator/src/domain/translate';\nvoid x;\n"],
  ['export … from', "export { x } from '../../../translator/src/domain/translate';\n"],
  ['export * from', "export * from '../../../translator/src/domain/translate';\n"],
  ['import()', "void import('../../../translator/src/domain/translate');\n"],
  ['require()', "require('../../../translator/src/domain/translate');\n"],
  ['a service package by name', "export * from '@mailfleet/translator-service';\n"],
])('a service importing another service by %s is an error', (_form, code) => {
  expect(lint('services/sender/src/handlers/example.ts', code)).toEqual([
    expect.stringMatching(/service|translator/),
  ]);
});

test('domain/ stays pure in every import form; a type-only import is allowed', () => {
  expect(lint('services/sender/src/domain/example.ts', "export { MongoClient } from 'mongodb';\n")).toEqual([
    expect.stringMatching(/domain\/ is pure/),
  ]);
  expect(lint('services/sender/src/domain/example.ts', "export type { Db } from 'mongodb';\n")).toEqual([]);
  // Of @mailfleet/retry only the backoff formula is pure; its timers are not.
  expect(
    lint(
      'services/sender/src/domain/example.ts',
      "import { backoffDelay } from '@mailfleet/retry';\nvoid backoffDelay;\n",
    ),
  ).toEqual([]);
  expect(
    lint(
      'services/sender/src/domain/example.ts',
      "import { backoffDelay, pause } from '@mailfleet/retry';\nvoid [backoffDelay, pause];\n",
    ),
  ).toEqual([expect.stringMatching(/domain\/ is pure/)]);
});

test('a lib importing a service, and code importing a lib by path, are errors; own files are fine', () => {
  expect(lint('libs/kafka/src/example.ts', "export * from '../../../services/sender/src/config';\n")).toEqual(
    [expect.stringMatching(/lib 'kafka' must not import service 'sender'/)],
  );
  expect(lint('services/sender/src/example.ts', "export * from '../../../libs/kafka/src/retry';\n")).toEqual([
    expect.stringMatching(/by its package name/),
  ]);
  expect(lint('services/sender/src/handlers/example.ts', "export * from '../domain/mail-state';\n")).toEqual(
    [],
  );
});

test("a domain spec may use its service's pure fixtures in test/domain/, which are held to domain's purity", () => {
  const spec = 'services/sender/src/domain/example.unit.spec.ts';
  expect(lint(spec, "export * from '../../test/domain/fixtures';\n")).toEqual([]);
  expect(lint(spec, "export * from '../../test/sender-test-fixture';\n")).toEqual([
    expect.stringMatching(/domain\/ may import only/),
  ]);
  expect(lint('services/sender/test/domain/fixtures.ts', "export { MongoClient } from 'mongodb';\n")).toEqual(
    [expect.stringMatching(/domain\/ is pure/)],
  );
});
