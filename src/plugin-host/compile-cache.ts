import fs from 'node:fs';
import path from 'node:path';
import { fnv1a } from '../name-hash.js';
import { writeFileAtomically } from '../write-atomically.js';

/**
 * The on-disk cache of compiled TypeScript plugins (`$AGENTD_HOME/cache/.compiled`): per entry
 * file, the compiled module and a record of what the compile decided and which files it depends
 * on. A record is fresh while every one of those files has the stamp it had at compile time, so a
 * restart after no edit costs a few stat calls instead of a compile.
 *
 * Kept apart from the compiler: the core reads records too (to know whether a spare host needs
 * the TypeScript loader) and must not load esbuild for that.
 */

/** A file's identity at compile time: [path, mtimeMs, size, inode], or [path] when it did not exist. */
export type FileStamp = [string, number, number, number] | [string];

export interface CompileRecord {
  /** What produced the record (agentd, esbuild and Node versions); another key means recompile. */
  key: string;
  entry: string;
  /**
   * `compiled`: the module beside the record is the plugin, ready for Node to import with no loader.
   * `tsx`: the plugin uses something a compiled module cannot keep (`reason`), so it loads through tsx.
   */
  loader: 'compiled' | 'tsx';
  reason?: string;
  files: FileStamp[];
}

export interface CachePaths {
  code: string;
  record: string;
}

/** Where the compiled module and the record of `entry` live under `dir`. */
export function cachePaths(dir: string, entry: string): CachePaths {
  // 64 bits of name: entries that shared one would only take turns recompiling.
  const id = `${path.basename(entry).replace(/[^A-Za-z0-9._-]/g, '_')}-${fnv1a(entry)}${fnv1a(entry, 0x050c5d1f)}`;
  return { code: path.join(dir, `${id}.mjs`), record: path.join(dir, `${id}.json`) };
}

/** The record for `entry` if it exists and (with `key`) was written by the same compiler; stamps unchecked. */
export function readRecord(dir: string, entry: string, key?: string): CompileRecord | null {
  let record: CompileRecord;
  try {
    record = JSON.parse(fs.readFileSync(cachePaths(dir, entry).record, 'utf8')) as CompileRecord;
  } catch {
    return null;
  }
  if (record.entry !== entry || (key !== undefined && record.key !== key) || !Array.isArray(record.files)) return null;
  return record;
}

/** The record for `entry` when nothing it depends on has changed since; null means compile again. */
export function freshRecord(dir: string, entry: string, key: string): CompileRecord | null {
  const record = readRecord(dir, entry, key);
  if (!record) return null;
  for (const s of record.files) if (!sameStamp(s, stampOf(s[0]))) return null;
  if (record.loader === 'compiled' && !fs.existsSync(cachePaths(dir, entry).code)) return null;
  return record;
}

/** Write the compiled module (if any), then the record; each by rename, so that no reader sees half a file. */
export function writeCache(dir: string, record: CompileRecord, code: string | null): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const paths = cachePaths(dir, record.entry);
  if (code !== null) writeFileAtomically(paths.code, code, 0o600);
  writeFileAtomically(paths.record, JSON.stringify(record), 0o600);
}

export function stampOf(file: string): FileStamp {
  try {
    const s = fs.statSync(file);
    return [file, s.mtimeMs, s.size, s.ino];
  } catch {
    return [file];
  }
}

function sameStamp(a: FileStamp, b: FileStamp): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
