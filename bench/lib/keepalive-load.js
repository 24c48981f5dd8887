import http from 'node:http';
import { now } from './stats.js';

/**
 * A keep-alive GET load (`connections` sockets, each sending its next request when the last
 * answer is in) that behaves as browsers and Node's own clients may (RFC 9110 §9.2.2): a GET on a
 * reused connection that was reset before any answer is retried once, on a new connection.
 * Resolves { ok, failed, retried, errors }; every loop stops by itself at `seconds`.
 */
export async function keepAliveLoad(url, { connections = 50, seconds }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const res = { ok: 0, failed: 0, retried: 0, errors: {} };
  const until = now() + seconds * 1000;
  const get = () => new Promise((resolve) => {
    const req = http.get(url, { agent }, (r) => {
      r.resume();
      r.on('end', () => resolve({ status: r.statusCode }));
      r.on('error', (e) => resolve({ error: e.code ?? e.message, reused: req.reusedSocket }));
    });
    req.setTimeout(10_000, () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    req.on('error', (e) => resolve({ error: e.code ?? e.message, reused: req.reusedSocket }));
  });
  const loop = async () => {
    while (now() < until) {
      let r = await get();
      if (r.error && r.reused && ['ECONNRESET', 'EPIPE', 'ECONNABORTED'].includes(r.error)) {
        res.retried++;
        r = await get();
      }
      if (r.status === 200) res.ok++;
      else {
        res.failed++;
        const k = r.error ?? `HTTP ${r.status}`;
        res.errors[k] = (res.errors[k] ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, loop));
  agent.destroy();
  return res;
}
