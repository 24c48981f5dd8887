import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { zlib } from './lazy-zlib.js';

/** A rotated generation of a log: `x.log.3` or `x.log.3.gz`. */
export interface RotatedFile {
  path: string;
  generation: number;
  gz: boolean;
}

/** Every rotated file of `live` present on disk, newest (generation 1) first. */
export function listRotated(live: string): RotatedFile[] {
  const dir = path.dirname(live);
  const base = path.basename(live);
  const found: RotatedFile[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return found;
  }
  for (const name of names) {
    if (!name.startsWith(`${base}.`)) continue;
    const m = /^(\d+)(\.gz)?$/.exec(name.slice(base.length + 1));
    if (!m) continue;
    found.push({ path: path.join(dir, name), generation: Number(m[1]), gz: m[2] !== undefined });
  }
  return found.sort((a, b) => a.generation - b.generation || Number(a.gz) - Number(b.gz));
}

/**
 * Make room for a new `x.log.1`: every `x.log.k[.gz]` becomes `x.log.k+1[.gz]`, oldest first so
 * that no rename lands on a file still to be moved, and what would pass `keep` is deleted (also
 * leftovers from a larger `keep` before a reload). Synchronous, so that the caller can do it and
 * the rename of the live file in one step.
 */
export function shiftRotated(live: string, keep: number): void {
  for (const f of listRotated(live).reverse()) {
    if (f.generation >= keep) removeFile(f.path);
    else fs.renameSync(f.path, `${live}.${f.generation + 1}${f.gz ? '.gz' : ''}`);
  }
}

/**
 * Finish what a core killed during a compression left behind (see compressFile): a partial
 * `x.log.N.gz.tmp` is deleted (its `x.log.N` is still there), and where both `x.log.N` and
 * `x.log.N.gz` exist the archive is complete, so the plain copy goes — otherwise every line of
 * that generation would be in the logs twice. Returns the files removed.
 */
export function recoverRotated(live: string): string[] {
  const dir = path.dirname(live);
  const base = path.basename(live);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const present = new Set(names);
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith(`${base}.`)) continue;
    const rest = name.slice(base.length + 1);
    const partial = /^\d+\.gz\.tmp$/.test(rest);
    const doubled = /^\d+$/.test(rest) && present.has(`${name}.gz`);
    if (!partial && !doubled) continue;
    removeFile(path.join(dir, name));
    removed.push(name);
  }
  return removed;
}

/**
 * Gzip `src` to `src.gz` and remove `src`. The archive is written under a temporary name and
 * renamed into place before `src` is removed, so a reader (tail) always finds one complete copy;
 * a crash in between leaves both, never neither.
 */
export async function compressFile(src: string, mode: number): Promise<string> {
  const dest = `${src}.gz`;
  const tmp = `${dest}.tmp`;
  try {
    await pipeline(fs.createReadStream(src), zlib().createGzip(), fs.createWriteStream(tmp, { mode }));
    fs.renameSync(tmp, dest);
  } catch (error) {
    removeFile(tmp);
    throw error;
  }
  removeFile(src);
  return dest;
}

/** Delete a file that may already be gone (fs.rmSync would load Node's rimraf into the core for it). */
function removeFile(file: string): void {
  try {
    fs.unlinkSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}
