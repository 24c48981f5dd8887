/**
 * NDJSON framing for the control socket: one JSON-RPC message per `\n`-terminated line, with a cap
 * on line length so that a client cannot make the core buffer without bound. Transport only: it
 * knows nothing of JSON-RPC.
 *
 * Back-pressure is per line: while `held()` is true (the connection has enough in flight), the
 * rest of a chunk waits here unparsed, and `resume()` goes on with it — so however many lines one
 * chunk holds, only as many are dispatched as the connection allows.
 */
export class LineReader {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private overflowed = false;
  /** Received but not yet split into lines, because the reader was held. */
  private stash: Buffer | null = null;
  private ended = false;

  constructor(
    private readonly maxLineBytes: number,
    private readonly onLine: (line: string) => void,
    private readonly onOverflow: () => void,
    private readonly held: () => boolean = () => false,
  ) {}

  /** Feed a chunk; complete lines are delivered in order, as long as the reader is not held. */
  push(chunk: Buffer): void {
    if (this.overflowed) return;
    if (this.stash) {
      // Still working through an earlier chunk: keep order.
      this.stash = Buffer.concat([this.stash, chunk]);
      return;
    }
    this.split(chunk);
  }

  /** Go on with what was held back (call when `held()` turned false). */
  resume(): void {
    while (this.stash && !this.overflowed && !this.held()) {
      const data = this.stash;
      this.stash = null;
      this.split(data);
    }
    if (this.ended && !this.stash) this.flushLast();
  }

  /**
   * The stream ended: deliver an unterminated last line (`printf '{…}' | socat …` sends no final
   * `\n`), once everything before it has been delivered.
   */
  end(): void {
    this.ended = true;
    if (!this.stash) this.flushLast();
  }

  /** Nothing is waiting to be split into lines. */
  get idle(): boolean {
    return this.stash === null || this.overflowed;
  }

  /** Bytes held for an unfinished line. */
  get buffered(): number {
    return this.pendingBytes;
  }

  private split(chunk: Buffer): void {
    let start = 0;
    for (let nl = chunk.indexOf(10, start); nl !== -1; nl = chunk.indexOf(10, start)) {
      if (this.held()) {
        this.stash = Buffer.from(chunk.subarray(start)); // a copy: the socket may reuse its buffer
        return;
      }
      const piece = chunk.subarray(start, nl);
      if (this.pendingBytes + piece.length > this.maxLineBytes) return this.overflow();
      const line = this.pendingBytes === 0 ? piece.toString('utf8') : Buffer.concat([...this.pending, piece]).toString('utf8');
      this.pending = [];
      this.pendingBytes = 0;
      start = nl + 1;
      // A blank line (e.g. a trailing "\r\n" split) is not a message.
      if (line.length > 0 && line !== '\r') this.onLine(line);
      if (this.overflowed) return;
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      if (this.pendingBytes + rest.length > this.maxLineBytes) return this.overflow();
      // Copy: the socket may reuse its buffer for the next chunk.
      this.pending.push(Buffer.from(rest));
      this.pendingBytes += rest.length;
    }
  }

  private flushLast(): void {
    if (this.overflowed || this.pendingBytes === 0) return;
    const line = Buffer.concat(this.pending).toString('utf8');
    this.pending = [];
    this.pendingBytes = 0;
    if (line.trim().length > 0) this.onLine(line);
  }

  private overflow(): void {
    this.overflowed = true;
    this.pending = [];
    this.pendingBytes = 0;
    this.stash = null;
    this.onOverflow();
  }
}

/** One message as a line. */
export function encodeLine(message: unknown): string {
  return `${JSON.stringify(message)}\n`;
}
