import type { Socket } from 'node:net';
import { encodeLine, LineReader } from './framing.js';

export interface ConnectionLimits {
  maxLineBytes: number;
  /** Bytes queued for a client that does not read before requests pause and notifications drop. */
  maxBufferedBytes: number;
  idleTimeoutMs: number;
}

export interface ConnectionHandlers {
  onLine(connection: Connection, line: string): void;
  onOverflow(connection: Connection): void;
  onClose(connection: Connection): void;
}

let nextId = 1;

/**
 * One client of the control socket: framing in, replies and notifications out, with bounds on
 * both directions and cleanup of its subscriptions when it goes away.
 */
export class Connection {
  readonly id = nextId++;
  /** Requests received and not yet answered. */
  pending = 0;
  private readonly reader: LineReader;
  private readonly cleanups = new Set<() => void>();
  private idleTimer: NodeJS.Timeout | undefined;
  private lastActive = Date.now();
  private closed = false;
  private pausedForBackpressure = false;

  constructor(readonly socket: Socket, private readonly limits: ConnectionLimits, handlers: ConnectionHandlers) {
    this.reader = new LineReader(limits.maxLineBytes, (line) => handlers.onLine(this, line), () => handlers.onOverflow(this));
    socket.on('data', (chunk: Buffer) => {
      this.lastActive = Date.now();
      this.reader.push(chunk);
    });
    socket.on('drain', () => {
      if (this.pausedForBackpressure) {
        this.pausedForBackpressure = false;
        socket.resume();
      }
    });
    // A client that half-closes has sent its last request; answer it, then finish our side.
    socket.on('end', () => {
      if (this.pending === 0 && this.cleanups.size === 0) socket.end();
    });
    socket.on('error', () => { /* reset by peer and the like: 'close' follows and cleans up */ });
    socket.on('close', () => {
      this.closed = true;
      clearTimeout(this.idleTimer);
      for (const cleanup of this.cleanups) cleanup();
      this.cleanups.clear();
      handlers.onClose(this);
    });
    this.armIdleTimer(limits.idleTimeoutMs);
  }

  get isClosed(): boolean {
    return this.closed || this.socket.destroyed;
  }

  /** Send a reply. Past the buffer bound, stop reading this client's requests until it reads ours. */
  send(message: unknown): void {
    if (this.isClosed) return;
    this.socket.write(encodeLine(message));
    if (this.socket.writableLength > this.limits.maxBufferedBytes && !this.pausedForBackpressure) {
      this.pausedForBackpressure = true;
      this.socket.pause();
    }
    if (this.pending === 0 && this.socket.readableEnded && this.cleanups.size === 0) this.socket.end();
  }

  /** Send a notification unless the client is too far behind; false when it was dropped. */
  notify(method: string, params: unknown): boolean {
    if (this.isClosed || this.socket.writableLength > this.limits.maxBufferedBytes) return false;
    this.socket.write(encodeLine({ jsonrpc: '2.0', method, params }));
    return true;
  }

  /** Run `cleanup` when the connection closes (ends a subscription); returns a remover. */
  onClose(cleanup: () => void): () => void {
    if (this.isClosed) { cleanup(); return () => {}; }
    this.cleanups.add(cleanup);
    return () => this.cleanups.delete(cleanup);
  }

  get subscriptions(): number {
    return this.cleanups.size;
  }

  /** Send a last message, then close; stragglers are cut after a second. */
  closeWith(message: unknown): void {
    if (this.isClosed) return;
    this.socket.end(encodeLine(message));
    setTimeout(() => this.socket.destroy(), 1000).unref();
  }

  destroy(): void {
    this.socket.destroy();
  }

  // One lazy timer per connection instead of re-arming on every chunk (a hot path at 20k calls/s).
  private armIdleTimer(ms: number): void {
    this.idleTimer = setTimeout(() => {
      const idleFor = Date.now() - this.lastActive;
      // Subscribers are quiet by design; only a connection with nothing going on is idle.
      if (idleFor >= this.limits.idleTimeoutMs && this.pending === 0 && this.cleanups.size === 0) this.socket.destroy();
      else this.armIdleTimer(idleFor >= this.limits.idleTimeoutMs ? this.limits.idleTimeoutMs : this.limits.idleTimeoutMs - idleFor);
    }, ms);
    this.idleTimer.unref();
  }
}
