import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import test, { type ExecutionContext } from 'ava';
import { homePaths } from '../../src/home/index.js';
import { cachePaths, readRecord } from '../../src/plugin-host/compile-cache.js';
import { EventRecorder } from '../helpers/events.js';
import { ROOT, startTestDaemon } from '../helpers/daemon.js';
import { tempHome } from '../helpers/home.js';
import { descendants, cmdline } from '../helpers/proc.js';

// TypeScript plugins are compiled ahead into one module and run with no loader (see
// src/plugin-host/compile-plugin.ts). These tests hold the compiled module to what the plugin's
// own source would do under Node, and the cache to never serving a stale compile.

function write(file: string, lines: string[]): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
}

/** The plugin's log file in `home`, as text. */
function pluginLog(home: string, name: string): string {
  return fs.readFileSync(path.join(homePaths(home).logsDir, `${name}.log`), 'utf8');
}

/** A plugin's source: its imports, its RPC methods (lines of start), and a timer that keeps it up until stopped. */
function pluginSource(name: string, imports: string[], body: string[]): string[] {
  return [
    "import { definePlugin } from 'agentd';",
    ...imports,
    `export default definePlugin({ name: '${name}', defaults: {}, start(ctx) {`,
    ...body.map((line) => `  ${line}`),
    '  const timer = setInterval(() => {}, 60_000);',
    '  return () => clearInterval(timer);',
    '} });',
  ];
}

/** A plugin tree with a TypeScript helper, a JavaScript helper, JSON, a lazy import and a package of its own. */
function writeProject(dir: string): void {
  write(path.join(dir, 'package.json'), ['{ "type": "module" }']);
  // A package whose "module" condition and field point elsewhere: Node ignores both, and so must the compile.
  write(path.join(dir, 'node_modules', 'counter', 'package.json'), [JSON.stringify({
    name: 'counter', main: './wrong-main.js', module: './wrong-module.mjs',
    exports: { '.': { module: './wrong-module.mjs', import: './index.mjs', default: './wrong-main.js' } },
  })]);
  write(path.join(dir, 'node_modules', 'counter', 'index.mjs'), ['let n = 0;', 'export const next = () => ++n;', 'export const url = import.meta.url;']);
  write(path.join(dir, 'node_modules', 'counter', 'wrong-module.mjs'), ["export const next = () => 'module condition'; export const url = '';"]);
  write(path.join(dir, 'node_modules', 'counter', 'wrong-main.js'), ["module.exports = { next: () => 'main field', url: '' };"]);
  write(path.join(dir, 'lib', 'meta.ts'), [
    "import { next } from 'counter';",
    'export const meta = { url: import.meta.url, filename: import.meta.filename, dirname: import.meta.dirname };',
    'export const counted: number | string = next();',
    '/** Thrown from line 5 of this file. */',
    "export function fail(): never { throw new Error('thrown in meta.ts'); }",
  ]);
  write(path.join(dir, 'lib', 'plain.js'), ['export const plainUrl = import.meta.url;']);
  write(path.join(dir, 'lib', 'legacy.cjs'), ['module.exports = { dir: __dirname };']);
  write(path.join(dir, 'lib', 'later.ts'), ["export const later: string = 'later v1';"]);
  write(path.join(dir, 'data.json'), ['{ "answer": 42 }']);
  write(path.join(dir, 'index.ts'), pluginSource('proj', [
    "import { next, url as counterUrl } from 'counter';",
    "import { counted, fail, meta } from './lib/meta.ts';",
    "import { plainUrl } from './lib/plain.js';",
    "import data from './data.json' with { type: 'json' };",
    "import legacy from './lib/legacy.cjs';",
  ], [
    'ctx.rpc(\'facts\', async () => ({ meta, plainUrl, data, counted, counterNext: next(), counterUrl, entry: import.meta.url, cjsDir: legacy.dir, later: (await import(\'./lib/later.ts\')).later }));',
    "ctx.rpc('stack', () => { try { fail(); } catch (e) { return (e as Error).stack; } });",
  ]));
}

