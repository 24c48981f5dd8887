import http from 'node:http';
import net from 'node:net';
import type { ExecutionContext } from 'ava';
import { startImageServer, type ImageServerHandle } from './start.js';

/** Start the plugin through the seam and stop it when the test ends, pass or fail. */
export async function serve(t: ExecutionContext, config: Record<string, unknown> = {}): Promise<ImageServerHandle> {
  const server = await startImageServer(config);
  t.teardown(() => server.stop());
  return server;
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** Whether the request went over a kept-alive connection. */
  reused: boolean;
}

export interface RequestOptions {
  method?: string;
  headers?: http.OutgoingHttpHeaders;
  /** Default: a fresh connection per request. */
  agent?: http.Agent | false;
}

/** One request with node:http, the whole body collected. */
export function request(base: string, path: string, options: RequestOptions = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${path}`, { method: options.method ?? 'GET', headers: options.headers, agent: options.agent ?? false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), reused: req.reusedSocket }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

export function hostPort(base: string): { host: string; port: number } {
  const u = new URL(base);
  return { host: u.hostname, port: Number(u.port) };
}

/** Open a raw TCP connection to the server. */
export function connect(base: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(hostPort(base), () => resolve(socket));
    socket.once('error', reject);
  });
}

/**
 * Send raw bytes (for requests node:http would refuse to send or would normalize) and collect
 * everything until the server closes the connection. Send `Connection: close` to get a close.
 */
export async function raw(base: string, data: string | Buffer): Promise<Buffer> {
  const socket = await connect(base);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('close', () => resolve(Buffer.concat(chunks)));
    socket.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' ? undefined : reject(e)));
    socket.write(data);
  });
}

/** `GET <target>` over a raw socket, exactly these bytes, then the status and body. */
export async function rawGet(base: string, target: string, extraHeaders = ''): Promise<{ status: number; head: string; body: Buffer }> {
  return parseResponse(await raw(base, `GET ${target} HTTP/1.1\r\nHost: x\r\n${extraHeaders}Connection: close\r\n\r\n`));
}

/** Split one raw HTTP/1.1 response into status line/headers and body. */
export function parseResponse(bytes: Buffer): { status: number; head: string; body: Buffer } {
  const end = bytes.indexOf('\r\n\r\n');
  const head = bytes.subarray(0, end === -1 ? bytes.length : end).toString('latin1');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
  return { status, head, body: end === -1 ? Buffer.alloc(0) : bytes.subarray(end + 4) };
}

/** Poll `check` until it returns something other than undefined/false, or fail after `timeoutMs`. */
export async function waitFor<T>(check: () => T | undefined | false | Promise<T | undefined | false>, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The stats result, typed as the plugin declares it. */
export type { StatsSnapshot as StatsResult } from '../../../plugins/image-server/stats.js';
import type { StatsSnapshot as StatsResult } from '../../../plugins/image-server/stats.js';

export async function statsOf(server: ImageServerHandle): Promise<StatsResult> {
  return (await server.stats()) as StatsResult;
}
