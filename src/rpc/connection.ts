import type { Socket } from 'node:net';
import { encodeLine, LineReader } from './framing.js';
import { Outbox } from './outbox.js';
import type { WriteBudget } from './write-budget.js';
import type { ReplyPiece } from './dispatcher.js';

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

/**
 * Requests of one client being answered at once. Past this the core reads no further line from
 * that client until some are answered; a batch takes the whole allowance, so it runs alone. With
 * replies also bounded (past maxBufferedBytes unread, reading stops too), a client that sends
 * faster than it reads can tie up only a bounded amount of the core's memory.
 */
export const MAX_IN_FLIGHT = 32;

let nextId = 1;

/**
 * The last notification encoded: every follower of a log is sent the same params object for a
 * line, so with many followers the line is serialized once, not once per client.
 */
let lastEncoded: { method: string; params: unknown; line: string; bytes: number } | null = null;

function encodeNotification(method: string, params: unknown): { line: string; bytes: number } {
  if (lastEncoded !== null && lastEncoded.params === params && lastEncoded.method === method) return lastEncoded;
  const line = encodeLine({ jsonrpc: '2.0', method, params });
  lastEncoded = { method, params, line, bytes: Buffer.byteLength(line) };
  return lastEncoded;
}

/** Send `message` as a socket's last line, then close it; a peer that does not take it is cut after a second. */
export function endWith(socket: Socket, message: unknown): void {
  socket.end(encodeLine(message));
  setTimeout(() => socket.destroy(), 1000).unref();
}

/** A batch line starts with `[` (JSON allows whitespace before it). */
function isBatch(line: string): boolean {
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d && c !== 0x0a) return c === 0x5b;
  }
  return false;
}

/**
 * One client of the control socket: framing in, replies and notifications out, with bounds on
 * both directions and cleanup of its subscriptions when it goes away.
 *
 * Reading is held while the client has MAX_IN_FLIGHT requests being answered, or more than
 * maxBufferedBytes of replies it has not read; it resumes when both are back under. A client that
 * half-closes (shuts its write side) gets the answers to everything it sent, and then our side is
 * closed too, ending its subscriptions.
 */
export class Connection {
  readonly id = nextId++;
  /** Requests being answered (a batch line counts as MAX_IN_FLIGHT). */
  pending = 0;
  private readonly reader: LineReader;
  private readonly cleanups = new Set<() => void>();
  private idleTimer: NodeJS.Timeout | undefined;
  private lastActive = Date.now();
  private closed = false;
  private paused = false;
  /** This client's share of the shared budget, as last counted. */
  private counted = 0;
  /** Notifications gathered for one write (see Outbox). */
  private readonly outbox: Outbox;

  constructor(readonly socket: Socket, private readonly limits: ConnectionLimits, private readonly budget: WriteBudget, handlers: ConnectionHandlers) {
    this.outbox = new Outbox(socket, () => this.count());
    this.reader = new LineReader(limits.maxLineBytes, (line) => handlers.onLine(this, line), () => handlers.onOverflow(this), () => this.paused);
    socket.on('data', (chunk: Buffer) => {
      this.lastActive = Date.now();
      this.reader.push(chunk);
    });
    socket.on('drain', () => {
      this.count();
      this.updateFlow();
    });
    socket.on('end', () => {
      this.reader.end();
      this.finishIfDone();
    });
    socket.on('error', () => { /* reset by peer and the like: 'close' follows and cleans up */ });
    socket.on('close', () => {
      this.closed = true;
      this.outbox.discard();
      this.budget.move(this.counted, 0);
      this.counted = 0;
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

  /** A line was handed to the dispatcher; returns its weight, to pass to finished(). */
  began(line: string): number {
    const weight = isBatch(line) ? MAX_IN_FLIGHT : 1;
    this.pending += weight;
    this.updateFlow();
    return weight;
  }

  /** The line's answer is ready: the serialized reply in pieces (one line together), or null when none is owed. */
  finished(weight: number, reply: readonly ReplyPiece[] | null): void {
    this.pending -= weight;
    if (reply !== null && !this.isClosed && this.socket.writable) {
      this.outbox.flush();
      this.socket.cork();
      for (const piece of reply) this.socket.write(piece);
      this.socket.uncork();
      this.count();
    }
    this.updateFlow();
    this.finishIfDone();
  }

  /** Send a notification unless the client is too far behind; false when it was dropped. */
  notify(method: string, params: unknown): boolean {
    if (this.isClosed || !this.socket.writable || this.tooFarBehind()) return false;
    const { line, bytes } = encodeNotification(method, params);
    this.outbox.push(line, bytes);
    this.count();
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
    this.outbox.flush();
    endWith(this.socket, message);
  }

  /** Close at once (the core stops). Gathered notifications are written first, the last ones a subscriber gets. */
  destroy(): void {
    this.outbox.flush();
    this.socket.destroy();
  }

  private updateFlow(): void {
    if (this.isClosed) return;
    const hold = this.pending >= MAX_IN_FLIGHT || this.tooFarBehind();
    if (hold && !this.paused) {
      this.paused = true;
      this.socket.pause();
    } else if (!hold && this.paused) {
      this.paused = false;
      // Lines already received go first; they may hold the reader again.
      this.reader.resume();
      if (!this.paused) this.socket.resume();
    }
  }

  /** Over this client's own limit, or behind while every client together is over the shared one. */
  private tooFarBehind(): boolean {
    const queued = this.socket.writableLength + this.outbox.length;
    return queued > this.limits.maxBufferedBytes || (this.budget.exhausted && this.socket.writableNeedDrain);
  }

  /**
   * Bring this client's share of the budget up to date (after a write, and at 'drain'). Gathered
   * notifications are held too, so they count until they are written.
   */
  private count(): void {
    const now = (this.socket.writableNeedDrain ? this.socket.writableLength : 0) + this.outbox.length;
    this.budget.move(this.counted, now);
    this.counted = now;
  }

  /**
   * The client shut its write side and everything it sent is answered: close ours. A subscription
   * ends here too: a client that closed and one that only shut its write side look alike, and a
   * dead subscriber must not hold a connection until the next notification fails.
   */
  private finishIfDone(): void {
    if (this.socket.readableEnded && this.pending === 0 && this.reader.idle && this.socket.writable) {
      this.outbox.flush();
      this.socket.end();
    }
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
