import http from 'node:http';
import type { AgentdClient } from '../../src/client/index.js';
import { EventRecorder } from '../helpers/events.js';
import { fixture, pluginGroups, type TestDaemon } from '../helpers/daemon.js';
import { gzippedLogLines, sequenceProblems, tickerLines } from '../helpers/faults.js';
import { fdsOf, isGone, rssOf, waitUntil } from '../helpers/proc.js';

/**
 * The soak: a daemon under steady load for `durationMs`, with its plugin killed and its logs
 * rotated on a schedule, and what it must show at the end. Every loop stops by itself at the
 * deadline (and has a count bound too).
 *
 * - RPC: `rpcClients` clients, each calling daemon.status then plugins.list every `rpcEveryMs`.
 *   Every call must succeed.
 * - HTTP: `httpLoops` loops, each a GET on a fresh connection every `httpEveryMs`, against
 *   http-echo (which listens through ctx.listen: the core holds the socket across restarts).
 * - Crashes: every `killEveryMs`, SIGKILL to http-echo. Restart window i is [t_kill, t_running]:
 *   from just before the SIGKILL to the moment the test sees the `plugin.state running` event of
 *   the new process. An HTTP request "in a window" is one whose lifetime overlaps it; a failure
 *   outside every window counts against the daemon. Only requests in flight at the kill may
 *   fail: one started after the killed process is gone must not, as its connection waits in the
 *   backlog of the socket the core holds until the new process accepts it.
 * - Logs: log-ticker writes `tick <n>` lines at a steady rate; `logs.rotate` every
 *   `rotateEveryMs`, with compression. At the end the ticker is stopped (its pipe drains) and every
 *   generation is read back: 0 … N-1 exactly once.
 * - Memory and fds of the core: fds after warm-up and at the end, each time once the daemon has
 *   settled (http-echo running, the spare host ready, the fd table still for 250 ms); RSS every
 *   500 ms, growth being the lowest sample of the last 10 s of load minus that of the first 10 s.
 */
export interface SoakOptions {
  durationMs: number;
  warmupMs: number;
  rpcClients: number;
  rpcEveryMs: number;
  httpLoops: number;
  httpEveryMs: number;
  killEveryMs: number;
  rotateEveryMs: number;
  /** Lines per second the ticker writes (in ticks of 5 ms). */
  linesPerSecond: number;
}

export const soakConfig = (o: SoakOptions) => ({
  logs: { keep: 1000, maxSize: null, compress: true },
  plugins: {
    'http-echo': {
      module: fixture('http-echo'),
      // Runs of 1 s count as stable, so every kill restarts at once; the crash-loop limit is
      // set above what the schedule produces in a minute.
      backoff: { resetAfter: '1s' },
      crashLoop: { restarts: Math.ceil((60_000 / o.killEveryMs) * 2) + 5, window: '60s' },
    },
    'log-ticker': { module: fixture('log-ticker'), config: { intervalMs: 5, perTick: Math.max(1, Math.round(o.linesPerSecond / 200)) } },
  },
});

interface Request { start: number; end: number; ok: boolean; error?: string }
interface Window { kill: number; gone: number; running: number; pid: number }

export interface SoakFigures {
  seconds: number;
  rpc: { calls: number; failed: number; errors: string[] };
  http: { requests: number; failed: number; failedInWindows: number; failedOutsideWindows: number; failedStartedWhileDown: number; errors: string[] };
  kills: number;
  restarts: number;
  /** Restart windows (SIGKILL to running again) and how long the killed process took to be gone. */
  windowsMs: { max: number; mean: number; goneMax: number };
  rotations: number;
  lines: { written: number; inFiles: number; lost: number; doubled: number; problems: string[] };
  /** Core RSS: settled samples at start and end; floors (lowest sample) of the first and last 10 s of load; growth = floor to floor. */
  rss: { startMB: number; endMB: number; startFloorMB: number; endFloorMB: number; growthMB: number; maxMB: number };
  fds: { start: number; end: number; added: string[]; removed: string[] };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function get(port: number): Promise<Request> {
  const start = Date.now();
  return new Promise((resolve) => {
    const done = (ok: boolean, error?: string) => resolve({ start, end: Date.now(), ok, ...(error ? { error } : {}) });
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent: false, timeout: 30_000 }, (res) => {
      res.resume();
      res.on('end', () => done(res.statusCode === 200, res.statusCode === 200 ? undefined : `status ${res.statusCode}`));
      res.on('error', (e) => done(false, e.message));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e: NodeJS.ErrnoException) => done(false, e.code ?? e.message));
  });
}

