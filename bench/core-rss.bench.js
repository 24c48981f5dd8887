// core-rss: resident memory of the idle core (0 and 10 plugins) from /proc/PID/status, beside
// PM2's daemon with 10 apps, supervisord with 10 programs, and a bare idle Node process.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { idlePlugins, startAgentd } from './lib/agentd.js';
import { BENCH_DIR } from './lib/context.js';
import { cmdline, kill, memory, pss, rssByMapping, waitGone } from './lib/proc.js';
import { pm2App, pm2Available, startPm2 } from './lib/pm2.js';
import { table, verdict } from './lib/results.js';
import { median, mib, ratio, ratioText, sleep } from './lib/stats.js';
import { startSupervisord, supervisorAvailable } from './lib/supervisor.js';

export const name = 'core-rss';
export const title = 'resident memory of the idle core';

const SETTLE_MS = 5000;
/** Idle means steady: V8's memory reducer gives back the start-up's young generation about 8 s in. */
const STEADY_MS = 20000;
const SAMPLES = 5;
const MIB = 1048576;
const TARGET_IDLE = 45 * MIB;
const TARGET_VS_PM2 = 0.8;

/** Median of SAMPLES readings 200 ms apart of every field, for one pid. */
async function sampleMemory(pid) {
  const xs = [];
  for (let i = 0; i < SAMPLES; i++) { xs.push({ ...memory(pid), pss: pss(pid) }); await sleep(200); }
  const m = (k) => median(xs.map((x) => x[k]));
  return { rss: m('rss'), anon: m('anon'), file: m('file'), shmem: m('shmem'), pss: m('pss') };
}

function total(pids) {
  let rss = 0;
  let p = 0;
  for (const pid of pids) { rss += memory(pid)?.rss ?? 0; p += pss(pid) || 0; }
  return { rss, pss: p, count: pids.length };
}

function kindOf(pid) {
  const cmd = cmdline(pid);
  if (cmd.includes('esbuild')) return 'esbuild service';
  if (cmd.includes('--spare')) return 'spare plugin host';
  if (cmd.startsWith('agentd: ')) return 'plugin host';
  if (cmd.includes('idle.cjs')) return 'idle.cjs (app / program)';
  return cmd.split(' ')[0] || 'process';
}

