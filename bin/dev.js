#!/usr/bin/env -S node --import tsx
// ctl from the TypeScript sources, for development: no build step between an edit and a run.
// CommonJS, as bin/run.js (see there); oclif gets the package root.
const path = require('node:path');

// tsx registered here too, so that `node bin/dev.js` (no --import) can load src/cli/execute.ts.
import('tsx/esm/api')
  .then(({ register }) => { register(); return import('../src/cli/execute.ts'); })
  .then(({ execute }) => execute({ development: true, dir: path.join(__dirname, '..') }));
