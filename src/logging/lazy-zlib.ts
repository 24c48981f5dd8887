import { createRequire } from 'node:module';

type Zlib = typeof import('node:zlib');
const requireBuiltin = createRequire(import.meta.url);
let loaded: Zlib | null = null;

/**
 * node:zlib, loaded the first time a rotated log is compressed or read back: most cores never do
 * either, and loading it at start costs every core about 0.2 MB of RSS.
 */
export function zlib(): Zlib {
  return (loaded ??= requireBuiltin('node:zlib') as Zlib);
}
