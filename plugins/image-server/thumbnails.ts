import { createHash } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type sharpFactory from 'sharp';
import type { Sharp } from 'sharp';
import type { Logger } from 'winston';
import type { Config, ThumbnailFormat } from './config.js';
import { DiskCache } from './disk-cache.js';
import { openVersion, type FileCache, type LoadMiss } from './file-cache.js';
import { makeFileInfo, sameVersion, type FileInfo } from './file-info.js';
import { shareInFlight } from './in-flight.js';
import { Limiter } from './limiter.js';
import { mediaTypeOfFormat } from './mime.js';
import { closeFd } from './resolve-path.js';
import type { ThumbParams } from './thumb-params.js';

export type ThumbResult =
  | { readonly ok: true; readonly info: FileInfo }
  | { readonly ok: false; readonly status: 415 | 422 | 503; readonly detail: string }
  /** The source is not the version resolved (changed, gone, or swapped for a symlink): resolve again. */
  | { readonly ok: false; readonly miss: LoadMiss };

/**
 * Source types sharp decodes with its prebuilt libvips. SVG is left out on purpose: rendering an
 * untrusted SVG is a parser and resource-loading surface an image server does not need.
 */
const SOURCE_FORMATS = new Map<string, ThumbnailFormat>([
  ['image/jpeg', 'jpeg'], ['image/png', 'png'], ['image/webp', 'webp'],
  ['image/avif', 'avif'], ['image/gif', 'gif'], ['image/tiff', 'tiff'],
]);

export interface ThumbnailOptions {
  readonly config: Config['thumbnails'];
  readonly dir: string;
  readonly cacheControl: string;
  readonly files: FileCache;
  readonly log: Logger;
  readonly counters: { thumbnails: number };
}

/**
 * Resized or converted images, made by sharp and kept on disk. A thumbnail's file name is a hash
 * of the source's real path and ETag and the normalized parameters, so a changed source gets new
 * names, and a name, once written, never changes: it is served like any file (ETag, 304, Range,
 * the memory cache). Making is limited to `concurrency` at once with a bounded queue, because
 * sharp works on the libuv thread pool that file reads need too; identical requests share one job.
 */
export class Thumbnails {
  private readonly disk: DiskCache;
  private readonly limiter: Limiter;
  private readonly infos = new Map<string, FileInfo>();
  private readonly making = new Map<string, Promise<ThumbResult>>();
  private ready: Promise<void> | null = null;
  private seq = 0;

  constructor(private readonly options: ThumbnailOptions) {
    const { config, dir } = options;
    this.limiter = new Limiter(config.concurrency, config.maxQueue);
    this.disk = new DiskCache(dir, config.cacheMaxBytes, (name) => {
      const info = this.infos.get(name);
      this.infos.delete(name);
      if (info !== undefined) options.files.delete(info.path);
    });
  }

  /** Adopt the thumbnails of earlier runs, in the background: starting never waits on a big cache. */
  init(): void {
    this.ready = this.disk.init().catch((e: unknown) => {
      this.options.log.warn(`thumbnail cache ${this.disk.dir} unusable: ${(e as Error).message}`);
    });
  }

  async get(source: FileInfo, params: ThumbParams): Promise<ThumbResult> {
    const sourceFormat = SOURCE_FORMATS.get(source.media.type);
    if (sourceFormat === undefined) return { ok: false, status: 415, detail: `no thumbnails of ${source.media.type}` };
    const { formats } = this.options.config;
    const format = params.format ?? (formats.includes(sourceFormat) ? sourceFormat : formats[0]!);
    const name = thumbnailName(source, params, format);
    await this.ready;

    const known = this.infos.get(name);
    if (known !== undefined && this.disk.touch(name)) return { ok: true, info: known };
    if (this.disk.touch(name)) {
      const adopted = await this.describe(name, format).catch(() => null); // left by an earlier run
      if (adopted !== null) return { ok: true, info: adopted };
      this.disk.forget(name);
    }

    const making = this.making.get(name);
    if (making !== undefined) return making;
    const queued = this.limiter.run(() => this.make(source, params, format, name));
    if (queued === 'busy') return { ok: false, status: 503, detail: 'too many thumbnails in progress' };
    return shareInFlight(this.making, name, queued);
  }

  /** Forget a thumbnail whose file vanished (deleted by hand, or by another instance). */
  forget(info: FileInfo): void {
    const name = path.basename(info.path);
    this.infos.delete(name);
    this.disk.forget(name);
  }

