#!/usr/bin/env node
// Bundles the processes that start often (the core, each plugin host, ctl status/start/stop) into one file
// each: loading one module instead of dozens cuts their start-up by about a third, and the core's
// memory by several MB. Runs after tsc, from its output; `npm run build` does both.
import fs from 'node:fs';
import { build } from 'esbuild';

// Start clean: a bundle whose source entry was removed must not linger.
fs.rmSync('dist/bundle', { recursive: true, force: true });

const entries = {
  core: 'dist/src/core/main.js',
  'plugin-host': 'dist/src/plugin-host/main.js',
  'ctl-fast': 'dist/src/cli/fast-path.js',
};

await build({
  entryPoints: entries,
  outdir: 'dist/bundle',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minify: true,
  sourcemap: 'linked',
  logLevel: 'warning',
  // Loaded on demand only: TypeScript config/plugins, file watching, rpc.methods' JSON Schema.
  external: ['tsx', 'tsx/*', 'chokidar', '@valibot/to-json-schema', 'valibot'],
  // CommonJS dependencies (winston, json-rpc-2.0) call require() for Node built-ins.
  banner: { js: "import { createRequire as __agentdRequire } from 'node:module'; const require = __agentdRequire(import.meta.url);" },
});

// A spare plugin host imports this to start tsx's esbuild service before a plugin needs it.
fs.writeFileSync('dist/bundle/warmup.ts', 'export const warm: number = 1;\n');
