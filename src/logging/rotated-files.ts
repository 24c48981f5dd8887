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
  closeGaps(live);
  const moved: Array<{ from: string; to: string }> = [];
  try {
    for (const f of listRotated(live).reverse()) {
      if (f.generation >= keep) {
        removeFile(f.path);
        continue;
      }
      const to = `${live}.${f.generation + 1}${f.gz ? '.gz' : ''}`;
      fs.renameSync(f.path, to);
      moved.push({ from: f.path, to });
    }
  } catch (error) {
    // One generation that cannot be moved (immutable, EPERM) fails the rotation, which is tried
    // again a second later: left shifted, the older ones would move one step nearer deletion
    // at every try, and all be gone after `keep` tries while no new generation was made.
    for (const { from, to } of moved.reverse()) {
      try { fs.renameSync(to, from); } catch { /* stays shifted: a gap, nothing lost */ }
    }
    throw error;
  }
}

/**
 * Number the rotated files of `live` 1, 2, 3… in their order again. A core killed in the middle
 * of a shift (or a shift undone only in part) leaves `x.log.1`, `x.log.3`: every later shift
 * would carry the gap along, and the missing generation would count against `keep`. Newest
 * first, each file moves only down, onto a number no file has (the ones below it are taken by
 * the files already numbered), so a kill during this leaves a gap at worst, never a file
 * overwritten. Synchronous, like the shift. Returns the files renamed, as `[from, to]`.
 */
export function closeGaps(live: string): Array<[string, string]> {
  const renamed: Array<[string, string]> = [];
  let generation = -1;
  let number = 0;
  for (const f of listRotated(live)) {
    // x.log.N and x.log.N.gz (a gzip a kill interrupted) are one generation.
    if (f.generation !== generation) {
      generation = f.generation;
      number = Math.min(f.generation, number + 1);
    }
    const to = `${live}.${number}${f.gz ? '.gz' : ''}`;
    if (number === f.generation || fs.existsSync(to)) continue;
    fs.renameSync(f.path, to);
    renamed.push([f.path, to]);
  }
  return renamed;
}

/**
 * Finish what a core killed during a compression left behind (see compressGeneration): a partial
 * `x.log.gz-<inode>.tmp` is deleted (its `x.log.N` is still there), and where both `x.log.N` and
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
    // x.log.N.gz.tmp is the name earlier builds gave it.
    const partial = /^(?:gz-\d+|\d+\.gz)\.tmp$/.test(rest);
    const doubled = /^\d+$/.test(rest) && present.has(`${name}.gz`);
    if (!partial && !doubled) continue;
    removeFile(path.join(dir, name));
    removed.push(name);
  }
  return removed;
}

/**
 * A rotated generation waiting to be gzipped, held open: generations shift while it waits and
 * while it is compressed (a size rotation does not wait for a gzip), so it is known by its fd and
 * inode, not by its name.
 */
export interface PendingCompression {
  fd: number;
  ino: bigint;
}

/** Hold the generation now at `src` for compressGeneration. */
export function holdForCompression(src: string): PendingCompression {
  const fd = fs.openSync(src, 'r');
  try {
    return { fd, ino: fs.fstatSync(fd, { bigint: true }).ino };
  } catch (error) {
    fs.closeSync(fd);
    throw error;
  }
}

/**
 * Gzip a held generation of `live` into `<wherever it is now>.gz` and remove the plain file; the
 * fd is closed. The archive is written under a temporary name; finding the generation again (by
 * inode), renaming the archive into place and removing the plain copy are one synchronous step,
 * which no rotation can come between, and a reader (tail) always finds one complete copy. A crash
 * before the removal leaves both, never neither (recoverRotated). A generation deleted meanwhile
 * (shifted past `keep`) is not archived: returns null.
 *
 * The fd stays open until that step is done: it is what keeps the inode ours. Closed any sooner, a
 * generation deleted during the gzip frees its inode, a new live file can be given the same number
 * and be rotated to `x.log.1` before this job looks, and the old lines would be archived under its
 * name while its own plain file, the newest lines, was removed.
 */
export async function compressGeneration(live: string, held: PendingCompression, mode: number): Promise<string | null> {
  const tmp = `${live}.gz-${held.ino}.tmp`;
  try {
    try {
      await pipeline(fs.createReadStream('', { fd: held.fd, autoClose: false }), zlib().createGzip(), fs.createWriteStream(tmp, { mode }));
    } catch (error) {
      removeFile(tmp);
      throw error;
    }
    const now = listRotated(live).find((f) => !f.gz && inodeOf(f.path) === held.ino);
    if (!now) {
      removeFile(tmp);
      return null;
    }
    const dest = `${now.path}.gz`;
    fs.renameSync(tmp, dest);
    removeFile(now.path);
    return dest;
  } finally {
    releaseHeld(held);
  }
}

/** Give up a held generation without compressing it. */
export function releaseHeld(held: PendingCompression): void {
  try { fs.closeSync(held.fd); } catch { /* already closed */ }
}

function inodeOf(file: string): bigint | null {
  try { return fs.statSync(file, { bigint: true }).ino; } catch { return null; }
}

/** Delete a file that may already be gone (fs.rmSync would load Node's rimraf into the core for it). */
function removeFile(file: string): void {
  try {
    fs.unlinkSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}
