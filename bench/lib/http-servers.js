import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { startAgentd } from './agentd.js';
import { BENCH_DIR, ROOT } from './context.js';
import { freePort } from './exec.js';
import { descendants, isGone, kill, memory, waitFor, waitGone } from './proc.js';
import { sleep } from './stats.js';

/**
 * The servers of the http-static bench and the tree they all serve. Each server kind has a
 * `start()` that gives a fresh serving process (an instance): `{ label, url, port, pids(),
 * worker(), stop() }`, where `worker()` is the process that answers HTTP (whose fds are counted),
 * `pids()` every process that serves (whose RSS is summed), and `own()`, when present, every
 * process of the system under test (agentd: the core and spare hosts too), for CPU accounting.
 */

const KiB = 1024;
const MiB = 1024 * KiB;
export const SECRET = 'TOP SECRET: outside the root';

/** 100 sizes spread log-uniformly over 1 KiB–256 KiB (mean ≈ 46 KiB): thumbnails to photos. */
export const MIX_SIZES = Array.from({ length: 100 }, (_, i) => Math.round(KiB * 256 ** (i / 99)));

/**
 * `<dir>/root/`: 4k.jpg, 100k.jpg, 2m.jpg, mix/m000.jpg … m099.jpg (random bytes), photo.avif;
 * the traps: passwd.txt -> /etc/passwd, out -> ../outside (holding secret.txt).
 * `<dir>/mix.txt`: the mix's paths, one per line, for wrk-report.lua.
 */
export function makeTree(dir) {
  const root = path.join(dir, 'root');
  const outside = path.join(dir, 'outside');
  fs.mkdirSync(path.join(root, 'mix'), { recursive: true });
  fs.mkdirSync(outside, { recursive: true });
  // 0755 on the way down: nginx's worker and the peers must be able to read, whoever they run as.
  for (const d of [dir, root, path.join(root, 'mix'), outside]) fs.chmodSync(d, 0o755);
  const write = (name, size) => fs.writeFileSync(path.join(root, name), crypto.randomBytes(size));
  write('4k.jpg', 4 * KiB);
  write('100k.jpg', 100 * KiB);
  write('2m.jpg', 2 * MiB);
  const mix = MIX_SIZES.map((size, i) => {
    const name = `mix/m${String(i).padStart(3, '0')}.jpg`;
    write(name, size);
    return `/${name}`;
  });
  write('photo.avif', 2 * KiB);
  fs.writeFileSync(path.join(outside, 'secret.txt'), SECRET);
  fs.symlinkSync('/etc/passwd', path.join(root, 'passwd.txt'));
  fs.symlinkSync('../outside', path.join(root, 'out'));
  const mixFile = path.join(dir, 'mix.txt');
  fs.writeFileSync(mixFile, `${mix.join('\n')}\n`);
  return { dir, root, outside, mix, mixFile, mixBytes: MIX_SIZES.reduce((a, b) => a + b, 0) };
}

/** GET until the server answers `path` with 200 (it is listening and serving). */
async function untilServing(url, what, timeoutMs = 30_000) {
  await waitFor(async () => {
    try {
      const r = await fetch(`${url}/4k.jpg`, { signal: AbortSignal.timeout(2000) });
      await r.arrayBuffer();
      return r.status === 200;
    } catch { return false; }
  }, timeoutMs, `${what} to serve`, 20);
}

/** CPU ticks (user + system, 1/100 s) of `pids` so far. */
export function cpuTicks(pids) {
  let t = 0;
  for (const pid of pids) {
    try {
      const f = fs.readFileSync(`/proc/${pid}/stat`, 'latin1').slice(0, 2048);
      const x = f.slice(f.lastIndexOf(')') + 2).split(' ');
      t += Number(x[11]) + Number(x[12]);
    } catch { /* gone */ }
  }
  return t;
}

/**
 * Wait until `pids()` used at most 2 ticks (20 ms) of CPU in 250 ms (start-up work, such as
 * agentd's spare plugin host starting in the background, is over), or `maxMs` passed.
 */
export async function untilQuiet(pids, maxMs = 6000) {
  const deadline = performance.now() + maxMs;
  let before = cpuTicks(pids());
  while (performance.now() < deadline) {
    await sleep(250);
    const after = cpuTicks(pids());
    if (after - before <= 2) return true;
    before = after;
  }
  return false;
}

/** The summed memory (bytes) of `pids`: VmRSS now and VmHWM (each process's peak). */
export function rssOf(pids) {
  let rss = 0;
  let hwm = 0;
  for (const pid of pids) {
    const m = memory(pid);
    if (m) { rss += m.rss; hwm += m.hwm; }
  }
  return { rss, hwm };
}

/**
 * Machine-wide CPU ticks from /proc/stat: busy in processes (user, nice, system) and steal.
 * irq and softirq are left out: loopback TCP is processed in softirq, on behalf of no process,
 * so with a busy server they are the load's own cost, not another process's.
 */
export function machineTicks() {
  const f = fs.readFileSync('/proc/stat', 'latin1').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , , , steal] = f;
  return { busy: user + nice + system, steal };
}

export function fdCount(pid) {
  try { return fs.readdirSync(`/proc/${pid}/fd`).length; } catch { return NaN; }
}

// ---------------------------------------------------------------------------------------------
// agentd's image server: one daemon; each start() restarts the plugin (a new plugin host process).

/**
 * The image server as users run it: the bundled plugin (plugins/image-server) under a real daemon
 * started through the native launcher, config `{ root, port }` and nothing else (plus `extra`).
 * `env` goes to the plugin host (NODE_OPTIONS=--cpu-prof for a profile).
 */
