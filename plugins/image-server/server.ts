import http, { type IncomingMessage } from 'node:http';
import type { Logger } from 'winston';
import { fieldsOf, type AccessLog } from './access-log.js';
import { handleClientErrors } from './client-errors.js';
import type { Config } from './config.js';
import { listDirectory } from './dir-index.js';
import { Drainer } from './drain.js';
import type { FileCache } from './file-cache.js';
import type { FileInfo } from './file-info.js';
import { SANDBOX_CSP } from './mime.js';
import { redirectLocation } from './location.js';
import type { Jail } from './resolve-path.js';
import { ImageResponse, sendBody, sendDetail, sendStatus } from './responses.js';
import { sendFile, type SendOutcome } from './send-file.js';
import type { Resolution, StatCache } from './stat-cache.js';
import type { Stats } from './stats.js';
import { parseThumbParams, type ThumbParams } from './thumb-params.js';
import type { Thumbnails } from './thumbnails.js';

export interface ServerParts {
  readonly config: Config;
  readonly jail: Jail;
  readonly paths: StatCache;
  readonly files: FileCache;
  /** null when thumbnails are off. */
  readonly thumbs: Thumbnails | null;
  readonly stats: Stats;
  readonly log: Logger;
  /** null when access logging is off. */
  readonly access: AccessLog | null;
}

const ALLOW = ['Allow', 'GET, HEAD'];
const INDEX_HEADERS = [
  'Content-Type', 'application/json; charset=utf-8',
  'Cache-Control', 'no-cache',
  'X-Content-Type-Options', 'nosniff',
  'Content-Security-Policy', SANDBOX_CSP,
];
/** Re-resolutions allowed when a file changes under a request; past that the writer is busy: 503. */
const MAX_ATTEMPTS = 3;

/**
 * The HTTP server: Node's limits set deliberately (431 for big heads, 408 for slow heads and
 * bodies, 413 for chunk extensions, a URL length check for 414, a cap on connections), then
 * GET/HEAD → resolve (usually a fresh stat-cache hit, no I/O) → thumbnail or file. A request with
 * a body is answered once the body is read. Every response, parser errors included, is counted
 * and access-logged once.
 */
