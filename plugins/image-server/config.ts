import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as v from 'valibot';

/**
 * The image server's settings: the schema (types, bounds and one sentence each) and the defaults.
 * The host deep-merges `defaults` with the config file's `config` and checks the result against
 * `ConfigSchema`, so every field here is required after the merge. Sizes are bytes, times are ms.
 */

const KiB = 1024;
const MiB = 1024 * KiB;

const int = (min: number, max: number, doc: string) =>
  v.pipe(v.number(), v.integer(), v.minValue(min), v.maxValue(max), v.description(doc));
const bytes = (min: number, doc: string) => int(min, Number.MAX_SAFE_INTEGER, doc);
const ms = (doc: string) => int(1, 24 * 3600 * 1000, doc);

/** Output formats sharp can write with the prebuilt libvips. */
export const THUMBNAIL_FORMATS = ['jpeg', 'png', 'webp', 'avif', 'gif', 'tiff'] as const;
export type ThumbnailFormat = (typeof THUMBNAIL_FORMATS)[number];

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

const CacheSchema = v.pipe(
  v.strictObject({
    maxBytes: bytes(0, 'Memory for small hot files, in bytes; 0 turns the memory cache off.'),
    maxFileBytes: bytes(0, 'Files up to this size are kept in memory; larger ones are streamed from disk.'),
    statTtl: int(0, 60_000, 'How long (ms) a path\'s lookup (realpath, stat) is trusted before it is checked again; a changed file is seen within this time.'),
  }),
  v.forward(v.partialCheck([['maxFileBytes'], ['maxBytes']], (c) => c.maxFileBytes <= c.maxBytes, 'must be <= cache.maxBytes'), ['maxFileBytes']),
);

const ThumbnailsSchema = v.strictObject({
  enabled: v.pipe(v.boolean(), v.description('Answer `?w=&h=&fit=&format=&q=` with a resized or converted image; false serves the original and ignores the query.')),
  maxWidth: int(1, 16_384, 'Largest `w` a client may ask for.'),
  maxHeight: int(1, 16_384, 'Largest `h` a client may ask for.'),
  maxInputPixels: int(1, 1_000_000_000, 'Source images with more pixels (width × height) are refused with 422, before they are decoded.'),
  concurrency: int(1, 64, 'Thumbnails made at once; keep it below the libuv thread pool size (UV_THREADPOOL_SIZE, 4) so file reads always find a free thread.'),
  maxQueue: int(0, 100_000, 'Thumbnail requests waiting for a slot; past this they get 503 with Retry-After.'),
  timeout: ms('A thumbnail taking longer than this (rounded up to whole seconds) fails with 422.'),
  cacheMaxBytes: bytes(0, 'Disk space for made thumbnails under the plugin\'s cache directory; the least recently used are deleted past it.'),
  formats: v.pipe(v.array(v.picklist(THUMBNAIL_FORMATS)), v.minLength(1), v.description('Output formats a client may ask for with `format=`.')),
});

const LimitsSchema = v.pipe(
  v.strictObject({
    maxUrlBytes: int(16, 1 * MiB, 'Longer request targets get 414; keep it below maxHeaderBytes, which the URL counts toward.'),
    maxHeaderBytes: int(1 * KiB, 1 * MiB, 'Request line plus headers larger than this get 431 (Node\'s maxHeaderSize).'),
    headersTimeout: ms('A client must send its complete request head within this time, or gets 408.'),
    requestTimeout: ms('A client must send its complete request within this time, or gets 408.'),
    keepAliveTimeout: ms('An idle keep-alive connection is closed after this time (Node adds 1 s, so that clients, told `Keep-Alive: timeout=N`, close first).'),
    maxConnections: int(1, 1_000_000, 'Connections open at once; past this a new connection is closed as soon as it is accepted. Keep it below the open-file limit, which files being sent share.'),
    drainTimeout: ms('On stop, in-flight responses get this long to finish before their connections are cut; keep it below the plugin\'s stopTimeout.'),
  }),
  v.forward(v.partialCheck([['maxUrlBytes'], ['maxHeaderBytes']], (l) => l.maxUrlBytes < l.maxHeaderBytes, 'must be < limits.maxHeaderBytes'), ['maxUrlBytes']),
  v.forward(v.partialCheck([['headersTimeout'], ['requestTimeout']], (l) => l.headersTimeout <= l.requestTimeout, 'must be <= limits.requestTimeout'), ['headersTimeout']),
);

