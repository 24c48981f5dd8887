import fs from 'node:fs';
import test, { type ExecutionContext } from 'ava';
import { homePaths } from '../../src/home/index.js';
import { lockHolder } from '../../src/native/addon.js';
import { ctl } from '../helpers/cli.js';
import { endDaemon, fixture, killMarked, MARK_VAR, writeConfig } from '../helpers/daemon.js';
import { tempHome } from '../helpers/home.js';
import { waitUntil } from '../helpers/proc.js';

/** A core started by ctl with `config`, frozen with SIGSTOP: its socket accepts but never answers. */
async function frozenCore(t: ExecutionContext, config: unknown): Promise<{ home: string; pid: number }> {
  const home = tempHome(t);
  writeConfig(home, config);
  t.teardown(async () => { await endDaemon(home); killMarked(home); });
  const started = await ctl(['start', '--home', home], { env: { [MARK_VAR]: home } });
  t.is(started.code, 0, started.stderr);
  const pid = Number(/pid (\d+)/.exec(started.stdout)?.[1]);
  t.teardown(() => { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } });
  process.kill(pid, 'SIGSTOP');
  return { home, pid };
}

test('stop of a frozen core sends SIGTERM with SIGCONT, so it stops gracefully within --timeout, and says so', async (t) => {
  const { home, pid } = await frozenCore(t, { plugins: {} });
  const began = Date.now();
  const r = await ctl(['stop', '--home', home, '--timeout', '5s']);
  const took = Date.now() - began;
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, `agentd stopped (pid ${pid}, after SIGTERM)\n`);
  t.regex(r.stderr, new RegExp(`^ctl: agentd \\(pid ${pid}\\) did not answer on its socket; sent SIGTERM`, 'm'));
  t.true(took < 5000, `took ${took} ms`);
  // The core's own graceful stop removed these, and flushed its last line.
  t.false(fs.existsSync(homePaths(home).socket));
  t.false(fs.existsSync(homePaths(home).pidfile));
  t.regex(fs.readFileSync(homePaths(home).log, 'utf8'), /"message":"agentd stopped"/);
});

test('--timeout bounds the whole stop, socket wait included, before SIGKILL', async (t) => {
  // Unfrozen by SIGCONT, this core still cannot stop in time: its plugin ignores SIGTERM for 30 s.
  const { home, pid } = await frozenCore(t, { plugins: { 'ignore-sigterm': { module: fixture('ignore-sigterm'), stopTimeout: '30s' } } });
  const began = Date.now();
  const r = await ctl(['stop', '--home', home, '--timeout', '3s']);
  const took = Date.now() - began;
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, `agentd stopped (pid ${pid}, after SIGKILL)\n`);
  t.regex(r.stderr, new RegExp(`^ctl: agentd \\(pid ${pid}\\) did not stop within 3s; sent SIGKILL$`, 'm'));
  t.true(took < 4500, `took ${took} ms for --timeout 3s`);
  await waitUntil(() => lockHolder(homePaths(home).pidfile) === 0, 10_000, 'the lock to be free');
});

test('without --timeout, stop waits as long as the daemon says its plugins need: a 11 s graceful stop is not SIGKILLed at 10 s', async (t) => {
  const home = tempHome(t);
  writeConfig(home, { plugins: { 'slow-stop': { module: fixture('slow-stop'), config: { stopMs: 11_000 }, stopTimeout: '20s' } } });
  t.teardown(async () => { await endDaemon(home); killMarked(home); });
  const started = await ctl(['start', '--home', home], { env: { [MARK_VAR]: home } });
  t.is(started.code, 0, started.stderr);
  const pid = Number(/pid (\d+)/.exec(started.stdout)?.[1]);
  const r = await ctl(['stop', '--home', home]);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, `agentd stopped (pid ${pid})\n`, 'stopped by itself, no SIGKILL');
  t.regex(fs.readFileSync(`${homePaths(home).logsDir}/slow-stop.log`, 'utf8'), /slow-stop finished stopping/);
  t.is(lockHolder(homePaths(home).pidfile), 0);
});
