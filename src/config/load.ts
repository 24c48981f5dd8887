import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as v from 'valibot';
import { dynamicImport } from '../dynamic-import.js';
import { errors } from '../errors/index.js';
import { describeError } from '../errors/describe.js';
import { moduleDefault } from '../module-default.js';
import { BUNDLED_IMAGE_SERVER } from '../package-info.js';
import { fileOrIndex } from '../plugin-host/resolve-entry.js';
import { arrayForObject } from './arrays-for-objects.js';
import { findDuplicateKeys } from './duplicate-keys.js';
import { describeJsonSyntax } from './json-syntax.js';
import { describeScriptError } from './script-error.js';
import { formatIssues } from './issues.js';
import { shortPath, tooDeep } from './nesting.js';
import { ConfigSchema, PLUGIN_NAME, RESERVED_PLUGIN_NAMES, type Config, type PluginEntry } from './schema.js';

/** A validated, frozen config and where it came from. */
export interface LoadedConfig {
  /** The config file, or null for the built-in default. */
  file: string | null;
  /** Relative paths in the config resolve against this directory. */
  baseDir: string;
  config: Config;
  plugins: ResolvedPlugin[];
}

export interface ResolvedPlugin {
  name: string;
  /** An absolute path, or a package name to resolve from `baseDir`. */
  module: string;
  baseDir: string;
  entry: PluginEntry;
}

/**
 * The config file to use: `--config`, else the one `agentd.config.{json,js,mjs,cjs,ts,mts,cts}` in
 * the home, else none. Several in the home are refused, as a key given twice in a JSON file is: one
 * would be read and the others ignored, and an operator editing an ignored one sees no effect.
 */
export function findConfigFile(candidates: string[], explicit?: string): string | null {
  if (explicit) {
    const abs = path.resolve(explicit);
    if (!fs.existsSync(abs)) throw errors.configNotFound(abs);
    return abs;
  }
  const found = candidates.filter((c) => fs.existsSync(c));
  if (found.length > 1) throw errors.configAmbiguous(path.dirname(found[0]!), found.map((f) => path.basename(f)));
  return found[0] ?? null;
}

/** Read, validate and freeze a config; the built-in default (the bundled image server) when `file` is null. */
export async function loadConfig(file: string | null): Promise<LoadedConfig> {
  if (file === null) {
    return validateConfig({ plugins: { 'image-server': { module: BUNDLED_IMAGE_SERVER } } }, null, path.dirname(BUNDLED_IMAGE_SERVER));
  }
  return validateConfig(await readConfigFile(file), file, path.dirname(file));
}

async function readConfigFile(file: string): Promise<unknown> {
  if (file.endsWith('.json')) {
    let text: string;
    try { text = fs.readFileSync(file, 'utf8'); } catch (e) { throw errors.configUnreadable(file, describeError(e), { cause: e }); }
    // Editors on Windows save UTF-8 with a byte order mark, which JSON.parse refuses (require() strips it too).
    if (text.startsWith('\uFEFF')) text = text.slice(1);
    let raw: unknown;
    try { raw = JSON.parse(text); } catch (e) { throw errors.configUnreadable(file, `not valid JSON: ${await describeJsonSyntax(text, e as Error)}`, { cause: e }); }
    const duplicates = findDuplicateKeys(text);
    if (duplicates.length > 0) {
      throw errors.configInvalid(file, duplicates.map((d) => `${d.path}: given twice (lines ${d.lines[0]} and ${d.lines[1]}); JSON keeps only the last, so remove one`).join('; '));
    }
    return raw;
  }
  try {
    if (/\.[cm]?ts$/.test(file)) {
      const { tsImport } = await dynamicImport<typeof import('tsx/esm/api')>('tsx/esm/api');
      const mod = (await tsImport(`${pathToFileURL(file).href}?t=${Date.now()}`, import.meta.url)) as { default?: unknown };
      // With no `"type": "module"` above it, tsx compiles the file to CommonJS.
      return moduleDefault(mod);
    }
    // The query defeats the ESM cache, so that a reload sees the edited file.
    const mod = await dynamicImport<{ default?: unknown }>(`${pathToFileURL(file).href}?t=${Date.now()}`);
    return mod.default;
  } catch (e) {
    throw errors.configUnreadable(file, await describeScriptError(file, e), { cause: e });
  }
}

export function validateConfig(raw: unknown, file: string | null, baseDir: string): LoadedConfig {
  const source = file ?? '(built-in default)';
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw errors.configInvalid(source, 'the config must be an object (in JSON: {...})');
  // Validation, freezing and the IPC to plugin hosts all recurse: refuse absurd nesting up front.
  const deep = tooDeep(raw, MAX_DEPTH);
  if (deep !== null) throw errors.configInvalid(source, `${shortPath(deep) || '(the config)'}: nested deeper than ${MAX_DEPTH} levels`);
  const array = arrayForObject(raw, ConfigSchema);
  if (array !== null) throw errors.configInvalid(source, `${array}: must be an object, not an array`);
  const result = v.safeParse(ConfigSchema, raw);
  if (!result.success) throw errors.configInvalid(source, formatIssues(result.issues));
  const config = result.output;
  const plugins: ResolvedPlugin[] = [];
  for (const [name, entry] of Object.entries(config.plugins)) {
    if (RESERVED_PLUGIN_NAMES.includes(name)) {
      throw errors.configInvalid(source, `plugins.${name}: the name is reserved (${RESERVED_PLUGIN_NAMES.join(', ')})`);
    }
    if (!PLUGIN_NAME.test(name)) {
      throw errors.configInvalid(source, `plugins.${name}: a plugin name is lowercase letters, digits and dashes, starting with a letter`);
    }
    plugins.push({ name, module: resolveModuleSpecifier(entry.module, baseDir), baseDir, entry });
  }
  return deepFreeze({ file, baseDir, config, plugins });
}

/**
 * A `module` is a path relative to the config file when such a path exists or it starts with `.` or
 * `/`; otherwise it is a package name, resolved later by the plugin host from the config's directory.
 */
function resolveModuleSpecifier(spec: string, baseDir: string): string {
  if (path.isAbsolute(spec)) return spec;
  const candidate = path.resolve(baseDir, spec);
  if (spec.startsWith('.') || fs.existsSync(candidate) || fileOrIndex(candidate) !== null) return candidate;
  return spec;
}

/** Deeper than any real config, far shallower than what overflows the stack. */
const MAX_DEPTH = 64;

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
