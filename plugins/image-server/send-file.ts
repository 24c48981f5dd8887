import fs from 'node:fs';
import type { IncomingMessage, OutgoingHttpHeader } from 'node:http';
import { pipeline } from 'node:stream';
import type { Logger } from 'winston';
import { ifRangeAllows, preconditionStatus } from './conditional.js';
import { openVersion, type FileCache, type LoadMiss, type OpenVersion } from './file-cache.js';
import { sameVersion, type FileInfo } from './file-info.js';
import { parseRange, type ByteRange } from './range.js';
import { closeFd } from './resolve-path.js';
import { sendStatus, type ImageResponse } from './responses.js';

/** 'sent': answered. 'gone' / 'changed': the file is not the version resolved; resolve again. */
export type SendOutcome = 'sent' | LoadMiss;

export interface SendDeps {
  readonly files: FileCache;
  readonly log: Logger;
}

/**
 * Read size for streamed files: 256 KiB takes a third less CPU per byte than the default 64 KiB
 * (fewer reads, writes and buffers), and a slow client still pins only one chunk.
 */
const STREAM_CHUNK = 256 * 1024;

/**
 * Answer a GET or HEAD for one version of a file: 304/412 from the validators, 416 or 206 from
 * Range, then the bytes — from memory when the file is small (synchronously, with headers built
 * in advance), else streamed from an fd with back-pressure. Nothing is opened for a 304,
 * a 412, a 416 or a HEAD. Returns synchronously when it could, a promise otherwise.
 */
export function sendFile(req: IncomingMessage, res: ImageResponse, info: FileInfo, deps: SendDeps): SendOutcome | Promise<SendOutcome> {
  const pre = preconditionStatus(req.headers, info);
  if (pre === 304) {
    writeHead(res, 304, info.notModified);
    res.end();
    return 'sent';
  }
  if (pre === 412) {
    sendStatus(req, res, 412);
    return 'sent';
  }
  let range: ByteRange | null = null;
  const rangeHeader = req.headers.range;
  if (rangeHeader !== undefined && ifRangeAllows(req.headers, info)) {
    const parsed = parseRange(rangeHeader, info.size);
    if (parsed === 'unsatisfiable') {
      sendStatus(req, res, 416, ['Content-Range', `bytes */${info.size}`]);
      return 'sent';
    }
    range = parsed;
  }
  if (req.method === 'HEAD') {
    writeFileHead(res, info, range);
    res.end();
    return 'sent';
  }
  if (!deps.files.accepts(info.size)) return stream(res, info, range, deps.log);
  const body = deps.files.get(info);
  if (body !== undefined) {
    sendBuffer(res, info, range, body);
    return 'sent';
  }
  return deps.files.load(info).then((loaded) => {
    if (typeof loaded === 'string') return loaded;
    if (!res.destroyed) sendBuffer(res, info, range, loaded); // the client may have left meanwhile
    return 'sent';
  });
}

function writeHead(res: ImageResponse, status: number, headers: readonly string[]): void {
  // writeHead only reads the array; the cast drops `readonly` for its signature.
  res.writeHead(status, headers as OutgoingHttpHeader[]);
}

function writeFileHead(res: ImageResponse, info: FileInfo, range: ByteRange | null): void {
  if (range === null) {
    writeHead(res, 200, info.full);
  } else {
    writeHead(res, 206, [
      ...info.common,
      'Content-Length', String(range.end - range.start + 1),
      'Content-Range', `bytes ${range.start}-${range.end}/${info.size}`,
    ]);
  }
}

function sendBuffer(res: ImageResponse, info: FileInfo, range: ByteRange | null, body: Buffer): void {
  const part = range === null ? body : body.subarray(range.start, range.end + 1);
  writeFileHead(res, info, range);
  res.sent(part.length);
  res.end(part);
}

async function stream(res: ImageResponse, info: FileInfo, range: ByteRange | null, log: Logger): Promise<SendOutcome> {
  // Headers come from `info`, so the bytes must be that version.
  const opened = await openVersion(info);
  if (typeof opened === 'string') return opened === 'changed' && res.destroyed ? 'sent' : opened;
  const { fd } = opened;
  if (res.destroyed) {
    await closeFd(fd);
    return 'sent';
  }
  writeFileHead(res, info, range);
  if (info.size === 0) {
    await closeFd(fd);
    res.end();
    return 'sent';
  }
  const reads = checkedReads(opened, info.path);
  // With `fd`, the path is only used in error messages; the stream closes the fd when done.
  const source = fs.createReadStream(info.path, {
    fd,
    fs: reads,
    start: range?.start ?? 0,
    end: range?.end ?? info.size - 1,
    highWaterMark: STREAM_CHUNK,
  });
  const expected = range === null ? info.size : range.end - range.start + 1;
  let streamed = 0;
  source.on('data', (chunk: Buffer | string) => {
    streamed += chunk.length;
    res.sent(chunk.length);
  });
  // A file truncated while it streams ends the read early. Registered before pipeline's own 'end'
  // listener, so this runs before res.end(): a short body must cut the connection, as nginx does,
  // or a keep-alive client takes the next response's bytes for the rest of this one.
  source.once('end', () => {
    if (streamed >= expected) return;
    log.warn(`${info.path} shrank while it was sent (${streamed} of ${expected} bytes): connection closed`);
    res.destroy();
  });
  // pipeline pauses `source` while the socket is full, and on error or a vanished client
  // destroys both sides, which closes the fd (autoClose) and cuts the connection short of its
  // Content-Length, so a changed file is never sent as a silent mix of two versions.
  pipeline(source, res, (error) => {
    if (reads.changed) log.warn(`${info.path} changed while it was sent (${streamed} of ${expected} bytes): connection closed`);
    // A premature close is a client that left; anything else (EIO, say) is worth a line.
    else if (error && error.code !== 'ERR_STREAM_PREMATURE_CLOSE') log.warn(`streaming ${info.path} failed: ${error.message}`);
  });
  return 'sent';
}

type ReadCallback = (error: NodeJS.ErrnoException | null, bytesRead: number, buffer: Buffer) => void;

/**
 * The reads a streamed send makes (createReadStream's `fs` option): each is followed by an fstat
 * of the same fd, and a read after which the file is not the version opened fails instead of
 * passing its bytes on. The fstat runs inside the read, so the fd cannot be closed under it.
 */
function checkedReads(opened: OpenVersion, path: string): { read: typeof fs.read; close: typeof fs.close; changed: boolean } {
  const reads = {
    changed: false,
    close: fs.close,
    read: ((fd: number, buffer: Buffer, offset: number, length: number, position: number, callback: ReadCallback) => {
      fs.read(fd, buffer, offset, length, position, (readError, bytesRead) => {
        if (readError) return callback(readError, bytesRead, buffer);
        fs.fstat(fd, (statError, after) => {
          if (statError) return callback(statError, 0, buffer);
          if (sameVersion(opened.stat, after)) return callback(null, bytesRead, buffer);
          reads.changed = true;
          callback(new Error(`${path} changed while it was read`), 0, buffer);
        });
      });
    }) as typeof fs.read,
  };
  return reads;
}
