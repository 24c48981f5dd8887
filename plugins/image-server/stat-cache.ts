import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { makeFileInfo, type FileInfo } from './file-info.js';
import { shareInFlight } from './in-flight.js';
import { mediaTypeOf } from './mime.js';
import { parseUrlPath, type Jail } from './resolve-path.js';

/** What a request path leads to. */
export type Resolution =
  | { readonly kind: 'file'; readonly info: FileInfo }
  | { readonly kind: 'dir'; readonly realPath: string; readonly urlPath: string }
  | { readonly kind: 'redirect'; readonly location: string }
  | { readonly kind: 'status'; readonly status: 400 | 403 | 404 };

export interface StatCacheOptions {
  /** How long (ms) a resolution is trusted; 0 checks the disk on every request. */
  ttl: number;
  /** Whether directories are listed (else they are 404). */
  index: boolean;
  cacheControl: string;
  /** Bound on remembered paths, so that a scan of random URLs cannot grow memory. */
  maxEntries: number;
}

interface Entry {
  readonly resolution: Resolution;
  readonly expires: number;
}

const NOT_FOUND: Resolution = { kind: 'status', status: 404 };
const FORBIDDEN: Resolution = { kind: 'status', status: 403 };

/**
 * Raw request path → resolution (realpath, jail check, stat, headers), trusted for `ttl` ms.
 * Keyed by the raw path, so the hot path skips decoding too. A fresh hit is a Map lookup and a
 * clock read; a miss or a stale entry costs a realpath and a stat, and concurrent misses for one
 * path share them. Negative answers are cached as well, so a 404 flood does not reach the disk.
 */
export class StatCache {
  private readonly entries = new Map<string, Entry>();
  private readonly pending = new Map<string, Promise<Resolution>>();

  constructor(private readonly jail: Jail, private readonly options: StatCacheOptions) {}

  /** The cached resolution if it is still fresh; never does I/O. */
  fresh(rawPath: string, now: number): Resolution | undefined {
    const entry = this.entries.get(rawPath);
    return entry !== undefined && now < entry.expires ? entry.resolution : undefined;
  }

  /** Resolve `rawPath` from disk (sharing a lookup already under way) and remember the answer. */
  resolve(rawPath: string): Promise<Resolution> {
    return this.pending.get(rawPath) ?? shareInFlight(this.pending, rawPath, this.lookup(rawPath));
  }

  /** Forget `rawPath`, after a request found the file changed under a fresh entry. */
  invalidate(rawPath: string): void {
    this.entries.delete(rawPath);
  }

  clear(): void {
    this.entries.clear();
  }

  private async lookup(rawPath: string): Promise<Resolution> {
    const parsed = parseUrlPath(rawPath);
    // Lexical refusals cost no I/O, so they are not worth a cache slot.
    if ('status' in parsed) return { kind: 'status', status: parsed.status };
    const resolution = await this.onDisk(parsed.segments, parsed.slash);
    this.remember(rawPath, resolution);
    return resolution;
  }

  private async onDisk(segments: readonly string[], slash: boolean): Promise<Resolution> {
    const found = await this.jail.resolve(segments);
    if (found === null) return NOT_FOUND;
    const { realPath, stat } = found;
    if (stat.isFile()) {
      // `/photo.jpg/` names a directory that does not exist.
      if (slash) return NOT_FOUND;
      // A file this process may not read is 403 for GET, HEAD and a conditional GET alike, as
      // nginx answers it (a HEAD or a 304 opens nothing, so the open cannot be what tells).
      if (!(await readable(realPath))) return FORBIDDEN;
      return { kind: 'file', info: makeFileInfo(realPath, stat, mediaTypeOf(realPath), this.options.cacheControl) };
    }
    if (!stat.isDirectory() || !this.options.index) return NOT_FOUND; // FIFOs, sockets, devices too
    // Built from the decoded segments, never from the raw path: `//evil.example` must not
    // become a protocol-relative Location.
    const urlPath = `/${segments.map(encodeURIComponent).join('/')}${segments.length > 0 ? '/' : ''}`;
    return slash ? { kind: 'dir', realPath, urlPath } : { kind: 'redirect', location: urlPath };
  }

  private remember(rawPath: string, resolution: Resolution): void {
    if (this.options.ttl <= 0) return;
    this.entries.delete(rawPath); // re-insert at the end: Map order is then oldest-refreshed first
    if (this.entries.size >= this.options.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) this.entries.delete(oldest.value);
    }
    this.entries.set(rawPath, { resolution, expires: Date.now() + this.options.ttl });
  }
}

function readable(realPath: string): Promise<boolean> {
  return fsp.access(realPath, fs.constants.R_OK).then(() => true, () => false);
}
