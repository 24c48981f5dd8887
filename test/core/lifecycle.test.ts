import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { startDaemon } from '../../src/cli/daemon-control.js';
import { lockHolder } from '../../src/native/addon.js';
import { homePaths } from '../../src/home/index.js';
import { startTestDaemon, waitGone, writeConfig } from '../helpers/daemon.js';
import { tempHome } from '../helpers/home.js';
import { ancestors, procInfo, processesMentioning, waitUntil } from '../helpers/proc.js';

const noPlugins = { plugins: {} };

test('the core is a proper daemon: reparented, own session but not its leader, no tty, cwd /, stdin /dev/null', async (t) => {
  const d = await startTestDaemon(t, { config: noPlugins });
  const info = procInfo(d.pid)!;
  t.truthy(info);
  t.not(info.ppid, process.pid, 'the test process is not its parent');
  t.true(info.ppid === 1 || ancestors(process.pid).includes(info.ppid), `reparented to init or the nearest subreaper above us, not ${info.ppid}`);
  t.not(info.sid, d.pid, 'not a session leader');
  t.not(info.sid, procInfo(process.pid)!.sid, 'not in the caller\'s session');
  t.is(info.ttyNr, 0, 'no controlling terminal');
  t.is(fs.readlinkSync(`/proc/${d.pid}/cwd`), '/');
  t.is(fs.readlinkSync(`/proc/${d.pid}/fd/0`), '/dev/null');
  t.is(fs.readFileSync(d.paths.pidfile, 'utf8').trim(), String(d.pid));
  t.is(lockHolder(d.paths.pidfile), d.pid);
  t.is(fs.statSync(d.paths.socket).mode & 0o777, 0o600);
  t.is(fs.statSync(d.home).mode & 0o777, 0o700);
});

test('a second start leaves exactly one core and says who runs', async (t) => {
  const d = await startTestDaemon(t, { config: noPlugins });
  const err = await t.throwsAsync(startDaemon({ home: d.home }));
  t.is((err as { code?: string }).code, 'E_ALREADY_RUNNING');
  t.regex(err!.message, new RegExp(`already running \\(pid ${d.pid}\\)`));
  t.is(lockHolder(d.paths.pidfile), d.pid);
  const client = await d.client();
  t.is((await client.call('daemon.status')).pid, d.pid);
});

test('kill -9 of the core leaves no stale lock or socket: the next start works', async (t) => {
  const d = await startTestDaemon(t, { config: noPlugins });
  process.kill(d.pid, 'SIGKILL');
  await waitUntil(() => lockHolder(d.paths.pidfile) === 0, 10_000, 'the lock to be released');
  t.true(fs.existsSync(d.paths.socket), 'the dead core left its socket file');
  const { pid } = await startDaemon({ home: d.home });
  t.not(pid, d.pid);
  const status = await (await d.client()).call('daemon.status');
  t.is(status.pid, pid);
});

test('stop leaves no process, socket or pidfile, and flushes the log', async (t) => {
  const d = await startTestDaemon(t, { config: noPlugins });
  await d.stop();
  await waitGone([d.pid]);
  t.false(fs.existsSync(d.paths.socket));
  t.false(fs.existsSync(d.paths.pidfile));
  t.is(lockHolder(d.paths.pidfile), 0);
  const lines = fs.readFileSync(d.paths.log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { message: string; reason?: string });
  t.is(lines.at(-1)?.message, 'agentd stopped');
  // Stopped over the socket, and the log says so (not "SIGTERM", as if someone had sent one).
  t.is(lines.find((l) => l.message === 'agentd stopping')?.reason, 'daemon.stop (ctl stop)');
});

test('a bad config is refused with the path of the bad field, and nothing is left running', async (t) => {
  const home = tempHome(t);
  writeConfig(home, { logs: { keep: -1 }, plugins: {} });
  const err = await t.throwsAsync(startDaemon({ home }));
  t.regex(err!.message, /logs\.keep: must be >= 0/);
  t.is((err as { code?: string }).code, 'E_CONFIG_INVALID', 'the code a reload would give, for scripts');
  t.is(lockHolder(homePaths(home).pidfile), 0);
  t.false(fs.existsSync(homePaths(home).socket));
  t.deepEqual(processesMentioning(home), []);
});

test('a config with an unknown field names it', async (t) => {
  const home = tempHome(t);
  writeConfig(home, { plugins: {}, plugin: {} });
  const err = await t.throwsAsync(startDaemon({ home }));
  t.regex(err!.message, /plugin: unknown field/);
});

test('a config that is not JSON says so, with the file', async (t) => {
  const home = tempHome(t);
  writeConfig(home, '{ "plugins": ');
  const err = await t.throwsAsync(startDaemon({ home }));
  t.regex(err!.message, /agentd\.config\.json: not valid JSON/);
});

test('a home whose socket path is too long is refused with a clear error', async (t) => {
  const base = tempHome(t);
  const home = path.join(base, 'x'.repeat(110 - base.length));
  const err = await t.throwsAsync(startDaemon({ home }));
  t.regex(err!.message, /socket path .* is \d+ bytes, over the OS limit of 107; use a shorter --home/);
  t.is(lockHolder(homePaths(home).pidfile), 0);
});
