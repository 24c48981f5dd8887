// stop-all: with 10 plugins running, `ctl stop` until the last pid of the daemon (core, plugin
// hosts, spare, their children) is gone, beside `pm2 kill` with 10 apps and supervisord's
// shutdown with 10 programs. A zombie counts as gone (this machine's PID 1 reaps late).
import path from 'node:path';
import { CTL, idlePlugins, startAgentd } from './lib/agentd.js';
import { BENCH_DIR, ROOT } from './lib/context.js';
import { timeRun } from './lib/exec.js';
import { isGone, waitGone } from './lib/proc.js';
import { PM2_BIN, pm2App, pm2Available, pm2Env, startPm2 } from './lib/pm2.js';
import { table, verdict } from './lib/results.js';
import { ms, msSpread, now, ratio, ratioText, shuffle, summarize } from './lib/stats.js';
import { startSupervisord, supervisorAvailable } from './lib/supervisor.js';

export const name = 'stop-all';
export const title = 'stop everything, 10 plugins running';

const TRIALS = 7;
const N = 10;
const TARGET = 0.5;
const GONE_DEADLINE_MS = 30_000;

/** Run the stop command; resolves when it returned and when the last pid was gone (both from spawn). */
async function timeStop(cmd, args, env, pids) {
  const t0 = now();
  let tGone = NaN;
  let tFirst = NaN;
  const goneP = waitGone(pids, GONE_DEADLINE_MS, 1).then((ok) => { tGone = ok ? now() - t0 : NaN; });
  // pids[0] is the daemon itself: when it goes tells "children first, then the daemon" from the reverse.
  const firstP = waitGone(pids.slice(0, 1), GONE_DEADLINE_MS, 1).then((ok) => { tFirst = ok ? now() - t0 : NaN; });
  const r = cmd ? await timeRun(cmd, args, { env, cwd: ROOT, timeoutMs: GONE_DEADLINE_MS }) : { ms: (await args()) - t0, code: 0 };
  await Promise.all([goneP, firstP]);
  return { ret: r.ms, gone: tGone, daemonGone: tFirst, code: r.code, left: pids.filter((p) => !isGone(p)).length, count: pids.length };
}

export async function run(ctx) {
  const idle = path.join(BENCH_DIR, 'fixtures', 'idle.cjs');
  const systems = [{
    key: 'agentd', label: '`ctl stop`, agentd with 10 plugins',
    trial: async () => {
      const d = await startAgentd(ctx, { plugins: idlePlugins(ctx.dir('x'), N) });
      const r = await timeStop(process.execPath, [CTL, 'stop', '--home', d.home], process.env, d.pids());
      await d.stop();
      return r;
    },
  }];
  // The same stop without the CLI: `daemon.stop` from the bench process over an open connection.
  systems.push({
    key: 'agentd-rpc', label: '`daemon.stop` over the socket (no CLI), agentd with 10 plugins',
    trial: async () => {
      const d = await startAgentd(ctx, { plugins: idlePlugins(ctx.dir('x'), N) });
      const c = await d.client();
      const r = await timeStop(null, async () => { await c.call('daemon.stop'); return now(); }, null, d.pids());
      c.close();
      await d.stop();
      return r;
    },
  });
  if (pm2Available()) {
    systems.push({
      key: 'pm2', label: '`pm2 kill`, 10 apps',
      trial: async () => {
        const p = await startPm2(ctx, Array.from({ length: N }, (_, i) => pm2App(`idle-${i}`, idle)));
        const r = await timeStop(PM2_BIN, ['kill'], pm2Env(p.home), [p.pid, ...p.appPids()]);
        await p.stop();
        return r;
      },
    });
  }
  if (supervisorAvailable()) {
    systems.push({
      key: 'sv', label: '`supervisorctl shutdown`, supervisord with 10 programs',
      trial: async () => {
        const s = await startSupervisord(ctx, Array.from({ length: N }, (_, i) => ({ name: `idle-${i}`, command: `${process.execPath} ${idle}` })));
        const r = await timeStop('supervisorctl', ['-c', s.conf, 'shutdown'], process.env, [s.pid, ...(await s.programPids())]);
        await s.stop();
        return r;
      },
    });
  }
  const res = Object.fromEntries(systems.map((s) => [s.key, []]));
  for (let i = 0; i < TRIALS; i++) {
    ctx.log(`${name}: round ${i + 1}/${TRIALS}`);
    for (const s of shuffle(systems)) res[s.key].push(await s.trial());
  }
  const gone = Object.fromEntries(systems.map((s) => [s.key, summarize(res[s.key].map((r) => r.gone).filter(Number.isFinite))]));
  const ret = Object.fromEntries(systems.map((s) => [s.key, summarize(res[s.key].map((r) => r.ret))]));
  const pm2 = gone.pm2;
  const r = pm2 ? ratio(gone.agentd.median, pm2.median) : NaN;
  const daemonGone = Object.fromEntries(systems.map((s) => [s.key, summarize(res[s.key].map((r) => r.daemonGone).filter(Number.isFinite))]));
  const rows = systems.map((s) => [
    s.label, res[s.key].length, res[s.key][0].count, msSpread(gone[s.key]), msSpread(daemonGone[s.key]), msSpread(ret[s.key]), pm2 ? ratioText(ratio(gone[s.key].median, pm2.median)) : '',
    res[s.key].filter((x) => x.left > 0).length || '', s.key === 'agentd' ? `≤ ${TARGET}× pm2 kill` : '', s.key === 'agentd' && pm2 ? verdict(r, TARGET) : '',
  ]);
  const md = `${TRIALS} rounds; each round sets up every system afresh (10 idle plugins / apps / programs, all running) and stops it, in a random order. `
    + 'Times are from spawn of the stop command; "all gone" is when the last pid of the daemon taken just before the stop '
    + '(agentd: core and every descendant — plugin hosts, the spare host, any esbuild service still compiling; PM2: daemon and apps; supervisord: daemon and programs) '
    + 'is gone or a zombie in /proc/PID/stat, polled every 1 ms.\n\n'
    + table(['stop', 'trials', 'pids', 'until all gone, median (p10–p90)', 'until the daemon itself was gone', 'until the command (or call) returned', '× pm2 kill', 'trials with survivors', 'target', 'verdict'], rows);
  const summary = [{
    measure: 'stop with 10 plugins, until all pids gone',
    ours: ms(gone.agentd.median),
    reference: [pm2 ? `pm2 kill ${ms(pm2.median)}` : '', gone.sv ? `supervisord ${ms(gone.sv.median)}` : ''].filter(Boolean).join('; ') || '—',
    ratio: pm2 ? `${ratioText(r)} pm2 kill` : '—',
    target: `≤ ${TARGET}× pm2 kill`,
    verdict: pm2 ? verdict(r, TARGET) : '—',
  }];
  return { summary, markdown: md };
}
