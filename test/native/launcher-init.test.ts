import test from 'ava';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { launcherPath, lockHolder } from '../../src/native/index.js';
import { makeTempHome, removeTempHome, tempHome } from '../helpers/home.js';
import { fakeCore, killAllMentioning, procStat, waitFor } from '../fixtures/fake-core/harness.js';

/** `agentd-launcher --foreground --init` running the orphans.js fake core, its stdout lines collected. */
function startInit(t: { teardown(fn: () => Promise<void>): void }, coreArgs: string[] = []) {
  const home = makeTempHome();
  const pidfile = path.join(home, 'agentd.pid');
  const launcher = spawn(launcherPath(), ['--foreground', '--init', '--pidfile', pidfile, '--', process.execPath, fakeCore('orphans.js'), home, ...coreArgs],
    { stdio: ['ignore', 'pipe', 'inherit'], detached: true });
  const lines: string[] = [];
  createInterface({ input: launcher.stdout }).on('line', (l) => lines.push(l));
  const exited = new Promise<number | null>((resolve) => launcher.once('exit', resolve));
  t.teardown(async () => {
    await killAllMentioning(home, pidfile);
    removeTempHome(home);
  });
  const line = (re: RegExp) => waitFor(`a line matching ${re}`, () => lines.map((l) => re.exec(l)).find(Boolean) ?? undefined);
  return { home, pidfile, launcher, line, exited };
}

test('--init: the core is a child of the launcher, holds the lock, and gets signals forwarded', async (t) => {
  const { pidfile, launcher, line, exited } = startInit(t, ['--term-exit', '7']);
  const core = Number((await line(/^STARTED (\d+)$/))[1]);
  t.is(procStat(core)!.ppid, launcher.pid!, 'the launcher stays as the parent');
  t.is(lockHolder(pidfile), core, 'the pidfile names the core, whose fd alone holds the lock');

  launcher.kill('SIGHUP');
  await line(/^SIGHUP$/);
  t.truthy(procStat(launcher.pid!), 'SIGHUP is passed on, and does not end the launcher');
  launcher.kill('SIGTERM');
  await line(new RegExp(`^SIGTERM ${core}$`));
  t.is(await exited, 7, 'the launcher exits with the core\'s code');
  t.is(lockHolder(pidfile), 0);
});

test('--init: an orphan below the core is adopted by the launcher (child subreaper) and reaped', async (t) => {
  const { launcher, line, exited } = startInit(t);
  await line(/^STARTED \d+$/);
  launcher.kill('SIGUSR2');
  const orphan = Number((await line(/^ORPHAN (\d+)$/))[1]);
  await waitFor('the orphan to be reparented to the launcher', () => procStat(orphan)?.ppid === launcher.pid);
  process.kill(orphan, 'SIGKILL');
  // Reaped: gone from /proc altogether, not left a zombie.
  await waitFor('the orphan to be reaped', () => procStat(orphan) === null);
  launcher.kill('SIGTERM');
  t.is(await exited, 0);
});

test('--init: a core killed by a signal gives 128 + its number', async (t) => {
  const { launcher, line, exited } = startInit(t);
  const core = Number((await line(/^STARTED (\d+)$/))[1]);
  process.kill(core, 'SIGKILL');
  t.is(await exited, 128 + 9);
  t.is(launcher.exitCode, 137);
});

test('--init without --foreground is a usage error', async (t) => {
  const home = tempHome(t);
  const result = await new Promise<{ out: string; code: number | null }>((resolve) => {
    const child = spawn(launcherPath(), ['--init', '--pidfile', path.join(home, 'agentd.pid'), '--', process.execPath, '-e', '0'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => { out += s; });
    child.once('close', (code) => resolve({ out, code }));
  });
  t.deepEqual(result, { out: 'ERROR usage: --init goes with --foreground\n', code: 2 });
});
