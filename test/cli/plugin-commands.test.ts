import test from 'ava';
import { ctl, ctlRunning } from '../helpers/cli.js';
import { fixture, startTestDaemon, writeConfig } from '../helpers/daemon.js';
import { waitUntil } from '../helpers/proc.js';

test('ctl plugins, plugins stop|start|restart, status table and reload', async (t) => {
  const d = await startTestDaemon(t, { config: { plugins: { forever: { module: fixture('forever') } } } });
  const h = ['--home', d.home];
  const list = await ctl(['plugins', ...h]);
  t.is(list.code, 0);
  t.regex(list.stdout, /^PLUGIN\s+STATE\s+PID\s+UPTIME\s+RESTARTS\s+RSS\s+CPU\s+LAST EXIT\nforever\s+running\s+\d+/);
  const json = JSON.parse((await ctl(['plugins', '--json', ...h])).stdout) as Array<{ name: string; state: string }>;
  t.deepEqual(json.map((p) => [p.name, p.state]), [['forever', 'running']]);
  // `plugins list` is the same listing (DESIGN: ctl plugins [list|start|stop|restart NAME]).
  const listed = await ctl(['plugins', 'list', ...h]);
  t.is(listed.code, 0, listed.stderr);
  t.regex(listed.stdout, /^PLUGIN\s+STATE\s+PID\s+UPTIME\s+RESTARTS\s+RSS\s+CPU\s+LAST EXIT\nforever\s+running\s+\d+/);
  const listedJson = JSON.parse((await ctl(['plugins', 'list', '--json', ...h])).stdout) as Array<{ name: string; state: string }>;
  t.deepEqual(listedJson.map((p) => [p.name, p.state]), [['forever', 'running']]);

  const stopped = await ctl(['plugins', 'stop', 'forever', ...h]);
  t.is(stopped.code, 0);
  t.is(stopped.stdout.trim(), 'forever: stopped');
  const status = await ctl(['status', ...h]);
  t.regex(status.stdout, /forever\s+stopped\s+-/);
  const started = await ctl(['plugins', 'start', 'forever', ...h]);
  t.regex(started.stdout, /^forever: running \(pid \d+\)/);
  const restarted = await ctl(['plugins', 'restart', 'forever', ...h]);
  t.regex(restarted.stdout, /^forever: running \(pid \d+\)/);
  t.not(started.stdout, restarted.stdout, 'a new pid');

  writeConfig(d.home, { plugins: { forever: { module: fixture('forever') }, 'slow-stop': { module: fixture('slow-stop') } } });
  const reload = await ctl(['reload', ...h]);
  t.is(reload.code, 0, reload.stderr);
  t.regex(reload.stdout, /added: slow-stop; removed: -; changed: -; unchanged: forever/);
});

test('ctl logs tails a plugin log and follows until Ctrl-C', async (t) => {
  const d = await startTestDaemon(t, { config: { plugins: { 'log-burst': { module: fixture('log-burst') } } } });
  const client = await d.client();
  const { run } = await client.call<{ run: number }>('log-burst.burst', { count: 3, stream: 'log' });
  const tail = await ctl(['logs', 'log-burst', '-n', '2', '--home', d.home]);
  t.is(tail.code, 0);
  t.regex(tail.stdout, new RegExp(`log-burst\\[\\d+\\] info burst ${run} 1\\n.*log-burst\\[\\d+\\] info burst ${run} 2\\n$`));

  // One line of history: once it is printed, the follower's subscription exists (logs.follow
  // subscribes before it reads the history), so the burst below cannot come before it.
  const follower = ctlRunning(t, ['logs', 'log-burst', '-f', '-n', '1', '--json', '--home', d.home]);
  const printed = () => follower.stdout.split('\n').filter(Boolean).length;
  await waitUntil(() => printed() >= 1, 20_000, 'the follower to print its history');
  const next = await client.call<{ run: number }>('log-burst.burst', { count: 2, stream: 'stdout' });
  await waitUntil(() => printed() >= 3, 20_000, 'the follower to print the burst');
  follower.child.kill('SIGINT');
  t.is(await follower.exited, 0, 'Ctrl-C ends the follow cleanly');
  const lines = follower.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { message: string; stream: string });
  t.deepEqual(lines.map((l) => `${l.stream} ${l.message}`), [`log burst ${run} 2`, `stdout burst ${next.run} 0`, `stdout burst ${next.run} 1`]);
});

