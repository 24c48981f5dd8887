import fs from 'node:fs';
import { pipeline } from 'node:stream';
import { promisify } from 'node:util';
import { zlib } from './lazy-zlib.js';

const read = promisify(fs.read);
/**
 * What a tail reads at once, backwards or forwards, and so about what one batch of its lines
 * holds: small batches keep the garbage of turning them into a reply young (1 MiB ones made the
 * core's heap grow twice as much for a long tail).
 */
const CHUNK = 64 * 1024;
/** A tail never loads a huge file whole, however many lines were asked for. */
const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;
/**
 * The log text one `ctl logs` tail or follow history holds: half of the control socket's 64 MiB
 * reply limit, as an entry serializes to somewhat more than its line; past it the newest lines
 * that fit. The same bound applies when `ctl logs` reads the files of a daemon that is not running.
 */
export const TAIL_MAX_BYTES = 32 * 1024 * 1024;

/** Receives a tail's lines in order, oldest first, a batch (about {@link CHUNK} bytes) at a time. */
export type LineBatches = (lines: string[]) => void;

/**
 * The last `n` lines of a log, oldest first, continuing into `x.1` (or `x.1.gz`) when the live
 * file holds fewer; no more than `maxBytes` of them (then the newest that fit), so that what a
 * tail holds in memory is bounded by the reply it is for, not by how many lines were asked. Both
 * files are opened in one synchronous step, and a rotation's rename and reopen are one synchronous
 * step too, so the pair is always consistent: no line twice or missed.
 */
export async function tailLines(live: string, n: number, maxBytes = DEFAULT_MAX_BYTES): Promise<string[]> {
  return openTail(live)(n, maxBytes);
}

/**
 * {@link tailLines} in two steps: the files are opened now, and read (then closed) when the
 * returned function is called, so that several logs can be pinned in one tick and read one by one.
 */
export function openTail(live: string): (n: number, maxBytes: number) => Promise<string[]> {
  const read = openTailBatches(live);
  return async (n, maxBytes) => {
    const lines: string[] = [];
    await read(n, maxBytes, (batch) => { for (const line of batch) lines.push(line); });
    return lines;
  };
}

/**
 * {@link openTail} that hands the lines over in batches as it reads them, instead of all at once:
 * a caller that turns them into something else (a reply) holds one batch of lines at a time, not
 * tens of MB of strings. The live file is first scanned backwards for where its last lines begin,
 * keeping nothing, then read forwards.
 */
export function openTailBatches(live: string): (n: number, maxBytes: number, each: LineBatches) => Promise<void> {
  const liveFd = openOrNull(live);
  const plain = openOrNull(`${live}.1`);
  const prev = plain !== null ? { fd: plain, gz: false } : gzOrNull(`${live}.1.gz`);
  return async (n, maxBytes, each) => {
    try {
      if (n <= 0) return;
      const span = liveFd === null ? EMPTY : await lastSpan(liveFd, n, maxBytes);
      const room = maxBytes - span.bytes;
      if (span.lines < n && prev !== null && room > 0) {
        const want = n - span.lines;
        if (prev.gz) {
          // A damaged archive costs its own lines only.
          const more = await lastLinesGz(prev.fd, want, room).catch(() => []);
          if (more.length > 0) each(more);
        } else {
          await readSpan(prev.fd, await lastSpan(prev.fd, want, room), each);
        }
      }
      if (liveFd !== null) await readSpan(liveFd, span, each);
    } finally {
      for (const fd of [liveFd, prev?.fd ?? null]) if (fd !== null) fs.closeSync(fd);
    }
  };
}

/** Where a file's last lines lie: bytes [start, end), `lines` of them taking `bytes` (each with its newline). */
interface Span { start: number; end: number; lines: number; bytes: number }
const EMPTY: Span = { start: 0, end: 0, lines: 0, bytes: 0 };

/** The last n lines of a plain file that fit in maxBytes (each with its newline), oldest first. */
export async function lastLines(fd: number, n: number, maxBytes: number): Promise<string[]> {
  const lines: string[] = [];
  await readSpan(fd, await lastSpan(fd, n, maxBytes), (batch) => { for (const line of batch) lines.push(line); });
  return lines;
}

/**
 * Find where the last n lines of a plain file begin, reading it backwards in chunks and keeping
 * none of them: a line counts once the newline before it is seen (or it starts the file), and
 * only while it and the lines after it fit in maxBytes.
 */
