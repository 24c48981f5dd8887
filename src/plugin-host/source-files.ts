import { createRequire } from 'node:module';
import path from 'node:path';
import { PACKAGE_ROOT } from '../package-info.js';
import type { FileStamp } from './compile-cache.js';

const OWN_DIST = path.join(PACKAGE_ROOT, 'dist') + path.sep;
const PACKAGES = `${path.sep}node_modules${path.sep}`;

/**
 * The files of a compile record a watcher should follow: the plugin's own sources and the
 * package.json / tsconfig.json files that shaped the compile, i.e. what existed when it ran.
 * Packages and agentd itself change by reinstall, not by edit.
 */
export function ownSources(stamps: FileStamp[]): string[] {
  return stamps.filter((s) => s.length > 1).map((s) => s[0]).filter(isOwn);
}

/** Local files Node's CommonJS loader has loaded so far (a CommonJS plugin and what it required). */
export function requiredSources(): string[] {
  return Object.keys(createRequire(import.meta.url).cache).filter(isOwn);
}

/** A file of an installed package or of agentd itself: it changes by reinstall, not by edit. */
export function isInstalled(file: string): boolean {
  return file.includes(PACKAGES) || file.startsWith(OWN_DIST);
}

function isOwn(file: string): boolean {
  return path.isAbsolute(file) && !isInstalled(file);
}
