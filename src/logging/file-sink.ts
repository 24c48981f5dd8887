import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import { dirname } from 'node:path';
import { errors } from '../errors/index.js';
import { isoTime } from '../iso-time.js';
import { closeGaps, compressGeneration, holdForCompression, listRotated, recoverRotated, releaseHeld, shiftRotated, type PendingCompression } from './rotated-files.js';
import { RotationQueue } from './rotation-queue.js';
import type { FileSinkOptions, RotateResult, SinkError, SinkStats } from './sink-types.js';
import { closeQuietly, countBytes, countLines, describe, errorCode, PartialWrite, writeFully } from './sync-write.js';

export type { FileSinkOptions, RotateResult, SinkError, SinkStats } from './sink-types.js';
export { countLines } from './sync-write.js';

const FLAGS = fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT;

/**
 * One log file, written synchronously: a line handed to write() is in the file (the kernel's page
 * cache) when write() returns, so a rotation, a reopen or process exit can never lose or double
 * it. Events: 'error-state' (SinkError, once per failing episode), 'recovered' (lines dropped in
 * the episode), 'rotated' (RotateResult), 'compress-error' (SinkError).
 */
export class FileSink extends EventEmitter {
  /** Called with the text of every successful write; set by LogManager only while someone follows. */
  onWrite: ((text: string) => void) | null = null;
  private options: Required<FileSinkOptions>;
  private fd = -1;
  private ino = -1n;
  private dev = -1n;
  private bytes = 0;
  /** The live file held this many bytes when its path was last seen to be it (open, checkPath). */
  private linkedUpTo = 0;
  private lines = 0;
  private dropped = 0;
  private rotations = 0;
  private lastError: SinkError | null = null;
  private failing = false;
  private episodeDropped = 0;
  /** The file ends inside a torn line (a write stopped part-way): the next write starts a new line. */
  private midLine = false;
  private readonly rotation = new RotationQueue();
  /** Rotated generations held open until their gzip job runs, oldest first. */
  private readonly toCompress: PendingCompression[] = [];
  private swapping = false;
  private autoRetryAt = 0;
  private state: 'open' | 'closing' | 'closed' = 'open';
  private closing: Promise<void> | null = null;

  constructor(readonly path: string, options: FileSinkOptions) {
    super();
    this.options = { mode: 0o600, ...options };
    // A previous core killed mid-compression may have left a partial or a doubled generation,
    // one killed mid-shift a gap in the numbering.
    try {
      recoverRotated(path);
      closeGaps(path);
    } catch { /* best effort: the next rotation shifts them along */ }
    try {
      this.openLive();
    } catch (error) {
      // Not fatal: every write retries the open, and lines meanwhile are counted as dropped.
      this.enterFailing(error);
    }
    if (this.options.compress) this.compressLeftovers();
  }

  /** Apply new limits (config reload); the next write that reaches maxSize rotates. */
  configure(options: Omit<FileSinkOptions, 'mode'>): void {
    this.options = { ...this.options, maxSize: options.maxSize, keep: options.keep, compress: options.compress };
  }

  /**
   * Append complete `\n`-terminated lines in one write. Never throws: a failed write counts its
   * lines as dropped and returns false; the next write tries again.
   */
  write(text: string, lines = countLines(text)): boolean {
    if (this.state === 'closed') {
      this.dropped += lines;
      return false;
    }
    const data = this.midLine ? `\n${text}` : text;
    let written: number;
    try {
      written = this.writeAll(data);
    } catch (error) {
      return this.writeFailed(error, lines);
    }
    this.midLine = false;
    this.bytes += written;
    this.lines += lines;
    if (this.failing) this.recover();
    this.onWrite?.(text);
    if (this.options.maxSize !== null && this.bytes >= this.options.maxSize) this.sizeReached();
    return true;
  }

  /**
   * Rename the live file to `x.1` (after shifting older ones) and reopen `x`. Serialized per sink;
   * a gzip still running from an earlier rotation does not hold it up. An empty live file is not
   * rotated.
   */
  rotate(): Promise<RotateResult> {
    return this.enqueue(() => this.swap());
  }

