#!/usr/bin/env node
// The `mailfleet` command: the ops CLI (tools/ops/cli.ts), run from its TypeScript sources through tsx.
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS launcher: tsx must be registered before the sources load */
require('tsx/cjs');
require('../cli.ts')
  .main(process.argv)
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