/** A daemon in a home of its own, running the project of {@link writeProject} as plugin `proj`. */
async function startProject(t: ExecutionContext) {
  const home = tempHome(t);
  const dir = path.join(home, 'proj');
  writeProject(dir);
  const d = await startTestDaemon(t, { home, config: { plugins: { proj: { module: './proj' } } } });
  return { home, dir, client: await d.client() };
}

type Facts = {
  meta: { url: string; filename: string; dirname: string };
  plainUrl: string;
  data: { answer: number };
  counted: number | string;
  counterNext: number | string;
  counterUrl: string;
  entry: string;
  cjsDir: string;
  later: string;
};

test('a TypeScript plugin runs compiled, as its source would: import.meta, packages, JSON, lazy imports, stack traces', async (t) => {
  const { home, dir, client } = await startProject(t);

  const record = readRecord(homePaths(home).compiledDir, path.join(dir, 'index.ts'));
  t.is(record?.loader, 'compiled', 'compiled ahead, not sent to tsx');
  const [row] = await client.call('plugins.list');
  t.deepEqual(descendants(row!.pid!).filter((p) => cmdline(p).includes('esbuild')), [], 'no esbuild service left under the host');

  const facts = await client.call<Facts>('proj.facts');
  const meta = path.join(dir, 'lib', 'meta.ts');
  t.deepEqual(facts.meta, { url: pathToFileURL(meta).href, filename: meta, dirname: path.dirname(meta) }, "each module's import.meta is its source's");
  t.is(facts.entry, pathToFileURL(path.join(dir, 'index.ts')).href);
  t.is(facts.plainUrl, pathToFileURL(path.join(dir, 'lib', 'plain.js')).href);
  t.deepEqual(facts.data, { answer: 42 });
  t.is(facts.later, 'later v1');
  t.is(facts.cjsDir, path.join(dir, 'lib'), 'a .cjs file runs as Node runs it, with its own __dirname');
  // The package resolved as Node resolves it, loaded once (both modules share its counter), from its own file.
  t.is(facts.counterUrl, pathToFileURL(path.join(dir, 'node_modules', 'counter', 'index.mjs')).href);
  t.is(facts.counted, 1);
  t.is(facts.counterNext, 2);

  const stack = await client.call<string>('proj.stack');
  t.regex(stack, new RegExp(`${meta.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:5:`), 'the stack names the .ts file and line');
  t.false(pluginLog(home, 'proj').includes('loaded through tsx'));
});

test('the compile cache: a restart with no edit reuses it; an edit to any file the plugin imports is compiled again', async (t) => {
  const { home, dir, client } = await startProject(t);
  const events = await EventRecorder.attach(client);
  const code = cachePaths(homePaths(home).compiledDir, path.join(dir, 'index.ts')).code;
  const before = fs.statSync(code);

  let mark = events.mark;
  await client.call('plugins.restart', { name: 'proj' });
  await events.state('proj', 'running', 30_000, mark);
  const after = fs.statSync(code);
  t.is(after.ino, before.ino, 'nothing changed: the compiled module was not written again');
  t.is(after.mtimeMs, before.mtimeMs);

  // A lazily imported module, a package file and the JSON: each edit reaches the next start.
  write(path.join(dir, 'lib', 'later.ts'), ["export const later: string = 'later v2, a longer line';"]);
  write(path.join(dir, 'data.json'), ['{ "answer": 43 }']);
  write(path.join(dir, 'node_modules', 'counter', 'index.mjs'), ['let n = 100;', 'export const next = () => ++n;', 'export const url = import.meta.url;']);
  mark = events.mark;
  await client.call('plugins.restart', { name: 'proj' });
  await events.state('proj', 'running', 30_000, mark);
  const facts = await client.call<Facts>('proj.facts');
  t.is(facts.later, 'later v2, a longer line');
  t.deepEqual(facts.data, { answer: 43 });
  t.is(facts.counted, 101);
});

