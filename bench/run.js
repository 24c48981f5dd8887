#!/usr/bin/env node
// `node bench/run.js [--wait-quiet] [name…]` (default: all): runs the benches one after another,
// prints a summary, and rewrites their sections of bench/RESULTS.md. --wait-quiet makes each bench
// wait (at most 3 min) until other work leaves the CPUs less than 25% busy. Every process a run
// starts carries the run's tag in its environment; whatever is still alive at the end is killed by
// pid and reported as a leak.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RunContext, BENCH_DIR, ROOT, TAG_VAR } from './lib/context.js';
import { describeMachine } from './lib/machine.js';
import { cmdline, kill, processesTagged, waitGone } from './lib/proc.js';
import { pm2Version } from './lib/pm2.js';
import { writeResults } from './lib/results.js';
import { supervisorVersion } from './lib/supervisor.js';
import { setup } from './setup.js';

/** The daemon benches of issues 2 and 3, in this order; any other bench/<name>.bench.js runs after them. */
const CORE_BENCHES = ['ctl-status', 'rpc-throughput', 'core-rss', 'start-to-ready', 'crash-to-serving', 'stop-all', 'log-rotation'];
const found = fs.readdirSync(BENCH_DIR).filter((f) => f.endsWith('.bench.js')).map((f) => f.slice(0, -'.bench.js'.length));
export const BENCHES = [...CORE_BENCHES.filter((b) => found.includes(b)), ...found.filter((b) => !CORE_BENCHES.includes(b)).sort()];
/** A bench still running after this (or its own `deadlineMs`) is abandoned, its processes cleaned up, and the run goes on. */
const BENCH_DEADLINE_MS = 5 * 60_000;

const WAIT_QUIET = process.argv.includes('--wait-quiet');
/** With --wait-quiet, a bench waits (at most this long) for the machine's CPUs to be less busy than QUIET_BUSY. */
const QUIET_MAX_WAIT_MS = 3 * 60_000;
const QUIET_BUSY = 0.25;
const args = process.argv.slice(2).filter((a) => a !== '--wait-quiet');
const unknown = args.filter((a) => !BENCHES.includes(a));
if (unknown.length) {
  console.error(`bench: unknown bench ${unknown.join(', ')}; choose from ${BENCHES.join(', ')}`);
  process.exit(2);
}
const selected = args.length ? BENCHES.filter((b) => args.includes(b)) : BENCHES;
for (const f of ['dist/src/cli/daemon-control.js', 'dist/bundle/core-entry.cjs', 'build/Release/agentd-launcher']) {
  if (!fs.existsSync(path.join(ROOT, f))) {
    console.error(`bench: ${f} is missing; run \`npm run build\` (and \`npm ci\` for the native helper) first, or \`npm run bench\``);
    process.exit(1);
  }
}

setup((s) => console.error(s));
const ctx = new RunContext();
const machine = describeMachine({ pm2: pm2Version() ?? 'not installed', supervisord: supervisorVersion() ?? 'not installed' });
console.error(`bench: run ${ctx.tag}, temp root ${ctx.root}`);
console.error(`bench: ${machine.cpu}, ${machine.cores} cores, load ${machine.load}`);

const runs = [];
let interrupted = false;
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    if (interrupted) return;
    interrupted = true;
    console.error(`bench: ${sig}, cleaning up`);
    void finish(runs, 130);
  });
}

/** Fraction of all CPUs' time spent busy over `ms` (from /proc/stat): what else this machine is doing. */
async function cpuBusy(ms = 2000) {
  const read = () => {
    const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const idle = f[3] + f[4];
    return { idle, total: f.reduce((a, b) => a + b, 0) };
  };
  const a = read();
  await new Promise((r) => setTimeout(r, ms));
  const b = read();
  return 1 - (b.idle - a.idle) / Math.max(1, b.total - a.total);
}

/** Busy fraction just before a bench; with --wait-quiet, first wait (bounded) for the neighbours to calm down. */
async function settle(name) {
  let busy = await cpuBusy();
  if (!WAIT_QUIET) return busy;
  const deadline = Date.now() + QUIET_MAX_WAIT_MS;
  while (busy > QUIET_BUSY && Date.now() < deadline) {
    console.error(`bench: ${name}: CPUs ${(busy * 100).toFixed(0)}% busy with other work; waiting for < ${QUIET_BUSY * 100}%`);
    busy = await cpuBusy(5000);
  }
  return busy;
}

function loadNow() {
  return os.loadavg().map((x) => x.toFixed(2)).join(' ');
}

async function sweep() {
  // Anything of this run still alive (a bench failed half-way): killed by pid, and reported.
  const leaked = processesTagged(TAG_VAR, ctx.tag);
  for (const pid of leaked) console.error(`bench: leaked pid ${pid} (${cmdline(pid).slice(0, 100)}); killing it`);
  for (const pid of leaked) kill(pid, 'SIGTERM');
  if (leaked.length && !(await waitGone(leaked, 3000, 10))) for (const pid of leaked) kill(pid, 'SIGKILL');
  return leaked.length;
}

async function finish(runs, code) {
  await ctx.cleanup();
  const leaked = await sweep();
  ctx.removeRoot();
  if (runs.length) {
    writeResults({ resultsMd: path.join(BENCH_DIR, 'RESULTS.md'), resultsJson: path.join(BENCH_DIR, 'results.json'), runs, order: BENCHES });
  }
  if (leaked) console.error(`bench: ${leaked} process(es) were left behind by a bench and killed`);
  process.exit(code);
}

let failed = 0;
const t0 = Date.now();
for (const name of selected) {
  if (interrupted) break;
  const started = Date.now();
  let timer;
  try {
    const mod = await import(path.join(BENCH_DIR, `${name}.bench.js`));
    console.error(`\n== ${name}: ${mod.title}`);
    const deadline = mod.deadlineMs ?? BENCH_DEADLINE_MS;
    const busy = await settle(name);
    const benchMachine = { ...machine, date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), load: loadNow(), busyBefore: `${(busy * 100).toFixed(0)}%` };
    const result = await Promise.race([
      mod.run(ctx),
      new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`over its ${deadline / 1000} s deadline`)), deadline); }),
    ]);
    // Neighbours on a shared machine skew timings: the load before and after the bench goes with its figures.
    benchMachine.loadEnd = loadNow();
    runs.push({ name, title: mod.title, machine: benchMachine, ...result });
    for (const s of result.summary) console.log(`${name.padEnd(17)} ${s.measure.padEnd(44)} ${String(s.ours).padEnd(26)} ${String(s.target).padEnd(12)} ${s.verdict}`);
  } catch (e) {
    failed++;
    console.error(`bench ${name} failed: ${e.stack ?? e}`);
  } finally {
    clearTimeout(timer);
    await ctx.cleanup();
  }
  console.error(`== ${name}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
console.error(`\nbench: ${selected.length} bench(es) in ${((Date.now() - t0) / 1000).toFixed(0)} s${failed ? `, ${failed} failed` : ''}; results in bench/RESULTS.md`);
await finish(runs, failed ? 1 : 0);
