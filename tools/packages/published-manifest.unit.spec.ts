import { packageOfSpecifier, publishedManifest, specifiersIn } from './published-manifest';

test('specifiers are read from built JavaScript and from declarations', () => {
  const js = 'const a = require("mongodb");\nconst b = require("./outbox-schema");\nrequire("node:crypto");';
  const dts =
    'import type { Producer } from \'kafkajs\';\nexport declare const x: import("prom-client").Registry;';
  expect(specifiersIn(js + dts)).toEqual([
    'mongodb',
    './outbox-schema',
    'node:crypto',
    'kafkajs',
    'prom-client',
  ]);
});

test.each([
  ['@kafkajs/confluent-schema-registry/dist/x', '@kafkajs/confluent-schema-registry'],
  ['pino', 'pino'],
  ['./local', undefined],
  ['node:crypto', undefined],
  ['crypto', undefined],
  ['async_hooks', undefined],
])('%s is the package %s', (specifier, pkg) => {
  expect(packageOfSpecifier(specifier)).toBe(pkg);
});

test('workspace libs by their version, drivers the app hands in as peers, the rest pinned as in the root', () => {
  const manifest = publishedManifest(
    { name: '@mailfleet/outbox', version: '0.1.0', description: 'outbox' },
    ['mongodb', 'kafkajs', 'prom-client', '@mailfleet/contracts', './x', 'node:crypto', '@mailfleet/outbox'],
    { license: 'Apache-2.0', dependencies: { mongodb: '6.22.0', kafkajs: '2.2.4', 'prom-client': '15.1.3' } },
    new Map([['@mailfleet/contracts', '0.1.0']]),
  );
  expect(manifest).toMatchObject({
    name: '@mailfleet/outbox',
    main: 'dist/index.js',
    types: 'dist/index.d.ts',
    dependencies: { '@mailfleet/contracts': '0.1.0', 'prom-client': '15.1.3' },
    peerDependencies: { mongodb: '^6.22.0', kafkajs: '^2.2.4' },
  });
  expect(manifest).not.toHaveProperty('private');
});

test('an import the root does not declare is refused by name', () => {
  expect(() =>
    publishedManifest(
      { name: '@mailfleet/logger', version: '0.1.0' },
      ['left-pad'],
      { dependencies: {} },
      new Map(),
    ),
  ).toThrow("@mailfleet/logger imports 'left-pad', which the root package.json does not depend on");
});
