// ctl-status: `ctl status` whole-process wall time beside `node -e 0` (and `pm2 jlist`,
// `supervisorctl status`), interleaved round by round, with 0 and with 10 plugins/apps/programs.
import path from 'node:path';
import { CTL, idlePlugins, startAgentd } from './lib/agentd.js';
import { BENCH_DIR, ROOT } from './lib/context.js';
import { timeRun } from './lib/exec.js';
import { PM2_BIN, pm2App, pm2Available, pm2Env, startPm2 } from './lib/pm2.js';
import { table, verdict } from './lib/results.js';
import { ms, msSpread, ratio, ratioText, shuffle, summarize } from './lib/stats.js';
import { startSupervisord, supervisorAvailable } from './lib/supervisor.js';

export const name = 'ctl-status';
export const title = '`ctl status` wall time beside `node -e 0`';

const ROUNDS = 25;
const WARMUP = 3;
const TARGET = 1.5;

async function measureSet(ctx, n) {
  const idle = path.join(BENCH_DIR, 'fixtures', 'idle.cjs');
  const daemon = await startAgentd(ctx, { plugins: idlePlugins(ctx.dir('x'), n) });
  const cmds = [
    { key: 'node', label: '`node -e 0`', cmd: process.execPath, args: ['-e', '0'] },
    { key: 'agentd', label: '`ctl status`', cmd: process.execPath, args: [CTL, 'status', '--home', daemon.home] },
    // What `ctl status` costs without its socket round trip and printing: Node plus loading its code.
    { key: 'import', label: '`node` + require of the ctl fast-path bundle only', cmd: process.execPath, args: ['-e', `require(${JSON.stringify(path.join(ROOT, 'dist', 'bundle', 'ctl-fast.cjs'))})`] },
  ];
  let pm2 = null;
  let sv = null;
  if (pm2Available()) {
    pm2 = await startPm2(ctx, Array.from({ length: n }, (_, i) => pm2App(`idle-${i}`, idle)));
    cmds.push({ key: 'pm2', label: '`pm2 jlist`', cmd: PM2_BIN, args: ['jlist'], env: pm2Env(pm2.home) });
  }
  if (supervisorAvailable()) {
    sv = await startSupervisord(ctx, Array.from({ length: n }, (_, i) => ({ name: `idle-${i}`, command: `${process.execPath} ${idle}` })));
    cmds.push({ key: 'supervisorctl', label: '`supervisorctl status`', cmd: 'supervisorctl', args: ['-c', sv.conf, 'status'] });
  }
  const times = Object.fromEntries(cmds.map((c) => [c.key, []]));
  const failures = Object.fromEntries(cmds.map((c) => [c.key, 0]));
  for (let round = 0; round < WARMUP + ROUNDS; round++) {
    // Every command once per round, in a fresh random order, so drift and neighbours hit all alike.
    for (const c of shuffle(cmds)) {
      const r = await timeRun(c.cmd, c.args, { env: c.env ?? process.env, cwd: ROOT, timeoutMs: 30_000 });
      if (r.code !== 0) { failures[c.key]++; continue; }
      if (round >= WARMUP) times[c.key].push(r.ms);
    }
  }
  await daemon.stop();
  if (pm2) await pm2.stop();
  if (sv) await sv.stop();
  return { cmds, stats: Object.fromEntries(cmds.map((c) => [c.key, summarize(times[c.key])])), failures };
}

export async function run(ctx) {
  const sets = [];
  for (const n of [0, 10]) {
    ctx.log(`${name}: ${n} plugins, ${ROUNDS} interleaved rounds`);
    sets.push({ n, ...(await measureSet(ctx, n)) });
  }
  const summary = [];
  let md = `Median of ${ROUNDS} runs each (after ${WARMUP} warm-up rounds), every command once per round in a random order; `
    + 'time from spawn to exit as seen by the parent (stdout to /dev/null); ratio = median ÷ median of `node -e 0` from the same rounds. '
    + 'Each set has agentd with N idle plugins (bench/fixtures/idle.ts), PM2 with N idle apps and supervisord with N idle programs (bench/fixtures/idle.cjs) running at the same time.\n';
  for (const s of sets) {
    const ref = s.stats.node.median;
    const rows = s.cmds.map((c) => {
      const st = s.stats[c.key];
      const r = ratio(st.median, ref);
      const target = c.key === 'agentd' ? `≤ ${TARGET}×` : '';
      return [c.label, st.n, msSpread(st), ratioText(r), target, c.key === 'agentd' ? verdict(r, TARGET) : '', s.failures[c.key] || ''];
    });
    md += `\n### ${s.n} plugins / apps / programs\n\n${table(['command', 'runs', 'median (p10–p90)', '× node -e 0', 'target', 'verdict', 'failed runs'], rows)}\n`;
    const r = ratio(s.stats.agentd.median, ref);
    const peers = ['pm2', 'supervisorctl'].filter((k) => s.stats[k]).map((k) => `${k === 'pm2' ? 'pm2 jlist' : 'supervisorctl'} ${ratioText(ratio(s.stats[k].median, ref))}`).join(', ');
    summary.push({
      measure: `ctl status, ${s.n} plugins`,
      ours: `${ms(s.stats.agentd.median)} = ${ratioText(r)}`,
      reference: `node -e 0 ${ms(ref)}${peers ? `; ${peers}` : ''}`,
      ratio: ratioText(r),
      target: `≤ ${TARGET}×`,
      verdict: verdict(r, TARGET),
    });
  }
  return { summary, markdown: md };
}
