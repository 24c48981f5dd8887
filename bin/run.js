#!/usr/bin/env node
// `ctl status` is what operators and monitoring scripts run most, so it skips loading oclif
// (about half of a command's start-up time) and calls the same code the oclif command does.
const argv = process.argv.slice(2);
if (argv[0] === 'status') {
  const { fastStatus } = await import('../dist/bundle/ctl-status.mjs');
  const code = await fastStatus(argv.slice(1));
  if (code !== null) process.exit(code);
}
const { execute } = await import('@oclif/core');
await execute({ dir: import.meta.url });
