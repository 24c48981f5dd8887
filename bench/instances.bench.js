// instances: the image server with one and with two instances (sharing the listening socket the
// core holds), `ctl plugins reload` replacing two instances under constant load, and SIGKILL of
// one of two instances under constant load; beside PM2's cluster-mode reload of a plain server.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { startAgentd } from './lib/agentd.js';
import { ROOT } from './lib/context.js';
import { freePort } from './lib/exec.js';
import { wrk, wrkAvailable } from './lib/http-load.js';
import { cpuTicks, makeTree, nginx, nginxAvailable } from './lib/http-servers.js';
import { keepAliveLoad } from './lib/keepalive-load.js';
import { pm2App, pm2AppPids, pm2Available, pm2Sync, startPm2 } from './lib/pm2.js';
import { kill } from './lib/proc.js';
import { table, verdict } from './lib/results.js';
import { BENCH_DIR } from './lib/context.js';
import { median, ratio, ratioText, shuffle, sleep } from './lib/stats.js';

export const name = 'instances';
export const title = 'one vs two instances; rolling reload and SIGKILL under constant load';

const ROUNDS = 3;
/** Even, so that each start order comes as often. */
const THROUGHPUT_ROUNDS = 4;
const THROUGHPUT_S = 5;
const LOAD_S = 8;
const ACTION_AT_MS = 2500;
const IMAGE_SERVER = path.join(ROOT, 'dist', 'plugins', 'image-server', 'index.js');
const PLAIN_SERVER = path.join(BENCH_DIR, 'fixtures', 'http-server.cjs');

/** How many established connections to `url`'s port each process holds, as "a/b" (from ss). */
function connectionsPerProcess(url, processes = 2) {
  const port = new URL(url).port;
  const out = execFileSync('ss', ['-tnpH', 'state', 'established', `( sport = :${port} )`], { encoding: 'utf8' });
  const per = new Map();
  for (const m of out.matchAll(/pid=(\d+)/g)) per.set(m[1], (per.get(m[1]) ?? 0) + 1);
  const counts = [...per.values()].sort((a, b) => b - a);
  while (counts.length < processes) counts.push(0);
  return counts.join('/');
}

async function imageServer(ctx, root, instances) {
  const port = await freePort();
  const d = await startAgentd(ctx, { plugins: { 'image-server': { module: IMAGE_SERVER, instances, config: { root, port } } } });
  const client = await d.client();
  ctx.defer(() => client.close());
  const stop = async () => { client.close(); await d.stop(); };
  return { d, client, stop, url: `http://127.0.0.1:${port}`, pids: async () => (await client.call('plugins.list')).map((r) => r.pid), allPids: () => d.pids() };
}

/** wrk for LOAD_S seconds, with `action` run ACTION_AT_MS into it. */
async function underWrk(url, action) {
  const load = wrk({ url, path: '/4k.jpg', seconds: LOAD_S, connections: 50 });
  await sleep(ACTION_AT_MS);
  const acted = await action();
  const r = await load;
  return { ...r, acted };
}

async function underRetryingClient(url, action) {
  const load = keepAliveLoad(`${url}/4k.jpg`, { connections: 50, seconds: LOAD_S });
  await sleep(ACTION_AT_MS);
  await action();
  return load;
}

