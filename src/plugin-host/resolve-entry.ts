import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { errors } from '../errors/index.js';
import { describeError } from '../errors/describe.js';
import { resolveImportExports } from './package-exports.js';

const EXTENSIONS = ['.ts', '.mts', '.tsx', '.js', '.mjs'];
const ENTRY_NAMES = EXTENSIONS.map((ext) => `index${ext}`);

/**
 * The file a plugin's `module` names: an absolute path (a file, the same with .ts/.js added, or a
 * directory's package.json main or index file), or a package resolved from `baseDir` as `import()`
 * would (its `exports` for import), else as `require` would.
 */
export function resolveEntry(name: string, specifier: string, baseDir: string): string {
  const field = `plugins.${name}.module`;
  if (path.isAbsolute(specifier)) {
    const found = fileOrIndex(specifier);
    if (found) return found;
    const data = { data: { plugin: name, module: specifier } };
    if (statOrNull(specifier)?.isDirectory()) {
      throw errors.pluginModuleNotFound(name, `directory ${specifier} has no package.json main nor ${ENTRY_NAMES.join(', ')}`, `add one, or point ${field} at the plugin's entry file`, data);
    }
    throw errors.pluginModuleNotFound(name, `${specifier} does not exist (nor with ${EXTENSIONS.join(', ')} added)`, `fix ${field} in the config (a relative path starts from the config file's directory)`, data);
  }
  const imported = resolveImportExports(specifier, baseDir);
  if (imported !== null) return imported;
  try {
    return createRequire(path.join(baseDir, 'noop.js')).resolve(specifier);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'MODULE_NOT_FOUND') {
      throw errors.pluginModuleNotFound(name, `package ${specifier} is not installed in a node_modules in or above ${baseDir}`,
        `install it there (npm install), or make ${field} a path starting with ./ or /`, { cause: e, data: { plugin: name, module: specifier } });
    }
    throw errors.pluginLoad(name, `package ${specifier} from ${baseDir}: ${code ?? describeError(e)}`, { cause: e, data: { plugin: name } });
  }
}

/** A TypeScript module (.ts, .mts, .cts, .tsx): compiled ahead by its host, or loaded through tsx. */
export function isTypeScript(file: string): boolean {
  return /\.(?:[mc]?ts|tsx)$/.test(file);
}

/** `p` itself when a file, else with one of the entry extensions added, else a directory's main or index file. */
export function fileOrIndex(p: string): string | null {
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
  for (const ext of EXTENSIONS) if (statOrNull(p + ext)?.isFile()) return p + ext;
  return null;
}

function statOrNull(p: string): fs.Stats | null {
  try { return fs.statSync(p); } catch { return null; }
}
