import type { Readable } from 'node:stream';
import { isoTime } from '../iso-time.js';
import type { FileSink } from './file-sink.js';

export interface PluginOutputMeta {
  /** stdout and stderr carry text; 'log' carries the plugin logger's JSON lines. */
  stream: 'stdout' | 'stderr' | 'log';
  pid: number;
  instance: number;
}

export interface PluginOutputOptions {
  /** Longer lines are cut into pieces of at most this many bytes, each marked `"cut":true`. Default 64 KiB. */
  maxLineBytes?: number;
}

const NL = 0x0a;

/**
 * Capture one output stream of a plugin process into its log file. Each chunk read from the pipe
 * becomes one write of whole lines; a partial line waits for the rest (bounded by maxLineBytes).
 * Text lines become `{"time","stream","pid","instance","message"}`; a 'log' line that is a JSON
 * object is kept verbatim. Writing is synchronous, so nothing queues in the core: while the
 * sink writes, the pipe fills and a flooding plugin blocks in its own write().
 */
export function attachPluginOutput(sink: FileSink, stream: Readable, meta: PluginOutputMeta, options: PluginOutputOptions = {}): void {
  const max = Math.max(4, options.maxLineBytes ?? 64 * 1024);
  const head = `","stream":"${meta.stream}","pid":${meta.pid},"instance":${meta.instance},"message":`;
  const verbatim = meta.stream === 'log';
  let pending: Buffer | null = null;
  /** The pending bytes continue a line that was already cut. */
  let continuing = false;
  let ended = false;

  const capture = (chunk: Buffer | string, final: boolean) => {
    let data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (pending) {
      data = Buffer.concat([pending, data]);
      pending = null;
    }
    const prefix = `{"time":"${isoTime()}${head}`;
    let out = '';
    let lines = 0;
    const line = (start: number, end: number, cut: boolean) => {
      if (!cut && end > start && data[end - 1] === 0x0d) end--; // CRLF
      const text = data.toString('utf8', start, end);
      if (verbatim && !cut && text.startsWith('{') && text.endsWith('}')) out += `${text}\n`;
      else out += `${prefix}${JSON.stringify(text)}${cut ? ',"cut":true}\n' : '}\n'}`;
      lines++;
    };
    let start = 0;
    for (let nl = data.indexOf(NL); nl !== -1; nl = data.indexOf(NL, start)) {
      if (nl - start > max || continuing) {
        start = cutPieces(data, start, nl, max, line);
        line(start, nl, true);
        continuing = false;
      } else {
        line(start, nl, false);
      }
      start = nl + 1;
    }
    if (data.length - start > max) {
      start = cutPieces(data, start, data.length, max, line);
      continuing = true;
    }
    if (start < data.length) {
      if (final) {
        line(start, data.length, continuing);
        continuing = false;
      } else {
        pending = Buffer.from(data.subarray(start)); // a copy: do not pin the whole chunk
      }
    }
    if (lines > 0) sink.write(out, lines);
  };

  const finish = () => {
    if (ended) return;
    ended = true;
    if (pending) capture(Buffer.alloc(0), true);
  };
  stream.on('data', (chunk: Buffer | string) => { if (!ended) capture(chunk, false); });
  // A spare host's streams were paused when it was taken, so that nothing it wrote was dropped
  // before this listener came; a 'data' listener does not undo an explicit pause().
  stream.resume();
  stream.once('end', finish);
  stream.once('close', finish);
  stream.on('error', finish); // the plugin's side vanished; what arrived is kept
}

/**
 * Emit full pieces of at most `max` bytes from data[start, end), never splitting a UTF-8
 * character; returns where the remainder (at most `max` bytes) begins.
 */
function cutPieces(data: Buffer, start: number, end: number, max: number, line: (s: number, e: number, cut: boolean) => void): number {
  while (end - start > max) {
    let cut = start + max;
    while (cut > start + 1 && ((data[cut] ?? 0) & 0xc0) === 0x80) cut--; // continuation byte: back off
    line(start, cut, true);
    start = cut;
  }
  return start;
}
