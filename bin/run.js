#!/usr/bin/env node
// The commands people time and scripts run in loops (status, start, stop, restart in their plain
// forms) skip loading oclif, about half of a command's start-up, and run the same code the oclif
// commands do (src/cli/fast-path.ts). Everything else goes to oclif.
import { createRequire } from 'node:module';

// require(), not import(): importing CommonJS from an ES module runs Node's export-name scanner.
const { fastPath } = createRequire(import.meta.url)('../dist/bundle/ctl-fast.cjs');
const code = await fastPath(process.argv.slice(2));
if (code !== null) process.exit(code);
const { execute } = await import('@oclif/core');
await execute({ dir: import.meta.url });