  /**
   * Open `path` afresh (an external tool moved the file). When the file we wrote to was deleted
   * rather than moved, the lines written to it since the last look at the path (checkPath) would
   * be unreachable: they are copied from the deleted file into the new one, so that a deletion
   * costs only lines that were already in the file when someone could have seen them. Never
   * throws; false when the open failed.
   */
  reopen(): boolean {
    if (this.state === 'closed') return false;
    try {
      this.reopenLive();
      return true;
    } catch {
      return false;
    }
  }

  /** Reopen when the file at `path` is gone or is another file than ours. Cheap: one stat. */
  checkPath(): boolean {
    if (this.state === 'closed') return false;
    let st: fs.BigIntStats;
    try {
      st = fs.statSync(this.path, { bigint: true });
    } catch (error) {
      // A path that cannot even be looked at (its directory replaced by a file) while our file is
      // deleted: reopen, whose failure then stops writes into the unseen file and counts them.
      if (errorCode(error) === 'ENOENT' || (this.fd >= 0 && isDeleted(this.fd))) return this.reopen();
      this.record(error);
      return false;
    }
    if (this.fd >= 0 && st.dev === this.dev && st.ino === this.ino) {
      this.bytes = Number(st.size); // follows a copytruncate
      this.linkedUpTo = this.bytes;
      return false;
    }
    return this.reopen();
  }

  stats(): SinkStats {
    const { path, bytes, lines, dropped, rotations, lastError, failing } = this;
    return { path, bytes, lines, dropped, rotations, lastError, failing };
  }

  /** Resolves when no rotation is queued and no compression runs. */
  settled(): Promise<void> {
    return this.rotation.settled();
  }

  /** Finish pending rotations and compression, then close the file. Later writes are dropped. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.state = 'closing';
      await this.settled();
      this.state = 'closed';
      if (this.fd >= 0) closeQuietly(this.fd);
      this.fd = -1;
    })();
    return this.closing;
  }

  private writeAll(data: string): number {
    if (this.fd < 0) this.openLive();
    try {
      return writeFully(this.fd, data);
    } catch (error) {
      if (errorCode(error) !== 'EBADF') throw error;
      // Our fd was closed underneath us: its number is not ours any more, so never close it.
      this.fd = -1;
      this.openLive();
      return writeFully(this.fd, data);
    }
  }

  private writeFailed(error: unknown, lines: number): false {
    let lost = lines;
    if (error instanceof PartialWrite) {
      let done = error.data.subarray(0, error.written);
      const whole = done.lastIndexOf(0x0a) + 1;
      if (whole < done.length && this.cutTail(done.length - whole)) done = done.subarray(0, whole);
      const newlines = countBytes(done, 0x0a) - (this.midLine ? 1 : 0);
      lost = Math.max(0, lines - Math.max(0, newlines));
      this.bytes += done.length;
      this.lines += lines - lost;
      if (done.length > 0) this.midLine = done[done.length - 1] !== 0x0a;
      error = error.reason;
    }
    this.dropped += lost;
    this.enterFailing(error);
    this.episodeDropped += lost;
    return false;
  }

  /**
   * Remove the last `n` bytes of the live file: the start of a line whose write was cut short,
   * which would otherwise stay in the file as a torn line. We are its only writer. False when
   * it cannot be done (the line is then ended by the next write).
   */
  private cutTail(n: number): boolean {
    try {
      const size = fs.fstatSync(this.fd).size;
      if (size < n) return false;
      fs.ftruncateSync(this.fd, size - n);
      return true;
    } catch {
      return false;
    }
  }

  private enterFailing(error: unknown): void {
    this.record(error);
    if (this.failing) return;
    this.failing = true;
    this.episodeDropped = 0;
    this.emit('error-state', this.lastError);
  }

  private recover(): void {
    this.failing = false;
    const dropped = this.episodeDropped;
    this.episodeDropped = 0;
    this.emit('recovered', dropped);
  }

