import { ServerResponse, STATUS_CODES, type IncomingMessage } from 'node:http';

const DISCARD = { bytes: 0 };

/** The server's response class (passed to createServer): it carries what the access log and stats need. */
export class ImageResponse extends ServerResponse<IncomingMessage> {
  /** Body bytes handed to the socket for this response. */
  bytes = 0;
  /** performance.now() when the request arrived; set only when access logging is on. */
  startedAt = 0;
  /** The server-wide total that {@link sent} also adds to (the server's Stats); set per request. */
  totals: { bytes: number } = DISCARD;

  /** Count body bytes as they go out, so that stats show a long download progressing. */
  sent(n: number): void {
    this.bytes += n;
    this.totals.bytes += n;
  }
}

const PLAIN = ['Content-Type', 'text/plain; charset=utf-8', 'X-Content-Type-Options', 'nosniff'] as const;

interface Canned {
  readonly body: Buffer;
  readonly headers: readonly string[];
}

const canned = new Map<number, Canned>();

/** A short plain-text body and its headers, built once per status code. */
function cannedFor(status: number): Canned {
  let c = canned.get(status);
  if (c === undefined) {
    const body = Buffer.from(`${status} ${STATUS_CODES[status] ?? 'Error'}\n`);
    c = { body, headers: [...PLAIN, 'Content-Length', String(body.length)] };
    canned.set(status, c);
  }
  return c;
}

/**
 * Answer with a status and its short text body (none for HEAD); `extra` adds headers such as
 * Allow or Content-Range. When the headers are already out (a stream failed half-way), the only
 * honest thing left is to cut the connection, so the client sees a truncated response.
 */
export function sendStatus(req: IncomingMessage, res: ImageResponse, status: number, extra?: readonly string[]): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const { body, headers } = cannedFor(status);
  res.writeHead(status, extra === undefined ? (headers as string[]) : [...headers, ...extra]);
  if (req.method === 'HEAD') {
    res.end();
  } else {
    res.sent(body.length);
    res.end(body);
  }
}

/** Answer with a body built for this request (a directory listing); not cached. */
export function sendBody(req: IncomingMessage, res: ImageResponse, status: number, headers: readonly string[], body: Buffer): void {
  res.writeHead(status, [...headers, 'Content-Length', String(body.length)]);
  if (req.method === 'HEAD') {
    res.end();
  } else {
    res.sent(body.length);
    res.end(body);
  }
}

/** Like {@link sendStatus}, with a one-line reason in the body (`400 Bad Request: w must be …`). */
export function sendDetail(req: IncomingMessage, res: ImageResponse, status: number, detail: string, extra: readonly string[] = []): void {
  const body = Buffer.from(`${status} ${STATUS_CODES[status] ?? 'Error'}: ${detail}\n`);
  sendBody(req, res, status, [...PLAIN, ...extra], body);
}

/**
 * A complete response written straight to a socket, for errors the HTTP parser raises before
 * there is a request object (431, 408, 400); it always closes the connection.
 */
export function rawStatus(status: number, extra: readonly string[] = []): string {
  const { body, headers } = cannedFor(status);
  // Node adds Date to the responses it writes; these bypass it (RFC 9110 §6.6.1: a 4xx MUST carry one).
  const all = [...headers, ...extra, 'Date', new Date().toUTCString(), 'Connection', 'close'];
  let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n`;
  for (let i = 0; i < all.length; i += 2) head += `${all[i]}: ${all[i + 1]}\r\n`;
  return `${head}\r\n${body.toString()}`;
}
