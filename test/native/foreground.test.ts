import test from 'ava';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { launchDaemon, launcherPath, lockHolder } from '../../src/native/index.js';
import { makeTempHome, removeTempHome } from '../helpers/home.js';
import { environOf, fakeCore, fdTable, isGone, killAllMentioning, procStat, waitFor } from '../fixtures/fake-core/harness.js';

/** foreground-driver.js (a stand-in for `ctl start --foreground`) with its stdout lines collected. */
function startDriver(t: { teardown(fn: () => Promise<void>): void }, coreArgs: string[] = []) {
  const home = makeTempHome();
  const pidfile = path.join(home, 'agentd.pid');
  // A stale readiness fd in the caller's environment must not reach a foreground core.
  const env = { ...process.env, AGENTD_READY_FD: '99' };
  const child = spawn(process.execPath, [fakeCore('foreground-driver.js'), home, ...coreArgs], { stdio: ['ignore', 'pipe', 'inherit'], env });
  const lines: string[] = [];
  createInterface({ input: child.stdout }).on('line', (l) => lines.push(l));
  const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
  t.teardown(async () => {
    if (!isGone(child.pid!)) child.kill('SIGKILL');
    await killAllMentioning(home, pidfile);
    removeTempHome(home);
  });
  const line = (re: RegExp) => waitFor(`a line matching ${re}`, () => lines.map((l) => re.exec(l)).find(Boolean) ?? undefined);
  return { home, pidfile, driver: child, line, exited };
}

test('foreground: the core replaces the launcher, holds the lock on fd 3, and gets SIGTERM forwarded', async (t) => {
  const { home, pidfile, driver, line, exited } = startDriver(t, ['--term-exit', '42']);
  const pid = Number((await line(/^STARTED (\d+)$/))[1]);
  t.is(lockHolder(pidfile), pid);
  const st = procStat(pid)!;
  t.is(st.ppid, driver.pid!, 'same pid as the launcher the driver spawned: no fork');
  t.is(st.session, pid, 'its own session, so a terminal Ctrl-C reaches it once, through the driver');
  t.is(fs.readlinkSync(`/proc/${pid}/cwd`), '/');
  t.is(fdTable(pid).get(3), pidfile);
  const env = environOf(pid);
  t.is(env.get('AGENTD_LOCK_FD'), '3');
  t.false(env.has('AGENTD_READY_FD'));
  t.is(env.get('AGENTD_HOME'), home);

  driver.kill('SIGTERM');
  await line(new RegExp(`^SIGTERM ${pid}$`));
  await line(/^EXIT 42$/);
  t.is(await exited, 0);
  t.is(lockHolder(pidfile), 0);
});

test('foreground: a forwarded signal that kills the core resolves with 128 + its number', async (t) => {
  const { pidfile, driver, line } = startDriver(t);
  await line(/^STARTED \d+$/);
  driver.kill('SIGUSR2'); // no handler in the fixture: the default action terminates it
  await line(/^EXIT 140$/);
  await waitFor('the lock to be free', () => lockHolder(pidfile) === 0);
  t.pass();
});

test('foreground: refused with E_ALREADY_RUNNING while a daemon holds the lock', async (t) => {
  const home = makeTempHome();
  const pidfile = path.join(home, 'agentd.pid');
  t.teardown(async () => {
    await killAllMentioning(home, pidfile);
    removeTempHome(home);
  });
  const { pid } = await launchDaemon({ home, pidfile, entry: fakeCore('ready.js'), args: ['--home', home] });
  const { stdout, status } = await new Promise<{ stdout: string; status: number | null }>((resolve) => {
    const child = spawn(process.execPath, [fakeCore('foreground-driver.js'), home], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => { out += s; });
    child.once('close', (code) => resolve({ stdout: out, status: code }));
  });
  t.is(status, 0);
  t.is(stdout, `THROWN E_ALREADY_RUNNING already running (pid ${pid}); use \`ctl restart\` to restart it\n`);
  t.is(lockHolder(pidfile), pid);
});

test('foreground launcher itself reports RUNNING (exit 3) when the lock is held', async (t) => {
  const home = makeTempHome();
  const pidfile = path.join(home, 'agentd.pid');
  t.teardown(async () => {
    await killAllMentioning(home, pidfile);
    removeTempHome(home);
  });
  const { pid } = await launchDaemon({ home, pidfile, entry: fakeCore('ready.js'), args: ['--home', home] });
  const result = await new Promise<{ out: string; code: number | null }>((resolve) => {
    const child = spawn(launcherPath(), ['--foreground', '--pidfile', pidfile, '--', process.execPath, fakeCore('ready.js'), '--home', home],
      { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => { out += s; });
    child.once('close', (code) => resolve({ out, code }));
  });
  t.deepEqual(result, { out: `RUNNING ${pid}\n`, code: 3 });
});