  private sizeReached(): void {
    if (this.swapping || this.state !== 'open' || Date.now() < this.autoRetryAt) return;
    if (this.rotation.idle) {
      // Nothing to wait for: rotate right here, so the file never grows past maxSize + one write.
      try {
        this.swap();
      } catch {
        this.autoRetryAt = Date.now() + 1000;
      }
      return;
    }
    if (this.rotation.queued > 0) return; // a queued rotation will start a fresh file
    this.enqueue(() => (this.options.maxSize !== null && this.bytes >= this.options.maxSize ? this.swap() : { rotated: false, to: '' }))
      .catch(() => { this.autoRetryAt = Date.now() + 1000; });
  }

  private enqueue(step: () => RotateResult): Promise<RotateResult> {
    if (this.state !== 'open') return Promise.resolve({ rotated: false, to: '' });
    return this.rotation.run(step);
  }

  /** The rotation itself: shift, rename and reopen in one synchronous step, so no write falls between. */
  private swap(): RotateResult {
    const result = this.swapFiles();
    // Emitted after the step, so that a listener (which may log to this very sink) sees it done.
    if (result.rotated) this.emit('rotated', result);
    return result;
  }

  private swapFiles(): RotateResult {
    this.swapping = true;
    try {
      const { keep, compress, mode } = this.options;
      if (this.fd >= 0 && fs.fstatSync(this.fd).size === 0) return { rotated: false, to: '' };
      if (!this.atPath()) {
        // Our file was moved or deleted (an external logrotate not yet followed by a reopen, or a
        // reopen that failed): it is rotated already, so only a new file is wanted. Shifting the
        // generations would free no name and delete the oldest for nothing; and while the open
        // keeps failing (EMFILE), each try would move the file still written one step nearer
        // deletion. A failed open throws, so size rotations wait before trying again.
        this.reopenLive();
        return { rotated: false, to: '' };
      }
      let to = '';
      try {
        shiftRotated(this.path, keep);
        if (keep === 0) {
          fs.unlinkSync(this.path);
        } else {
          to = `${this.path}.1`;
          fs.renameSync(this.path, to);
        }
      } catch (error) {
        if (errorCode(error) !== 'ENOENT' || fs.existsSync(this.path)) throw error;
        this.reopen(); // the live file was deleted under us: nothing to rotate, start a new one
        return { rotated: false, to: '' };
      }
      const old = this.fd;
      // If this open fails, writes go on into the renamed file through the old fd (no loss) and
      // checkPath() reopens later; the renamed file is then not compressed, as it is still live.
      this.openLive();
      if (old >= 0) closeQuietly(old);
      this.rotations++;
      if (to && compress) {
        try {
          this.compressLater(holdForCompression(to), mode, keep);
          to = `${to}.gz`;
        } catch (error) {
          // Rotated all the same; this generation stays plain.
          this.record(error);
          this.emit('compress-error', this.lastError);
        }
      }
      return { rotated: true, to };
    } catch (error) {
      this.record(error);
      throw errors.logRotate(this.path, describe(error), { cause: error });
    } finally {
      this.swapping = false;
    }
  }

  /**
   * Gzip a rotated generation once the jobs before it are done. Only the newest `keep` can still
   * exist: older ones waiting were shifted out and deleted, and are let go (their fd closed, so
   * their space is freed) rather than held behind a slow gzip during a burst.
   */
  private compressLater(held: PendingCompression, mode: number, keep: number): void {
    this.toCompress.push(held);
    while (this.toCompress.length > keep) releaseHeld(this.toCompress.shift()!);
    this.rotation.background(async () => {
      const at = this.toCompress.indexOf(held);
      if (at === -1) return; // let go above
      this.toCompress.splice(at, 1);
      try {
        await compressGeneration(this.path, held, mode);
      } catch (error) {
        this.record(error);
        this.emit('compress-error', this.lastError);
      }
    });
  }

