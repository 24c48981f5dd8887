// crash-to-serving: kill -9 an HTTP service, then time until a GET on a fresh connection answers
// 200 again (from the new process). agentd (http-echo through ctx.listen: the core keeps the
// listening socket) beside PM2 (default and fastest documented restart settings), supervisord
// (autorestart=true, startsecs=0), and the floor: a bare Node server spawned fresh.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startAgentd } from './lib/agentd.js';
import { BENCH_DIR, ROOT } from './lib/context.js';
import { freePort, getOnce } from './lib/exec.js';
import { kill, waitGone } from './lib/proc.js';
import { pm2App, pm2Available, startPm2 } from './lib/pm2.js';
import { table, verdict } from './lib/results.js';
import { ms, msSpread, now, ratio, ratioText, shuffle, sleep, summarize } from './lib/stats.js';
import { startSupervisord, supervisorAvailable } from './lib/supervisor.js';

export const name = 'crash-to-serving';
export const title = 'kill -9 of an HTTP plugin until it serves again';

const TRIALS = 15;
const POLL_MS = 1;
const TRIAL_DEADLINE_MS = 30_000;
const TARGET = 0.5;
const SERVER = path.join(BENCH_DIR, 'fixtures', 'http-server.cjs');

/** GET until a 200 comes from a process other than `oldPid`; counts the failed attempts by error. */
async function untilServing(port, oldPid, t0) {
  const errors = {};
  for (;;) {
    const r = await getOnce(port, TRIAL_DEADLINE_MS);
    if (r.status === 200 && Number(r.body) !== oldPid) return { ms: now() - t0, errors, pid: Number(r.body) };
    const key = r.error ?? (r.status === 200 ? 'old pid' : `HTTP ${r.status}`);
    errors[key] = (errors[key] ?? 0) + 1;
    if (now() - t0 > TRIAL_DEADLINE_MS) throw new Error(`port ${port} not serving ${TRIAL_DEADLINE_MS} ms after the kill (${JSON.stringify(errors)})`);
    await sleep(POLL_MS);
  }
}