test('what a compiled module cannot keep loads through tsx, and the plugin log says why', async (t) => {
  const home = tempHome(t);
  // import.meta.resolve resolves from the module's own URL, which a bundle does not have.
  write(path.join(home, 'resolver', 'index.ts'), pluginSource('resolver', [], [
    "ctx.rpc('where', () => import.meta.resolve('./index.ts'));",
  ]));
  // CommonJS in a .js file of the plugin's own (no "type" above it): in a bundle it would lose its __dirname.
  write(path.join(home, 'mixed', 'index.ts'), pluginSource('mixed', [
    "import helper from './helper.js';",
  ], [
    "ctx.rpc('dir', () => (helper as { dir: string }).dir);",
  ]));
  write(path.join(home, 'mixed', 'helper.js'), ['module.exports = { dir: __dirname };']);
  // The escape hatch: the plugin's env asks for tsx.
  write(path.join(home, 'asked', 'index.ts'), pluginSource('asked', [], [
    "ctx.rpc('url', () => import.meta.url);",
  ]));
  const d = await startTestDaemon(t, { home, config: { plugins: {
    resolver: { module: './resolver' },
    mixed: { module: './mixed' },
    asked: { module: './asked', env: { AGENTD_TS_LOADER: 'tsx' } },
  } } });
  const client = await d.client();
  t.is(await client.call('resolver.where'), pathToFileURL(path.join(home, 'resolver', 'index.ts')).href);
  t.is(await client.call('mixed.dir'), path.join(home, 'mixed'));
  t.is(await client.call('asked.url'), pathToFileURL(path.join(home, 'asked', 'index.ts')).href);
  t.regex(pluginLog(home, 'resolver'), /loaded through tsx: \S+resolver\/index\.ts uses import\.meta\.resolve/);
  t.regex(pluginLog(home, 'mixed'), /loaded through tsx: \S+mixed\/helper\.js is CommonJS/);
  t.regex(pluginLog(home, 'asked'), /loaded through tsx: AGENTD_TS_LOADER=tsx/);
});

test('CommonJS TypeScript loads through tsx as Node loads CommonJS: a .ts in a "type": "commonjs" package, and a .cts', async (t) => {
  const home = tempHome(t);
  // What `npm init` and TypeScript's CommonJS output give: ES syntax compiled to require() and exports.default.
  write(path.join(home, 'legacy', 'package.json'), [JSON.stringify({ name: 'legacy', type: 'commonjs' })]);
  write(path.join(home, 'legacy', 'index.ts'), pluginSource('legacy', [
    "import { twice } from './helper';",
  ], [
    "ctx.rpc('facts', () => ({ dir: __dirname, file: __filename, twice: twice(21) }));",
  ]));
  write(path.join(home, 'legacy', 'helper.ts'), ['export const twice = (n: number): number => n * 2;']);
  write(path.join(home, 'cts', 'index.cts'), pluginSource('cts', [], [
    "ctx.rpc('file', () => __filename);",
  ]));
  const d = await startTestDaemon(t, { home, config: { plugins: {
    legacy: { module: './legacy' },
    cts: { module: './cts/index.cts' },
  } } });
  const client = await d.client();
  const legacy = path.join(home, 'legacy');
  t.deepEqual(await client.call('legacy.facts'), { dir: legacy, file: path.join(legacy, 'index.ts'), twice: 42 });
  t.is(await client.call('cts.file'), path.join(home, 'cts', 'index.cts'));
  t.regex(pluginLog(home, 'legacy'), /loaded through tsx: \S+legacy\/index\.ts is CommonJS/);
  t.regex(pluginLog(home, 'cts'), /loaded through tsx: \S+cts\/index\.cts is CommonJS/);
});

