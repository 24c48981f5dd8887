import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The installed package's root: the nearest directory above this file with our package.json. */
export const PACKAGE_ROOT = findRoot(path.dirname(fileURLToPath(import.meta.url)));

// This file runs as dist/src/package-info.js, or as src/package-info.ts under tsx (bin/dev.js).
function findRoot(dir: string): string {
  for (let d = dir; ; d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, 'package.json')) && fs.existsSync(path.join(d, 'binding.gyp'))) return d;
    if (path.dirname(d) === d) return path.resolve(dir, '..', '..');
  }
}

let version: string | undefined;
export function packageVersion(): string {
  version ??= (JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  return version;
}

/**
 * The bundled image-server plugin, which runs when there is no config file at all. It is written
 * in TypeScript (plugins/image-server) and could load through tsx like any plugin; the default
 * runs tsc's output instead, which spares its process the TypeScript loader: ~25 MB less RSS and
 * a few percent more requests/s (tsx wraps every closure to keep its name).
 */
export const BUNDLED_IMAGE_SERVER = path.join(PACKAGE_ROOT, 'dist', 'plugins', 'image-server', 'index.js');
