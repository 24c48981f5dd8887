import { createRequire, register } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { errors } from '../errors/index.js';
import { describeError } from '../errors/describe.js';
import { isPlugin } from '../plugin-api/define-plugin.js';
import type { Plugin } from '../plugin-api/types.js';
import { checkPluginShape } from './plugin-shape.js';
import { moduleDefault } from '../module-default.js';
import { PACKAGE_ROOT } from '../package-info.js';
import { compilePlugin, type CompileResult } from './compile-plugin.js';
import { atPlugin } from './failure-lines.js';
import { findUp } from './find-up.js';
import { isCommonJsJavaScript, isCommonJsTypeScript } from './package-type.js';
import { requireFallback } from './require-fallback.js';
import { isTypeScript, resolveEntry } from './resolve-entry.js';
import { requiredSources } from './source-files.js';

let tsLoader: Promise<void> | null = null;

/** How a plugin's module was loaded: as it is, compiled ahead, or through tsx (and why). */
export type LoadedBy = { loader: 'native' } | { loader: 'compiled' } | { loader: 'tsx'; reason: string };

/**
 * Import a plugin module and check its shape before any of its code runs beyond the import:
 * default export from definePlugin, and a declared name equal to its config key.
 * TypeScript modules are compiled ahead into `compiledDir` (see compile-plugin.ts), or, when they
 * use what a compiled module cannot keep, or the plugin's env sets `AGENTD_TS_LOADER=tsx`, load
 * through tsx; either way plugins need no build step.
 */
export async function loadPlugin(name: string, specifier: string, baseDir: string, compiledDir: string, options: { watch?: boolean } = {}): Promise<{ plugin: Plugin; by: LoadedBy; files: string[] | null }> {
  const file = resolveEntry(name, specifier, baseDir);
  let url = pathToFileURL(file).href;
  let by: LoadedBy = { loader: 'native' };
  const targets = agentdTargets();
  const fail = (e: unknown, where = '') => errors.pluginLoad(name, `${firstLine(e)}${where}`, { cause: e, data: { plugin: name, module: file } });
  // A plugin outside this package imports `agentd` through a resolve hook, unless a node_modules
  // on its way up has it.
  const needsAgentd = !file.startsWith(PACKAGE_ROOT + path.sep) && findUp(path.dirname(file), path.join('node_modules', 'agentd', 'package.json')) === null;
  // TypeScript is compiled ahead, and so is an ES module in JavaScript that needs the hook (its
  // thread, a second V8 isolate, costs a host about 5 MiB): compiled, it imports this package by
  // file URL. CommonJS cannot be bundled without changing it.
  const typescript = isTypeScript(file);
  const compiled = typescript && process.env['AGENTD_TS_LOADER'] === 'tsx'
    ? { loader: 'tsx' as const, reason: 'AGENTD_TS_LOADER=tsx' }
    : typescript || (needsAgentd && !isCommonJsJavaScript(file)) ? await compilePlugin(file, compiledDir, targets).catch((e: unknown) => { throw fail(e); }) : null;
  if (compiled?.loader === 'compiled') {
    url = compiled.url;
    // Stack traces name the source's lines, through the module's inline source map.
    process.setSourceMapsEnabled(true);
    by = { loader: 'compiled' };
  } else if (compiled && typescript) {
    // tsconfig.json as TypeScript (and a compile) would find it for the entry.
    await registerTypeScript(findUp(path.dirname(file), 'tsconfig.json'));
    // CommonJS that tsx compiles require()s agentd, an ES module: Node 20 can require() one
    // only from its cache while module hooks are registered, so it is imported first.
    await Promise.all(Object.values(targets).map((target) => import(target)));
    by = compiled;
  }
  // What a compile cannot keep loads as it is (JavaScript) or through tsx, with the hook,
  // registered after tsx's so that ours runs first (see resolve-hook.ts).
  if (by.loader !== 'compiled' && needsAgentd) registerAgentdResolution(targets);
  let mod: { default?: unknown };
  try {
    // CommonJS TypeScript goes to Node's CommonJS loader (tsx compiles it there), as Node would
    // load CommonJS: through import(), tsx hands a .cts to the ES module loader, whose require()
    // cannot load an ES module such as agentd.
    mod = by.loader === 'tsx' && isCommonJsTypeScript(file) ? { default: createRequire(import.meta.url)(file) as unknown } : (await import(url)) as { default?: unknown };
  } catch (e) {
    // What the module's own code threw as it was evaluated: its message alone does not say where.
    throw fail(e, atPlugin(e));
  }
  const plugin = checkPluginShape(defaultExport(mod), name, file);
  return { plugin, by, files: options.watch === true ? await sourcesOf(file, compiled, compiledDir, targets) : null };
}

