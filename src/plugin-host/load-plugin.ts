import fs from 'node:fs';
import { createRequire, register } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { errors } from '../errors/index.js';
import { describeError } from '../errors/describe.js';
import { isPlugin } from '../plugin-api/define-plugin.js';
import type { Plugin } from '../plugin-api/types.js';
import { PACKAGE_ROOT } from '../package-info.js';

const ENTRY_NAMES = ['index.ts', 'index.mts', 'index.js', 'index.mjs'];
let tsLoader: Promise<void> | null = null;

/**
 * Import a plugin module and check its shape before any of its code runs beyond the import:
 * default export from definePlugin, and a declared name equal to its config key.
 * TypeScript modules load through tsx, so plugins need no build step.
 */
export async function loadPlugin(name: string, specifier: string, baseDir: string): Promise<Plugin> {
  const file = resolveEntry(name, specifier, baseDir);
  if (/\.[mc]?ts$/.test(file)) await registerTypeScript();
  // After tsx's hooks, so that ours run first (see resolve-hook.ts).
  if (!file.startsWith(PACKAGE_ROOT + path.sep)) registerAgentdResolution();
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(file).href)) as { default?: unknown };
  } catch (e) {
    throw errors.pluginLoad(name, describeError(e).split('\n')[0] ?? 'import failed', { cause: e, data: { plugin: name, module: file } });
  }
  const plugin = mod.default;
  if (!isPlugin(plugin)) throw errors.pluginShape(name, `${file} has no definePlugin() default export`, { data: { plugin: name } });
  if (typeof plugin.start !== 'function') throw errors.pluginShape(name, 'start must be a function', { data: { plugin: name } });
  if (plugin.name !== name) throw errors.pluginNameMismatch(name, String(plugin.name), { data: { plugin: name } });
  return plugin;
}

/**
 * A spare host's preparation while it waits (a crashed plugin is restarted on a spare, so this is
 * time taken off every restart): the TypeScript loader, the `agentd` module plugins import (the
 * same URL a plugin's import resolves to, so it is a cache hit then), valibot (what plugin
 * schemas use), and one tiny TypeScript module, which starts tsx's esbuild service.
 */
export async function warmUp(): Promise<void> {
  await registerTypeScript();
  const dist = path.join(PACKAGE_ROOT, 'dist');
  await import(pathToFileURL(path.join(dist, 'src', 'index.js')).href);
  await import('valibot');
  await import(pathToFileURL(path.join(dist, 'bundle', 'warmup.ts')).href);
}

/** Register tsx's loader once; it also handles `.ts` files the plugin itself imports. */
export function registerTypeScript(): Promise<void> {
  tsLoader ??= import('tsx/esm/api').then(({ register }) => { register(); });
  return tsLoader;
}

let resolutionRegistered = false;
function registerAgentdResolution(): void {
  if (resolutionRegistered) return;
  resolutionRegistered = true;
  const dist = path.join(PACKAGE_ROOT, 'dist', 'src');
  register(pathToFileURL(path.join(dist, 'plugin-host', 'resolve-hook.js')).href, {
    data: { targets: { agentd: pathToFileURL(path.join(dist, 'index.js')).href, 'agentd/client': pathToFileURL(path.join(dist, 'client', 'index.js')).href } },
  });
}

function resolveEntry(name: string, specifier: string, baseDir: string): string {
  if (path.isAbsolute(specifier)) {
    const found = fileOrIndex(specifier);
    if (!found) throw errors.pluginLoad(name, `${specifier} does not exist (nor with .ts/.js, nor an index file in it)`, { data: { plugin: name } });
    return found;
  }
  try {
    return createRequire(path.join(baseDir, 'noop.js')).resolve(specifier);
  } catch (e) {
    throw errors.pluginLoad(name, `package ${specifier} not found from ${baseDir}: ${(e as NodeJS.ErrnoException).code ?? describeError(e)}`, { cause: e, data: { plugin: name } });
  }
}

function fileOrIndex(p: string): string | null {
  const stat = statOrNull(p);
  if (stat?.isFile()) return p;
  if (stat?.isDirectory()) {
    const pkg = path.join(p, 'package.json');
    if (fs.existsSync(pkg)) {
      const main = (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { main?: string }).main;
      if (main) { const m = fileOrIndex(path.join(p, main)); if (m) return m; }
    }
    for (const n of ENTRY_NAMES) if (statOrNull(path.join(p, n))?.isFile()) return path.join(p, n);
    return null;
  }
  for (const ext of ['.ts', '.mts', '.js', '.mjs']) if (statOrNull(p + ext)?.isFile()) return p + ext;
  return null;
}

function statOrNull(p: string): fs.Stats | null {
  try { return fs.statSync(p); } catch { return null; }
}
