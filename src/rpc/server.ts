import fs from 'node:fs';
import net from 'node:net';
import type { Logger } from 'winston';
import { errors } from '../errors/index.js';
import { SOCKET_PATH_MAX, socketPathFits } from '../home/paths.js';
import { BusyPoll } from './busy-poll.js';
import { Connection, endWith, type ConnectionLimits } from './connection.js';
import { Dispatcher, MAX_REPLY_BYTES } from './dispatcher.js';
import { encodeLine } from './framing.js';
import { socketListener } from './socket-listener.js';
import type { MethodRegistry } from './registry.js';
import { WriteBudget } from './write-budget.js';

export interface ControlServerOptions {
  socketPath: string;
  registry: MethodRegistry;
  log: Logger;
  limits: ConnectionLimits & { maxConnections: number; maxBufferedTotal: number; busyPollMs: number };
  /** Decides whether a new connection may talk to the core (peer credentials); refused ones are closed. */
  authorize?: (socket: net.Socket) => boolean;
}

/**
 * The control socket: a Unix socket, mode 0600, answering JSON-RPC 2.0, one message per line.
 * Listening assumes the caller holds the single-instance lock: an existing socket file is then
 * stale by proof, and is replaced.
 */
export class ControlServer {
  private server: net.Server;
  /** The socket file this server made (device and inode), to tell it from whatever replaced it. */
  private bound: { dev: number; ino: number } | null = null;
  private listened = false;
  private closed = false;
  /** What is in the socket's place now and is not ours, said once until that changes. */
  private intruder: string | null = null;
  private readonly connections = new Set<Connection>();
  private readonly dispatcher: Dispatcher;
  private readonly budget: WriteBudget;
  private readonly busyPoll: BusyPoll;
  /** Connections were refused since the count was last under the limit (said once per episode). */
  private refusing = false;

  constructor(private readonly options: ControlServerOptions) {
    this.dispatcher = new Dispatcher(options.registry, options.log, MAX_REPLY_BYTES, Math.min(MAX_REPLY_BYTES, options.limits.maxBufferedBytes));
    // Half-open allowed: a client that shuts its write side still gets every answer it is owed
    // (Node would otherwise end our side at once); Connection ends it when they are all sent.
    this.server = this.createServer();
    this.budget = new WriteBudget(options.limits.maxBufferedTotal);
    this.busyPoll = new BusyPoll(options.limits.busyPollMs);
  }

  private createServer(): net.Server {
    return net.createServer({ allowHalfOpen: true }, (socket) => this.accept(socket));
  }

  async listen(): Promise<void> {
    const { socketPath } = this.options;
    if (!socketPathFits(socketPath)) throw errors.socketPathTooLong(socketPath, SOCKET_PATH_MAX);
    await removeStaleSocket(socketPath);
    await this.bind();
  }

