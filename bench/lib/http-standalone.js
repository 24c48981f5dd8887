import fs from 'node:fs';
import path from 'node:path';
import { setup } from '../setup.js';
import { BENCH_DIR, RunContext, TAG_VAR } from './context.js';
import { describeMachine } from './machine.js';
import { cmdline, kill, processesTagged, waitGone } from './proc.js';
import { writeResults } from './results.js';

/**
 * Run one bench module outside bench/run.js, the way run.js runs it: setup, a RunContext whose tag
 * marks every process started, the bench's section of RESULTS.md (and its summary rows) rewritten,
 * then cleanup and a sweep for leaked processes. `HTTP_BENCH_JSON=FILE` also saves the raw data;
 * `HTTP_BENCH_DRY=1` leaves RESULTS.md alone (a trial run).
 */
export async function main({ name, title, run, peers }) {
  setup((s) => console.error(s));
  const ctx = new RunContext();
  const machine = describeMachine(peers());
  console.error(`bench: ${name}, run ${ctx.tag}, temp root ${ctx.root}; ${machine.cpu}, ${machine.cores} cores, load ${machine.load}`);

  let finishing = false;
  const finish = async (code) => {
    if (finishing) return;
    finishing = true;
    await ctx.cleanup();
    const leaked = processesTagged(TAG_VAR, ctx.tag);
    for (const pid of leaked) console.error(`bench: leaked pid ${pid} (${cmdline(pid).slice(0, 100)}); killing it`);
    for (const pid of leaked) kill(pid, 'SIGTERM');
    if (leaked.length && !(await waitGone(leaked, 3000, 10))) for (const pid of leaked) kill(pid, 'SIGKILL');
    ctx.removeRoot();
    process.exit(code);
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => { console.error(`bench: ${sig}, cleaning up`); void finish(130); });

  const t0 = Date.now();
  try {
    const result = await run(ctx);
    const resultsJson = path.join(BENCH_DIR, 'results.json');
    let order = [];
    try { order = Object.keys(JSON.parse(fs.readFileSync(resultsJson, 'utf8')).benches); } catch { /* first run */ }
    if (!order.includes(name)) order.push(name);
    if (!process.env.HTTP_BENCH_DRY) writeResults({ resultsMd: path.join(BENCH_DIR, 'RESULTS.md'), resultsJson, runs: [{ name, title, machine, ...result }], order });
    if (process.env.HTTP_BENCH_JSON) fs.writeFileSync(process.env.HTTP_BENCH_JSON, JSON.stringify({ machine, ...result }, null, 2));
    for (const s of result.summary) console.log(`${s.measure.padEnd(52)} ${String(s.ours).padEnd(30)} ${String(s.ratio).padEnd(26)} ${String(s.target).padEnd(28)} ${s.verdict}`);
    console.error(`bench: ${name} in ${((Date.now() - t0) / 1000).toFixed(0)} s; results in bench/RESULTS.md`);
    await finish(0);
  } catch (e) {
    console.error(`bench ${name} failed: ${e.stack ?? e}`);
    await finish(1);
  }
}
