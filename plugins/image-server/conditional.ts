import type { IncomingHttpHeaders } from 'node:http';
import { parseHttpDate } from './http-date.js';

/** The validators of one version of a file. */
export interface Validators {
  readonly etag: string;
  /** Last-Modified in whole seconds since the epoch, as HTTP dates carry no more. */
  readonly modifiedSec: number;
  readonly lastModified: string;
}

/**
 * A strong ETag from inode, size, mtime and ctime (µs). ctime is there because mtime can be put
 * back after a rewrite in place (rsync -t, touch -r) and ctime cannot: without it, two versions
 * would share a tag, and a client's 304, the memory cache and a thumbnail's name would all give
 * the old one. A chmod also changes ctime; that costs one revalidation, never a wrong answer.
 */
export function etagOf(ino: number, size: number, mtimeMs: number, ctimeMs: number): string {
  return `"${ino.toString(36)}-${size.toString(36)}-${micros(mtimeMs)}-${micros(ctimeMs)}"`;
}

function micros(ms: number): string {
  return Math.round(ms * 1000).toString(36);
}

export function validatorsOf(ino: number, size: number, mtimeMs: number, ctimeMs: number): Validators {
  const modifiedSec = Math.floor(mtimeMs / 1000);
  return { etag: etagOf(ino, size, mtimeMs, ctimeMs), modifiedSec, lastModified: new Date(modifiedSec * 1000).toUTCString() };
}

/** Does an If-Match / If-None-Match list name `etag`? Weak comparison ignores `W/`; strong never matches a weak tag. */
function listMatches(list: string, etag: string, weak: boolean): boolean {
  if (list === etag) return true; // the common case: the client echoes our one tag
  for (const raw of list.split(',')) {
    let tag = raw.trim();
    if (tag === '*') return true;
    if (tag.startsWith('W/')) {
      if (!weak) continue;
      tag = tag.slice(2);
    }
    if (tag === etag) return true;
  }
  return false;
}

/**
 * Evaluate the preconditions of a GET or HEAD in the order RFC 9110 §13.2.2 gives:
 * If-Match, else If-Unmodified-Since (412 when false); then If-None-Match, else If-Modified-Since
 * (304 when false). Returns the status to answer with, or 0 to go on and send the file.
 * `nowSec` is the server's clock, in seconds.
 */
export function preconditionStatus(headers: IncomingHttpHeaders, v: Validators, nowSec = Date.now() / 1000): 0 | 304 | 412 {
  const ifMatch = headers['if-match'];
  if (ifMatch !== undefined) {
    if (!listMatches(ifMatch, v.etag, false)) return 412;
  } else {
    const ius = headers['if-unmodified-since'];
    if (ius !== undefined && v.modifiedSec > parseHttpDate(ius)) return 412; // NaN compares false: ignored
  }
  const ifNoneMatch = headers['if-none-match'];
  if (ifNoneMatch !== undefined) return listMatches(ifNoneMatch, v.etag, true) ? 304 : 0;
  const ims = headers['if-modified-since'];
  if (ims === undefined) return 0;
  // A date later than our clock is no date the file could have been seen at (RFC 7232 §3.3 calls
  // it invalid; Apache ignores it; nginx, matching exactly by default, never 304s on it). Taken
  // at face value it would answer 304 until that date, whatever changes meanwhile.
  const since = parseHttpDate(ims);
  return v.modifiedSec <= since && since <= nowSec ? 304 : 0; // NaN compares false: ignored
}

/**
 * Should a Range be honoured? Without If-Range, yes. With it, only if it names the current
 * representation: the same strong ETag, or exactly its Last-Modified date (RFC 9110 §13.1.5).
 */
export function ifRangeAllows(headers: IncomingHttpHeaders, v: Validators): boolean {
  const ifRange = headers['if-range'];
  if (typeof ifRange !== 'string') return ifRange === undefined;
  if (ifRange.startsWith('"') || ifRange.startsWith('W/')) return ifRange === v.etag;
  return parseHttpDate(ifRange) === v.modifiedSec;
}
