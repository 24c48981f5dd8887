import fs from 'node:fs';
import test, { type ExecutionContext } from 'ava';
import { homePaths } from '../../src/home/index.js';
import { lockHolder } from '../../src/native/addon.js';
import { ctl } from '../helpers/cli.js';
import { fixture, pluginGroups, writeConfig } from '../helpers/daemon.js';
import { makeTempHome, removeTempHome } from '../helpers/home.js';
import { isGone, waitUntil } from '../helpers/proc.js';

function home(t: ExecutionContext): string {
  const h = makeTempHome();
  writeConfig(h, { plugins: {} });
  t.teardown(async () => {
    const pid = lockHolder(homePaths(h).pidfile);
    if (pid > 0) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
    removeTempHome(h);
  });
  return h;
}

test('start, status, restart, stop: exit codes and output', async (t) => {
  const h = home(t);
  const down = await ctl(['status', '--home', h]);
  t.is(down.code, 3);
  t.regex(down.stdout, /agentd is not running/);
  const downJson = await ctl(['status', '--home', h, '--json']);
  t.is(downJson.code, 3);
  t.deepEqual(JSON.parse(downJson.stdout), { running: false, home: h });

  const started = await ctl(['start', '--home', h]);
  t.is(started.code, 0, started.stderr);
  const pid = Number(/pid (\d+)/.exec(started.stdout)?.[1]);
  t.is(lockHolder(homePaths(h).pidfile), pid);

  const up = await ctl(['status', '--home', h]);
  t.is(up.code, 0);
  t.regex(up.stdout, new RegExp(`running  pid ${pid}`));
  const upJson = await ctl(['status', '--home', h, '--json']);
  t.like(JSON.parse(upJson.stdout), { running: true, pid });

  const again = await ctl(['start', '--home', h]);
  t.is(again.code, 1);
  t.is(again.stderr.trim(), `ctl: already running (pid ${pid}); use \`ctl restart\` to restart it`);

  const restarted = await ctl(['restart', '--home', h]);
  t.is(restarted.code, 0, restarted.stderr);
  const newPid = Number(/pid (\d+)/.exec(restarted.stdout)?.[1]);
  t.not(newPid, pid);
  t.true(isGone(pid) || lockHolder(homePaths(h).pidfile) === newPid);

  const stopped = await ctl(['stop', '--home', h]);
  t.is(stopped.code, 0);
  t.regex(stopped.stdout, new RegExp(`agentd stopped \\(pid ${newPid}\\)`));
  const stoppedAgain = await ctl(['stop', '--home', h]);
  t.is(stoppedAgain.code, 0);
  t.regex(stoppedAgain.stdout, /not running/);
});

test('stop never signals a pid whose lock is free', async (t) => {
  const h = home(t);
  // A stale pidfile naming a live process that is not agentd (this test process).
  fs.writeFileSync(homePaths(h).pidfile, String(process.pid));
  const r = await ctl(['stop', '--home', h]);
  t.is(r.code, 0);
  t.regex(r.stdout, /not running/);
});

test('stop falls back to SIGTERM, then SIGKILL, when the socket does not answer', async (t) => {
  const h = home(t);
  // A plugin that ignores SIGTERM for 30 s: the core, unfrozen by stop's SIGCONT, cannot stop in 1 s.
  writeConfig(h, { plugins: { 'ignore-sigterm': { module: fixture('ignore-sigterm'), stopTimeout: '30s' } } });
  const started = await ctl(['start', '--home', h]);
  const pid = Number(/pid (\d+)/.exec(started.stdout)?.[1]);
  const host = pluginGroups(pid);
  t.teardown(() => { for (const g of host) { try { process.kill(-g, 'SIGKILL'); } catch { /* gone */ } } });
  process.kill(pid, 'SIGSTOP');
  const r = await ctl(['stop', '--home', h, '--timeout', '1s']);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /after SIGKILL/);
  await waitUntil(() => lockHolder(homePaths(h).pidfile) === 0, 10_000, 'the lock to be free');
});

test('errors are one line on stderr with the right exit code', async (t) => {
  const h = home(t);
  const notRunning = await ctl(['logrotate', '--home', h]);
  t.is(notRunning.code, 3);
  t.is(notRunning.stderr.trim().split('\n').length, 1);
  t.regex(notRunning.stderr, /^ctl: agentd is not running .*start it with `ctl start`/);

  await ctl(['start', '--home', h]);
  const badJson = await ctl(['rpc', 'daemon.status', '{nope', '--home', h]);
  t.is(badJson.code, 2);
  t.regex(badJson.stderr, /^ctl: PARAMS_JSON is not valid JSON/);
  const unknown = await ctl(['rpc', 'no.such', '--home', h]);
  t.is(unknown.code, 2);
  t.regex(unknown.stderr, /^ctl: method not found: no\.such/);
  const badFlag = await ctl(['status', '--bogus', '--home', h]);
  t.is(badFlag.code, 2);
  t.is(badFlag.stderr.trim().split('\n').length, 1, badFlag.stderr);
  const noPlugin = await ctl(['plugins', 'start', 'nope', '--home', h]);
  t.is(noPlugin.code, 1);
  t.regex(noPlugin.stderr, /^ctl: no plugin named "nope"/);
  t.notRegex(noPlugin.stderr, /at .*\.js:\d+/, 'no stack trace');
  const rotated = await ctl(['logrotate', '--home', h]);
  t.is(rotated.code, 0);
  t.regex(rotated.stdout, /rotated 1 log file/);
  const rpc = await ctl(['rpc', 'daemon.status', '--home', h]);
  t.is(rpc.code, 0);
  t.is(typeof JSON.parse(rpc.stdout).pid, 'number');
  await ctl(['stop', '--home', h]);
});
