import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { homePaths } from '../../src/home/index.js';
import { lockHolder } from '../../src/native/addon.js';
import { ctl } from '../helpers/cli.js';
import { endDaemon, fixture, killMarked, MARK_VAR, pluginGroups, ROOT, waitGone, writeConfig } from '../helpers/daemon.js';
import { tempHome } from '../helpers/home.js';
import { isGone, waitUntil } from '../helpers/proc.js';

/**
 * `ctl start` of a core whose one plugin never reports ready (start timeout 20 s), left running in
 * the background; resolves once the core is starting that plugin, with the core's and the
 * plugin host's pids and ctl's eventual result.
 */
async function startingCore(t: ExecutionContext) {
  const home = tempHome(t);
  writeConfig(home, { plugins: { 'never-ready': { module: fixture('never-ready'), startTimeout: '20s' } } });
  const paths = homePaths(home);
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'run.js'), 'start', '--home', home], {
    stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DEBUG: '', [MARK_VAR]: home },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => { stdout += s; });
  child.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
  const exited = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
  t.teardown(async () => {
    await endDaemon(home);
    killMarked(home);
    if (!isGone(child.pid!)) child.kill('SIGKILL');
    await exited;
  });
  let core = 0;
  let hosts: number[] = [];
  await waitUntil(() => {
    core = lockHolder(paths.pidfile);
    hosts = core > 0 ? pluginGroups(core) : [];
    return hosts.length > 0;
  }, 30_000, 'the core to start its plugin host');
  return { home, paths, core, hosts, exited };
}

for (const how of ['SIGTERM', 'SIGINT', 'ctl stop'] as const) {
  test(`${how} during start-up stops the core cleanly and ctl start says it was stopped while starting`, async (t) => {
    const s = await startingCore(t);
    if (how === 'ctl stop') {
      const r = await ctl(['stop', '--home', s.home]);
      t.is(r.code, 0, r.stderr);
      t.regex(r.stdout, new RegExp(`agentd stopped \\(pid ${s.core}\\)`));
    } else {
      process.kill(s.core, how);
    }
    const started = await s.exited;
    t.is(started.code, 1);
    t.regex(started.stderr, new RegExp(`^ctl: agentd was stopped by ${how === 'ctl stop' ? 'SIGTERM' : how} while starting: plugins still starting: never-ready;`));
    await waitGone([s.core, ...s.hosts]);
    t.is(lockHolder(s.paths.pidfile), 0);
    t.false(fs.existsSync(s.paths.socket), 'no socket left');
    t.false(fs.existsSync(s.paths.pidfile), 'no pidfile left');
    // The log names the plugin the start was waiting for.
    const lines = fs.readFileSync(s.paths.log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { message: string; waitingFor?: string[] });
    t.deepEqual(lines.find((l) => l.message === 'agentd stopping while starting')?.waitingFor, ['never-ready (starting)']);
  });
}

test('SIGHUP and SIGUSR2 during start-up are not fatal: the core keeps starting', async (t) => {
  const s = await startingCore(t);
  process.kill(s.core, 'SIGHUP');
  process.kill(s.core, 'SIGUSR2');
  // The core answers on its socket while its plugin starts: proof that it is alive past both signals.
  await waitUntil(async () => (await ctl(['rpc', 'daemon.status', '--home', s.home])).code === 0, 10_000, 'the core to answer');
  t.is(lockHolder(s.paths.pidfile), s.core);
  t.false(isGone(s.core));
  process.kill(s.core, 'SIGTERM');
  t.is((await s.exited).code, 1);
  await waitGone([s.core, ...s.hosts]);
  t.false(fs.existsSync(s.paths.pidfile));
});
