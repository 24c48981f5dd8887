import { spawn, spawnSync } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { BENCH_DIR } from './context.js';
import { cpuTicks, fdCount, rssOf, SECRET } from './http-servers.js';
import { sleep } from './stats.js';

/** The load and the checks of the http-static bench: wrk runs, a conditional flood, slow clients, a correctness matrix. */

const WRK_SCRIPT = path.join(BENCH_DIR, 'fixtures', 'wrk-report.lua');

export function wrkAvailable() {
  return spawnSync('sh', ['-c', 'command -v wrk'], { stdio: 'ignore' }).status === 0;
}

export function wrkVersion() {
  const r = spawnSync('wrk', ['-v'], { encoding: 'utf8', timeout: 10_000 });
  return /wrk (?:debian\/)?([\w.]+)/.exec(`${r.stdout}${r.stderr}`)?.[1] ?? null;
}

/**
 * `wrk -t1 -c<connections> -d<seconds>s` against `url + path`, or against the mix (`pathsFile`,
 * a path chosen at random per request). Resolves { rps, bytesPerSec, p50, p99 (ms), errors, requests,
 * wrkTicks (wrk's CPU time in 1/100 s) }.
 */
export function wrk({ url, path: target = '/', pathsFile = null, seconds, connections = 50, timeoutS = 10 }) {
  const args = ['-t1', `-c${connections}`, `-d${seconds}s`, `--timeout`, `${timeoutS}s`, '-s', WRK_SCRIPT, `${url}${target}`];
  if (pathsFile) args.push('--', pathsFile);
  return new Promise((resolve, reject) => {
    const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    // wrk's own CPU, sampled while it runs (its last sample is at most 50 ms old at the end).
    let wrkTicks = 0;
    const poll = setInterval(() => { wrkTicks = Math.max(wrkTicks, cpuTicks([child.pid])); }, 50);
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (s) => { out += s; wrkTicks = Math.max(wrkTicks, cpuTicks([child.pid])); });
    child.stderr.setEncoding('utf8').on('data', (s) => { out += s; });
    const timer = setTimeout(() => { try { process.kill(child.pid, 'SIGKILL'); } catch { /* gone */ } }, (seconds + 30) * 1000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      clearInterval(poll);
      const line = /^WRK_JSON (.*)$/m.exec(out);
      if (code !== 0 || !line) return reject(new Error(`wrk ${args.join(' ')} failed (${code}): ${out.trim().slice(-400)}`));
      const j = JSON.parse(line[1]);
      const secs = j.duration_us / 1e6;
      resolve({
        requests: j.requests,
        rps: j.requests / secs,
        bytesPerSec: j.bytes / secs,
        p50: j.p50 / 1000,
        p99: j.p99 / 1000,
        errors: j.connect + j.read + j.write + j.status + j.timeout,
        wrkTicks,
        errorText: ['connect', 'read', 'write', 'status', 'timeout'].filter((k) => j[k]).map((k) => `${k} ${j[k]}`).join(', '),
      });
    });
  });
}

/** One request with node:http on a fresh connection; never rejects. */
export function fetchOnce(url, target, { method = 'GET', headers = {} } = {}) {
  return new Promise((resolve) => {
    const req = http.request(`${url}${target}`, { method, headers, agent: false, timeout: 10_000 }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', (e) => resolve({ status: 0, headers: {}, body: Buffer.alloc(0), error: e.code ?? e.message }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ status: 0, headers: {}, body: Buffer.alloc(0), error: e.code ?? e.message }));
    req.end();
  });
}

/** Raw bytes on a fresh connection; the status of the first response (0 when cut without one). */
export function rawStatus(port, bytes) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let got = '';
    socket.setEncoding('latin1');
    socket.setTimeout(10_000, () => socket.destroy());
    socket.on('data', (s) => { got += s; });
    socket.on('error', () => {});
    socket.on('close', () => resolve(Number(/^HTTP\/1\.[01] (\d{3})/.exec(got)?.[1] ?? 0)));
    socket.write(bytes);
  });
}

/**
 * `count` conditional GETs of `target` over `connections` keep-alive connections; then the
 * connections are closed. Resolves the responses by status.
 */
export async function conditionalFlood(url, target, headers, count = 20_000, connections = 50) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const statuses = {};
  let sent = 0;
  const one = () => new Promise((resolve) => {
    const req = http.request(`${url}${target}`, { headers, agent }, (res) => {
      statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
      res.resume();
      res.on('end', resolve);
      res.on('error', resolve);
    });
    req.on('error', (e) => { statuses[e.code ?? 'error'] = (statuses[e.code ?? 'error'] ?? 0) + 1; resolve(); });
    req.end();
  });
  await Promise.all(Array.from({ length: connections }, async () => {
    while (sent < count) { sent++; await one(); }
  }));
  agent.destroy();
  return statuses;
}

/**
 * The correctness matrix: one row per check, each { pass, shown }. `pid` is the process that
 * serves (its fds are counted around 20,000 conditional requests).
 */