test('JavaScript outside this package is compiled when it could not import agentd by itself (no resolve hook), and runs as its source would', async (t) => {
  const home = tempHome(t);
  const project = (name: string, rpc: string) => {
    write(path.join(home, name, 'index.mjs'), [
      "import { definePlugin } from 'agentd';",
      "import { url as helperUrl } from './helper.mjs';",
      `export default definePlugin({ name: '${name}', defaults: {}, start(ctx) {`,
      `  ctx.rpc('facts', () => ({ entry: import.meta.url, helperUrl, stack: new Error('here').stack, ${rpc} }));`,
      '  const timer = setInterval(() => {}, 60_000);',
      '  return () => clearInterval(timer);',
      '} });',
    ]);
    write(path.join(home, name, 'helper.mjs'), ['export const url = import.meta.url;']);
  };
  // agentd comes from this package: through the compiled module's file URL.
  project('plain', 'more: null');
  // agentd in the plugin's own node_modules (here a link to this package): loaded as it is.
  project('own', 'more: null');
  fs.mkdirSync(path.join(home, 'own', 'node_modules'));
  fs.symlinkSync(ROOT, path.join(home, 'own', 'node_modules', 'agentd'));
  // What a compile cannot keep (import.meta.resolve): loaded as it is, agentd through the hook.
  project('resolver', "more: import.meta.resolve('./helper.mjs')");
  // CommonJS: loaded as it is (a bundle would change it), require('agentd') through the hook.
  write(path.join(home, 'legacy.cjs'), [
    "const { definePlugin } = require('agentd');",
    "module.exports = definePlugin({ name: 'legacy', defaults: {}, start(ctx) {",
    "  ctx.rpc('dir', () => __dirname);",
    '  const timer = setInterval(() => {}, 60_000);',
    '  return () => clearInterval(timer);',
    '} });',
  ]);
  const d = await startTestDaemon(t, { home, config: { plugins: {
    plain: { module: './plain' }, own: { module: './own' }, resolver: { module: './resolver' }, legacy: { module: './legacy.cjs' },
  } } });
  const client = await d.client();
  const compiledDir = homePaths(home).compiledDir;
  type JsFacts = { entry: string; helperUrl: string; stack: string; more: string | null };
  for (const name of ['plain', 'own', 'resolver']) {
    const entry = path.join(home, name, 'index.mjs');
    const facts = (await client.call(`${name}.facts`)) as JsFacts;
    t.is(facts.entry, pathToFileURL(entry).href, `${name}: its own import.meta.url`);
    t.is(facts.helperUrl, pathToFileURL(path.join(home, name, 'helper.mjs')).href);
    t.regex(facts.stack, new RegExp(`${entry.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:4:`), `${name}: the stack names the source's line`);
  }
  t.is(readRecord(compiledDir, path.join(home, 'plain', 'index.mjs'))?.loader, 'compiled');
  t.is(readRecord(compiledDir, path.join(home, 'own', 'index.mjs')), null, 'finds agentd by itself: not compiled');
  t.not(readRecord(compiledDir, path.join(home, 'resolver', 'index.mjs'))?.loader, 'compiled');
  t.is((await client.call<JsFacts>('resolver.facts')).more, pathToFileURL(path.join(home, 'resolver', 'helper.mjs')).href);
  t.is(await client.call('legacy.dir'), home);
  t.is(readRecord(compiledDir, path.join(home, 'legacy.cjs')), null, 'CommonJS: not even tried');
});