/** Seconds since boot, as /proc/PID/stat start times count them. */
function uptime() {
  return Number(fs.readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
}

/** When `pid` started, in seconds since boot (USER_HZ = 100 on Linux). */
function startedAt(pid) {
  try {
    const f = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    return Number(f.slice(f.lastIndexOf(')') + 2).split(' ')[19]) / 100;
  } catch { return NaN; }
}

async function servingPid(port) {
  const t0 = now();
  for (;;) {
    const r = await getOnce(port, 5000);
    if (r.status === 200) return Number(r.body);
    if (now() - t0 > TRIAL_DEADLINE_MS) throw new Error(`port ${port} never served (${r.error ?? r.status})`);
    await sleep(10);
  }
}

/** A supervised service: each trial kills whatever serves the port and waits for the next one. */
function killTrial(port) {
  return async () => {
    const old = await servingPid(port);
    const t0 = now();
    const uptimeAtKill = uptime();
    kill(old, 'SIGKILL');
    const r = await untilServing(port, old, t0);
    // A process that already existed at the kill was started ahead of need (agentd's spare host).
    return { ...r, t0, prestarted: startedAt(r.pid) < uptimeAtKill };
  };
}

export async function run(ctx) {
  const systems = [];
  const aPort = await freePort();
  const daemon = await startAgentd(ctx, {
    plugins: {
      'http-echo': {
        module: path.join(ROOT, 'test', 'fixtures', 'plugins', 'http-echo.ts'),
        config: { host: '127.0.0.1', port: aPort },
        // Default restart policy (on-failure); a 1 s run counts as stable, so each kill (≥ 2 s
        // apart) restarts at once, and the crash-loop guard is raised above the trial count.
        backoff: { resetAfter: '1s' },
        crashLoop: { restarts: 1000, window: '60s' },
      },
    },
  });
  // Where agentd's restart time goes: the plugin events as they reach a subscribed client.
  const events = [];
  const watcher = await daemon.client();
  watcher.on('event', (e) => events.push({ t: now(), e }));
  await watcher.call('events.subscribe', { types: ['plugin.'] });
  const agentdKill = killTrial(aPort);
  systems.push({
    key: 'agentd', label: 'agentd (http-echo via ctx.listen, restart on-failure)', gapMs: 2000, port: aPort,
    trial: async () => {
      const from = events.length;
      const r = await agentdKill();
      await sleep(50); // let the last events arrive
      const at = (pred) => { const x = events.slice(from).find((ev) => pred(ev.e)); return x ? x.t - r.t0 : NaN; };
      const phases = {
        exit: at((e) => e.type === 'plugin.exit'),
        starting: at((e) => e.type === 'plugin.state' && e.to === 'starting'),
        running: at((e) => e.type === 'plugin.state' && e.to === 'running'),
      };
      return { ...r, phases };
    },
  });
  if (pm2Available()) {
    const pDefault = await freePort();
    await startPm2(ctx, [pm2App('web', SERVER, { env: { PORT: String(pDefault) } })]);
    systems.push({ key: 'pm2-default', label: 'PM2, default settings (fork mode)', gapMs: 1500, port: pDefault, trial: killTrial(pDefault) });
    const pFast = await freePort();
    await startPm2(ctx, [pm2App('web', SERVER, { env: { PORT: String(pFast) }, fast: true })]);
    systems.push({ key: 'pm2-fast', label: 'PM2, fastest settings (restart_delay 0, pmx/vizion/source maps off)', gapMs: 1500, port: pFast, trial: killTrial(pFast) });
  }
  if (supervisorAvailable()) {
    const sPort = await freePort();
    await startSupervisord(ctx, [{ name: 'web', command: `${process.execPath} ${SERVER}`, env: { PORT: String(sPort) } }]);
    systems.push({ key: 'sv', label: 'supervisord (autorestart=true, startsecs=0)', gapMs: 1500, port: sPort, trial: killTrial(sPort) });
  }
  const floorPort = await freePort();
  systems.push({
    key: 'floor', label: 'floor: bare Node server spawned fresh (spawn → first 200)', gapMs: 0,
    trial: async () => {
      const t0 = now();
      const child = spawn(process.execPath, [SERVER], { env: { ...process.env, PORT: String(floorPort) }, stdio: 'ignore' });
      const stop = ctx.defer(async () => { kill(child.pid); await waitGone([child.pid], 5000); });
      try { return await untilServing(floorPort, -1, t0); } finally { await stop(); }
    },
  });
  // Every service answers before the first kill.
  for (const s of systems) if (s.port) await servingPid(s.port);

  const res = Object.fromEntries(systems.map((s) => [s.key, []]));
  const lastServed = {};
  for (let i = 0; i < TRIALS; i++) {
    ctx.log(`${name}: round ${i + 1}/${TRIALS}`);
    for (const s of shuffle(systems)) {
      // Each service had run stably (longer than its backoff reset / min_uptime) before it is killed.
      const wait = (lastServed[s.key] ?? 0) + s.gapMs - now();
      if (wait > 0) await sleep(wait);
      res[s.key].push(await s.trial());
      lastServed[s.key] = now();
    }
  }

  const st = Object.fromEntries(systems.map((s) => [s.key, summarize(res[s.key].map((r) => r.ms))]));
  const errs = (key) => {
    const sum = {};
    for (const r of res[key]) for (const [k, v] of Object.entries(r.errors)) sum[k] = (sum[k] ?? 0) + v;
    return Object.entries(sum).map(([k, v]) => `${k} ×${v}`).join(', ') || 'none';
  };
  const fast = st['pm2-fast'];
  const r = fast ? ratio(st.agentd.median, fast.median) : NaN;
  const rows = systems.map((s) => [
    s.label, st[s.key].n, msSpread(st[s.key]), ratioText(ratio(st[s.key].median, st.floor.median)), fast ? ratioText(ratio(st[s.key].median, fast.median)) : '',
    errs(s.key), s.key === 'agentd' ? `≤ ${TARGET}× PM2 fastest` : '', s.key === 'agentd' && fast ? verdict(r, TARGET) : '',
  ]);
  const refused = res.agentd.reduce((n, x) => n + (x.errors.ECONNREFUSED ?? 0) + (x.errors.ECONNRESET ?? 0), 0);
  const md = `${TRIALS} rounds; each round kills every service once (SIGKILL to the pid that answered the last GET), in a random order, each after at least `
    + `${systems[0].gapMs / 1000} s (agentd) / 1.5 s (others) of stable running. After the kill the bench GETs \`/\` on a fresh connection (no keep-alive) `
    + `every ${POLL_MS} ms until a 200 comes from a new pid; time is from the kill. "Failed attempts" lists what the polls got meanwhile: a refused or reset connection means clients saw the service down. `
    + 'agentd runs test/fixtures/plugins/http-echo.ts (TypeScript, compiled ahead by its host) with the default restart policy, `backoff.resetAfter: "1s"` and the crash-loop limit raised to 1000; '
    + 'the peers run bench/fixtures/http-server.cjs, the same server in plain Node. PM2 "fastest": `restart_delay: 0`, no `exp_backoff_restart_delay`, `pmx: false`, '
    + '`automation: false`, `vizion: false`, `disable_source_map_support: true` (PM2\'s documented options; its default restart delay is already 0).\n\n'
    + table(['service', 'kills', 'kill → 200 median (p10–p90)', '× floor', '× PM2 fastest', 'failed attempts meanwhile', 'target', 'verdict'], rows)
    + `\n\nConnections refused or reset during agentd's restarts: ${refused} (the core keeps the listening socket; new connections wait in its backlog). `
    + `Restarts served by a plugin host started before the kill (the spare): ${res.agentd.filter((x) => x.prestarted).length} of ${res.agentd.length}; `
    + `agentd's kill → 200 per trial: ${res.agentd.map((x) => `${ms(x.ms)}${x.prestarted ? '' : ' (no spare)'}`).join(', ')}.\n\n`
    + 'Where agentd\'s time goes (medians from the kill, as the events reached a client subscribed with `events.subscribe`): '
    + ['exit', 'starting', 'running'].map((k) => `\`${k === 'exit' ? 'plugin.exit' : `plugin.state → ${k}`}\` at ${ms(summarize(res.agentd.map((x) => x.phases[k]).filter(Number.isFinite)).median)}`).join(', ')
    + `, first 200 at ${ms(st.agentd.median)}.\n`;
  const summary = [{
    measure: 'kill -9 → serving again (HTTP 200)',
    ours: ms(st.agentd.median),
    reference: [fast ? `PM2 fastest ${ms(fast.median)}` : '', st['pm2-default'] ? `PM2 default ${ms(st['pm2-default'].median)}` : '', st.sv ? `supervisord ${ms(st.sv.median)}` : '', `fresh spawn ${ms(st.floor.median)}`].filter(Boolean).join('; '),
    ratio: fast ? `${ratioText(r)} PM2 fastest` : '—',
    target: `≤ ${TARGET}× PM2 fastest`,
    verdict: fast ? verdict(r, TARGET) : '—',
  }, {
    measure: 'connections refused during agentd restarts',
    ours: String(refused),
    reference: `PM2 fastest: ${fast ? errs('pm2-fast') : 'n/a'}`,
    ratio: '—',
    target: '0',
    verdict: refused === 0 ? 'pass' : 'MISS',
  }];
  return { summary, markdown: md };
}
