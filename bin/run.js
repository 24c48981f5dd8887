#!/usr/bin/env node
// The commands people time and scripts run in loops (status, start, stop, restart in their plain
// forms) skip loading oclif, about half of a command's start-up, and run the same code the oclif
// commands do (src/cli/fast-path.ts). Everything else goes to oclif.
//
// CommonJS (bin/package.json): an ES module here would start Node's ESM loader, 3-5 ms of every
// command. oclif gets the package root, not this directory, which has a package.json of its own.
const path = require('node:path');
const { fastPath } = require('../dist/bundle/ctl-fast.cjs');

fastPath(process.argv.slice(2)).then(async (code) => {
  if (code !== null) process.exit(code);
  const { execute } = await import('../dist/src/cli/execute.js');
  await execute({ dir: path.join(__dirname, '..') });
});
