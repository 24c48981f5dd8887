/**
 * NDJSON framing for the control socket: one JSON-RPC message per `\n`-terminated line, with a cap
 * on line length so that a client cannot make the core buffer without bound. Transport only: it
 * knows nothing of JSON-RPC.
 */
export class LineReader {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private overflowed = false;

  constructor(
    private readonly maxLineBytes: number,
    private readonly onLine: (line: string) => void,
    private readonly onOverflow: () => void,
  ) {}

  /** Feed a chunk; complete lines are delivered in order. After an overflow, everything is ignored. */
  push(chunk: Buffer): void {
    if (this.overflowed) return;
    let start = 0;
    for (let nl = chunk.indexOf(10, start); nl !== -1; nl = chunk.indexOf(10, start)) {
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

  /** Bytes held for an unfinished line. */
  get buffered(): number {
    return this.pendingBytes;
  }

  private overflow(): void {
    this.overflowed = true;
    this.pending = [];
    this.pendingBytes = 0;
    this.onOverflow();
  }
}

/** One message as a line. */
export function encodeLine(message: unknown): string {
  return `${JSON.stringify(message)}\n`;
}
