import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { AccessLog } from './access-log.js';
import type { Drainer } from './drain.js';
import { rawStatus, sendStatus, type ImageResponse } from './responses.js';
import type { Stats } from './stats.js';

const ALLOW = ['Allow', 'GET, HEAD'];
const CLOSE = ['Connection', 'close'];

/** The answer to an error Node's parser (or its request timer) raises on a connection. */
function statusOf(error: NodeJS.ErrnoException): number {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW': return 431; // past maxHeaderSize
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW': return 413; // Node caps chunk extensions at 16 KiB
    case 'ERR_HTTP_REQUEST_TIMEOUT': return 408; // headersTimeout or requestTimeout
    default: return 400; // malformed or smuggling-shaped: bad framing, obs-fold, CL with TE, …
  }
}

/**
 * Answer what Node's parser refuses, on the raw connection, and always close it afterwards: an
 * oversized head (431), too slow a head or body (408), chunk extensions past Node's cap (413), a
 * malformed or smuggling-shaped request (400). Nothing after the error is ever parsed as a request.
 *
 * A connection can be in the middle of something when that happens (see {@link Drainer.errorAnswer}):
 * a request whose body failed gets the error as its response (the server reads a request's body
 * before answering it, for exactly this); a response to an earlier request is let finish and the
 * error follows it; pipelined responses still queued leave only cutting the connection.
 */
export function handleClientErrors(
  server: Server<typeof IncomingMessage, typeof ImageResponse>,
  drainer: Drainer,
  stats: Stats,
  access: AccessLog | null,
): void {
  // After an error the parser fails again on every later chunk of the connection: answer once.
  const answered = new WeakSet<Socket>();

  /** Answer on a bare socket and close it; used where Node gives us no response object. */
  function refuse(socket: Socket, status: number, extra?: readonly string[]): void {
    stats.requests++;
    stats.countStatus(status);
    access?.({ method: '-', path: '-', status, bytes: 0, ms: 0, remote: socket.remoteAddress ?? '-' });
    // A reset from the client now must not become an uncaught 'error'.
    socket.on('error', () => socket.destroy());
    // end() rather than destroy(): a reset could discard our answer before the client reads it;
    // and no more reading, so that nothing the client sends after this becomes a request.
    socket.end(rawStatus(status, extra));
    socket.pause();
    setTimeout(() => socket.destroy(), 1000).unref();
  }

  server.on('clientError', (error: NodeJS.ErrnoException, duplex: Duplex) => {
    const socket = duplex as Socket;
    if (answered.has(socket)) return;
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    answered.add(socket);
    const status = statusOf(error);
    const how = drainer.errorAnswer(socket);
    switch (how.kind) {
      case 'now':
        refuse(socket, status);
        break;
      case 'through':
        // Counted and logged as this request's response; Connection: close ends the connection.
        sendStatus(how.res.req, how.res, status, CLOSE);
        setTimeout(() => socket.destroy(), 1000).unref();
        break;
      case 'after':
        how.res.once('close', () => (how.res.writableFinished && socket.writable ? refuse(socket, status) : socket.destroy()));
        break;
      case 'cut':
        socket.destroy();
        break;
    }
  });

  // CONNECT never reaches 'request'; without this Node would drop the connection unanswered.
  server.on('connect', (_req: IncomingMessage, socket: Duplex) => refuse(socket as Socket, 405, ALLOW));
}
