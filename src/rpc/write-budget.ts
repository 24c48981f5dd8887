/**
 * What every client together may have queued and unread in the core. Per-connection limits alone
 * let N slow clients hold N times rpc.maxBufferedBytes (a hundred stuck `logs.follow` clients under
 * a log flood: gigabytes); past this shared limit, a client that is behind gets no more stream
 * notifications and its next requests wait, while clients that keep up are served as before.
 *
 * Counted are the notifications gathered for a client's next write (at most a high-water mark),
 * and what is queued for a client that is behind (more than its socket's high-water mark, so Node
 * owes it a 'drain'): the write and its 'drain' then always bring its share back to zero, and
 * nothing can be left counted for a client whose few queued bytes left without an event.
 */
export class WriteBudget {
  private used = 0;

  /** Changed by a reload; takes effect at once. */
  constructor(public limit: number) {}

  /** Bytes queued for clients that are behind. */
  get bytes(): number {
    return this.used;
  }

  get exhausted(): boolean {
    return this.used > this.limit;
  }

  /** A client's counted share changed from `before` to `after`. */
  move(before: number, after: number): void {
    this.used += after - before;
  }
}
