// The launcher executable driven directly, for what launchDaemon cannot set up: inherited fds,
// closed stdio, a program that cannot be exec'd, bad usage.
import test from 'ava';
import { spawn, type StdioOptions } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { launcherPath, lockHolder } from '../../src/native/index.js';
import { makeTempHome, removeTempHome } from '../helpers/home.js';
import { childrenOf, fakeCore, fdTable, killAllMentioning, waitFor } from '../fixtures/fake-core/harness.js';

interface Run { code: number | null; stdout: string; stderr: string }

function run(args: string[], stdio: StdioOptions = ['ignore', 'pipe', 'pipe'], file = launcherPath()): { pid: number; done: Promise<Run> } {
  const child = spawn(file, args, { stdio });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (s: string) => { stdout += s; });
  child.stderr?.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
  const done = new Promise<Run>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
  return { pid: child.pid!, done };
}

function setup(t: { teardown(fn: () => Promise<void>): void }): { home: string; pidfile: string } {
  const home = makeTempHome();
  const pidfile = path.join(home, 'agentd.pid');
  t.teardown(async () => {
    await killAllMentioning(home, pidfile);
    removeTempHome(home);
  });
  return { home, pidfile };
}

const core = (pidfile: string, home: string, fixture = 'ready.js', timeout = '30000') =>
  ['--timeout', timeout, '--pidfile', pidfile, '--', process.execPath, fakeCore(fixture), '--home', home];

test('fds the launcher inherits (even on 3 and 4, where the lock and pipe go) never reach the core', async (t) => {
  const { home, pidfile } = setup(t);
  const marker = path.join(home, 'marker');
  const markerFd = fs.openSync(marker, 'w');
  t.teardown(() => fs.closeSync(markerFd));
  // The launcher gets the marker without CLOEXEC on fds 3, 4, 5 and 9; its own fds land above them.
  const stdio: StdioOptions = ['ignore', 'pipe', 'pipe', markerFd, markerFd, markerFd, 'ignore', 'ignore', 'ignore', markerFd];
  const { stdout, code } = await run(core(pidfile, home), stdio).done;
  t.is(code, 0);
  const pid = Number(/^READY (\d+)\n$/.exec(stdout)?.[1]);
  const fds = fdTable(pid);
  t.is(fds.get(3), pidfile);
  for (const [fd, target] of fds) t.not(target, marker, `fd ${fd} leaked`);
  t.is(lockHolder(pidfile), pid);
});

test('with stdout closed the report goes nowhere, not into the pidfile', async (t) => {
  const { home, pidfile } = setup(t);
  // The shell closes fd 1 and execs the launcher: the pidfile would otherwise be opened as fd 1.
  const { code } = await run(['-c', 'exec 1>&- "$0" "$@"', launcherPath(), ...core(pidfile, home)], ['ignore', 'ignore', 'pipe'], '/bin/sh').done;
  t.is(code, 0);
  const content = fs.readFileSync(pidfile, 'utf8');
  t.regex(content, /^\d+\n$/);
  t.is(lockHolder(pidfile), Number(content));
});

test('the launcher reaps its intermediate child at once (no zombie while it waits)', async (t) => {
  const { home, pidfile } = setup(t);
  const launcher = run(core(pidfile, home, 'never-ready.js', '60000'));
  const daemon = await waitFor('the core to hold the lock', () => lockHolder(pidfile) > 0 && lockHolder(pidfile));
  // The launcher is still waiting for READY; its intermediate child must already be reaped.
  await waitFor('the launcher to have no children', () => childrenOf(launcher.pid).length === 0);
  t.true(childrenOf(launcher.pid).length === 0);
  process.kill(daemon, 'SIGTERM');
  const { code, stdout } = await launcher.done;
  t.is(code, 1);
  t.is(stdout, `ERROR agentd exited during start-up before reporting ready; see ${home}/agentd.log\n`);
});

test('a program that cannot be exec\'d is reported with its errno, and the lock is free', async (t) => {
  const { pidfile } = setup(t);
  const { code, stdout } = await run(['--pidfile', pidfile, '--', '/nonexistent/node', 'x']).done;
  t.is(code, 1);
  t.is(stdout, 'ERROR cannot exec /nonexistent/node: errno 2\n');
  t.is(lockHolder(pidfile), 0);
});

for (const [title, args] of [
  ['no --pidfile', ['--', '/bin/true']],
  ['no program', ['--pidfile', '/tmp/x.pid', '--']],
  ['a relative program', ['--pidfile', '/tmp/x.pid', '--', 'node']],
  ['a bad timeout', ['--timeout', '0', '--pidfile', '/tmp/x.pid', '--', '/bin/true']],
  ['an unknown option', ['--bogus', 'x', '--pidfile', '/tmp/x.pid', '--', '/bin/true']],
] as const) {
  test(`usage error: ${title} exits 2 with an ERROR line`, async (t) => {
    const { code, stdout, stderr } = await run([...args]).done;
    t.is(code, 2);
    t.regex(stdout, /^ERROR usage: .+\n$/);
    t.regex(stderr, /^usage: agentd-launcher /);
  });
}

test('a pidfile that cannot be opened is a launcher system error (exit 4)', async (t) => {
  const { code, stdout } = await run(['--pidfile', '/nonexistent/dir/agentd.pid', '--', '/bin/true']).done;
  t.is(code, 4);
  t.regex(stdout, /^ERROR launcher: cannot open the pidfile: No such file or directory \(errno 2\)\n$/);
});
