import { EventEmitter, once } from 'node:events';
import type { Writable } from 'node:stream';
import { countLines } from './sync-write.js';

/** What may wait in memory for a slow stdout before lines are dropped from it. */
const DEFAULT_MAX_BUFFERED = 1024 * 1024;

/**
 * Foreground stdout for every log line, core's and plugins'. Node writes to a pipe or socket
 * asynchronously and queues without limit, so a stalled reader (a blocked container log driver)
 * would grow the core's memory for ever; a blocking write would stall supervision instead. Here
 * the queue is bounded: past `maxBuffered` bytes a line is dropped from stdout (the log files,
 * written first, keep it), and once stdout drains, 'dropped' (count) is emitted for the core to
 * log. Files and terminals are written synchronously by Node and never queue.
 */
export class BoundedStdout extends EventEmitter {
  private dropped = 0;
  private closed = false;

  constructor(readonly stream: Writable, readonly maxBuffered = DEFAULT_MAX_BUFFERED) {
    super();
    stream.on('drain', () => this.report());
    // A closed stdout (EPIPE: the collector went away) costs the lines on stdout, not the daemon.
    stream.on('error', () => { this.closed = true; });
  }

  /** Queue complete `\n`-terminated lines; false when they were dropped. Never blocks, never throws. */
  write(text: string, lines?: number): boolean {
    if (this.closed || this.stream.destroyed) return false;
    if (this.stream.writableLength >= this.maxBuffered) {
      this.dropped += lines ?? countLines(text);
      return false;
    }
    this.stream.write(text);
    return true;
  }

  /** Wait until what is queued has been written, at most `timeoutMs` (the core is about to exit). */
  async flush(timeoutMs: number): Promise<void> {
    if (this.closed || this.stream.writableLength === 0) return;
    const timer = new Promise((resolve) => setTimeout(resolve, timeoutMs).unref());
    await Promise.race([once(this.stream, 'drain').catch(() => undefined), timer]);
  }

  private report(): void {
    if (this.dropped === 0) return;
    const n = this.dropped;
    this.dropped = 0;
    this.emit('dropped', n);
  }
}
