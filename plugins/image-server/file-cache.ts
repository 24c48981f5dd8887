import fs from 'node:fs';
import { promisify } from 'node:util';
import { sameVersion, type FileInfo } from './file-info.js';
import { shareInFlight } from './in-flight.js';
import { closeFd, openRegularFile } from './resolve-path.js';

const readAll = promisify(fs.readFile);
const fstat = promisify(fs.fstat);

/** An fd open on one checked version of a file, with the fstat that checked it. */
export interface OpenVersion {
  readonly fd: number;
  readonly stat: fs.Stats;
}

interface Entry {
  readonly info: FileInfo;
  readonly body: Buffer;
  /** Set on every hit, cleared when eviction passes over it (the CLOCK "second chance"). */
  used: boolean;
}

/** Why a load gave no bytes: the file is gone, or it is not the version the caller resolved. */
export type LoadMiss = 'gone' | 'changed';

/**
 * An fd on the very version `info` describes (fstat on the fd read from, so that the bytes are
 * the version whose ETag goes out with them), or why not: 'gone', or 'changed' since the lookup.
 */
export async function openVersion(info: FileInfo): Promise<OpenVersion | LoadMiss> {
  const opened = await openRegularFile(info.path);
  if (opened === null) return 'gone';
  if (sameVersion(info, opened.stat)) return opened;
  await closeFd(opened.fd);
  return 'changed';
}

/**
 * The bytes of small hot files, at most `maxBytes` in all. An entry is keyed by real path and is
 * only returned for the exact version (ETag) the caller resolved, so a changed file is never served
 * from memory once its stat-cache entry has been refreshed. Eviction approximates LRU with CLOCK:
 * a hit only sets a flag (no Map reordering on the hot path); eviction walks from the oldest
 * insertion, giving each flagged entry a second chance at the young end.
 */
export class FileCache {
  hits = 0;
  misses = 0;
  private readonly entries = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<Buffer | LoadMiss>>();
  private bytes = 0;

  constructor(private readonly maxBytes: number, private readonly maxFileBytes: number) {}

  /** Whether a file of `size` bytes is kept in memory (larger ones are streamed). */
  accepts(size: number): boolean {
    return size <= this.maxFileBytes && size <= this.maxBytes;
  }

  /** The cached bytes of exactly this version, counting a hit or a miss. */
  get(info: FileInfo): Buffer | undefined {
    const entry = this.entries.get(info.path);
    if (entry !== undefined && entry.info.etag === info.etag) {
      this.hits++;
      entry.used = true;
      return entry.body;
    }
    this.misses++;
    return undefined;
  }

  /** Read the file into the cache; concurrent loads of one path share a single read. */
  load(info: FileInfo): Promise<Buffer | LoadMiss> {
    const key = `${info.path}\0${info.etag}`;
    return this.loading.get(key) ?? shareInFlight(this.loading, key, this.read(info));
  }

  delete(path: string): void {
    const entry = this.entries.get(path);
    if (entry === undefined) return;
    this.entries.delete(path);
    this.bytes -= entry.body.length;
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }

  private async read(info: FileInfo): Promise<Buffer | LoadMiss> {
    const opened = await openVersion(info);
    if (typeof opened === 'string') return opened;
    try {
      const body = await readAll(opened.fd);
      // Written to while we read, even in place at the same size: the bytes may mix two versions.
      if (body.length !== info.size || !sameVersion(opened.stat, await fstat(opened.fd))) return 'changed';
      this.store(info, body);
      return body;
    } finally {
      await closeFd(opened.fd);
    }
  }

  private store(info: FileInfo, body: Buffer): void {
    this.delete(info.path);
    this.entries.set(info.path, { info, body, used: false });
    this.bytes += body.length;
    // Each pass clears flags as it re-queues, so it ends within two rounds of the Map.
    for (const [path, entry] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(path);
      if (entry.used && path !== info.path) {
        entry.used = false;
        this.entries.set(path, entry);
      } else {
        this.bytes -= entry.body.length;
      }
    }
  }
}