export const ConfigSchema = v.strictObject({
  host: v.pipe(v.string(), v.minLength(1), v.description('Address to listen on.')),
  port: int(0, 65_535, 'TCP port to listen on; 0 picks a free one.'),
  root: v.pipe(
    v.string(),
    v.minLength(1),
    // Relative to the plugin host's working directory, which is the config file's directory.
    v.transform((p) => path.resolve(p)),
    v.check(isDirectory, (issue) => `must be an existing directory (got ${String(issue.input)})`),
    v.description('The directory served; nothing outside it is ever read.'),
  ),
  cacheControl: v.pipe(v.string(), v.description('Cache-Control sent with files and thumbnails; empty sends none.')),
  index: v.pipe(v.boolean(), v.description('Answer a directory URL (ending in /) with a JSON listing; false answers 404.')),
  accessLog: v.pipe(v.boolean(), v.description('Log one line per request (method, path, status, bytes, ms, remote) to the plugin\'s log.')),
  cache: CacheSchema,
  thumbnails: ThumbnailsSchema,
  limits: LimitsSchema,
});

export type Config = v.InferOutput<typeof ConfigSchema>;

/**
 * Where the bundled sample images are: beside this file when it runs from source, and in the
 * source tree when it runs compiled (tsc does not copy images into dist/).
 */
function sampleImages(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const compiled = path.basename(path.resolve(here, '../..')) === 'dist';
  return compiled ? path.resolve(here, '../../../plugins/image-server/images') : path.join(here, 'images');
}

/**
 * Three quarters of the process's open-file limit (Node raises the soft limit to the hard one at
 * start), at most 10,000: every connection holds an fd, and a full fd table would turn file opens
 * into errors; the last quarter stays for files being streamed, thumbnails and logs.
 */
function defaultMaxConnections(): number {
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(fs.readFileSync('/proc/self/limits', 'utf8'));
    if (m !== null && m[1] !== 'unlimited') return Math.max(64, Math.min(10_000, Math.floor(Number(m[1]) * 0.75)));
  } catch {
    // Not Linux: the fixed default.
  }
  return 10_000;
}

/** Half the CPUs, at most 2: a thumbnail burst leaves a core and two pool threads to file serving. */
const thumbnailConcurrency = Math.max(1, Math.min(2, Math.floor(os.availableParallelism() / 2)));

export const defaults: Config = {
  host: '127.0.0.1',
  port: 9000,
  root: sampleImages(),
  cacheControl: 'public, max-age=3600',
  index: false,
  // Off, as in Caddy: an access line costs several µs of CPU, half again the cost of serving a small file.
  accessLog: false,
  cache: { maxBytes: 64 * MiB, maxFileBytes: 4 * MiB, statTtl: 1000 },
  thumbnails: {
    enabled: true,
    maxWidth: 4096,
    maxHeight: 4096,
    maxInputPixels: 50_000_000,
    concurrency: thumbnailConcurrency,
    maxQueue: 64,
    timeout: 10_000,
    cacheMaxBytes: 256 * MiB,
    formats: ['jpeg', 'png', 'webp', 'avif'],
  },
  limits: {
    maxUrlBytes: 4 * KiB,
    maxHeaderBytes: 16 * KiB,
    headersTimeout: 10_000,
    requestTimeout: 30_000,
    keepAliveTimeout: 5_000,
    maxConnections: defaultMaxConnections(),
    drainTimeout: 4_000,
  },
};
