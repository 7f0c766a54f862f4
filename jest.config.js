// Three kinds of tests, told apart by file suffix (see ../shared/STYLE.md):
//   *.unit.spec.ts         pure logic, no I/O, fast
//   *.int.spec.ts          against the real Kafka broker and MongoDB of the local stack (or MONGO_URL)
//   *.conformance.spec.ts  the MongoDB conformance suite, run against any server given by MONGO_URL
// Transpile only: types are checked once, by `tsc --noEmit`, in the test command.
// (tsconfig.json sets isolatedModules, which makes ts-jest transpile file by file.)
const tsJest = ['ts-jest', { diagnostics: false }];
const common = {
  transform: { '^.+\\.ts$': tsJest },
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
  modulePathIgnorePatterns: ['<rootDir>/.stack/', '<rootDir>/infra/kafka/target/'],
};

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/**/*.unit.spec.ts'] },
    {
      ...common,
      displayName: 'int',
      testMatch: ['<rootDir>/**/*.int.spec.ts'],
      globalSetup: '<rootDir>/libs/testing/src/jest-global-setup.ts',
      setupFilesAfterEnv: ['<rootDir>/libs/testing/src/jest-int-setup.ts'],
      slowTestThreshold: 30,
    },
    {
      ...common,
      displayName: 'conformance',
      testMatch: ['<rootDir>/**/*.conformance.spec.ts'],
      globalSetup: '<rootDir>/libs/testing/src/jest-global-setup.ts',
    },
  ],
};