  /** reopen(), throwing the open's error (recorded) when it fails. */
  private reopenLive(): void {
    const old = this.fd;
    const salvage = old >= 0 ? this.deletedSince(old) : null;
    try {
      this.openLive();
    } catch (error) {
      if (old >= 0 && isDeleted(old)) {
        // Lines written on into a file with no name would vanish without a word: stop, and
        // count them as dropped (said once) until the path can be opened again.
        closeQuietly(old);
        this.fd = -1;
        this.enterFailing(error);
      } else {
        this.record(error);
      }
      throw error;
    }
    if (salvage) this.copyRange(old, salvage.from, salvage.to);
    if (old >= 0) closeQuietly(old);
  }

  /**
   * Gzip the plain generations a core killed before their gzip ran (or whose gzip failed, on a
   * full disk) left behind: nothing else would, and they would stay full size until deleted.
   */
  private compressLeftovers(): void {
    const { mode, keep } = this.options;
    for (const f of listRotated(this.path).reverse()) {
      if (f.gz) continue;
      try {
        this.compressLater(holdForCompression(f.path), mode, keep);
      } catch (error) {
        this.record(error);
      }
    }
  }

  private openLive(): void {
    let fd: number;
    try {
      fd = fs.openSync(this.path, FLAGS, this.options.mode);
    } catch (error) {
      if (errorCode(error) !== 'ENOENT') throw error;
      // The directory itself was removed (a cleanup script, `rm -rf logs`): make it again, as
      // the core made it at first. Only the last level: a home that is gone is not ours to remake.
      fs.mkdirSync(dirname(this.path), { mode: 0o700 });
      fd = fs.openSync(this.path, FLAGS, this.options.mode);
    }
    const st = fs.fstatSync(fd, { bigint: true });
    this.fd = fd;
    this.dev = st.dev;
    this.ino = st.ino;
    this.bytes = Number(st.size);
    this.linkedUpTo = this.bytes;
  }

  /** The file at `path` is the one we write to. */
  private atPath(): boolean {
    if (this.fd < 0) return false;
    try {
      const st = fs.statSync(this.path, { bigint: true });
      return st.dev === this.dev && st.ino === this.ino;
    } catch {
      return false;
    }
  }

  /** When `fd`'s file has no name left (deleted): the bytes written since the path was last seen. */
  private deletedSince(fd: number): { from: number; to: number } | null {
    let st: fs.Stats;
    try { st = fs.fstatSync(fd); } catch { return null; }
    if (st.nlink > 0 || !st.isFile() || st.size <= this.linkedUpTo) return null;
    return { from: this.linkedUpTo, to: st.size };
  }

  /**
   * Append bytes [from, to) of the deleted file behind `writeFd` to the live file, in chunks. Our fd
   * is write-only; Linux lets /proc/self/fd/N open the file for reading even with no name left.
   */
  private copyRange(writeFd: number, from: number, to: number): void {
    let src: number;
    try { src = fs.openSync(`/proc/self/fd/${writeFd}`, 'r'); } catch (error) { this.record(error); return; }
    try {
      const buf = Buffer.allocUnsafe(Math.min(1024 * 1024, to - from));
      for (let pos = from; pos < to;) {
        const n = fs.readSync(src, buf, 0, Math.min(buf.length, to - pos), pos);
        if (n === 0) return;
        const chunk = buf.subarray(0, n);
        try {
          let done = 0;
          while (done < n) done += fs.writeSync(this.fd, chunk, done);
        } catch (error) {
          this.writeFailed(error, countBytes(chunk, 0x0a));
          return;
        }
        this.bytes += n;
        pos += n;
      }
    } catch (error) {
      this.record(error);
    } finally {
      closeQuietly(src);
    }
  }

  private record(error: unknown): void {
    this.lastError = { code: errorCode(error) ?? 'EUNKNOWN', message: describe(error), at: isoTime() };
  }
}

function isDeleted(fd: number): boolean {
  try { return fs.fstatSync(fd).nlink === 0; } catch { return false; }
}