async function lastSpan(fd: number, n: number, maxBytes: number): Promise<Span> {
  const end = fs.fstatSync(fd).size;
  const buf = Buffer.allocUnsafe(Math.min(CHUNK, Math.max(end, 1)));
  let start = end;
  let lines = 0;
  let pos = end;
  let endsWithNewline = true;
  scan: while (pos > 0 && lines < n && end - pos <= maxBytes) {
    const len = Math.min(buf.length, pos);
    pos -= len;
    const got = await readFully(fd, buf, len, pos);
    if (got < len) return EMPTY; // truncated under us: nothing consistent to read
    if (pos + len === end) endsWithNewline = buf[len - 1] === 0x0a;
    for (let i = buf.lastIndexOf(0x0a, len - 1); i !== -1; i = i === 0 ? -1 : buf.lastIndexOf(0x0a, i - 1)) {
      const at = pos + i;
      if (at === end - 1) continue; // ends the last line, begins none
      if (end - (at + 1) > maxBytes) break scan;
      start = at + 1;
      if (++lines === n) break scan;
    }
  }
  // The file's first line has no newline before it.
  if (pos === 0 && lines < n && start > 0 && end <= maxBytes) {
    start = 0;
    lines++;
  }
  return { start, end, lines, bytes: end - start + (lines > 0 && !endsWithNewline ? 1 : 0) };
}

/** Read a span forwards, CHUNK bytes at a time, handing over its whole lines. */
async function readSpan(fd: number, span: Span, each: LineBatches): Promise<void> {
  let carry: Buffer | null = null;
  for (let pos = span.start; pos < span.end;) {
    const len = Math.min(CHUNK, span.end - pos);
    const buf = Buffer.allocUnsafe(len);
    const got = await readFully(fd, buf, len, pos);
    pos += len;
    const text: Buffer = carry === null ? buf.subarray(0, got) : Buffer.concat([carry, buf.subarray(0, got)]);
    const cut = text.lastIndexOf(0x0a);
    if (got < len) { carry = text; break; }
    if (cut === -1) { carry = text; continue; } // a line longer than a batch
    each(text.toString('utf8', 0, cut).split('\n'));
    carry = text.subarray(cut + 1);
  }
  if (carry !== null && carry.length > 0) each(carry.toString('utf8').split('\n').filter((l, i, all) => i < all.length - 1 || l !== ''));
}

async function readFully(fd: number, buf: Buffer, len: number, pos: number): Promise<number> {
  let got = 0;
  while (got < len) {
    const { bytesRead } = await read(fd, buf, got, len - got, pos + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return got;
}

/** The last n lines of a gzipped file that fit in maxBytes: decompressed as a stream, keeping only a window of lines. */
export async function lastLinesGz(fd: number, n: number, maxBytes: number): Promise<string[]> {
  const gunzip = zlib().createGunzip();
  pipeline(fs.createReadStream('', { fd, autoClose: false, start: 0 }), gunzip, () => {});
  gunzip.setEncoding('utf8');
  let window: string[] = [];
  let partial = '';
  for await (const text of gunzip as AsyncIterable<string>) {
    const parts = (partial + text).split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) window.push(line);
    if (window.length > 2 * n + 1024 || byteSize(window) > 2 * maxBytes) window = newest(window, n, maxBytes);
  }
  if (partial !== '') window.push(partial);
  return newest(window, n, maxBytes);
}

/** The last n of `lines` that fit in maxBytes (each with its newline). */
function newest(lines: string[], n: number, maxBytes: number): string[] {
  return newestWithin(lines, n, maxBytes, (line) => Buffer.byteLength(line) + 1);
}

/** The last `count` of `items` whose sizes (`sizeOf`) add up to at most `maxBytes`. */
export function newestWithin<T>(items: T[], count: number, maxBytes: number, sizeOf: (item: T) => number): T[] {
  let bytes = 0;
  let from = items.length;
  while (from > 0 && items.length - from < count) {
    bytes += sizeOf(items[from - 1]!);
    if (bytes > maxBytes) break;
    from--;
  }
  return from === 0 ? items : items.slice(from);
}

/** What lines take in a file, newlines included. */
export function byteSize(lines: readonly string[]): number {
  let bytes = 0;
  for (const line of lines) bytes += Buffer.byteLength(line) + 1;
  return bytes;
}

function openOrNull(file: string): number | null {
  try {
    return fs.openSync(file, 'r');
  } catch {
    return null;
  }
}

function gzOrNull(file: string): { fd: number; gz: true } | null {
  const fd = openOrNull(file);
  return fd === null ? null : { fd, gz: true };
}