export async function run(ctx) {
  const idle = path.join(BENCH_DIR, 'fixtures', 'idle.cjs');
  const subjects = [];
  // The floor: what Node itself holds when idle, before any code of ours.
  const bare = spawn(process.execPath, ['-e', 'setInterval(() => {}, 60_000)'], { stdio: 'ignore' });
  const stopBare = ctx.defer(async () => { kill(bare.pid); await waitGone([bare.pid], 5000); });
  subjects.push({ key: 'bare', label: 'bare Node, idle (`node -e "setInterval(…)"`)', pid: bare.pid, all: () => [bare.pid] });

  const a0 = await startAgentd(ctx, { plugins: {} });
  subjects.push({ key: 'agentd-0', label: 'agentd core, 0 plugins', pid: a0.pid, all: a0.pids, daemon: a0 });
  const a10 = await startAgentd(ctx, { plugins: idlePlugins(ctx.dir('x'), 10) });
  subjects.push({ key: 'agentd-10', label: 'agentd core, 10 plugins', pid: a10.pid, all: a10.pids, daemon: a10 });
  let p10 = null;
  if (pm2Available()) {
    const p0 = await startPm2(ctx, []);
    subjects.push({ key: 'pm2-0', label: 'PM2 daemon, 0 apps', pid: p0.pid, all: () => [p0.pid], stop: p0.stop });
    p10 = await startPm2(ctx, Array.from({ length: 10 }, (_, i) => pm2App(`idle-${i}`, idle)));
    const appPids = p10.appPids();
    subjects.push({ key: 'pm2-10', label: 'PM2 daemon, 10 apps', pid: p10.pid, all: () => [p10.pid, ...appPids], stop: p10.stop });
  }
  if (supervisorAvailable()) {
    const s = await startSupervisord(ctx, Array.from({ length: 10 }, (_, i) => ({ name: `idle-${i}`, command: `${process.execPath} ${idle}` })));
    const progPids = await s.programPids();
    subjects.push({ key: 'sv-10', label: 'supervisord, 10 programs', pid: s.pid, all: () => [s.pid, ...progPids], stop: s.stop });
  }
  ctx.log(`${name}: everything started; settling ${SETTLE_MS / 1000} s`);
  await sleep(SETTLE_MS);
  for (const s of subjects) s.early = await sampleMemory(s.pid);
  ctx.log(`${name}: idle until ${STEADY_MS / 1000} s`);
  await sleep(STEADY_MS - SETTLE_MS - SAMPLES * 200 * subjects.length);
  for (const s of subjects) {
    s.mem = await sampleMemory(s.pid);
    s.maps = rssByMapping(s.pid);
    s.total = total(s.all());
    // Each supervised process, by kind (the command line tells a plugin host, the spare and esbuild apart).
    s.children = s.all().slice(1).map((pid) => ({ pid, kind: kindOf(pid), ...memory(pid), pss: pss(pid) }));
    if (s.daemon) {
      const c = await s.daemon.client();
      const st = await c.call('daemon.status');
      s.heapUsed = st.memory?.heapUsed;
      c.close();
    }
  }
  for (const s of subjects) if (s.daemon) await s.daemon.stop(); else if (s.stop) await s.stop();
  await stopBare();

  const by = Object.fromEntries(subjects.map((s) => [s.key, s]));
  const rows = subjects.map((s) => {
    let target = '';
    let v = '';
    if (s.key === 'agentd-0') { target = '≤ 45 MiB'; v = verdict(s.mem.rss, TARGET_IDLE); }
    if (s.key === 'agentd-10' && by['pm2-10']) { target = `≤ ${TARGET_VS_PM2}× PM2 daemon (10 apps)`; v = verdict(ratio(s.mem.rss, by['pm2-10'].mem.rss), TARGET_VS_PM2); }
    return [s.label, s.pid, mib(s.early.rss), mib(s.mem.rss), mib(s.mem.anon), mib(s.mem.file), mib(s.mem.pss), s.heapUsed ? mib(s.heapUsed) : '', `${mib(s.total.rss)} / ${mib(s.total.pss)} (${s.total.count})`, target, v];
  });
  let md = `Each process was started, then everything sat idle: "RSS at ${SETTLE_MS / 1000} s" is read ${SETTLE_MS / 1000} s after the last start, every other figure `
    + `${STEADY_MS / 1000} s after it (idle is steady: V8's memory reducer gives back the young generation that start-up grew about 8 s in, in every Node process here); `
    + `each figure is the median of ${SAMPLES} readings 200 ms apart `
    + 'of /proc/PID/status (VmRSS = RssAnon + RssFile + RssShmem) and /proc/PID/smaps_rollup (Pss: shared pages divided among the processes mapping them). '
    + '"Whole tree" adds every process of the daemon (agentd: core, plugin hosts, the spare host, and any esbuild service still compiling a plugin, stopped once it is compiled; '
    + 'PM2: daemon and apps; supervisord: daemon and programs). Idle plugins/apps/programs: bench/fixtures/idle.ts and idle.cjs. MiB = 2^20 bytes; the 45 MB target is read as 45 MiB.\n\n'
    + table(['process', 'pid', `RSS at ${SETTLE_MS / 1000} s`, `RSS at ${STEADY_MS / 1000} s`, 'RssAnon', 'RssFile', 'PSS', 'V8 heap used', 'whole tree RSS / PSS (processes)', 'target', 'verdict'], rows);
  md += '\n\nWhat the RSS is made of (/proc/PID/smaps, one reading after the samples): the executable\'s own pages (Node\'s code and read-only data, shared by every Node process), '
    + 'other files (shared libraries; for supervisord the Python interpreter and modules), [heap] (malloc), anonymous mappings (V8\'s heaps and code space, thread stacks, other mmaps), the rest:\n\n'
    + table(['process', 'executable', 'other files', '[heap]', 'anonymous', 'other'], subjects.filter((s) => s.maps).map((s) => [s.label, mib(s.maps.exe), mib(s.maps.files), mib(s.maps.heap), mib(s.maps.anon), mib(s.maps.other)]));
  const kinds = [];
  for (const s of subjects.filter((x) => x.key.endsWith('-10'))) {
    const groups = new Map();
    for (const c of s.children) { if (!groups.has(c.kind)) groups.set(c.kind, []); groups.get(c.kind).push(c); }
    for (const [kind, cs] of groups) {
      const m = (k) => median(cs.map((c) => c[k]));
      kinds.push([`${{ agentd: 'agentd', pm2: 'PM2', sv: 'supervisord' }[s.key.split('-')[0]]}: ${kind}`, cs.length, mib(m('rss')), mib(m('anon')), mib(m('pss'))]);
    }
  }
  md += '\n\nThe supervised processes, with 10 idle plugins / apps / programs (median per process of each kind):\n\n'
    + table(['process', 'count', 'RSS', 'RssAnon', 'PSS'], kinds);
  const summary = [{
    measure: `core idle RSS, 0 plugins, at ${STEADY_MS / 1000} s`,
    ours: mib(by['agentd-0'].mem.rss),
    reference: `${mib(by['agentd-0'].early.rss)} at ${SETTLE_MS / 1000} s; bare Node ${mib(by.bare.mem.rss)}; RssAnon ${mib(by['agentd-0'].mem.anon)} vs ${mib(by.bare.mem.anon)}`,
    ratio: `${ratioText(ratio(by['agentd-0'].mem.rss, by.bare.mem.rss))} bare Node`,
    target: '≤ 45 MiB',
    verdict: verdict(by['agentd-0'].mem.rss, TARGET_IDLE),
  }];
  if (by['pm2-10']) {
    const r = ratio(by['agentd-10'].mem.rss, by['pm2-10'].mem.rss);
    summary.push({
      measure: `core RSS, 10 plugins, vs PM2 daemon (10 apps), at ${STEADY_MS / 1000} s`,
      ours: mib(by['agentd-10'].mem.rss),
      reference: `PM2 ${mib(by['pm2-10'].mem.rss)}${by['sv-10'] ? `; supervisord ${mib(by['sv-10'].mem.rss)}` : ''}`,
      ratio: ratioText(r),
      target: `≤ ${TARGET_VS_PM2}×`,
      verdict: verdict(r, TARGET_VS_PM2),
    });
  }
  return { summary, markdown: md };
}
