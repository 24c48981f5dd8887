#!/usr/bin/env node
// `node bench/http-profile.js [4k|100k|2m|mix] [seconds]`: a CPU profile of the image server under
// the http-static load (wrk -t1 -c50, keep-alive, after 1 s of warm-up), and the functions that
// take its time. The plugin runs in a plain Node process (bench/fixtures/image-server-direct.mts)
// with --cpu-prof: inside a daemon that is not possible today, since a plugin's `env` is applied
// after its host process has started (spare hosts), too late for NODE_OPTIONS.
// The .cpuprofile is kept (path printed) for Chrome DevTools or speedscope.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BENCH_DIR, ROOT } from './lib/context.js';
import { freePort } from './lib/exec.js';
import { wrk, wrkAvailable } from './lib/http-load.js';
import { cpuTicks, makeTree } from './lib/http-servers.js';

const which = process.argv[2] ?? 'mix';
const seconds = Number(process.argv[3] ?? 6);
if (!['4k', '100k', '2m', 'mix'].includes(which)) {
  console.error('usage: node bench/http-profile.js [4k|100k|2m|mix] [seconds]');
  process.exit(2);
}
if (!wrkAvailable()) {
  console.error('http-profile: wrk is not installed (node bench/setup.js installs it as root)');
  process.exit(1);
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'isv-prof-'));
const tree = makeTree(path.join(dir, 'tree'));
const profiles = path.join(dir, 'profiles');
const port = await freePort();
const child = spawn(process.execPath, [
  '--import', 'tsx', '--cpu-prof', `--cpu-prof-dir=${profiles}`, '--cpu-prof-interval=250',
  path.join(BENCH_DIR, 'fixtures', 'image-server-direct.mts'), tree.root, String(port), path.join(dir, 'cache'),
], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
const stop = () => new Promise((resolve) => { child.once('exit', resolve); child.kill('SIGTERM'); });
try {
  await new Promise((resolve, reject) => {
    child.stdout.once('data', resolve);
    child.once('exit', (code) => reject(new Error(`the image server exited (${code})`)));
  });
  const load = { url: `http://127.0.0.1:${port}`, path: which === 'mix' ? '/' : `/${which}.jpg`, pathsFile: which === 'mix' ? tree.mixFile : null };
  await wrk({ ...load, seconds: 1 });
  const t0 = cpuTicks([child.pid]);
  const r = await wrk({ ...load, seconds });
  const cpu = (cpuTicks([child.pid]) - t0) * 10_000 / r.requests;
  console.log(`${which}: ${Math.round(r.rps).toLocaleString('en-US')} requests/s, p99 ${r.p99.toFixed(2)} ms, server CPU ${cpu.toFixed(1)} µs per request`);
} finally {
  await stop();
  for (const d of ['tree', 'cache']) fs.rmSync(path.join(dir, d), { recursive: true, force: true });
}

// The main thread's profile is the largest; self time by function, then time under the plugin's frames.
const file = fs.readdirSync(profiles).map((f) => path.join(profiles, f)).sort((a, b) => fs.statSync(b).size - fs.statSync(a).size)[0];
const prof = JSON.parse(fs.readFileSync(file, 'utf8'));
const nodes = new Map(prof.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const name = (n) => `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/^.*\/(plugins|node_modules)\//, '$1/').replace(/^node:/, '')}`.trim();
const self = new Map();
const under = new Map();
let total = 0;
prof.samples.forEach((id, i) => {
  const dt = prof.timeDeltas[i] ?? 0;
  total += dt;
  const key = name(nodes.get(id));
  self.set(key, (self.get(key) ?? 0) + dt);
  const seen = new Set();
  for (let x = id; x !== undefined; x = parent.get(x)) {
    const k = name(nodes.get(x));
    if (!seen.has(k) && k.includes('plugins/image-server')) { seen.add(k); under.set(k, (under.get(k) ?? 0) + dt); }
  }
});
const pct = (t) => `${((100 * t) / total).toFixed(1).padStart(5)}%`;
console.log('\nself time');
for (const [k, t] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(`${pct(t)}  ${k}`);
console.log('\ntime under the plugin\'s functions (inclusive)');
for (const [k, t] of [...under].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(`${pct(t)}  ${k}`);
console.log(`\nprofile: ${file}`);
