import fs from 'node:fs';
import net from 'node:net';
import { hostPort, request } from './http.js';

/**
 * Raw-socket clients for the abuse tests: connections that trickle, idle, or send odd bytes, each
 * recording what came back and when the server closed it. Times are performance.now() ms.
 */

export interface Probe {
  readonly socket: net.Socket;
  /** When the connection was established. */
  readonly openedAt: number;
  /** Everything received so far. */
  received(): Buffer;
  /** When the socket closed (undefined while open). */
  closedAt: number | undefined;
  /** The error code the socket ended with, if any (ECONNRESET when the server cut it). */
  error: string | undefined;
  /** Resolves with closedAt once the socket is closed. */
  readonly closed: Promise<number>;
}

/**
 * Connect and record; never rejects on a reset or a refusal (see `error`). A connection not
 * established within `connectTimeoutMs` is destroyed with the error `ECONNECT_TIMEOUT`.
 */
export function probe(base: string, connectTimeoutMs = 30_000): Promise<Probe> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = net.connect(hostPort(base));
    const timer = setTimeout(() => { p.error = 'ECONNECT_TIMEOUT'; socket.destroy(); }, connectTimeoutMs);
    let markClosed!: (at: number) => void;
    const p: Probe = {
      socket,
      openedAt: 0,
      received: () => Buffer.concat(chunks),
      closedAt: undefined,
      error: undefined,
      closed: new Promise<number>((r) => (markClosed = r)),
    };
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', (e: NodeJS.ErrnoException) => { p.error = e.code ?? e.message; });
    socket.on('close', () => {
      clearTimeout(timer);
      p.closedAt = performance.now();
      markClosed(p.closedAt);
      resolve(p); // a connection refused before 'connect'
    });
    socket.once('connect', () => {
      clearTimeout(timer);
      (p as { openedAt: number }).openedAt = performance.now();
      resolve(p);
    });
  });
}

/** Wait until `p` is closed, at most `timeoutMs`; throws naming `what` otherwise. */
export async function untilClosed(p: Probe, what: string, timeoutMs: number): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: still open after ${timeoutMs} ms`)), timeoutMs); });
  try {
    return await Promise.race([p.closed, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Write `text` one byte every `everyMs` until it is all sent or the socket closes. Resolves when
 * the first byte was written (with its time); `done` resolves when the trickle stops.
 */
export function trickle(p: Probe, text: string, everyMs: number): { firstAt: number; done: Promise<void>; stop(): void } {
  let i = 0;
  let timer: NodeJS.Timeout | undefined;
  let finish!: () => void;
  const done = new Promise<void>((r) => (finish = r));
  const step = (): void => {
    if (p.socket.destroyed || !p.socket.writable || i >= text.length) { finish(); return; }
    p.socket.write(text[i++]!);
    timer = setTimeout(step, everyMs);
  };
  const firstAt = performance.now();
  step();
  p.closed.then(() => { clearTimeout(timer); finish(); });
  return { firstAt, done, stop: () => { clearTimeout(timer); finish(); } };
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * Split a byte stream into the HTTP/1.1 responses it holds, framed by Content-Length (the image
 * server always sends one); `rest` is what is left over (a cut response, or stray bytes).
 */
export function parseResponses(bytes: Buffer, headRequest = false): { responses: RawResponse[]; rest: Buffer } {
  const responses: RawResponse[] = [];
  let at = 0;
  for (;;) {
    const end = bytes.indexOf('\r\n\r\n', at);
    if (end === -1) break;
    const head = bytes.subarray(at, end).toString('latin1');
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(head);
    if (m === null) break;
    const headers: Record<string, string> = {};
    for (const line of head.split('\r\n').slice(1)) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    const status = Number(m[1]);
    const length = headRequest || status === 304 ? 0 : Number(headers['content-length'] ?? 0);
    if (end + 4 + length > bytes.length) break;
    responses.push({ status, headers, body: bytes.subarray(end + 4, end + 4 + length) });
    at = end + 4 + length;
  }
  return { responses, rest: bytes.subarray(at) };
}

/**
 * Keep fetching `path` on fresh connections until stopped, checking each answer against
 * `expected`: the "everyone else is still served" half of an abuse test.
 */
export function keepServing(base: string, path: string, expected: Buffer): { stop(): Promise<{ ok: number; bad: string[] }> } {
  let running = true;
  let ok = 0;
  const bad: string[] = [];
  const loop = (async () => {
    while (running) {
      try {
        const r = await request(base, path);
        if (r.status === 200 && r.body.equals(expected)) ok++;
        else bad.push(`status ${r.status}, ${r.body.length} bytes`);
      } catch (e) {
        bad.push((e as NodeJS.ErrnoException).code ?? String(e));
      }
    }
  })();
  return {
    async stop() {
      running = false; // idempotent: a teardown may stop it again
      await loop;
      return { ok, bad };
    },
  };
}

/** The soft open-file limit of this process (the daemon and its plugin hosts inherit it). */
export function openFileLimit(): number {
  try {
    const text = fs.readFileSync('/proc/self/limits', 'utf8');
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(text);
    return m === null || m[1] === 'unlimited' ? Infinity : Number(m[1]);
  } catch {
    return NaN;
  }
}

/**
 * Send `data` on a fresh connection and collect everything until the server closes it; fails
 * (naming `what`) if it is still open after `timeoutMs`.
 */
export async function exchange(base: string, data: string | Buffer, timeoutMs = 15_000, what = 'the server to close the connection'): Promise<Buffer> {
  const p = await probe(base);
  try {
    p.socket.write(data);
    await untilClosed(p, what, timeoutMs);
    return p.received();
  } finally {
    p.socket.destroy();
  }
}

/** Wait until `n` complete responses have arrived on `p`; resolves with them and the time. */
export async function untilResponses(p: Probe, n: number, timeoutMs = 15_000): Promise<{ responses: RawResponse[]; at: number }> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const { responses } = parseResponses(p.received());
    if (responses.length >= n) return { responses, at: performance.now() };
    if (p.closedAt !== undefined) throw new Error(`connection closed after ${responses.length} of ${n} responses`);
    if (performance.now() > deadline) throw new Error(`only ${responses.length} of ${n} responses within ${timeoutMs} ms`);
    await new Promise<void>((resolve) => {
      const done = (): void => { p.socket.off('data', done); p.socket.off('close', done); clearTimeout(timer); resolve(); };
      const timer = setTimeout(done, 50);
      p.socket.on('data', done);
      p.socket.on('close', done);
    });
  }
}

/** Run `fn` over `items`, at most `concurrency` at once. */
export async function inPool<T>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}
