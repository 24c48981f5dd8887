import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { errors } from '../errors/index.js';
import { describeError } from '../errors/describe.js';
import { resolveImportExports } from './package-exports.js';

const ENTRY_NAMES = ['index.ts', 'index.mts', 'index.tsx', 'index.js', 'index.mjs'];

/**
 * The file a plugin's `module` names: an absolute path (a file, the same with .ts/.js added, or a
 * directory's package.json main or index file), or a package resolved from `baseDir` as `import()`
 * would (its `exports` for import), else as `require` would.
 */
export function resolveEntry(name: string, specifier: string, baseDir: string): string {
  if (path.isAbsolute(specifier)) {
    const found = fileOrIndex(specifier);
    if (!found) throw errors.pluginLoad(name, `${specifier} does not exist (nor with .ts/.js, nor an index file in it)`, { data: { plugin: name } });
    return found;
  }
  const imported = resolveImportExports(specifier, baseDir);
  if (imported !== null) return imported;
  try {
    return createRequire(path.join(baseDir, 'noop.js')).resolve(specifier);
  } catch (e) {
    throw errors.pluginLoad(name, `package ${specifier} not found from ${baseDir}: ${(e as NodeJS.ErrnoException).code ?? describeError(e)}`, { cause: e, data: { plugin: name } });
  }
}

/** A TypeScript module (.ts, .mts, .cts, .tsx): compiled ahead by its host, or loaded through tsx. */
export function isTypeScript(file: string): boolean {
  return /\.(?:[mc]?ts|tsx)$/.test(file);
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
  for (const ext of ['.ts', '.mts', '.tsx', '.js', '.mjs']) if (statOrNull(p + ext)?.isFile()) return p + ext;
  return null;
}

function statOrNull(p: string): fs.Stats | null {
  try { return fs.statSync(p); } catch { return null; }
}
