import { errors } from '../errors/index.js';
import { isPlugin } from '../plugin-api/define-plugin.js';
import type { Plugin } from '../plugin-api/types.js';
import { isPlainObject } from './plugin-config.js';

/**
 * Check a loaded module's default export against what `definePlugin` is typed to take, before
 * any of the plugin's code runs. The types say the same, but esbuild strips them unchecked, and a
 * JavaScript plugin has none: without this, a wrong field shows up later as a TypeError deep in
 * agentd, restarted in a loop. Each problem names the plugin, the file and the field. A
 * JavaScript plugin may leave out `defaults` (it has no settings), as plugins always could.
 */
export function checkPluginShape(value: unknown, name: string, file: string): Plugin {
  const data = { data: { plugin: name, module: file } };
  if (!isPlugin(value)) throw errors.pluginShape(name, `${file} has no definePlugin() default export; export default definePlugin({ name, defaults, start })`, data);
  const problem = fieldProblem(value);
  if (problem) throw errors.pluginShape(name, `${file}: definePlugin() field ${problem}`, data);
  if (value.name !== name) throw errors.pluginNameMismatch(name, file, value.name, data);
  return value;
}

function fieldProblem(p: Plugin): string | null {
  if (p.name === undefined) return '"name" is missing; set it to the plugin\'s key under `plugins`';
  if (typeof p.name !== 'string') return `"name" must be a string, not ${kind(p.name)}`;
  if (p.defaults !== undefined && !isPlainObject(p.defaults)) return `"defaults" must be an object of settings (\`{}\` for none), not ${kind(p.defaults)}`;
  if (typeof p.start !== 'function') return `"start" must be a function, not ${kind(p.start)}`;
  if (p.schema !== undefined && typeof (p.schema as { '~standard'?: { validate?: unknown } })['~standard']?.validate !== 'function') return '"schema" must be a Standard Schema (valibot, zod, arktype …)';
  if (p.validate !== undefined && typeof p.validate !== 'function') return `"validate" must be a function, not ${kind(p.validate)}`;
  if (p.readiness !== undefined && p.readiness !== 'start' && p.readiness !== 'manual') return `"readiness" must be "start" or "manual", not ${JSON.stringify(p.readiness)}`;
  return null;
}

function kind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'undefined' ? 'missing' : `a ${typeof v}`;
}
