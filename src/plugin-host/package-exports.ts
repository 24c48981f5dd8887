import fs from 'node:fs';
import path from 'node:path';
import { findUp } from './find-up.js';

/** The conditions Node's `import()` matches, in the order a package lists them. */
const IMPORT_CONDITIONS = new Set(['node', 'import', 'default']);

/**
 * The file `import(specifier)` would load from `baseDir` when the package declares `exports`, or
 * null (no such package, no `exports`, nothing for import): the host imports a plugin, so an
 * ES-module-only package must resolve as import() sees it, which `require.resolve` (the "require"
 * condition) refuses. Node 20 has no flag-free resolve from another directory to ask instead.
 */
export function resolveImportExports(specifier: string, baseDir: string): string | null {
  const parts = specifier.split('/');
  const nameLength = specifier.startsWith('@') ? 2 : 1;
  const name = parts.slice(0, nameLength).join('/');
  const subpath = ['.', ...parts.slice(nameLength)].join('/');
  const manifest = findUp(baseDir, path.join('node_modules', name, 'package.json'));
  if (manifest === null) return null;
  let exports: unknown;
  try { exports = (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { exports?: unknown }).exports; } catch { return null; }
  if (exports === undefined || exports === null) return null;
  const target = subpathTarget(exports, subpath);
  if (target === null || !target.startsWith('./')) return null;
  const file = path.join(path.dirname(manifest), target);
  return fs.existsSync(file) ? file : null;
}

function subpathTarget(exports: unknown, subpath: string): string | null {
  const isMap = typeof exports === 'object' && !Array.isArray(exports) && Object.keys(exports as object).some((k) => k.startsWith('.'));
  if (!isMap) return subpath === '.' ? conditionalTarget(exports) : null;
  const map = exports as Record<string, unknown>;
  if (subpath in map) return conditionalTarget(map[subpath]);
  for (const [key, value] of Object.entries(map)) {
    const star = key.indexOf('*');
    if (star < 0) continue;
    const [prefix, suffix] = [key.slice(0, star), key.slice(star + 1)];
    if (subpath.length >= key.length - 1 && subpath.startsWith(prefix) && subpath.endsWith(suffix)) {
      const match = subpath.slice(prefix.length, subpath.length - suffix.length);
      return conditionalTarget(value)?.replaceAll('*', match) ?? null;
    }
  }
  return null;
}

function conditionalTarget(target: unknown): string | null {
  if (typeof target === 'string') return target;
  if (Array.isArray(target)) {
    for (const t of target) { const found = conditionalTarget(t); if (found !== null) return found; }
    return null;
  }
  if (typeof target === 'object' && target !== null) {
    for (const [condition, value] of Object.entries(target)) {
      if (!IMPORT_CONDITIONS.has(condition)) continue;
      const found = conditionalTarget(value);
      if (found !== null) return found;
    }
  }
  return null;
}
