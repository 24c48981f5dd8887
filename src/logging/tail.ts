import fs from 'node:fs';
import { pipeline } from 'node:stream';
import { promisify } from 'node:util';
import { zlib } from './lazy-zlib.js';

const read = promisify(fs.read);
const CHUNK = 64 * 1024;
/** A tail never loads a huge file whole, however many lines were asked for. */
const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;
/**
 * The log text one `ctl logs` tail or follow history holds: half of the control socket's 64 MiB
 * reply limit, as an entry serializes to somewhat more than its line; past it the newest lines
 * that fit. The same bound applies when `ctl logs` reads the files of a daemon that is not running.
 */
export const TAIL_MAX_BYTES = 32 * 1024 * 1024;

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
  const liveFd = openOrNull(live);
  const plain = openOrNull(`${live}.1`);
  const prev = plain !== null ? { fd: plain, gz: false } : gzOrNull(`${live}.1.gz`);
  return async (n, maxBytes) => {
    try {
      if (n <= 0) return [];
      const lines = liveFd === null ? [] : await lastLines(liveFd, n, maxBytes);
      const room = maxBytes - byteSize(lines);
      if (lines.length >= n || prev === null || room <= 0) return lines;
      const want = n - lines.length;
      // A damaged archive costs its own lines only.
      const more = prev.gz ? await lastLinesGz(prev.fd, want, room).catch(() => []) : await lastLines(prev.fd, want, room);
      return [...more, ...lines];
    } finally {
      for (const fd of [liveFd, prev?.fd ?? null]) if (fd !== null) fs.closeSync(fd);
    }
  };
}

/** The last n lines of a plain file that fit in maxBytes (each with its newline), read backwards in chunks. */
export async function lastLines(fd: number, n: number, maxBytes: number): Promise<string[]> {
  let pos = fs.fstatSync(fd).size;
  const end = pos;
  const chunks: Buffer[] = [];
  let newlines = 0;
  // n lines need n+1 newlines before them to be known whole (the last one ends the final line).
  while (pos > 0 && newlines <= n && end - pos < maxBytes) {
    const len = Math.min(CHUNK, pos, maxBytes - (end - pos) + 1);
    pos -= len;
    const buf = Buffer.allocUnsafe(len);
    let got = 0;
    while (got < len) {
      const { bytesRead } = await read(fd, buf, got, len - got, pos + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    chunks.unshift(buf.subarray(0, got));
    newlines += count(buf.subarray(0, got));
  }
  const lines = Buffer.concat(chunks).toString('utf8').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  if (pos > 0) lines.shift(); // began mid-line, or with a line past maxBytes
  return lines.slice(-n);
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

/** The last n of `lines` that fit in maxBytes. */
function newest(lines: string[], n: number, maxBytes: number): string[] {
  let bytes = 0;
  let from = lines.length;
  while (from > 0 && lines.length - from < n) {
    bytes += Buffer.byteLength(lines[from - 1]!) + 1;
    if (bytes > maxBytes) break;
    from--;
  }
  return lines.slice(from);
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

function count(buf: Buffer): number {
  let c = 0;
  for (let i = buf.indexOf(0x0a); i !== -1; i = buf.indexOf(0x0a, i + 1)) c++;
  return c;
}