  private async bind(): Promise<void> {
    const { socketPath } = this.options;
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', (e: NodeJS.ErrnoException) => reject(errors.socketInUse(socketPath, e.code ?? e.message, { cause: e })));
      // The process umask is 077, so the socket is born private; chmod makes the mode exact.
      // A backlog as deep as the connections we serve (the kernel caps it at somaxconn): a burst
      // of clients waits to be accepted instead of failing with EAGAIN, as Unix sockets do.
      this.server.listen({ path: socketPath, backlog: Math.max(511, this.options.limits.maxConnections) }, () => resolve());
    });
    fs.chmodSync(socketPath, 0o600);
    const st = fs.lstatSync(socketPath);
    this.bound = { dev: st.dev, ino: st.ino };
    this.listened = true;
    // Later errors (accept failing for want of descriptors) are libuv's to retry, not the core's end.
    this.server.on('error', (e) => this.options.log.warn('control socket error', { error: e.message }));
  }

  /**
   * Make the socket file again when it was deleted under the running core (a tmp cleaner, a
   * careless rm): clients find the core by path only, and every ctl command would fail until a
   * restart. Anything else in its place (a file, another socket) is not ours to remove: said once.
   * Call periodically.
   */
  async checkPath(): Promise<void> {
    if (!this.listened || this.closed) return;
    const { socketPath } = this.options;
    let st: fs.Stats | null = null;
    try { st = fs.lstatSync(socketPath); } catch { /* gone: made again below */ }
    if (st && st.dev === this.bound?.dev && st.ino === this.bound.ino) {
      this.intruder = null;
      return;
    }
    if (st) {
      const what = st.isSocket() ? 'another socket' : 'a file that is not a socket';
      if (this.intruder !== what) {
        this.intruder = what;
        this.options.log.error('control socket replaced; ctl cannot reach this core until it is moved away', { socket: socketPath, by: what });
      }
      return;
    }
    // Closing the old listener unlinks its path (libuv), harmless now that nothing is there; its
    // connections stay open and are served as before.
    if (this.bound) {
      this.bound = null;
      this.server.close();
    }
    this.server = this.createServer();
    try {
      await this.bind();
      this.intruder = null;
      this.options.log.warn('control socket was deleted; made it again', { socket: socketPath });
    } catch (e) {
      // Tried again at the next check; said once.
      if (this.intruder !== 'unbindable') this.options.log.error('control socket was deleted and cannot be made again', { socket: socketPath, error: (e as Error).message });
      this.intruder = 'unbindable';
    }
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** Bytes queued for clients that do not read fast enough, all together (see WriteBudget). */
  get bufferedBytes(): number {
    return this.budget.bytes;
  }

  /**
   * Apply new limits (config reload). Connection counts, buffer bounds and the idle timeout apply
   * at once, to every client (they share this limits object); the line limit to new connections.
   */
  reconfigure(limits: ControlServerOptions['limits']): void {
    Object.assign(this.options.limits, limits);
    this.budget.limit = limits.maxBufferedTotal;
    this.busyPoll.window = limits.busyPollMs;
  }

  /** Stop accepting, drop every client, remove the socket file. */
  async close(): Promise<void> {
    this.closed = true;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const c of this.connections) c.destroy();
    await closed;
    try { fs.unlinkSync(this.options.socketPath); } catch { /* already gone */ }
  }

  private accept(socket: net.Socket): void {
    if (this.options.authorize && !this.options.authorize(socket)) {
      socket.destroy();
      return;
    }
    // Not net.Server.maxConnections, which closes the socket without a word: the client would
    // report a daemon that does not answer, and ctl would suggest stopping a healthy one.
    if (this.connections.size >= this.options.limits.maxConnections) {
      this.refuse(socket);
      return;
    }
    const connection = new Connection(socket, this.options.limits, this.budget, {
      onLine: (c, line) => this.answer(c, line),
      onOverflow: (c) => {
        this.options.log.warn('rpc line over the size limit; connection closed', { connection: c.id, limit: this.options.limits.maxLineBytes });
        c.closeWith({ jsonrpc: '2.0', id: null, error: errors.lineTooLong(this.options.limits.maxLineBytes).toWire() });
      },
      onClose: (c) => {
        this.connections.delete(c);
        if (this.refusing && this.connections.size < this.options.limits.maxConnections) {
          this.refusing = false;
          this.options.log.info('control socket accepts connections again', { connections: this.connections.size });
        }
      },
    });
    this.connections.add(connection);
  }

  private refuse(socket: net.Socket): void {
    const { maxConnections } = this.options.limits;
    if (!this.refusing) {
      this.refusing = true;
      this.options.log.warn('control socket connection refused: rpc.maxConnections reached (said once until a connection frees)', { limit: maxConnections });
    }
    socket.on('error', () => { /* the client may be gone already */ });
    endWith(socket, { jsonrpc: '2.0', id: null, error: errors.tooManyConnections(maxConnections).toWire() });
  }

  private answer(connection: Connection, line: string): void {
    const weight = connection.began(line);
    const conversational = this.busyPoll.arrived(connection);
    this.dispatcher.handle(line, { connection }).then(
      (reply) => {
        connection.finished(weight, reply);
        // Only a reply written is awaited: after a client's notification, or to a client gone, no request follows sooner.
        if (reply !== null && !connection.isClosed) this.busyPoll.replied(connection, conversational);
      },
      (error: unknown) => {
        // The dispatcher answers every failure itself; this is a bug, and the client still gets a reply.
        this.options.log.error('rpc dispatch failed', { error: String(error), stack: (error as Error)?.stack });
        connection.finished(weight, [encodeLine({ jsonrpc: '2.0', id: null, error: errors.internal('the request could not be answered').toWire() })]);
      },
    );
  }
}

async function removeStaleSocket(socketPath: string): Promise<void> {
  let st: fs.Stats;
  try { st = fs.lstatSync(socketPath); } catch { return; }
  if (!st.isSocket()) throw errors.socketInUse(socketPath, 'a file that is not a socket is in the way; move it');
  const pid = await socketListener(socketPath);
  if (pid !== null) {
    const who = pid > 0 ? `pid ${pid}` : 'pid unknown';
    throw errors.socketInUse(socketPath, `another agentd (${who}) still answers on it although its pidfile is gone; stop it (${pid > 0 ? `\`kill ${pid}\`` : 'find it with `ss -xlp`'}), then start again`);
  }
  fs.unlinkSync(socketPath);
}