export function createImageServer(parts: ServerParts): { server: http.Server<typeof IncomingMessage, typeof ImageResponse>; drainer: Drainer } {
  const { config, paths, files, thumbs, stats, log, access } = parts;
  const { limits } = config;
  const server = http.createServer({
    ServerResponse: ImageResponse,
    maxHeaderSize: limits.maxHeaderBytes,
    headersTimeout: limits.headersTimeout,
    requestTimeout: limits.requestTimeout,
    keepAliveTimeout: limits.keepAliveTimeout,
    // How often Node checks the two timeouts above (default 30 s would make them that coarse).
    connectionsCheckingInterval: Math.min(1000, limits.headersTimeout),
  });
  server.keepAliveTimeout = limits.keepAliveTimeout;
  // Past this, Node closes a new connection as soon as it is accepted: fds stay for files and logs.
  server.maxConnections = limits.maxConnections;
  const drainer = new Drainer(server, Math.min(500, limits.drainTimeout / 2));
  const deps = { files, log };
  handleClientErrors(server, drainer, stats, access);
  logDrops(server, limits.maxConnections, log);

  function onClose(this: ImageResponse): void {
    stats.inFlight--;
    stats.countStatus(this.statusCode);
    drainer.end(this.req);
    access?.(fieldsOf(this.req, this));
  }

  function fail(req: IncomingMessage, res: ImageResponse, error: unknown): void {
    log.error(`${req.method ?? '-'} ${req.url ?? '-'} failed: ${(error as Error).stack ?? String(error)}`);
    sendStatus(req, res, 500);
  }

  // `Expect: 100-continue`: the body is invited only for a method we serve. Any other request
  // gets its 405 at once, unread, on a connection then closed (the body may still come): a client
  // uploading a big file is not made to send it all to be refused, as nginx does not either.
  const uninvited = new WeakSet<IncomingMessage>();
  server.on('checkContinue', (req: IncomingMessage, res: ImageResponse) => {
    if (req.method === 'GET' || req.method === 'HEAD') {
      res.writeContinue();
    } else {
      uninvited.add(req);
      res.shouldKeepAlive = false;
    }
    server.emit('request', req, res);
  });

  server.on('request', (req: IncomingMessage, res: ImageResponse) => {
    stats.requests++;
    stats.inFlight++;
    res.totals = stats;
    if (access !== null) res.startedAt = performance.now();
    res.on('close', onClose);
    drainer.begin(req, res);
    if (hasBody(req) && !uninvited.has(req)) {
      // Answered once the body is read (and dropped): a body that breaks its framing or arrives
      // too slowly then gets its 400 or 408 as the response, instead of a response cut halfway.
      req.once('end', () => dispatch(req, res));
      req.resume();
      return;
    }
    dispatch(req, res);
  });

  function dispatch(req: IncomingMessage, res: ImageResponse): void {
    if (res.writableEnded) return; // already answered with a parser error or a timeout
    try {
      const pending = route(req, res);
      if (pending !== undefined) pending.catch((e: unknown) => fail(req, res, e));
    } catch (e) {
      fail(req, res, e);
    }
  }

  function route(req: IncomingMessage, res: ImageResponse): Promise<void> | void {
    const target = req.url ?? '/';
    if (target.length > limits.maxUrlBytes) return sendStatus(req, res, 414);
    const url = target.charCodeAt(0) === 0x2f /* / */ ? target : originForm(target);
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendStatus(req, res, 405, ALLOW);
    const q = url.indexOf('?');
    const rawPath = q === -1 ? url : url.slice(0, q);
    let thumb: ThumbParams | null = null;
    if (q !== -1 && thumbs !== null) {
      const parsed = parseThumbParams(url.slice(q + 1), config.thumbnails);
      if (typeof parsed === 'string') return sendDetail(req, res, 400, parsed);
      thumb = parsed;
    }
    const fresh = paths.fresh(rawPath, Date.now());
    if (fresh !== undefined) return respond(req, res, rawPath, thumb, fresh, 1);
    return paths.resolve(rawPath).then((r) => respond(req, res, rawPath, thumb, r, 1));
  }

  function respond(req: IncomingMessage, res: ImageResponse, rawPath: string, thumb: ThumbParams | null, r: Resolution, attempt: number): Promise<void> | void {
    // The file changed or vanished between lookup and read: look again, a bounded number of times.
    const again = (outcome: SendOutcome): Promise<void> | void => {
      if (outcome === 'sent') return;
      paths.invalidate(rawPath);
      if (attempt >= MAX_ATTEMPTS) return sendDetail(req, res, 503, 'the file is being changed', ['Retry-After', '1']);
      return paths.resolve(rawPath).then((next) => respond(req, res, rawPath, thumb, next, attempt + 1));
    };
    switch (r.kind) {
      case 'status': return sendStatus(req, res, r.status);
      case 'redirect': return sendStatus(req, res, 301, ['Location', redirectLocation(r.location, queryOf(req.url ?? ''))]);
      case 'dir':
        return listDirectory(parts.jail, r.realPath, r.urlPath)
          .then((index) => (index === null ? again('gone') : sendBody(req, res, 200, INDEX_HEADERS, Buffer.from(JSON.stringify(index)))));
      case 'file': {
        if (thumb !== null && thumbs !== null) return thumbnail(req, res, r.info, thumb, thumbs).then(again);
        const outcome = sendFile(req, res, r.info, deps);
        return typeof outcome === 'string' ? again(outcome) : outcome.then(again);
      }
    }
  }

  async function thumbnail(req: IncomingMessage, res: ImageResponse, source: FileInfo, params: ThumbParams, t: Thumbnails): Promise<SendOutcome> {
    const result = await t.get(source, params);
    if ('miss' in result) return result.miss;
    if (!result.ok) {
      sendDetail(req, res, result.status, result.detail, result.status === 503 ? ['Retry-After', '1'] : []);
      return 'sent';
    }
    const outcome = await sendFile(req, res, result.info, deps);
    if (outcome !== 'sent') t.forget(result.info); // its file was deleted: make it again
    return outcome;
  }

  // Accept errors (EMFILE and the like) must not crash the process; the server keeps listening.
  server.on('error', (error) => log.error(`http server error: ${error.message}`));

  return { server, drainer };
}

/** `?…` of a request target, or '' (the redirect is rare: not worth threading through route). */
function queryOf(target: string): string {
  const q = target.indexOf('?');
  return q === -1 ? '' : target.slice(q);
}

/** Whether a request declares a body (GET and HEAD may have one; it has no meaning to us). */
function hasBody(req: IncomingMessage): boolean {
  const { headers } = req;
  return headers['transfer-encoding'] !== undefined || (headers['content-length'] !== undefined && headers['content-length'] !== '0');
}

/** A warning when maxConnections turns connections away: at most one line per 10 s, with a count. */
function logDrops(server: http.Server<typeof IncomingMessage, typeof ImageResponse>, max: number, log: Logger): void {
  let dropped = 0;
  let loggedAt = -Infinity;
  server.on('drop', () => {
    dropped++;
    const now = performance.now();
    if (now - loggedAt < 10_000) return;
    loggedAt = now;
    log.warn(`connection limit reached (limits.maxConnections ${max}): new connections are closed unanswered; ${dropped} so far`);
  });
}

/**
 * The path and query of an absolute-form target (`GET http://host/a.png`), which servers must
 * accept (RFC 9112 §3.2.2); the authority is ignored, as there is one root. Anything else is
 * returned as is, and refused later as malformed.
 */
function originForm(target: string): string {
  const authority = /^https?:\/\/[^/?#]*/i.exec(target);
  if (authority === null) return target;
  const rest = target.slice(authority[0].length);
  return rest.startsWith('/') ? rest : `/${rest}`;
}
