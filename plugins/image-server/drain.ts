import type { IncomingMessage, Server } from 'node:http';
import net from 'node:net';
import type { ImageResponse } from './responses.js';

const ACTIVE = Symbol('active requests');
const IDLE_AT = Symbol('bytes read when it last became idle');
const CURRENT = Symbol('the latest response');

type Tracked = net.Socket & { [ACTIVE]: number; [IDLE_AT]: number; [CURRENT]: ImageResponse | undefined };

/**
 * How to answer a parse error (or a request timeout) on a connection without corrupting a
 * response on it: `now` (nothing is being written: write the answer), `through` (the request whose
 * body failed has not been answered: answer it with the error), `after` (a response to an earlier,
 * complete request is still being written: answer once it finished), `cut` (pipelined responses
 * are queued, or a response is under way to a request still arriving: close the connection).
 */
export type ErrorAnswer =
  | { readonly kind: 'now' | 'cut' }
  | { readonly kind: 'through' | 'after'; readonly res: ImageResponse };

/**
 * How long an idle connection is kept once stopping begins. It covers the race where a client
 * reuses its keep-alive connection just as we stop: the request is already on the wire, and it
 * gets answered (with `Connection: close`) instead of the connection being cut under it.
 */
const IDLE_GRACE_MS = 500;

/**
 * Tracks connections and the requests on each, to stop gracefully:
 *
 * 1. stop accepting, but keep every open connection;
 * 2. answer each request that arrives from now on with `Connection: close` (Node then closes the
 *    connection after that response), and let in-flight responses finish;
 * 3. close a connection once it has been idle for {@link IDLE_GRACE_MS}, with a FIN, not a reset;
 *    a connection that has received bytes since its last response is not idle: a request is
 *    arriving on it (it gets answered, or the parser's headersTimeout ends it);
 * 4. at the deadline, destroy whatever is left.
 *
 * `http.Server.close()` is not used for step 1: since Node 19 it also destroys idle keep-alive
 * connections at once, which cuts a client whose request is in flight.
 */
export class Drainer {
  private closing = false;
  private readonly sockets = new Set<Tracked>();
  private drained: Promise<void> | null = null;
  private allClosed: (() => void) | null = null;

  constructor(private readonly server: Server<typeof IncomingMessage, typeof ImageResponse>, private readonly graceMs = IDLE_GRACE_MS) {
    server.on('connection', (socket: net.Socket) => {
      const tracked = Object.assign(socket, { [ACTIVE]: 0, [IDLE_AT]: 0, [CURRENT]: undefined });
      this.sockets.add(tracked);
      socket.once('close', () => {
        this.sockets.delete(tracked);
        if (this.sockets.size === 0) this.allClosed?.();
      });
      if (this.closing) this.closeWhenIdle(tracked);
    });
  }

  /** Call when a request starts. */
  begin(req: IncomingMessage, res: ImageResponse): void {
    const socket = req.socket as Tracked;
    socket[ACTIVE]++;
    socket[CURRENT] = res;
    if (this.closing) res.setHeader('Connection', 'close');
  }

  /** Call when its response has closed (finished or abandoned). */
  end(req: IncomingMessage): void {
    const socket = req.socket as Tracked;
    if (--socket[ACTIVE] > 0) return;
    socket[CURRENT] = undefined;
    socket[IDLE_AT] = socket.bytesRead;
    if (this.closing) this.closeWhenIdle(socket);
  }

  /** See {@link ErrorAnswer}. */
  errorAnswer(socket: net.Socket): ErrorAnswer {
    const tracked = socket as Partial<Tracked>;
    const active = tracked[ACTIVE] ?? 0;
    const res = tracked[CURRENT];
    if (active === 0) return { kind: 'now' };
    if (active > 1 || res === undefined) return { kind: 'cut' };
    if (!res.req.complete) return res.headersSent ? { kind: 'cut' } : { kind: 'through', res };
    // Its bytes are all queued on the socket ahead of anything written now.
    if (res.writableEnded && res.socket === socket) return { kind: 'now' };
    return { kind: 'after', res };
  }

  /** Stop gracefully within `timeoutMs`; idempotent. */
  drain(timeoutMs: number): Promise<void> {
    this.drained ??= this.run(timeoutMs);
    return this.drained;
  }

  private async run(timeoutMs: number): Promise<void> {
    this.closing = true;
    net.Server.prototype.close.call(this.server);
    for (const socket of this.sockets) if (socket[ACTIVE] === 0) this.closeWhenIdle(socket);
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      if (this.sockets.size === 0) return resolve();
      this.allClosed = resolve;
      timer = setTimeout(resolve, timeoutMs);
    });
    clearTimeout(timer);
    for (const socket of this.sockets) socket.destroy();
    // Now that no connection is left, the http.Server close also clears its timeout-check timer.
    this.server.close();
  }

  private closeWhenIdle(socket: Tracked): void {
    setTimeout(() => {
      if (socket.destroyed || socket[ACTIVE] > 0) return; // a request came: its end() calls us again
      if (socket.bytesRead !== socket[IDLE_AT]) this.closeWhenIdle(socket); // a request is arriving
      else socket.end();
    }, this.graceMs).unref();
  }
}
