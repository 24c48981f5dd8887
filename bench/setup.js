#!/usr/bin/env node
// Installs what the benchmarks compare against, only when it is missing:
//   - Debian package `supervisor` (supervisord, supervisorctl), through apt-get;
//   - Debian packages `wrk` and `nginx` (the http-static bench), through apt-get;
//   - the bench's npm devDependencies (PM2, pinned in bench/package.json and bench/package-lock.json)
//     into bench/node_modules, through `npm ci --prefix bench`.
// Nothing here is required: a bench whose peer is missing measures agentd alone and says so.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const BENCH = path.dirname(fileURLToPath(import.meta.url));
const APT_PACKAGES = [{ pkg: 'supervisor', binary: 'supervisord' }, { pkg: 'wrk', binary: 'wrk' }, { pkg: 'nginx', binary: 'nginx' }];

function onPath(binary) {
  return spawnSync('sh', ['-c', `command -v ${binary}`], { stdio: 'ignore' }).status === 0;
}

function installApt(log) {
  const missing = APT_PACKAGES.filter((p) => !onPath(p.binary)).map((p) => p.pkg);
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0 || !onPath('apt-get')) {
    log(`setup: ${missing.join(', ')} missing and apt-get is not usable here (need root); those peers are skipped`);
    return;
  }
  log(`setup: apt-get install ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let r = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
  if (r.status !== 0) {
    // The package lists may be missing or stale on a fresh machine.
    spawnSync('apt-get', ['update'], { stdio: 'inherit', env });
    r = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
  }
  if (r.status !== 0) log(`setup: apt-get install failed; ${missing.join(', ')} peers are skipped`);
}

/** npm ci when bench/node_modules is missing or older than the lockfile. */
function installNpm(log) {
  const lock = path.join(BENCH, 'package-lock.json');
  const stamp = path.join(BENCH, 'node_modules', '.package-lock.json');
  const fresh = fs.existsSync(stamp) && fs.statSync(stamp).mtimeMs >= fs.statSync(lock).mtimeMs
    && fs.existsSync(path.join(BENCH, 'node_modules', '.bin', 'pm2'));
  if (fresh) return;
  log('setup: npm ci --prefix bench');
  try {
    execFileSync('npm', ['ci', '--prefix', BENCH, '--no-audit', '--no-fund'], { stdio: 'inherit' });
  } catch {
    log('setup: npm ci failed; the PM2 peers are skipped');
  }
}

export function setup(log = (s) => console.log(s)) {
  installApt(log);
  installNpm(log);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) setup();