export async function run(ctx) {
  if (!wrkAvailable()) throw new Error('wrk is not installed: run node bench/setup.js');
  const tree = makeTree(ctx.dir('t'));
  // The same question asked of nginx in the same run: what a second worker gains it on this machine.
  const withNginx = nginxAvailable();
  const makers = {
    one: () => imageServer(ctx, tree.root, 1),
    two: () => imageServer(ctx, tree.root, 2),
    ...(withNginx ? { nginxOne: () => nginx(ctx, tree, { workers: 1 }).start(), nginxTwo: () => nginx(ctx, tree, { workers: 2 }).start() } : {}),
  };

  // 1. Throughput, one against two. Every round starts its servers afresh, in an order that
  //    alternates, then measures them in a random order: on this VM two identical daemons, started
  //    one after the other, differed by up to 20% for as long as they ran (probes of 2026-11-25,
  //    whichever was started first), so servers kept for the whole run would carry the luck of
  //    their one start into every round.
  const keys = Object.keys(makers);
  const spread = [];
  const rps = Object.fromEntries(keys.map((key) => [key, { small: [], mix: [] }]));
  // Where the two cores went during each run, in % of one core (100 = a whole core): the server's
  // processes (every process of the daemon or of nginx) and wrk's one thread.
  const cpu = Object.fromEntries(keys.map((key) => [key, { small: [], mix: [] }]));
  const measure = async (key, s, kind, opts, midway = () => {}) => {
    const pids = s.allPids?.() ?? s.pids();
    const before = cpuTicks(pids);
    const load = wrk({ url: s.url, seconds: THROUGHPUT_S, ...opts });
    await midway();
    const r = await load;
    const secs = r.requests / r.rps;
    rps[key][kind].push(r.rps);
    cpu[key][kind].push({ server: (cpuTicks(pids) - before) / secs, wrk: r.wrkTicks / secs });
  };
  for (let i = 0; i < THROUGHPUT_ROUNDS; i++) {
    ctx.log(`${name}: throughput round ${i + 1}/${THROUGHPUT_ROUNDS}`);
    const servers = [];
    for (const key of i % 2 ? [...keys].reverse() : keys) servers.push([key, await makers[key]()]);
    for (const [key, s] of shuffle(servers)) {
      await measure(key, s, 'small', { path: '/4k.jpg' });
      await measure(key, s, 'mix', { pathsFile: tree.mixFile }, async () => {
        if (key === 'two') { await sleep(THROUGHPUT_S * 500); spread.push(connectionsPerProcess(s.url)); }
      });
    }
    for (const [, s] of servers) await s.stop();
  }
  const cpuMedian = (key, kind, part) => Math.round(median(cpu[key][kind].map((c) => c[part])));
  const cpuCell = (key, kind) => `${cpuMedian(key, kind, 'server')} + ${cpuMedian(key, kind, 'wrk')} = ${cpuMedian(key, kind, 'server') + cpuMedian(key, kind, 'wrk')}`;
  const cpuLabels = { one: 'agentd, 1 instance', two: 'agentd, 2 instances', nginxOne: 'nginx, 1 worker', nginxTwo: 'nginx, 2 workers' };
  const two = await imageServer(ctx, tree.root, 2);
  const gain = (k) => ratio(median(rps.two[k]), median(rps.one[k]));
  const nginxGain = (k) => (withNginx ? ratio(median(rps.nginxTwo[k]), median(rps.nginxOne[k])) : null);
  const nginxRef = (k) => (withNginx ? `nginx 2 workers vs 1, same run: ${ratioText(nginxGain(k))}` : 'nginx second worker: +0–64% (anchor)');
  const row = (label, k, target) => [label, Math.round(median(rps.one[k])), Math.round(median(rps.two[k])), ratioText(gain(k)),
    ...(withNginx ? [Math.round(median(rps.nginxOne[k])), Math.round(median(rps.nginxTwo[k])), ratioText(nginxGain(k))] : []), target];

  // 2. Rolling reload of the two instances under wrk, ROUNDS times; every request error counts.
  const reloads = [];
  for (let i = 0; i < ROUNDS; i++) {
    ctx.log(`${name}: reload under load ${i + 1}/${ROUNDS}`);
    const before = await two.pids();
    const r = await underWrk(two.url, () => two.client.call('plugins.reload', { name: 'image-server' }));
    const after = await two.pids();
    reloads.push({ ...r, replaced: after.filter((p) => !before.includes(p)).length });
  }

  // 3. SIGKILL of instance 0 under load: wrk's raw count, then a client that retries a GET reset
  //    on a reused connection (browsers do); the supervisor restarts the instance meanwhile.
  const kills = [];
  for (let i = 0; i < ROUNDS; i++) {
    ctx.log(`${name}: SIGKILL under load ${i + 1}/${ROUNDS}`);
    const killOne = async () => { const [pid] = await two.pids(); kill(pid, 'SIGKILL'); };
    const raw = await underWrk(two.url, killOne);
    await sleep(1500);
    const retrying = await underRetryingClient(two.url, killOne);
    await sleep(1500);
    kills.push({ raw, retrying });
  }

  // 4. PM2 cluster mode (2 instances of a plain Node server, which stops with server.close()):
  //    `pm2 reload` under the same wrk load.
  const pm2 = [];
  if (pm2Available()) {
    const port = await freePort();
    const p = await startPm2(ctx, [{ ...pm2App('web', PLAIN_SERVER, { env: { PORT: String(port) } }), instances: 2, exec_mode: 'cluster' }]);
    await sleep(1000);
    for (let i = 0; i < ROUNDS; i++) {
      ctx.log(`${name}: pm2 reload under load ${i + 1}/${ROUNDS}`);
      pm2.push(await underWrk(`http://127.0.0.1:${port}`, () => { pm2Sync(p.home, ['reload', 'web']); return pm2AppPids(p.home); }));
    }
  }

  const sum = (xs, f) => xs.reduce((n, x) => n + f(x), 0);
  const reloadErrors = sum(reloads, (r) => r.errors);
  const killRaw = sum(kills, (k) => k.raw.errors);
  const killRetried = sum(kills, (k) => k.retrying.failed);
  const md = [
    `The image server (the bundled plugin, compiled) under agentd; \`wrk -t1 -c50\`, keep-alive, a 4 KiB file (and the 100-file mix for throughput). `
    + `Throughput: ${THROUGHPUT_ROUNDS} rounds, each on servers started afresh in an order that alternates (two identical daemons started one after the other differed by up to 20% on this VM for as long as they ran), measured in a random order; each figure is the median of the rounds. `
    + `${ROUNDS} rounds of each action. Under load, the action comes ${ACTION_AT_MS / 1000} s into a ${LOAD_S} s run; every wrk error (connect, read, write, timeout, non-2xx) counts as a failed request.\n`,
    table(['', '1 instance', '2 instances', 'gain', ...(withNginx ? ['nginx, 1 worker', 'nginx, 2 workers', 'nginx gain'] : []), 'target'], [
      row('4 KiB, requests/s (median)', 'small', '≥ 1.00× (never slower)'),
      row('mix, requests/s (median)', 'mix', '≥ 1.00×'),
    ]),
    '\nWhere the two cores went (median of the rounds, % of one core; 200 is both cores busy): server processes + wrk = total.\n',
    table(['', '4 KiB', 'mix'], keys.map((key) => [cpuLabels[key], cpuCell(key, 'small'), cpuCell(key, 'mix')])),
    '\nThe issue\'s anchor: nginx gained 0–64% from a second worker on this machine. With one instance the server is the bottleneck (a whole core) '
    + 'and wrk has the other core nearly to itself. Two servers plus wrk make three busy processes on two cores: the scheduler shares the cores '
    + 'between them, so wrk gets less than it had, and the two instances, each waiting on wrk, sleep and are woken far more often than one '
    + 'saturated server does (wake-ups of idle vCPUs are expensive on this VM, see rpc-throughput), so less than both cores is used. '
    + 'On 4 KiB the server needs more CPU per request than wrk does, and the share the second instance takes pays off; on the mix (responses '
    + 'averaging 46 KiB) the load generator needs nearly as much per request as the server, and nginx\'s second worker, measured beside ours '
    + 'in the same rounds, loses about as much. The instances accept on one shared listening socket, and the kernel wakes them all for a burst of connections; the '
    + 'plugin hosts run with libuv\'s UV_TCP_SINGLE_ACCEPT=1 (one accept per wake-up, like nginx\'s `multi_accept off`) so that the first '
    + `one awake does not take the whole burst. wrk's 50 connections per instance, midway through each mix run: ${spread.join(' · ')}. `
    + 'On 2 busy cores the other instance is often not running when the burst comes, so the split stays uneven; in probes outside this bench '
    + '(2026-11-25) the busier instance held 41–50 of the 50 without the setting and 21–50 with it, and the mix figure was the same either way. '
    + 'Instances gain throughput on machines with more cores than the load generator takes, and availability everywhere (the reload and SIGKILL rows below).\n',
    table(['under constant load', 'runs', 'requests', 'failed', 'detail', 'target', 'verdict'], [
      ['agentd `ctl plugins reload` (2 instances, one by one)', reloads.length, sum(reloads, (r) => r.requests), reloadErrors, reloads.map((r) => `${r.replaced}/2 replaced${r.errorText ? `; ${r.errorText}` : ''}`).join(' · '), '0', verdict(reloadErrors, 0)],
      ['agentd, SIGKILL of 1 of 2 instances — wrk (no retry)', kills.length, sum(kills, (k) => k.raw.requests), killRaw, kills.map((k) => k.raw.errorText || 'none').join(' · '), '', ''],
      ['agentd, SIGKILL of 1 of 2 instances — client retrying a GET reset on a reused connection', kills.length, sum(kills, (k) => k.retrying.ok + k.retrying.failed), killRetried, kills.map((k) => `${k.retrying.retried} retried`).join(' · '), '0', verdict(killRetried, 0)],
      ...(pm2.length ? [['PM2 cluster mode `pm2 reload` (2 instances, plain server)', pm2.length, sum(pm2, (r) => r.requests), sum(pm2, (r) => r.errors), pm2.map((r) => r.errorText || 'none').join(' · '), '', '']] : []),
    ]),
    '\nA SIGKILLed process takes its open connections with it: the requests in flight on them (up to one per connection it held) are reset by the kernel, '
    + 'whatever the supervisor does. New connections never fail (the listening socket is the core\'s, and the other instance accepts on it), so a client that '
    + 'retries an idempotent request reset on a reused connection, as browsers and Node\'s own HTTP agent may (RFC 9110 §9.2.2), sees no failure.\n',
  ].join('\n');
  const summary = [
    { measure: 'second instance, 4 KiB requests/s', ours: ratioText(gain('small')), reference: nginxRef('small'), ratio: ratioText(gain('small')), target: '≥ 1.00×', verdict: verdict(gain('small'), 1, 'higher') },
    { measure: 'second instance, mix requests/s', ours: ratioText(gain('mix')), reference: nginxRef('mix'), ratio: ratioText(gain('mix')), target: '≥ 1.00×', verdict: verdict(gain('mix'), 1, 'higher') },
    { measure: 'failed requests during plugins reload (2 instances, wrk)', ours: String(reloadErrors), reference: pm2.length ? `pm2 reload (cluster): ${sum(pm2, (r) => r.errors)}` : '—', ratio: '—', target: '0', verdict: verdict(reloadErrors, 0) },
    { measure: 'failed requests, SIGKILL of 1 of 2 (retrying client)', ours: String(killRetried), reference: `wrk without retry: ${killRaw}`, ratio: '—', target: '0', verdict: verdict(killRetried, 0) },
  ];
  return { summary, markdown: md };
}
