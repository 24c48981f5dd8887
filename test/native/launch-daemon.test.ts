import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { launchDaemon, lockHolder } from '../../src/native/index.js';
import { makeTempHome, removeTempHome } from '../helpers/home.js';
import {
  ancestorsOf, fakeCore, fdTable, isGone, killAllMentioning, liveProcessesMentioning, procStat, waitFor,
} from '../fixtures/fake-core/harness.js';

/** A home whose fake cores are all killed (by pid, found through the home in their argv) afterwards. */
function setup(t: { teardown(fn: () => Promise<void>): void }): { home: string; pidfile: string; start: () => Promise<{ pid: number }> } {
  const home = makeTempHome();
  const pidfile = path.join(home, 'agentd.pid');
  t.teardown(async () => {
    await killAllMentioning(home, pidfile);
    removeTempHome(home);
  });
  const start = () => launchDaemon({ home, pidfile, entry: fakeCore('ready.js'), args: ['--home', home] });
  return { home, pidfile, start };
}

// Serial: it checks for zombies among this process's children, which concurrent tests would create.
test.serial('the core is a proper daemon: reparented, own session, no tty, cwd /, clean fds, lock held', async (t) => {
  const { pidfile, start } = setup(t);
  // (fds inherited by the launcher itself, without CLOEXEC, are covered in launcher-binary.test.ts)
  const ourFds = new Set([...fdTable(process.pid).values()].filter((target) => !target.startsWith('anon_inode:')));

  const { pid } = await start();
  const st = procStat(pid);
  t.truthy(st);
  t.not(st!.ppid, process.pid);
  t.true(st!.ppid === 1 || ancestorsOf(process.pid).includes(st!.ppid), `parent ${st!.ppid} is PID 1 or a subreaper above us`);
  t.not(st!.session, pid, 'not a session leader, so it can never acquire a controlling terminal');
  t.not(st!.session, procStat(process.pid)!.session);
  t.is(st!.ttyNr, 0);
  t.is(fs.readlinkSync(`/proc/${pid}/cwd`), '/');

  const fds = fdTable(pid);
  t.is(fds.get(0), '/dev/null');
  t.is(fds.get(1), '/dev/null');
  t.is(fds.get(2), '/dev/null');
  t.is(fds.get(3), pidfile);
  for (const [fd, target] of fds) {
    if (fd > 4 && !target.startsWith('anon_inode:')) t.false(ourFds.has(target), `fd ${fd} (${target}) leaked from the test process`);
  }

  t.is(fs.readFileSync(pidfile, 'utf8'), `${pid}\n`);
  t.is(lockHolder(pidfile), pid);
  // No zombies: the launcher was reaped by us, and it reaped its intermediate child, whose pid is
  // the daemon's session id (an unreaped one would sit as a zombie under PID 1).
  const zombies = fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map((d) => procStat(Number(d)))
    .filter((s) => s && s.state === 'Z' && s.ppid === process.pid);
  t.deepEqual(zombies, []);
  t.is(procStat(st!.session), null, 'the intermediate child is fully reaped');
});

test('a second launch while running reports the running pid and leaves exactly one daemon', async (t) => {
  const { home, pidfile, start } = setup(t);
  const { pid } = await start();
  const error = await t.throwsAsync(start(), { code: 'E_ALREADY_RUNNING' });
  t.regex(error!.message, new RegExp(`already running \\(pid ${pid}\\)`));
  t.deepEqual(liveProcessesMentioning(home), [pid], 'one daemon, and no launcher left behind');
  t.is(lockHolder(pidfile), pid);
});

test('concurrent launches: exactly one wins, the others are told it is running', async (t) => {
  const { home, pidfile, start } = setup(t);
  const results = await Promise.allSettled([start(), start(), start()]);
  const won = results.filter((r): r is PromiseFulfilledResult<{ pid: number }> => r.status === 'fulfilled');
  const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  t.is(won.length, 1);
  t.is(lost.length, 2);
  for (const r of lost) t.is((r.reason as { code: string }).code, 'E_ALREADY_RUNNING');
  t.deepEqual(liveProcessesMentioning(home), [won[0]!.value.pid], 'one daemon, and no launcher left behind');
  t.is(lockHolder(pidfile), won[0]!.value.pid);
});

test('after kill -9 of the core the lock is free and the next launch works', async (t) => {
  const { pidfile, start } = setup(t);
  const first = await start();
  process.kill(first.pid, 'SIGKILL');
  // Judged by the lock (the kernel drops it at exit), not kill(pid, 0): PID 1 reaps late here.
  await waitFor('the lock to be released', () => lockHolder(pidfile) === 0);
  t.true(isGone(first.pid));
  t.is(fs.readFileSync(pidfile, 'utf8'), `${first.pid}\n`, 'the stale pid is still in the file');
  const second = await start();
  t.not(second.pid, first.pid);
  t.is(lockHolder(pidfile), second.pid);
  t.is(fs.readFileSync(pidfile, 'utf8'), `${second.pid}\n`);
});
