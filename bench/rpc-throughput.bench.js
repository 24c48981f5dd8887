// rpc-throughput: status round trips per second over the control socket, from one client making
// sequential calls and from 50 concurrent connections of one process, beside PM2's and
// supervisord's own status query driven the same way (one fresh client process per measurement).
import { execFileSync, spawn } from 'node:child_process';
import path from 'node:path';
import { idlePlugins, startAgentd } from './lib/agentd.js';
import { BENCH_DIR } from './lib/context.js';
import { timeRun } from './lib/exec.js';
import { cpuMs, kill, waitGone } from './lib/proc.js';
import { pm2App, pm2Available, pm2Env, startPm2 } from './lib/pm2.js';
import { table, verdict } from './lib/results.js';
import { count, mean, ratio, ratioText } from './lib/stats.js';
import { startSupervisord, supervisorAvailable } from './lib/supervisor.js';

export const name = 'rpc-throughput';
export const title = 'status queries per second over the control socket';

const MEASURE_MS = 3000;
const ROUNDS = 2;
const CLIENT = path.join(BENCH_DIR, 'lib', 'rate-client.js');
const TARGETS = { single0: 20_000, multi0: 60_000, single10: 15_000 };

/** One client process's rate; with `daemonPid`, also the daemon's CPU time per call over the client's whole run. */
async function rate(kind, target, clients, env = process.env, daemonPid = 0) {
  const cpu0 = daemonPid ? cpuMs(daemonPid) : NaN;
  const r = await timeRun(process.execPath, [CLIENT, kind, target, String(clients), String(MEASURE_MS)], { env, capture: true, timeoutMs: MEASURE_MS + 30_000 });
  if (r.code !== 0) throw new Error(`${kind} rate client failed: ${r.stderr.trim().split('\n').slice(-3).join(' / ')}`);
  const out = JSON.parse(r.stdout.trim().split('\n').pop());
  return { ...out, cpuUsPerCall: ((cpuMs(daemonPid) - cpu0) * 1000) / out.allCalls };
}

/** The floor: fixtures/echo-server.cjs in its own process, stopped by pid at cleanup. */
async function startEcho(ctx) {
  const socket = path.join(ctx.dir('e'), 'echo.sock');
  const child = spawn(process.execPath, [path.join(BENCH_DIR, 'fixtures', 'echo-server.cjs'), socket], { stdio: ['ignore', 'pipe', 'inherit'] });
  const stop = ctx.defer(async () => { kill(child.pid, 'SIGTERM'); if (!(await waitGone([child.pid], 5000))) kill(child.pid); });
  await new Promise((resolve, reject) => {
    child.stdout.setEncoding('utf8').once('data', resolve);
    child.once('exit', (code) => reject(new Error(`echo server exited (${code}) before listening`)));
  });
  return { pid: child.pid, socket, stop };
}

/**
 * The lowest floor: fixtures/pingpong.c, compiled here with the C compiler node-gyp used; null
 * (the row is left out, and says so in the log) when there is none.
 */