export async function correctness(instance, { floodCount = 20_000 } = {}) {
  const { url, port } = instance;
  const out = {};
  const get = (t, o) => fetchOnce(url, t, o);

  let r = await get('/passwd.txt');
  out.symlinkFile = { pass: r.status !== 200 && !r.body.includes('root:'), shown: r.body.includes('root:') ? `${r.status}, /etc/passwd served` : String(r.status) };
  r = await get('/out/secret.txt');
  out.symlinkDir = { pass: r.status !== 200 && !r.body.includes(SECRET), shown: r.body.includes(SECRET) ? `${r.status}, secret served` : String(r.status) };

  const post = await get('/4k.jpg', { method: 'POST' });
  const del = await get('/4k.jpg', { method: 'DELETE' });
  out.methods = { pass: post.status === 405 && del.status === 405, shown: `POST ${post.status}, DELETE ${del.status}` };

  const first = await get('/4k.jpg');
  const since = first.headers['last-modified'] ?? new Date().toUTCString();
  r = await get('/4k.jpg', { headers: { 'If-Modified-Since': since } });
  out.ims = { pass: r.status === 304, shown: String(r.status) };

  r = await get('/photo.avif');
  out.avif = { pass: r.headers['content-type'] === 'image/avif', shown: r.headers['content-type'] ?? '(none)' };

  const encoded = await get('/4k.jpg%00.txt');
  const rawNul = await rawStatus(port, 'GET /4k.jpg\0.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  const is4xx = (s) => s >= 400 && s < 500;
  out.nul = { pass: is4xx(encoded.status) && is4xx(rawNul), shown: `%00 ${encoded.status || encoded.error}, raw ${rawNul || 'cut'}` };

  out.nosniff = { pass: first.headers['x-content-type-options'] === 'nosniff', shown: first.headers['x-content-type-options'] ?? '(none)' };

  // fds of the serving process around a conditional flood (validators as a browser sends them).
  const worker = instance.worker();
  const before = fdCount(worker);
  const validators = first.headers.etag ? { 'If-None-Match': first.headers.etag } : { 'If-Modified-Since': since };
  const statuses = await conditionalFlood(url, '/4k.jpg', validators, floodCount);
  // Closed connections leave the fd table at once; give a leak-free server a moment (and a GC) to settle.
  let after = fdCount(worker);
  for (let i = 0; i < 20 && after > before + 2; i++) { await sleep(100); after = fdCount(worker); }
  const answered = Object.entries(statuses).map(([k, v]) => `${v.toLocaleString('en-US')} × ${k}`).join(', ');
  out.fd304 = { pass: after <= before + 2, shown: `${after - before >= 0 ? '+' : ''}${after - before} fds (${answered})`, delta: after - before };
  return out;
}

export const CHECKS = [
  ['symlinkFile', 'symlink to /etc/passwd inside the root → not served'],
  ['symlinkDir', 'directory symlink out of the root → not served'],
  ['methods', 'POST / DELETE → 405'],
  ['ims', 'If-Modified-Since (= Last-Modified) → 304'],
  ['avif', '.avif → Content-Type image/avif'],
  ['nul', 'NUL byte (%00 and raw) → 4xx, not 500'],
  ['nosniff', 'X-Content-Type-Options: nosniff'],
  ['fd304', 'no fd left open after 20,000 conditional requests'],
];

/**
 * `clients` connections each GET `target` and read it slowly (64 KiB at most per `pauseMs`);
 * meanwhile the server's RSS (summed over `pids()`) is sampled every 100 ms for `ms`. Then every
 * client is cut. Resolves { baseline, peak, clients: { started, bytesMedian } }.
 */
export async function slowClients(instance, target, { clients = 200, ms = 5000, pauseMs = 250 } = {}) {
  const { port } = instance;
  const baseline = rssOf(instance.pids()).rss;
  const sockets = [];
  const received = new Array(clients).fill(0);
  const heads = new Array(clients).fill('');
  for (let i = 0; i < clients; i++) {
    const s = net.connect({ host: '127.0.0.1', port });
    s.on('error', () => {});
    s.on('data', (c) => {
      if (received[i] === 0) heads[i] = c.subarray(0, 12).toString('latin1');
      received[i] += c.length;
      s.pause();
      setTimeout(() => { if (!s.destroyed) s.resume(); }, pauseMs);
    });
    s.write(`GET ${target} HTTP/1.1\r\nHost: x\r\n\r\n`);
    sockets.push(s);
  }
  let peak = baseline;
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    await sleep(100);
    peak = Math.max(peak, rssOf(instance.pids()).rss);
  }
  for (const s of sockets) s.destroy();
  const sortedBytes = [...received].sort((a, b) => a - b);
  return {
    baseline,
    peak,
    ok: heads.filter((h) => h.startsWith('HTTP/1.1 200')).length,
    bytesMedian: sortedBytes[Math.floor(clients / 2)],
    bytesMin: sortedBytes[0],
  };
}
