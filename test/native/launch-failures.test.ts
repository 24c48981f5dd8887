import fs from 'node:fs';
import test from 'ava';
import path from 'node:path';
import { interpretLauncher, launchDaemon, lockHolder, type LaunchOptions } from '../../src/native/index.js';
import { makeTempHome, removeTempHome } from '../helpers/home.js';
import { fakeCore, killAllMentioning, liveProcessesMentioning } from '../fixtures/fake-core/harness.js';

function setup(t: { teardown(fn: () => Promise<void>): void }) {
  const home = makeTempHome();
  const pidfile = path.join(home, 'agentd.pid');
  t.teardown(async () => {
    await killAllMentioning(home, pidfile);
    removeTempHome(home);
  });
  const launch = (fixture: string, extra: Partial<LaunchOptions> = {}, args: string[] = []) =>
    launchDaemon({ home, pidfile, entry: fakeCore(fixture), args: [...args, '--home', home], ...extra });
  return { home, pidfile, launch };
}

test('ERROR from the core reaches the caller as is, and the lock is free the moment it rejects', async (t) => {
  const { home, pidfile, launch } = setup(t);
  const text = 'invalid config /etc/x.json: plugins.web.port: expected a number';
  // The fixture keeps its lock 300 ms after writing ERROR: only the launcher's lock wait makes this pass.
  await t.throwsAsync(launch('error.js', {}, [text]), { code: 'E_START_FAILED', message: text });
  t.is(lockHolder(pidfile), 0);
  t.deepEqual(liveProcessesMentioning(home), []);
  // An immediate retry is not told "already running".
  const { pid } = await launch('ready.js');
  t.is(lockHolder(pidfile), pid);
});

test('a core that dies before reporting says so, pointing at the log', async (t) => {
  const { home, pidfile, launch } = setup(t);
  await t.throwsAsync(launch('die.js'), {
    code: 'E_START_FAILED',
    message: `agentd exited during start-up before reporting ready; see ${home}/agentd.log`,
  });
  t.is(lockHolder(pidfile), 0);
});

test('a core that never reports ready is stopped at the deadline', async (t) => {
  const { home, pidfile, launch } = setup(t);
  await t.throwsAsync(launch('never-ready.js', { timeoutMs: 300 }), {
    code: 'E_START_TIMEOUT',
    message: /did not report ready within 300 ms and was stopped/,
  });
  t.is(lockHolder(pidfile), 0);
  t.deepEqual(liveProcessesMentioning(home), [], 'no process left');
});

test('a core that also ignores SIGTERM is killed after the grace period', async (t) => {
  const { home, pidfile, launch } = setup(t);
  // Long enough for the fixture to install its handler even on a loaded machine (it notes that).
  await t.throwsAsync(launch('never-ready.js', { timeoutMs: 3000 }, ['--ignore-term']), { code: 'E_START_TIMEOUT' });
  t.true(fs.existsSync(path.join(home, 'handler-installed')), 'the fixture was up before the timeout');
  t.regex(fs.readFileSync(path.join(home, 'sigterm'), 'utf8'), /ignored/, 'SIGTERM came first and was ignored: SIGKILL ended it');
  t.is(lockHolder(pidfile), 0);
  t.deepEqual(liveProcessesMentioning(home), []);
});

test('interpretLauncher maps every report to a pid or a catalogue error', (t) => {
  t.deepEqual(interpretLauncher('READY 42\n', 0, null), { pid: 42 });
  const running = interpretLauncher('RUNNING 7\n', 3, null);
  t.like(running, { code: 'E_ALREADY_RUNNING', message: 'already running (pid 7); use `ctl restart` to restart it' });
  t.like(interpretLauncher('RUNNING 0\n', 3, null), { code: 'E_ALREADY_RUNNING', message: 'already running (pid unknown); use `ctl restart` to restart it' });
  t.like(interpretLauncher('ERROR agentd did not report ready within 500 ms and was stopped\n', 1, null),
    { code: 'E_START_TIMEOUT', message: 'agentd did not report ready within 500 ms and was stopped; see agentd.log' });
  t.like(interpretLauncher('ERROR agentd did not report ready within 500 ms and was stopped: plugins still starting: a, b#1\n', 1, null), {
    code: 'E_START_TIMEOUT',
    message: 'agentd did not report ready within 500 ms and was stopped: plugins still starting: a, b#1; see `ctl logs NAME` and agentd.log',
    data: { starting: ['a', 'b#1'] },
  });
  t.like(interpretLauncher('ERROR agentd did not report ready within 500 ms and could not be stopped (pid 9)\n', 1, null),
    { code: 'E_START_FAILED', message: 'agentd did not report ready within 500 ms and could not be stopped (pid 9)' });
  t.like(interpretLauncher('ERROR port 9000 in use\n', 1, null), { code: 'E_START_FAILED', message: 'port 9000 in use' });
  // The core's catalogue code leads its line: the error is the one it was in the core.
  t.like(interpretLauncher('ERROR E_CONFIG_INVALID invalid config /c.json: logs.keep: must be >= 0\n', 1, null),
    { code: 'E_CONFIG_INVALID', exitCode: 78, message: 'invalid config /c.json: logs.keep: must be >= 0' });
  t.like(interpretLauncher('ERROR E_NOT_A_CODE something\n', 1, null), { code: 'E_START_FAILED', message: 'E_NOT_A_CODE something' });
  t.like(interpretLauncher('', null, 'SIGKILL'), { code: 'E_START_FAILED', message: 'the native launcher was killed by SIGKILL without a report' });
  t.like(interpretLauncher('READY 42\n', 1, null), { code: 'E_START_FAILED' }, 'READY only counts with exit 0');
});