/**
 * The plugin's own files, for `watch`: what its compile read (esbuild's list of inputs, kept in
 * the compile cache). A module Node loaded as it is: what Node's CommonJS loader holds, or else
 * the inputs of a compile run only for that list (cached like any other, so once per edit), as
 * Node keeps no list of the ES modules it loaded. Null when even that fails: the caller falls
 * back to something coarser.
 */
async function sourcesOf(file: string, compiled: Partial<CompileResult> | null, compiledDir: string, targets: Record<string, string>): Promise<string[] | null> {
  if (compiled?.files) return compiled.files;
  if (isCommonJsJavaScript(file)) return [...new Set([file, ...requiredSources()])];
  return compilePlugin(file, compiledDir, targets).then((r) => r.files, () => null);
}

function firstLine(e: unknown): string {
  return describeError(e).split('\n')[0] || 'import failed';
}

function defaultExport(mod: { default?: unknown }): unknown {
  return isPlugin(mod.default) ? mod.default : moduleDefault(mod);
}

/**
 * A spare host's preparation while it waits (a crashed plugin is restarted on a spare, so this is
 * time taken off every restart): the `agentd` module plugins import (the same URL a plugin's
 * import resolves to, so it is a cache hit then) and valibot (what plugin schemas use). With
 * `typescript`, also tsx's hooks thread, esbuild, and one tiny TypeScript module compiled; only
 * then, because that thread costs a process about 30 MB of RSS. tsx is not registered for the
 * plugin yet, since that takes the plugin's tsconfig.json: a registration under a namespace of its
 * own starts what is slow, and leaves the plugin's loading alone.
 */
export async function warmUp(options: { typescript: boolean }): Promise<void> {
  const dist = path.join(PACKAGE_ROOT, 'dist');
  if (options.typescript) {
    const { esm } = await tsxApi();
    const scoped = esm.register({ namespace: 'agentd-warm-up' });
    watchTypeScriptService();
    await scoped.import(pathToFileURL(path.join(dist, 'bundle', 'warmup.ts')).href, import.meta.url);
  }
  await import(pathToFileURL(path.join(dist, 'src', 'index.js')).href);
  await import('valibot');
}

let tsApi: Promise<{ esm: typeof import('tsx/esm/api'); cjs: typeof import('tsx/cjs/api') }> | null = null;
function tsxApi() {
  tsApi ??= Promise.all([import('tsx/esm/api'), import('tsx/cjs/api')]).then(([esm, cjs]) => ({ esm, cjs }));
  return tsApi;
}

/**
 * Register tsx once, with `tsconfig` (the plugin's, as esbuild would find it for a compile; without
 * one, tsx looks in the working directory); it also handles `.ts` files the plugin imports later.
 */
export function registerTypeScript(tsconfig: string | null): Promise<void> {
  tsLoader ??= tsxApi().then(({ esm, cjs }) => {
    esm.register(tsconfig ? { tsconfig } : {});
    // tsx's CommonJS side takes its tsconfig.json from the environment only, when it registers.
    const saved = process.env['TSX_TSCONFIG_PATH'];
    if (tsconfig) process.env['TSX_TSCONFIG_PATH'] = tsconfig;
    try { cjs.register(); } finally {
      if (saved === undefined) delete process.env['TSX_TSCONFIG_PATH'];
      else process.env['TSX_TSCONFIG_PATH'] = saved;
    }
    watchTypeScriptService();
  });
  return tsLoader;
}

const tsServicePorts: MessagePort[] = [];

/** After each tsx registration (so that it runs around it): the hook that stops esbuild's service (see ts-service-hook.ts). */
function watchTypeScriptService(): void {
  const { port1, port2 } = new MessageChannel();
  register(pathToFileURL(path.join(PACKAGE_ROOT, 'dist', 'src', 'plugin-host', 'ts-service-hook.js')).href, {
    data: { port: port2, tsx: import.meta.resolve('tsx/esm/api') },
    transferList: [port2],
  });
  port1.unref();
  tsServicePorts.push(port1);
}

/** The plugin is loaded: from now on esbuild's service runs only while tsx compiles (see ts-service-hook.ts). */
export function releaseTypeScriptService(): void {
  for (const port of tsServicePorts) port.postMessage('stop');
}

/** Where `agentd` and `agentd/client` go when a plugin's own directory does not resolve them: this package. */
function agentdTargets(): Record<string, string> {
  const dist = path.join(PACKAGE_ROOT, 'dist', 'src');
  return { agentd: pathToFileURL(path.join(dist, 'index.js')).href, 'agentd/client': pathToFileURL(path.join(dist, 'client', 'index.js')).href };
}

let resolutionRegistered = false;
function registerAgentdResolution(targets: Record<string, string>): void {
  if (resolutionRegistered) return;
  resolutionRegistered = true;
  register(pathToFileURL(path.join(PACKAGE_ROOT, 'dist', 'src', 'plugin-host', 'resolve-hook.js')).href, { data: { targets } });
  requireFallback(Object.fromEntries(Object.entries(targets).map(([name, url]) => [name, fileURLToPath(url)])));
}