test('a .tsx plugin runs compiled, or through tsx when asked, with the JSX settings of its tsconfig.json', async (t) => {
  const home = tempHome(t);
  const project = (name: string) => {
    const dir = path.join(home, name);
    write(path.join(dir, 'package.json'), ['{ "type": "module" }']);
    write(path.join(dir, 'tsconfig.json'), [JSON.stringify({ compilerOptions: { jsx: 'react', jsxFactory: 'h', strict: true } })]);
    // A JSX factory of the plugin's own that renders to a string, as server-side JSX libraries do.
    write(path.join(dir, 'html.ts'), [
      'export function h(tag: string, props: Record<string, string> | null, ...children: unknown[]): string {',
      "  const attrs = Object.entries(props ?? {}).map(([k, v]) => ` ${k}=\"${v}\"`).join('');",
      "  return `<${tag}${attrs}>${children.join('')}</${tag}>`;",
      '}',
    ]);
    write(path.join(dir, 'index.tsx'), pluginSource(name, ["import { h } from './html.ts';"], [
      "ctx.rpc('render', (): string => <p class=\"greeting\">hello from <b>{ctx.name}</b></p>);",
    ]));
  };
  project('page');
  project('viatsx');
  const d = await startTestDaemon(t, { home, config: { plugins: { page: { module: './page' }, viatsx: { module: './viatsx', env: { AGENTD_TS_LOADER: 'tsx' } } } } });
  const client = await d.client();
  t.is(await client.call('page.render'), '<p class="greeting">hello from <b>page</b></p>');
  t.is(await client.call('viatsx.render'), '<p class="greeting">hello from <b>viatsx</b></p>');
  // Restarted, on a spare host if one was ready (warmed up before it knew the plugin; the next test
  // takes that path for certain).
  const events = await EventRecorder.attach(client);
  const before = (await client.call('plugins.list')).find((r) => r.plugin === 'viatsx')!.pid!;
  const mark = events.mark;
  process.kill(before, 'SIGKILL');
  const running = await events.state('viatsx', 'running', 30_000, mark);
  t.not(running.pid, before);
  t.is(await client.call('viatsx.render'), '<p class="greeting">hello from <b>viatsx</b></p>', 'the same JSX settings on the new host');
  t.is(readRecord(homePaths(home).compiledDir, path.join(home, 'page', 'index.tsx'))?.loader, 'compiled');
  t.regex(pluginLog(home, 'viatsx'), /loaded through tsx: AGENTD_TS_LOADER=tsx/);
});

test('a spare host warmed up for tsx still loads a plugin with the plugin\'s tsconfig.json', (t) => {
  const home = tempHome(t);
  const dir = path.join(home, 'warm');
  write(path.join(dir, 'package.json'), ['{ "type": "module" }']);
  write(path.join(dir, 'tsconfig.json'), [JSON.stringify({ compilerOptions: { jsx: 'react', jsxFactory: 'h' } })]);
  write(path.join(dir, 'index.tsx'), [
    "import { definePlugin } from 'agentd';",
    "const h = (tag: string, _props: unknown, ...children: unknown[]): string => `<${tag}>${children.join('')}</${tag}>`;",
    "export default definePlugin({ name: 'warm', defaults: { html: <i>warm</i> }, start() {} });",
  ]);
  // What a spare host does: warm up first, then load the plugin it is given (through tsx, as asked).
  const loader = pathToFileURL(path.join(ROOT, 'dist', 'src', 'plugin-host', 'load-plugin.js')).href;
  const script = [
    `import { loadPlugin, releaseTypeScriptService, warmUp } from ${JSON.stringify(loader)};`,
    'await warmUp({ typescript: true });',
    `const { plugin, by } = await loadPlugin('warm', ${JSON.stringify(dir)}, ${JSON.stringify(home)}, ${JSON.stringify(homePaths(home).compiledDir)});`,
    'releaseTypeScriptService();',
    'console.log(JSON.stringify({ html: plugin.defaults.html, by: by.loader }));',
    'process.exit(0);',
  ].join('\n');
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, AGENTD_TS_LOADER: 'tsx' } });
  t.is(run.status, 0, run.stderr);
  t.deepEqual(JSON.parse(run.stdout), { html: '<i>warm</i>', by: 'tsx' });
});