export async function imageServer(ctx, tree, { extra = {}, env = {}, label = 'agentd image-server' } = {}) {
  const port = await freePort();
  // The compiled plugin, as the built-in default runs it (src/package-info.ts BUNDLED_IMAGE_SERVER).
  const entry = { module: path.join(ROOT, 'dist', 'plugins', 'image-server', 'index.js'), config: { root: tree.root, port, ...extra } };
  if (Object.keys(env).length) entry.env = env;
  const d = await startAgentd(ctx, { plugins: { 'image-server': entry } });
  const client = await d.client();
  ctx.defer(() => client.close());
  const url = `http://127.0.0.1:${port}`;
  const hostPid = async () => (await client.call('plugins.list')).find((p) => p.name === 'image-server')?.pid ?? 0;
  let first = true;
  return {
    key: 'agentd',
    label,
    daemon: d,
    async start() {
      let pid = await hostPid();
      if (!first) {
        const old = pid;
        await client.call('plugins.restart', { name: 'image-server' });
        pid = await waitFor(async () => { const p = await hostPid(); return p && p !== old ? p : 0; }, 30_000, 'a new plugin host');
      }
      first = false;
      await untilServing(url, label);
      await untilQuiet(d.pids);
      return { label, url, port, pids: () => [pid], own: d.pids, worker: () => pid, stop: async () => {} };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// nginx

export function nginxAvailable() {
  return fs.existsSync('/usr/sbin/nginx') || process.env.PATH.split(':').some((d) => fs.existsSync(path.join(d, 'nginx')));
}

function nginxConf({ dir, root, port, workers }) {
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((k) => `  ${k}_temp_path ${dir}/${k};`).join('\n');
  return `# http-static bench: nginx as the practical limit. ${workers} worker(s), sendfile, no access log.
worker_processes ${workers};
daemon off;
master_process on;
user root;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  sendfile on;
  tcp_nopush on;
  access_log off;
  # The Node servers never close a busy keep-alive connection; nginx's default does every 1000.
  keepalive_requests 1000000;
${temp}
  server {
    listen 127.0.0.1:${port};
    root ${root};
  }
}
`;
}

export function nginx(ctx, tree, { workers = 1 } = {}) {
  return {
    key: workers === 1 ? 'nginx' : `nginx-${workers}`,
    label: `nginx (${workers} worker${workers === 1 ? '' : 's'}, sendfile)`,
    async start() {
      const dir = ctx.dir('n');
      const port = await freePort();
      const conf = path.join(dir, 'nginx.conf');
      fs.writeFileSync(conf, nginxConf({ dir, root: tree.root, port, workers }));
      const child = spawn('nginx', ['-p', dir, '-e', path.join(dir, 'error.log'), '-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (s) => { stderr += s; });
      const master = child.pid;
      const stop = ctx.defer(async () => {
        const all = [master, ...descendants(master)];
        kill(master, 'SIGTERM');
        if (!(await waitGone(all, 5000, 10))) for (const p of all) kill(p);
      });
      const url = `http://127.0.0.1:${port}`;
      try {
        await untilServing(url, 'nginx', 10_000);
      } catch (e) {
        await stop();
        throw new Error(`${e.message}: ${stderr.trim()}`);
      }
      // Workers fork after the master answers; wait for all of them, so pids() and worker() see them.
      const deadline = Date.now() + 5000;
      while (descendants(master).length < workers && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const worker = descendants(master)[0] ?? master;
      return { label: this.label, url, port, pids: () => [master, ...descendants(master)], worker: () => worker, stop };
    },
  };
}

export function nginxVersion() {
  const r = spawnSyncText('nginx', ['-v']);
  return /nginx\/([\w.]+)/.exec(r)?.[1] ?? null;
}

function spawnSyncText(cmd, args) {
  // nginx -v prints to stderr.
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 10_000 });
  return `${r.stdout ?? ''}${r.stderr ?? ''}`;
}

// ---------------------------------------------------------------------------------------------
// The Node peers (bench/fixtures/http-peer.mjs)

const PEER = path.join(BENCH_DIR, 'fixtures', 'http-peer.mjs');

export const PEERS = [
  { key: 'sirv', label: 'sirv', pkg: 'sirv' },
  { key: 'serve-handler', label: 'serve-handler', pkg: 'serve-handler' },
  { key: 'fastify-static', label: '@fastify/static', pkg: '@fastify/static' },
  { key: 'memory', label: 'plain Node, bytes in memory', pkg: null },
];

export function peerVersion(pkg) {
  try { return JSON.parse(fs.readFileSync(path.join(BENCH_DIR, 'node_modules', pkg, 'package.json'), 'utf8')).version; } catch { return null; }
}

export function nodePeer(ctx, tree, { key, label }) {
  return {
    key,
    label,
    async start() {
      const port = await freePort();
      const child = spawn(process.execPath, [PEER, key, tree.root, String(port)], { cwd: BENCH_DIR, stdio: ['ignore', 'pipe', 'pipe'] });
      const pid = child.pid;
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (s) => { out += s; });
      child.stderr.setEncoding('utf8').on('data', (s) => { out += s; });
      const stop = ctx.defer(async () => {
        kill(pid, 'SIGTERM');
        if (!(await waitGone([pid], 5000, 10))) kill(pid);
      });
      try {
        await waitFor(() => out.includes('listening') || isGone(pid), 30_000, `${label} to listen`, 10);
        if (isGone(pid)) throw new Error(`${label} exited: ${out.trim()}`);
      } catch (e) {
        await stop();
        throw e;
      }
      const url = `http://127.0.0.1:${port}`;
      await untilServing(url, label);
      return { label, url, port, pids: () => [pid], worker: () => pid, stop };
    },
  };
}
