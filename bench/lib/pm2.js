import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BENCH_DIR } from './context.js';
import { isGone, kill, waitGone } from './proc.js';

/** PM2 from bench/node_modules (installed by bench/setup.js; `npx` does not download here). */
export const PM2_BIN = path.join(BENCH_DIR, 'node_modules', '.bin', 'pm2');
export const PM2_MODULE = path.join(BENCH_DIR, 'node_modules', 'pm2');

export function pm2Available() {
  return fs.existsSync(PM2_BIN);
}

export function pm2Version() {
  try { return JSON.parse(fs.readFileSync(path.join(PM2_MODULE, 'package.json'), 'utf8')).version; } catch { return null; }
}

export function pm2Env(home, extra = {}) {
  return { ...process.env, PM2_HOME: home, ...extra };
}

/** Run a pm2 command to completion (setup and teardown, not timed). */
export function pm2Sync(home, args, timeoutMs = 60_000) {
  const r = spawnSync(PM2_BIN, args, { env: pm2Env(home), encoding: 'utf8', timeout: timeoutMs });
  if (r.status !== 0) throw new Error(`pm2 ${args.join(' ')} failed (${r.status ?? r.signal}): ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' / ')}`);
  return r.stdout;
}

export function pm2DaemonPid(home) {
  try { return Number(fs.readFileSync(path.join(home, 'pm2.pid'), 'utf8').trim()) || 0; } catch { return 0; }
}

export function pm2AppPids(home) {
  const list = JSON.parse(pm2Sync(home, ['jlist']));
  return list.map((a) => a.pid).filter((p) => p > 0);
}

/**
 * A PM2 daemon in a fresh PM2_HOME of the run, with `apps` (ecosystem entries) started, or none
 * (then `pm2 ping` starts the daemon alone). `pm2 kill` and SIGKILL by pid at cleanup.
 */
export async function startPm2(ctx, apps = []) {
  const home = ctx.dir('p');
  if (apps.length) {
    const eco = path.join(home, 'ecosystem.json');
    fs.writeFileSync(eco, JSON.stringify({ apps }, null, 2));
    pm2Sync(home, ['start', eco]);
  } else {
    pm2Sync(home, ['ping']);
  }
  const p = { home, pid: pm2DaemonPid(home), appPids: () => pm2AppPids(home), stop: null };
  const appPids = apps.length ? p.appPids() : [];
  p.stop = ctx.defer(() => stopPm2(home, [p.pid, ...appPids]));
  return p;
}

export async function stopPm2(home, knownPids = []) {
  const pids = [...knownPids];
  const daemon = pm2DaemonPid(home);
  if (daemon && !pids.includes(daemon)) pids.push(daemon);
  if (daemon && !isGone(daemon)) {
    try { pids.push(...pm2AppPids(home)); } catch { /* daemon not answering */ }
    spawnSync(PM2_BIN, ['kill'], { env: pm2Env(home), stdio: 'ignore', timeout: 20_000 });
  }
  await waitGone(pids, 5000, 5);
  for (const pid of pids) if (!isGone(pid)) kill(pid);
}

/** An ecosystem entry for a Node script; `fast` applies PM2's fastest documented restart settings. */
export function pm2App(name, script, { env = {}, fast = false } = {}) {
  const app = { name, script, env, autorestart: true };
  if (fast) {
    Object.assign(app, {
      restart_delay: 0, // documented default is 0 too; set explicitly, and no exp_backoff_restart_delay
      min_uptime: 100, // the shortest allowed: only decides what counts as an unstable restart
      max_restarts: 1000,
      pmx: false, // no @pm2/io injection into the app (ProcessUtils.injectModules)
      disable_source_map_support: true, // no setSourceMapsEnabled in the container
      vizion: false, // no git metadata scan of the app's directory on each (re)start
      automation: false,
    });
  }
  return app;
}
