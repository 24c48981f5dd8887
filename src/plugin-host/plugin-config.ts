import { formatIssues } from '../config/issues.js';
import { errors } from '../errors/index.js';
import type { Plugin } from '../plugin-api/types.js';

/**
 * The plugin's effective config: its defaults deep-merged with the config file's `config`
 * (objects merge, arrays and other values replace), then its schema and its validate function.
 * Problems name the field from the top of the config file: `plugins.<name>.config.<field>`.
 */
export async function resolvePluginConfig(plugin: Plugin, name: string, given: Record<string, unknown>): Promise<Record<string, unknown>> {
  const prefix = `plugins.${name}.config`;
  // A JavaScript plugin may have no defaults at all: then it has no settings.
  const defaults = (plugin.defaults ?? {}) as Record<string, unknown>;
  const merged = deepMerge(defaults, given);
  let config: Record<string, unknown> = merged;
  if (plugin.schema) {
    const result = await plugin.schema['~standard'].validate(merged);
    if (result.issues) throw invalid(name, formatIssues(result.issues, prefix));
    config = result.value as Record<string, unknown>;
  } else {
    const unknown = Object.keys(given).filter((k) => !(k in defaults));
    if (unknown.length > 0) throw invalid(name, unknown.map((k) => `${prefix}.${k}: unknown field`).join('; '));
  }
  const problems = plugin.validate?.(config as never);
  const list = typeof problems === 'string' ? [problems] : (problems ?? []);
  if (list.length > 0) throw invalid(name, list.map((p) => (p.startsWith(prefix) ? p : `${prefix}: ${p}`)).join('; '));
  return config;
}

/** `data.issues` keeps the bare list, for a reload to report under the config file's name. */
function invalid(name: string, issues: string) {
  return errors.pluginConfigInvalid(issues, { data: { plugin: name, issues } });
}

export function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const prev = out[key];
    out[key] = isPlainObject(prev) && isPlainObject(value) ? deepMerge(prev, value) : value;
  }
  return out;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
}
