import fs from 'node:fs';
import path from 'node:path';
import { exports as exportsTarget } from 'resolve.exports';
import { findUp } from './find-up.js';

/**
 * The file `import(specifier)` would load from `baseDir` when the package declares `exports`, or
 * null (no such package, no `exports`, nothing for import): the host imports a plugin, so an
 * ES-module-only package must resolve as import() sees it, which `require.resolve` (the "require"
 * condition) refuses. Node 20 has no flag-free resolve from another directory to ask instead;
 * resolve.exports reads the map with Node's conditions for import() ("node", "import", "default").
 */
export function resolveImportExports(specifier: string, baseDir: string): string | null {
  const parts = specifier.split('/');
  const nameLength = specifier.startsWith('@') ? 2 : 1;
  const name = parts.slice(0, nameLength).join('/');
  const manifest = findUp(baseDir, path.join('node_modules', name, 'package.json'));
  if (manifest === null) return null;
  let pkg: { name?: string; exports?: unknown };
  try { pkg = JSON.parse(fs.readFileSync(manifest, 'utf8')) as typeof pkg; } catch { return null; }
  if (pkg.exports === undefined || pkg.exports === null) return null;
  let targets: string[] | void;
  try {
    // The package's own name, whatever the folder: resolve.exports matches entries against it.
    targets = exportsTarget({ ...pkg, name: pkg.name ?? name }, ['.', ...parts.slice(nameLength)].join('/'), { require: false });
  } catch {
    return null; // no export for this subpath, or none for import()
  }
  const target = targets?.find((t) => t.startsWith('./'));
  if (target === undefined) return null;
  const file = path.join(path.dirname(manifest), target);
  return fs.existsSync(file) ? file : null;
}
