// start-to-ready: `ctl start` wall time until it returns (it returns only once the core is ready),
// and until the control socket first answers; beside PM2's cold start (`pm2 ping` with no daemon,
// a fresh PM2_HOME each time) and supervisord (spawn to the first successful `supervisorctl status`).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { agentd, CTL, idlePlugins, stopAgentd, writeConfig } from './lib/agentd.js';
import { ROOT } from './lib/context.js';
import { timeRun } from './lib/exec.js';
import { descendants } from './lib/proc.js';
import { PM2_BIN, pm2Available, pm2Env, stopPm2 } from './lib/pm2.js';
import { table, verdict } from './lib/results.js';
import { ms, msSpread, now, ratio, ratioText, shuffle, sleep, summarize } from './lib/stats.js';
import { XmlRpc, stopSupervisord, supervisorAvailable, supervisordPid, writeSupervisorConf } from './lib/supervisor.js';

export const name = 'start-to-ready';
export const title = 'start until ready';

const TRIALS = 10;
const TRIALS_10 = 5;
const TARGET = 0.4;
const POLL_MS = 1;

/**
 * Resolves with the time (performance.now()) the socket first answers a daemon.status, polling every
 * POLL_MS; NaN at the deadline or once `gaveUp()` says the start failed.
 */
function pollAgentdSocket(socketPath, deadlineMs, gaveUp) {
  const deadline = now() + deadlineMs;
  return new Promise((resolve) => {
    const attempt = () => {
      if (now() > deadline || gaveUp()) return resolve(NaN);
      const s = net.connect(socketPath);
      let buf = '';
      s.once('connect', () => s.write('{"jsonrpc":"2.0","id":1,"method":"daemon.status"}\n'));
      s.on('data', (d) => {
        buf += d;
        if (buf.includes('\n')) { const t = now(); s.destroy(); resolve(buf.includes('"result"') ? t : NaN); }
      });
      s.once('error', () => { s.destroy(); setTimeout(attempt, POLL_MS); });
    };
    attempt();
  });
}

async function agentdTrial(ctx, plugins, env = process.env) {
  const home = ctx.dir('h');
  writeConfig(home, { plugins });
  // Whatever holds this home's lock is stopped after the trial, or at cleanup if the run is cut short.
  const cleanup = ctx.defer(async () => {
    const pid = (await agentd()).lockHolder(path.join(home, 'agentd.pid'));
    if (pid > 0) await stopAgentd({ home, pid, pids: () => [pid, ...descendants(pid)] });
  });
  const t0 = now();
  let failed = false;
  const socketP = pollAgentdSocket(path.join(home, 'agentd.sock'), 60_000, () => failed);
  const r = await timeRun(process.execPath, [CTL, 'start', '--home', home], { env, cwd: ROOT, capture: true, timeoutMs: 60_000 });
  failed = r.code !== 0;
  const tSocket = await socketP;
  const core = coreLogSpan(home);
  await cleanup();
  if (r.code !== 0) throw new Error(`ctl start failed: ${r.stderr.trim()}`);
  return { ret: r.ms, socket: tSocket - t0, core };
}

/** ms between the core's own "agentd starting" and "agentd ready" log lines (config, socket, plugins). */
function coreLogSpan(home) {
  let text = '';
  try { text = fs.readFileSync(path.join(home, 'agentd.log'), 'utf8'); } catch { return NaN; }
  const at = (msg) => {
    const line = text.split('\n').find((l) => l.includes(`"message":"${msg}"`));
    return line ? Date.parse(JSON.parse(line).time) : NaN;
  };
  return at('agentd ready') - at('agentd starting');
}

async function pm2Trial(ctx) {
  const home = ctx.dir('p');
  const cleanup = ctx.defer(() => stopPm2(home));
  const r = await timeRun(PM2_BIN, ['ping'], { env: pm2Env(home), timeoutMs: 60_000 });
  await cleanup();
  if (r.code !== 0) throw new Error('pm2 ping failed');
  return { ret: r.ms };
}

