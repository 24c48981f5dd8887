import { register } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { errors } from '../errors/index.js';
import { describeError } from '../errors/describe.js';
import { isPlugin } from '../plugin-api/define-plugin.js';
import type { Plugin } from '../plugin-api/types.js';
import { PACKAGE_ROOT } from '../package-info.js';
import { isTypeScript, resolveEntry } from './resolve-entry.js';

let tsLoader: Promise<void> | null = null;

/**
 * Import a plugin module and check its shape before any of its code runs beyond the import:
 * default export from definePlugin, and a declared name equal to its config key.
 * TypeScript modules load through tsx, so plugins need no build step.
 */
export async function loadPlugin(name: string, specifier: string, baseDir: string): Promise<Plugin> {
  const file = resolveEntry(name, specifier, baseDir);
  if (isTypeScript(file)) await registerTypeScript();
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
 * time taken off every restart): the `agentd` module plugins import (the same URL a plugin's
 * import resolves to, so it is a cache hit then) and valibot (what plugin schemas use). With
 * `typescript`, also the TypeScript loader and one tiny TypeScript module; only then, because
 * tsx's loader runs in a thread of its own that costs a process about 30 MB of RSS.
 */
export async function warmUp(options: { typescript: boolean }): Promise<void> {
  const dist = path.join(PACKAGE_ROOT, 'dist');
  if (options.typescript) await registerTypeScript();
  await import(pathToFileURL(path.join(dist, 'src', 'index.js')).href);
  await import('valibot');
  if (options.typescript) await import(pathToFileURL(path.join(dist, 'bundle', 'warmup.ts')).href);
}

let tsService: MessagePort | null = null;

/** Register tsx's loader once; it also handles `.ts` files the plugin itself imports. */
export function registerTypeScript(): Promise<void> {
  tsLoader ??= import('tsx/esm/api').then(({ register: registerTsx }) => {
    registerTsx();
    const { port1, port2 } = new MessageChannel();
    register(pathToFileURL(path.join(PACKAGE_ROOT, 'dist', 'src', 'plugin-host', 'ts-service-hook.js')).href, {
      data: { port: port2, tsx: import.meta.resolve('tsx/esm/api') },
      transferList: [port2],
    });
    port1.unref();
    tsService = port1;
  });
  return tsLoader;
}

/** The plugin is loaded: from now on esbuild's service runs only while tsx compiles (see ts-service-hook.ts). */
export function releaseTypeScriptService(): void {
  tsService?.postMessage('stop');
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