/** The core once it is quiet: http-echo running, three host processes (two plugins, a spare), fds unchanged for 250 ms. */
async function settled(d: TestDaemon, client: AgentdClient): Promise<{ rss: number; fds: Map<number, string> }> {
  let fds = fdsOf(d.pid);
  await waitUntil(async () => {
    const rows = await client.call('plugins.list');
    if (!rows.every((r) => r.state === 'running') || pluginGroups(d.pid).length !== 3) return false;
    await sleep(250);
    const now = fdsOf(d.pid);
    const same = now.size === fds.size && [...now].every(([fd, target]) => fds.get(fd) === target);
    fds = now;
    return same;
  }, 30_000, 'the daemon to settle');
  return { rss: rssOf(d.pid)!, fds };
}

export async function runSoak(d: TestDaemon, o: SoakOptions, log: (line: string) => void): Promise<SoakFigures> {
  const control = await d.client();
  const events = await EventRecorder.attach(await d.client(), ['plugin.']);
  const { port } = await control.call<{ port: number }>('http-echo.address');
  const deadline = Date.now() + o.durationMs;
  const live = () => Date.now() < deadline;
  const rpc = { calls: 0, failed: 0, errors: [] as string[] };
  const requests: Request[] = [];
  const windows: Window[] = [];
  let rotations = 0;
  let maxRss = 0;
  let killing = true;

  const rpcLoops = Array.from({ length: o.rpcClients }, async () => {
    const c = await d.client();
    for (let i = 0; live() && i < 1e7; i++) {
      for (const method of ['daemon.status', 'plugins.list'] as const) {
        rpc.calls++;
        try { await c.call(method); } catch (e) { rpc.failed++; if (rpc.errors.length < 10) rpc.errors.push(`${method}: ${(e as Error).message}`); }
      }
      await sleep(o.rpcEveryMs);
    }
  });
  const httpLoops = Array.from({ length: o.httpLoops }, async () => {
    for (let i = 0; live() && i < 1e7; i++) {
      requests.push(await get(port));
      await sleep(o.httpEveryMs);
    }
  });
  const rotator = (async () => {
    const c = await d.client();
    for (let i = 0; live() && i < 1e6; i++) {
      await sleep(o.rotateEveryMs);
      if (!live()) break;
      rpc.calls++;
      try { await c.call('logs.rotate'); rotations++; } catch (e) { rpc.failed++; rpc.errors.push(`logs.rotate: ${(e as Error).message}`); }
    }
  })();
  const samples: Array<{ at: number; rss: number }> = [];
  const sampler = (async () => {
    while (live()) {
      const rss = rssOf(d.pid) ?? 0;
      samples.push({ at: Date.now(), rss });
      maxRss = Math.max(maxRss, rss);
      await sleep(500);
    }
  })();

  // Warm-up, then the baseline of memory and fds (no kill meanwhile).
  await sleep(o.warmupMs);
  const start = await settled(d, control);
  const startedAt = Date.now();
  log(`warm: core RSS ${mb(start.rss)} MB, ${start.fds.size} fds`);

  const killer = (async () => {
    for (let i = 0; live() && i < 1e5; i++) {
      await sleep(o.killEveryMs);
      if (!live() || !killing) break;
      const [row] = (await control.call('plugins.list')).filter((r) => r.plugin === 'http-echo');
      if (row?.state !== 'running' || row.pid === null) continue;
      const mark = events.mark;
      const kill = Date.now();
      process.kill(row.pid, 'SIGKILL');
      // SIGKILL takes effect when the process next leaves the kernel: until it is a zombie, it
      // may still accept a connection (which then resets). Poll tightly for that moment.
      const pid = row.pid;
      while (!isGone(pid) && Date.now() - kill < 10_000) await new Promise((r) => setImmediate(r));
      const gone = Date.now();
      const up = await events.next((e) => e.type === 'plugin.state' && e.plugin === 'http-echo' && e.to === 'running' && e.pid !== pid, 60_000, mark);
      windows.push({ kill, gone, running: Date.now(), pid: up.pid! });
    }
  })();

  await Promise.all([...rpcLoops, ...httpLoops, rotator, sampler]);
  // The floor of RSS over 10 s (the lowest sample): what stays once garbage is collected, so a
  // sample taken just before a GC does not count as growth. First 10 s after warm-up, last 10 s.
  const floor = (from: number, to: number) => Math.min(...samples.filter((x) => x.at >= from && x.at <= to).map((x) => x.rss));
  const startFloor = floor(startedAt, startedAt + 10_000);
  const endFloor = floor(deadline - 10_000, deadline);
  killing = false;
  await killer;
  const end = await settled(d, control);
  const restarts = (await control.call('plugins.list')).find((r) => r.plugin === 'http-echo')?.restarts ?? 0;

  // The ticker's last line says how many it wrote; then every generation is read back.
  await control.call('plugins.stop', { name: 'log-ticker' });
  const ticks = tickerLines(await gzippedLogLines(`${d.paths.logsDir}/log-ticker.log`));
  const [[pid, written] = [0, 0]] = [...ticks.stoppedAfter];
  const seqs = ticks.byPid.get(pid) ?? [];
  const distinct = new Set(seqs);

  const inWindow = (r: Request) => windows.some((w) => r.start <= w.running && r.end >= w.kill);
  const failed = requests.filter((r) => !r.ok);
  const spans = windows.map((w) => w.running - w.kill);
  return {
    seconds: Math.round(o.durationMs / 1000),
    rpc,
    http: {
      requests: requests.length,
      failed: failed.length,
      failedInWindows: failed.filter(inWindow).length,
      failedOutsideWindows: failed.filter((r) => !inWindow(r)).length,
      failedStartedWhileDown: failed.filter((r) => windows.some((w) => r.start > w.gone && r.start <= w.running)).length,
      errors: [...new Set(failed.map((r) => r.error ?? '?'))].slice(0, 10),
    },
    kills: windows.length,
    restarts,
    windowsMs: {
      max: Math.max(0, ...spans),
      mean: spans.length ? Math.round(spans.reduce((a, b) => a + b, 0) / spans.length) : 0,
      goneMax: Math.max(0, ...windows.map((w) => w.gone - w.kill)),
    },
    rotations,
    lines: {
      written,
      inFiles: seqs.length,
      lost: written - distinct.size,
      doubled: seqs.length - distinct.size,
      problems: [...ticks.torn.map((l) => `torn: ${l.slice(0, 100)}`), ...sequenceProblems(seqs)].slice(0, 10),
    },
    rss: {
      startMB: mb(start.rss),
      endMB: mb(end.rss),
      startFloorMB: mb(startFloor),
      endFloorMB: mb(endFloor),
      growthMB: mb(endFloor - startFloor),
      maxMB: mb(Math.max(maxRss, end.rss)),
    },
    fds: { start: start.fds.size, end: end.fds.size, ...kindDiff(start.fds, end.fds) },
  };
}

/**
 * What kinds of fd the end has more or fewer of than the start. Pipes and sockets are compared by
 * kind (a restarted plugin host has new ones), files by path.
 */
function kindDiff(start: Map<number, string>, end: Map<number, string>): { added: string[]; removed: string[] } {
  const kinds = (fds: Map<number, string>) => {
    const counts = new Map<string, number>();
    for (const target of fds.values()) {
      const kind = target.replace(/^(pipe|socket):\[\d+\]$/, '$1');
      counts.set(kind, (counts.get(kind) ?? 0) + 1);
    }
    return counts;
  };
  const a = kinds(start);
  const b = kinds(end);
  const added: string[] = [];
  const removed: string[] = [];
  for (const k of new Set([...a.keys(), ...b.keys()])) {
    const diff = (b.get(k) ?? 0) - (a.get(k) ?? 0);
    if (diff > 0) added.push(`${k} x${diff}`);
    if (diff < 0) removed.push(`${k} x${-diff}`);
  }
  return { added, removed };
}

function mb(bytes: number): number {
  return Math.round((bytes / 1048576) * 10) / 10;
}