async function supervisordTrial(ctx) {
  const dir = ctx.dir('s');
  const conf = writeSupervisorConf(dir, []);
  const rpc = new XmlRpc(path.join(dir, 's.sock'));
  const cleanup = ctx.defer(() => stopSupervisord({ dir, rpc, pid: supervisordPid(dir) }));
  const t0 = now();
  const child = spawn('supervisord', ['-c', conf], { stdio: 'ignore' });
  const deadline = t0 + 30_000;
  // The socket, polled every POLL_MS with the XML-RPC call supervisorctl makes …
  const socketP = (async () => {
    for (;;) {
      try { await rpc.call('supervisor.getAllProcessInfo', 1000); return now(); } catch { /* not yet */ }
      if (now() > deadline) return NaN;
      await sleep(POLL_MS);
    }
  })();
  // … and what a script does: supervisorctl status until it succeeds.
  let tCtl = NaN;
  for (;;) {
    const r = await timeRun('supervisorctl', ['-c', conf, 'status'], { timeoutMs: 10_000 });
    if (r.code === 0) { tCtl = now(); break; }
    if (now() > deadline) break;
  }
  const tSocket = await socketP;
  await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
  await cleanup();
  return { ret: tCtl - t0, socket: tSocket - t0 };
}

export async function run(ctx) {
  // The core's code cache (src/core/entry.ts) in a directory of this run: the first start writes it,
  // before the rounds; the no-cache line shows a start without it (the first after an install).
  const cacheEnv = { ...process.env, XDG_CACHE_HOME: ctx.dir('cache') };
  const noCacheEnv = { ...process.env, AGENTD_NO_CODE_CACHE: '1' };
  await agentdTrial(ctx, {}, cacheEnv);
  const systems = [
    { key: 'agentd', trial: () => agentdTrial(ctx, {}, cacheEnv) },
    { key: 'agentd-nocache', trial: () => agentdTrial(ctx, {}, noCacheEnv) },
  ];
  if (pm2Available()) systems.push({ key: 'pm2', trial: () => pm2Trial(ctx) });
  if (supervisorAvailable()) systems.push({ key: 'sv', trial: () => supervisordTrial(ctx) });
  // Where the time goes, measured in the same rounds.
  const parts = [
    { key: 'node', label: '`node -e 0` (Node start-up)', cmd: process.execPath, args: ['-e', '0'] },
    { key: 'oclif', label: '`ctl --version` (Node + oclif CLI load, no daemon work)', cmd: process.execPath, args: [CTL, '--version'] },
    { key: 'core', label: '`node dist/bundle/core-entry.cjs` without --home (Node + core bundle load through the code cache, exits at once)', cmd: process.execPath, args: [path.join(ROOT, 'dist', 'bundle', 'core-entry.cjs')], env: cacheEnv, anyExit: true },
    { key: 'core-nocache', label: 'the same, code cache bypassed (`AGENTD_NO_CODE_CACHE=1`)', cmd: process.execPath, args: [path.join(ROOT, 'dist', 'bundle', 'core-entry.cjs')], env: noCacheEnv, anyExit: true },
  ];
  const res = Object.fromEntries([...systems, ...parts].map((s) => [s.key, []]));
  for (let i = 0; i < TRIALS; i++) {
    ctx.log(`${name}: round ${i + 1}/${TRIALS}`);
    for (const s of shuffle([...systems, ...parts])) {
      if (s.trial) res[s.key].push(await s.trial());
      else {
        const r = await timeRun(s.cmd, s.args, { cwd: ROOT, env: s.env ?? process.env });
        if (r.code === 0 || s.anyExit) res[s.key].push({ ret: r.ms });
      }
    }
  }
  const with10 = [];
  for (let i = 0; i < TRIALS_10; i++) {
    ctx.log(`${name}: 10 plugins, ${i + 1}/${TRIALS_10}`);
    with10.push(await agentdTrial(ctx, idlePlugins(ctx.dir('x'), 10), cacheEnv));
  }

  const st = (key, f = 'ret') => summarize(res[key].map((r) => r[f]));
  const a = st('agentd');
  const aSock = st('agentd', 'socket');
  const aCold = st('agentd-nocache');
  const p = res.pm2 ? st('pm2') : null;
  const sv = res.sv ? st('sv') : null;
  const svSock = res.sv ? st('sv', 'socket') : null;
  const r = p ? ratio(a.median, p.median) : NaN;
  const rows = [
    ['agentd: `ctl start` returns (ready)', a.n, msSpread(a), p ? ratioText(ratio(a.median, p.median)) : '', `≤ ${TARGET}× PM2`, p ? verdict(r, TARGET) : ''],
    ['agentd: control socket first answers `daemon.status`', aSock.n, msSpread(aSock), p ? ratioText(ratio(aSock.median, p.median)) : '', '', ''],
    ['agentd: `ctl start` returns, code cache bypassed (`AGENTD_NO_CODE_CACHE=1`, as the first start after an install)', aCold.n, msSpread(aCold), p ? ratioText(ratio(aCold.median, p.median)) : '', '', ''],
  ];
  if (p) rows.push(['PM2: `pm2 ping`, no daemon running (cold start)', p.n, msSpread(p), '1.00×', '', '']);
  if (sv) {
    rows.push(['supervisord: spawn to first successful `supervisorctl status`', sv.n, msSpread(sv), p ? ratioText(ratio(sv.median, p.median)) : '', '', '']);
    rows.push(['supervisord: spawn to its socket first answering (XML-RPC)', svSock.n, msSpread(svSock), p ? ratioText(ratio(svSock.median, p.median)) : '', '', '']);
  }
  const a10 = summarize(with10.map((x) => x.ret));
  const a10s = summarize(with10.map((x) => x.socket));
  rows.push([`agentd, 10 idle plugins: \`ctl start\` returns (all plugins running)`, a10.n, msSpread(a10), p ? ratioText(ratio(a10.median, p.median)) : '', '', '']);
  rows.push([`agentd, 10 idle plugins: socket first answers`, a10s.n, msSpread(a10s), '', '', '']);
  const prow = parts.map((x) => [x.label, res[x.key].length, msSpread(st(x.key))]);
  const span = summarize(res.agentd.map((x) => x.core).filter(Number.isFinite));
  const span10 = summarize(with10.map((x) => x.core).filter(Number.isFinite));
  prow.push(['core: its "agentd starting" → "agentd ready" log lines (config, socket, logs; ms resolution), 0 plugins', span.n, msSpread(span)]);
  prow.push(['the same with 10 idle plugins (includes spawning the plugin hosts until all run)', span10.n, msSpread(span10)]);
  const md = `${TRIALS} rounds; each round runs every line of the first table and of the breakdown once, in a random order; `
    + 'a fresh AGENTD_HOME / PM2_HOME / supervisord dir every time, and the daemon stopped (and waited for) after each trial. '
    + `Times are from spawn of the command; the socket is polled every ${POLL_MS} ms with a fresh connection from the bench process. `
    + 'agentd loads its core through the V8 code cache (src/core/entry.ts) that a start before the rounds wrote, as every start after the first does; one line bypasses it. '
    + `agentd runs with an empty plugin table (\`{"plugins":{}}\`), PM2 with no app, supervisord with no program. The 10-plugin lines come after the rounds (${TRIALS_10} trials).\n\n`
    + table(['what', 'runs', 'median (p10–p90)', '× PM2 cold start', 'target', 'verdict'], rows)
    + '\n\nBreakdown, same rounds:\n\n'
    + table(['what', 'runs', 'median (p10–p90)'], prow);
  const summary = [{
    measure: 'ctl start until ready, 0 plugins',
    ours: ms(a.median),
    reference: [p ? `PM2 cold \`pm2 ping\` ${ms(p.median)}` : '', sv ? `supervisord ${ms(sv.median)}` : '', `socket answers at ${ms(aSock.median)}`, `no code cache ${ms(aCold.median)}`].filter(Boolean).join('; '),
    ratio: p ? `${ratioText(r)} PM2` : '—',
    target: `≤ ${TARGET}× PM2`,
    verdict: p ? verdict(r, TARGET) : '—',
  }];
  return { summary, markdown: md };
}
