import type { Socket } from 'node:net';

/**
 * Notifications for one socket, gathered and written as one Buffer at the end of the tick, or as
 * soon as they fill the socket's high-water mark. Written one by one, each line queued for a
 * client that does not read cost Node a buffered-write entry (with its callback) beside the line
 * itself: the core held about 2.5 times the bytes that rpc.maxBufferedTotal counted. A few large
 * writes make the bytes counted the bytes held. Writing at the high-water mark rather than only at
 * the end of the tick keeps a client that reads as it was: the kernel takes its lines as they
 * come, and it is never seen as behind for what one busy tick gathered.
 */
export class Outbox {
  private lines: string[] = [];
  private bytes = 0;
  private scheduled: NodeJS.Immediate | undefined;

  constructor(private readonly socket: Socket, private readonly afterFlush: () => void) {}

  /** Bytes waiting for the next flush. */
  get length(): number {
    return this.bytes;
  }

  /** Queue a line of `bytes` UTF-8 bytes for the next write. */
  push(line: string, bytes: number): void {
    this.lines.push(line);
    this.bytes += bytes;
    if (this.bytes >= this.socket.writableHighWaterMark) this.flush();
    else this.scheduled ??= setImmediate(() => this.flush());
  }

  /** Write what is gathered now: before a reply or the last message, so that order is kept. */
  flush(): void {
    clearImmediate(this.scheduled);
    this.scheduled = undefined;
    if (this.lines.length === 0) return;
    const lines = this.lines;
    const bytes = this.bytes;
    this.lines = [];
    this.bytes = 0;
    if (!this.socket.destroyed && this.socket.writable) this.socket.write(concat(lines, bytes));
    this.afterFlush();
  }

  /** The socket is gone: what was gathered for it goes with it. */
  discard(): void {
    clearImmediate(this.scheduled);
    this.scheduled = undefined;
    this.lines = [];
    this.bytes = 0;
  }
}

/** The lines written in place into one Buffer: no joined string beside it for the GC to collect. */
function concat(lines: readonly string[], bytes: number): Buffer {
  const buf = Buffer.allocUnsafeSlow(bytes);
  let at = 0;
  for (const line of lines) at += buf.write(line, at, 'utf8');
  return buf;
}
