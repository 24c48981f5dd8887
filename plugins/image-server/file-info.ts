import { validatorsOf, type Validators } from './conditional.js';
import { SANDBOX_CSP, type MediaType } from './mime.js';

/** The stat fields that identify one version of a file (why ctime: see etagOf in conditional.ts). */
export interface StatLike {
  readonly ino: number;
  readonly size: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
}

/**
 * One version of one file, with every response header it will ever need computed once, so that
 * the hot path does no string building: `full` for 200, `notModified` for 304, and `common` (all
 * but Content-Length) for 206. Header arrays are the flat `[name, value, …]` form writeHead takes.
 */
export interface FileInfo extends Validators, StatLike {
  /** The real path (no symlinks), checked to be inside the root or the thumbnail cache. */
  readonly path: string;
  readonly media: MediaType;
  readonly common: readonly string[];
  readonly full: readonly string[];
  readonly notModified: readonly string[];
}

export function makeFileInfo(realPath: string, st: StatLike, media: MediaType, cacheControl: string): FileInfo {
  const validators = validatorsOf(st.ino, st.size, st.mtimeMs, st.ctimeMs);
  const caching = cacheControl === '' ? [] : ['Cache-Control', cacheControl];
  // RFC 9110 §15.4.5: a 304 carries the headers a 200 would have that help caches update.
  const notModified = ['ETag', validators.etag, 'Last-Modified', validators.lastModified, ...caching];
  const common = [
    'Content-Type', media.type,
    ...notModified,
    'Accept-Ranges', 'bytes',
    'X-Content-Type-Options', 'nosniff',
    ...(media.sandbox ? ['Content-Security-Policy', SANDBOX_CSP] : []),
  ];
  return {
    path: realPath,
    ino: st.ino,
    size: st.size,
    mtimeMs: st.mtimeMs,
    ctimeMs: st.ctimeMs,
    ...validators,
    media,
    common,
    full: [...common, 'Content-Length', String(st.size)],
    notModified,
  };
}

/**
 * True when `st` (a fresh fstat) describes the same version as `info`: compared before a read (is
 * this the version resolved?) and after it (was it rewritten while read, even in place at the same
 * size with its mtime put back?). Times are compared as Node's float milliseconds, to within a
 * quarter of a microsecond, finer than the kernel's timestamp tick; a rewrite within one tick of
 * the version read cannot be seen by any stat, here as in nginx.
 */
export function sameVersion(info: StatLike, st: StatLike): boolean {
  return info.ino === st.ino && info.size === st.size && info.mtimeMs === st.mtimeMs && info.ctimeMs === st.ctimeMs;
}