test('ctl logs -f says so when the daemon ends the stream, and exits 1', async (t) => {
  const d = await startTestDaemon(t, { config: { plugins: { 'log-burst': { module: fixture('log-burst') } } } });
  const client = await d.client();
  await client.call('log-burst.burst', { count: 1, stream: 'log' });
  const follower = ctlRunning(t, ['logs', 'log-burst', '-f', '-n', '1', '--home', d.home]);
  await waitUntil(() => follower.stdout.includes('burst'), 20_000, 'the follower to print its history');
  await d.stop();
  t.is(await follower.exited, 1);
  t.is(follower.stderr, 'ctl: connection to agentd closed by the daemon: no more lines to follow; check `ctl status` and agentd.log\n');
});

test('ctl logs -f ends quietly, exit 0, once the reader of its output is gone (| head -1)', async (t) => {
  const d = await startTestDaemon(t, { config: { plugins: { 'log-burst': { module: fixture('log-burst') } } } });
  const client = await d.client();
  await client.call('log-burst.burst', { count: 1, stream: 'log' });
  const follower = ctlRunning(t, ['logs', 'log-burst', '-f', '-n', '1', '--home', d.home]);
  // As `head -1` does: read the first line, then close the pipe.
  await waitUntil(() => follower.stdout.length > 0, 20_000, 'the follower to print its history');
  follower.child.stdout!.destroy();
  // The next lines it writes meet EPIPE; until now it followed on, writing to nobody.
  await client.call('log-burst.burst', { count: 10, stream: 'stdout' });
  t.is(await follower.exited, 0);
  t.is(follower.stderr, '');
});

test('ctl logs -f ends, exit 0, when its reader goes away with no new line to write (| grep -m1)', async (t) => {
  const d = await startTestDaemon(t, { config: { plugins: { 'log-burst': { module: fixture('log-burst') } } } });
  await (await d.client()).call('log-burst.burst', { count: 1, stream: 'log' });
  const follower = ctlRunning(t, ['logs', 'log-burst', '-f', '-n', '1', '--home', d.home]);
  await waitUntil(() => follower.stdout.length > 0, 20_000, 'the follower to print its history');
  // Nothing more is logged: it once followed on until the next line, which may never come.
  follower.child.stdout!.destroy();
  t.is(await follower.exited, 0);
  t.is(follower.stderr, '');
});

test('ctl logs NAME still reads the log of a plugin removed from the config', async (t) => {
  const d = await startTestDaemon(t, { config: { plugins: { 'log-burst': { module: fixture('log-burst') } } } });
  const client = await d.client();
  const { run } = await client.call<{ run: number }>('log-burst.burst', { count: 1, stream: 'log' });
  writeConfig(d.home, { plugins: {} });
  t.deepEqual((await client.call('daemon.reload')).removed, ['log-burst']);
  const tail = await ctl(['logs', 'log-burst', '-n', '50', '--home', d.home]);
  t.is(tail.code, 0, tail.stderr);
  t.regex(tail.stdout, new RegExp(`burst ${run} 0`));
  // A name with neither a plugin nor a log is still an error.
  const none = await ctl(['logs', 'nosuch', '--home', d.home]);
  t.is(none.code, 1, none.stderr);
  t.regex(none.stderr, /no plugin named "nosuch"/);
});

