#!/usr/bin/env node
// Bundles the processes that start often (the core, each plugin host, ctl status/start/stop) into one file
// each: loading one module instead of dozens cuts their start-up by about a third, and the core's
// memory by several MB. Runs after tsc, from its output; `npm run build` does both.
import fs from 'node:fs';
import { build } from 'esbuild';

// Start clean: a bundle whose source entry was removed must not linger.
fs.rmSync('dist/bundle', { recursive: true, force: true });

// winston's lib/winston/config runs its three level sets through logform.levels() to register their
// colours with logform's colorizer: that loads logform's index with every format, and
// @colors/colors (its styles, themes, and a colour-support probe of process.stdout and stderr).
// agentd writes JSON lines, never colours: its bundles get the same level sets, unregistered (and no
// addColors, which winston's own modules never call; agentd does not use winston's index).
const winstonUncoloured = {
  name: 'winston-uncoloured',
  setup(b) {
    b.onResolve({ filter: /^\.\/config$/ }, (args) => (/[\\/]winston[\\/]lib[\\/]winston$/.test(args.resolveDir)
      ? { path: `${args.resolveDir}/config-uncoloured.js`, namespace: 'winston-uncoloured' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'winston-uncoloured' }, (args) => ({
      resolveDir: args.path.slice(0, args.path.lastIndexOf('/')),
      loader: 'js',
      contents: [
        "const { configs } = require('triple-beam');",
        'exports.cli = configs.cli;',
        'exports.npm = configs.npm;',
        'exports.syslog = configs.syslog;',
      ].join('\n'),
    }));
  },
};

const common = {
  outdir: 'dist/bundle',
  bundle: true,
  platform: 'node',
  target: 'node20',
  minify: true,
  sourcemap: 'linked',
  logLevel: 'warning',
  // winston's debug channel (DEBUG=winston:*, to a console a daemon does not have) in the build the
  // package itself uses under NODE_ENV=production: without it, loading winston costs the colour
  // tables and ANSI modifiers of its development build, about 2 MB of RSS per process.
  alias: { '@dabh/diagnostics': '@dabh/diagnostics/node/production.js' },
  // Node 20 has \p{…} in regular expressions; esbuild's table for node20 says not, and rewrites
  // such literals as `new RegExp(...)` calls, which it must keep even when unused. valibot's emoji
  // regex then ran at every start: V8 parsed the pattern, paging in ICU's Unicode property tables
  // and code (about 0.2 MB of the node binary) for a check agentd never makes.
  supported: { 'regexp-unicode-property-escapes': true },
  plugins: [winstonUncoloured],
};

// Loaded on demand only: TypeScript config/plugins, file watching, rpc.methods' JSON Schema, the
// validator of plugin methods' declared params.
const onDemand = ['tsx', 'tsx/*', 'chokidar', '@valibot/to-json-schema', '@cfworker/json-schema'];

// In CommonJS output, esbuild gives `import fs from 'node:fs'` (or `import * as fs`) a copy of the
// module made by its __toESM helper: a getter closure, with a context of its own, per property, in
// every file that imports it. The core's 17 files importing fs and 12 importing path made some 2,300
// of them: 0.35 MB of live heap, and 0.6 MB of RSS in the first seconds. This serves each built-in
// from one module of the bundle whose default export is Node's own object, so default imports use it
// as it is; named imports read through one shared re-export of it. Unused, it is dropped, as the
// built-in itself was (sideEffects: false).
const builtinsOnce = {
  name: 'builtins-once',
  setup(b) {
    b.onResolve({ filter: /^node:/ }, (args) => (args.namespace === 'builtin' ? { path: args.path, external: true } : { path: args.path, namespace: 'builtin', sideEffects: false }));
    b.onLoad({ filter: /.*/, namespace: 'builtin' }, (args) => {
      const id = JSON.stringify(args.path);
      return { contents: `export default require(${id});\nexport * from ${id};\n`, loader: 'js' };
    });
  },
};

// The core and ctl load no ESM at all unless a TypeScript config or `--watch` asks for it, so they
// are CommonJS: Node's ESM loader costs a process about 2 MB of RSS and 3 ms of start-up before any
// code of ours runs. valibot is bundled (tree-shaken to the few KB the schemas use) rather than
// loaded whole (400 KB of source held in the heap).
await build({
  ...common,
  entryPoints: { core: 'dist/src/core/main.js', 'core-entry': 'dist/src/core/entry.js', 'ctl-fast': 'dist/src/cli/fast-path.js' },
  format: 'cjs',
  outExtension: { '.js': '.cjs' },
  external: onDemand,
  define: { 'import.meta.url': '__agentdUrl' },
  plugins: [...common.plugins, builtinsOnce],
  banner: { js: "const __agentdUrl = require('node:url').pathToFileURL(__filename).href;" },
});

// A plugin host imports the plugin, an ES module, so it runs the ESM loader anyway. valibot stays
// external there so that a plugin importing it shares the instance a spare host loaded ahead.
await build({
  ...common,
  entryPoints: { 'plugin-host': 'dist/src/plugin-host/main.js' },
  format: 'esm',
  outExtension: { '.js': '.mjs' },
  external: [...onDemand, 'valibot'],
  // CommonJS dependencies (winston, json-rpc-2.0) call require() for Node built-ins.
  banner: { js: "import { createRequire as __agentdRequire } from 'node:module'; const require = __agentdRequire(import.meta.url);" },
});

// A spare plugin host imports this to start tsx's esbuild service before a plugin needs it.
fs.writeFileSync('dist/bundle/warmup.ts', 'export const warm: number = 1;\n');