function buildPingpong(ctx) {
  const binary = path.join(ctx.dir('c'), 'pingpong');
  try {
    execFileSync('cc', ['-O2', '-o', binary, path.join(BENCH_DIR, 'fixtures', 'pingpong.c')], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    ctx.log(`${name}: no C ping-pong floor (cc failed: ${String(e.stderr ?? e.message).trim().split('\n')[0]})`);
    return null;
  }
  return async () => {
    const r = await timeRun(binary, ['300', String(MEASURE_MS)], { capture: true, timeoutMs: MEASURE_MS + 30_000 });
    if (r.code !== 0) throw new Error(`pingpong failed: ${r.stderr.trim()}`);
    return { ...JSON.parse(r.stdout), errors: 0, cpuUsPerCall: NaN, clientCpuUsPerCall: NaN };
  };
}

const PEER_NAMES = { pm2: 'PM2', sv: 'supervisord', echo: 'raw Node echo', c: 'C ping-pong', sleeping: 'agentd without busy polling' };
const PEER_SHORT = { pm2: 'PM2', sv: 'sv', echo: 'echo', c: 'C', sleeping: 'no polling' };
const peerOf = (key) => key.split('-')[0].split('/')[0];

export async function run(ctx) {
  const idle = path.join(BENCH_DIR, 'fixtures', 'idle.cjs');
  const systems = [];
  const pingpong = buildPingpong(ctx);
  if (pingpong) systems.push({ key: 'c', n: null, label: 'two C processes, 5 bytes back and forth over a socketpair (the machine\'s floor)', measure: pingpong, clients: [1], stop: async () => {} });
  const echo = await startEcho(ctx);
  systems.push({ key: 'echo', n: null, label: 'raw Node echo server, a status request\'s line sent back unparsed (the floor)', measure: (c) => rate('echo', echo.socket, c, process.env, echo.pid), clients: [1], stop: echo.stop });
  for (const n of [0, 10]) {
    const a = await startAgentd(ctx, { plugins: idlePlugins(ctx.dir('x'), n) });
    systems.push({ key: `agentd-${n}`, n, label: `agentd, \`daemon.status\`, ${n} plugins`, measure: (c) => rate('agentd', a.home, c, process.env, a.pid), clients: n === 0 ? [1, 50] : [1, 50], stop: a.stop });
    // The same daemon sleeping between requests: what busy polling (rpc.busyPoll) gives, and costs.
    const q = await startAgentd(ctx, { plugins: idlePlugins(ctx.dir('x'), n), rpc: { busyPoll: 0 } });
    systems.push({ key: `sleeping-${n}`, n, label: `agentd with \`rpc.busyPoll: 0\` (sleeps between requests), \`daemon.status\`, ${n} plugins`, measure: (c) => rate('agentd', q.home, c, process.env, q.pid), clients: [1], stop: q.stop });
    if (pm2Available()) {
      const p = await startPm2(ctx, Array.from({ length: n }, (_, i) => pm2App(`idle-${i}`, idle)));
      systems.push({ key: `pm2-${n}`, n, label: `PM2, API \`list\` (getMonitorData), ${n} apps`, measure: (c) => rate('pm2', p.home, c, pm2Env(p.home), p.pid), clients: [1], stop: p.stop });
    }
    if (supervisorAvailable()) {
      const s = await startSupervisord(ctx, Array.from({ length: n }, (_, i) => ({ name: `idle-${i}`, command: `${process.execPath} ${idle}` })));
      systems.push({ key: `sv-${n}`, n, label: `supervisord, XML-RPC \`getAllProcessInfo\`, ${n} programs`, measure: (c) => rate('supervisord', path.join(s.dir, 's.sock'), c, process.env, s.pid), clients: [1], stop: s.stop });
    }
  }
  // Everything runs at once (idle); the measurements alternate, ROUNDS times over.
  const results = new Map();
  for (let round = 0; round < ROUNDS; round++) {
    for (const s of systems) {
      for (const c of s.clients) {
        ctx.log(`${name}: round ${round + 1}, ${s.key}, ${c} client(s)`);
        const r = await s.measure(c);
        const key = `${s.key}/${c}`;
        if (!results.has(key)) results.set(key, []);
        results.get(key).push(r);
      }
    }
  }
  for (const s of systems) await s.stop();

  const avg = (key) => { const rs = results.get(key); return rs ? mean(rs.map((r) => r.rate)) : NaN; };
  const spread = (key) => (results.get(key) ?? []).map((r) => count(r.rate)).join(' / ');
  const errs = (key) => (results.get(key) ?? []).reduce((a, r) => a + r.errors, 0);
  const rows = [];
  for (const s of systems) {
    for (const c of s.clients) {
      const key = `${s.key}/${c}`;
      let target = '';
      let v = '';
      if (s.key === 'agentd-0' && c === 1) { target = `≥ ${count(TARGETS.single0)}/s`; v = verdict(avg(key), TARGETS.single0, 'higher'); }
      if (s.key === 'agentd-0' && c === 50) { target = `≥ ${count(TARGETS.multi0)}/s`; v = verdict(avg(key), TARGETS.multi0, 'higher'); }
      if (s.key === 'agentd-10' && c === 1) { target = `≥ ${count(TARGETS.single10)}/s`; v = verdict(avg(key), TARGETS.single10, 'higher'); }
      const ref = avg(`agentd-${s.n ?? 0}/1`);
      const cpu = mean((results.get(key) ?? []).map((x) => x.cpuUsPerCall));
      const ccpu = mean((results.get(key) ?? []).map((x) => x.clientCpuUsPerCall));
      rows.push([s.label, c, `${count(avg(key))}/s`, spread(key), Number.isFinite(cpu) ? `${cpu.toFixed(1)} µs` : '', Number.isFinite(ccpu) ? `${ccpu.toFixed(1)} µs` : '', s.key.startsWith('agentd') ? '' : `agentd ${ratioText(ratio(ref, avg(key)))} of it${s.n === null ? ' (0 plugins)' : ''}`, target, v, errs(key) || '']);
    }
  }
  const md = 'Each row: a fresh Node client process with 1 or 50 connections, each making sequential calls (the next call when the answer arrived), '
    + `300 ms of warm-up, then ${MEASURE_MS / 1000} s counted; ${ROUNDS} rounds alternating over all rows, figure = mean of the rounds (each round listed). `
    + 'agentd uses its typed client (`agentd/client`), PM2 its own programmatic API (`pm2.list()` = `getMonitorData` over its axon RPC socket, what `pm2 jlist` does), '
    + 'supervisord its XML-RPC interface on its Unix socket with HTTP keep-alive (what `supervisorctl status` calls). All daemons ran at once, idle, '
    + 'with N idle plugins/apps/programs. "Daemon CPU per call": user + system time of the daemon process (/proc/PID/stat) over the client\'s whole run, '
    + 'divided by every call it made, warm-up included — the server\'s cost of one query, whichever side of the socket limits the rate; '
    + '"client CPU per call": the client process\'s own CPU time over the counted window, per counted call. On 2 cores the client and the daemon share the CPU: '
    + 'their sum per call bounds the rate. The first two rows are floors on this machine at the time of the run for processes that sleep between messages. '
    + 'First, two C processes bouncing 5 bytes over a socketpair with plain blocking read and write: nearly all of it is one process waking the other '
    + 'on the other core, twice per round trip, which is what this virtual machine charges most for and what varies from day to day. Second, a Node '
    + 'server that sends every line back as it came (no parsing, no work), driven by the same client process as agentd. agentd itself does not sleep '
    + 'between the requests of a client that calls in a loop: it polls for `rpc.busyPoll` (50 µs) after each reply (src/rpc/busy-poll.ts), so it '
    + 'saves one of the two wake-ups and can beat both floors; the "agentd with `rpc.busyPoll: 0`" rows are the same daemon sleeping, for comparison, '
    + 'and its daemon CPU per call shows what polling costs.\n\n'
    + table(['client', 'connections', 'calls/s', 'rounds', 'daemon CPU per call', 'client CPU per call', 'vs agentd (1 client, same N)', 'target', 'verdict', 'errors'], rows);

  const summary = [
    { measure: 'daemon.status, 1 client, 0 plugins', key: 'agentd-0/1', peers: ['sleeping-0/1', 'c/1', 'echo/1', 'pm2-0/1', 'sv-0/1'], t: TARGETS.single0 },
    { measure: 'daemon.status, 50 clients, 0 plugins', key: 'agentd-0/50', peers: [], t: TARGETS.multi0 },
    { measure: 'daemon.status, 1 client, 10 plugins', key: 'agentd-10/1', peers: ['sleeping-10/1', 'c/1', 'echo/1', 'pm2-10/1', 'sv-10/1'], t: TARGETS.single10 },
  ].map((s) => ({
    measure: s.measure,
    ours: `${count(avg(s.key))}/s`,
    reference: s.peers.filter((k) => results.has(k)).map((k) => `${PEER_NAMES[peerOf(k)]} ${count(avg(k))}/s`).join('; ') || '—',
    ratio: s.peers.filter((k) => results.has(k)).map((k) => `${ratioText(ratio(avg(s.key), avg(k)))} ${PEER_SHORT[peerOf(k)]}`).join(', ') || '—',
    target: `≥ ${count(s.t)}/s`,
    verdict: verdict(avg(s.key), s.t, 'higher'),
  }));
  return { summary, markdown: md };
}