test('ctl logs -f NAME of a plugin a reload removes says so on stderr and keeps following; its lines come again when it is back', async (t) => {
  const config = { plugins: { 'log-burst': { module: fixture('log-burst') } } };
  const d = await startTestDaemon(t, { config });
  const client = await d.client();
  await client.call('log-burst.burst', { count: 1, stream: 'log' });
  const follower = ctlRunning(t, ['logs', 'log-burst', '-f', '-n', '1', '--home', d.home]);
  await waitUntil(() => follower.stdout.includes('burst'), 20_000, 'the follower to print its history');
  writeConfig(d.home, { plugins: {} });
  t.deepEqual((await client.call('daemon.reload')).removed, ['log-burst']);
  await waitUntil(() => follower.stderr !== '', 20_000, 'the follower to say the plugin was removed');
  t.is(follower.stderr, 'ctl: log-burst was removed from the config (ctl reload); following its log in case it comes back\n');
  // As journalctl -f -u does for a unit: the plugin back, its lines come again.
  writeConfig(d.home, config);
  t.deepEqual((await client.call('daemon.reload')).added, ['log-burst']);
  // Its run count starts again at 1: line 2 of the run was not in the history (one line, `burst 1 0`).
  const { run } = await client.call<{ run: number }>('log-burst.burst', { count: 3, stream: 'log' });
  await waitUntil(() => follower.stdout.includes(`burst ${run} 2`), 20_000, 'the follower to print the lines of the plugin back');
  t.regex(follower.stderr, /\nctl: log-burst is in the config again\n$/);
  follower.child.kill('SIGINT');
  t.is(await follower.exited, 0);
});

test('ctl plugins start of an unknown plugin names the known ones', async (t) => {
  const d = await startTestDaemon(t, { config: { plugins: { forever: { module: fixture('forever') } } } });
  const r = await ctl(['plugins', 'restart', 'forevr', '--home', d.home]);
  t.is(r.code, 1);
  t.is(r.stderr.trim(), 'ctl: no plugin named "forevr"; known: forever');
});

test('ctl rpc to a method of a stopped plugin says the plugin is stopped and how to start it', async (t) => {
  const d = await startTestDaemon(t, { config: { plugins: { forever: { module: fixture('forever') }, 'crash-on-start': { module: fixture('crash-on-start'), enabled: false } } } });
  const h = ['--home', d.home];
  t.is((await ctl(['plugins', 'stop', 'forever', ...h])).code, 0);
  const r = await ctl(['rpc', 'forever.ping', ...h]);
  t.is(r.code, 1);
  t.is(r.stderr.trim(), 'ctl: plugin forever is stopped, not running; `ctl plugins start forever` starts it');
  const disabled = await ctl(['rpc', 'crash-on-start.anything', ...h]);
  t.is(disabled.stderr.trim(), 'ctl: plugin crash-on-start is stopped, not running; `ctl plugins start crash-on-start` starts it');
  const unknown = await ctl(['rpc', 'nosuch.ping', ...h]);
  t.is(unknown.code, 2, 'a namespace that is no plugin is still "method not found"');
  t.regex(unknown.stderr, /method not found: nosuch\.ping/);
});

test('ctl plugins stop of a plugin that ignores SIGTERM says it was killed at its stop timeout, and still exits 0', async (t) => {
  const d = await startTestDaemon(t, { config: { plugins: { 'ignore-sigterm': { module: fixture('ignore-sigterm'), stopTimeout: '300ms' } } } });
  const stopped = await ctl(['plugins', 'stop', 'ignore-sigterm', '--home', d.home]);
  t.is(stopped.code, 0, stopped.stderr);
  t.is(stopped.stdout.trim(), 'ignore-sigterm: stopped — killed with SIGKILL at its stop timeout: it did not exit in time after SIGTERM; see `ctl logs ignore-sigterm`');
  // Started again and stopped by nobody: an old kill is not this action's.
  const started = await ctl(['plugins', 'start', 'ignore-sigterm', '--home', d.home]);
  t.regex(started.stdout, /^ignore-sigterm: running \(pid \d+\)$/m);
  const restarted = await ctl(['plugins', 'restart', 'ignore-sigterm', '--home', d.home]);
  t.regex(restarted.stdout, /^ignore-sigterm: running \(pid \d+\) — its old process was killed with SIGKILL at its stop timeout/m);
});