  private async make(source: FileInfo, params: ThumbParams, format: ThumbnailFormat, name: string): Promise<ThumbResult> {
    const { log } = this.options;
    const final = this.disk.pathOf(name);
    const tmp = `${final}.${process.pid}-${++this.seq}.tmp`;
    // sharp opens by name and follows symlinks: give it the fd the jail's safe open checked
    // (O_NOFOLLOW, regular file, the resolved version), so a symlink or FIFO swapped in since
    // the lookup is never read, and the thumbnail is of the version its name says.
    const opened = await openVersion(source);
    if (typeof opened === 'string') return { ok: false, miss: opened };
    const { fd } = opened;
    let failure: Error | 'changed' | null = null;
    try {
      await this.render(fd, params, format, tmp);
    } catch (e) {
      failure = e as Error;
    }
    try {
      // As for a full-size read: a source rewritten while sharp read it (even in place at the same
      // size, mtime put back) gives a mix of two versions, or a decoding error that is not the
      // image's fault. Neither is kept or answered; the request looks the source up again.
      if (!sameVersion(opened.stat, await fstat(fd))) failure = 'changed';
    } finally {
      await closeFd(fd);
    }
    if (failure !== null) {
      await fsp.rm(tmp, { force: true });
      if (failure === 'changed') return { ok: false, miss: 'changed' };
      log.warn(`thumbnail of ${source.path} failed: ${failure.message}`);
      return { ok: false, status: 422, detail: 'the image could not be converted' };
    }
    await fsp.rename(tmp, final);
    this.options.counters.thumbnails++;
    const info = await this.describe(name, format);
    this.disk.add(name, info.size);
    return { ok: true, info };
  }

  /** sharp reads the source through `fd` and writes the thumbnail to `tmp`. */
  private async render(fd: number, params: ThumbParams, format: ThumbnailFormat, tmp: string): Promise<void> {
    const { config } = this.options;
    const sharp = await loadSharp();
    let image: Sharp = sharp(await inputOf(fd), { limitInputPixels: config.maxInputPixels, sequentialRead: true }).autoOrient();
    if (params.width !== undefined || params.height !== undefined) {
      // Never enlarge: a thumbnail is at most the source's size, however big `w` and `h` are.
      image = image.resize({ width: params.width, height: params.height, fit: params.fit, withoutEnlargement: true });
    }
    await image
      .toFormat(format, params.quality === undefined ? {} : { quality: params.quality })
      .timeout({ seconds: Math.ceil(config.timeout / 1000) })
      .toFile(tmp);
  }

  private async describe(name: string, format: ThumbnailFormat): Promise<FileInfo> {
    const file = this.disk.pathOf(name);
    const info = makeFileInfo(file, await fsp.stat(file), mediaTypeOfFormat(format), this.options.cacheControl);
    this.infos.set(name, info);
    return info;
  }
}

/** The content address of a thumbnail: source version plus normalized parameters. */
function thumbnailName(source: FileInfo, p: ThumbParams, format: ThumbnailFormat): string {
  // `fit` only matters when both sides are given; leaving it out otherwise saves duplicates.
  const fit = p.width !== undefined && p.height !== undefined ? p.fit : '';
  // The ETag names the version by inode, size, mtime and ctime, so a source rewritten in place
  // (mtime put back or not) gets new names, never the old version's thumbnails.
  const key = [source.path, source.etag, p.width ?? '', p.height ?? '', fit, p.quality ?? '', format].join('\n');
  return `${createHash('sha256').update(key).digest('hex').slice(0, 40)}.${format}`;
}

const readFd = promisify(fs.readFile);
const fstat = promisify(fs.fstat);

/**
 * What sharp reads an open fd through: on Linux its /proc path, which reopens that very inode and
 * lets libvips read it piecemeal; elsewhere the bytes, read from the fd.
 */
async function inputOf(fd: number): Promise<string | Buffer> {
  return process.platform === 'linux' ? `/proc/self/fd/${fd}` : readFd(fd);
}

let sharpLoading: Promise<typeof sharpFactory> | null = null;

/**
 * sharp (libvips) is loaded on the first thumbnail, not at start: it costs some 50 MB and tens of
 * milliseconds that a server that never makes a thumbnail should not pay. Its settings are per
 * process, and this process is ours: one libvips thread per image (the limiter decides how many
 * images at once), and no libvips operation cache (results are cached on disk, and the memory is
 * better spent on the file cache).
 */
function loadSharp(): Promise<typeof sharpFactory> {
  sharpLoading ??= import('sharp').then((m) => {
    const sharp = m.default;
    sharp.concurrency(1);
    sharp.cache(false);
    return sharp;
  });
  return sharpLoading;
}
