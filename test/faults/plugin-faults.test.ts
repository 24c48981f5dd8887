import fs from 'node:fs';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { lockHolder } from '../../src/native/addon.js';
import { EventRecorder } from '../helpers/events.js';
import { fixture, markedProcesses, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { assertAllGone, assertDaemonHealthy, assertTickerIntact, tickerEntry } from '../helpers/faults.js';
import { isGone, procInfo, waitUntil } from '../helpers/proc.js';
import type { LogEntry } from '../../src/rpc/wire-types.js';

test('SIGSTOP of a plugin: the health check notices, the frozen process is taken down and replaced; SIGCONT after that changes nothing', async (t) => {
  const d = await startTestDaemon(t, {
    config: { plugins: { 'health-toggle': { module: fixture('health-toggle'), stopTimeout: '300ms', healthCheck: { interval: '100ms', timeout: '200ms', failures: 2 } }, 'log-ticker': tickerEntry } },
  });
  const client = await d.client();
  const events = await EventRecorder.attach(client);
  const before = (await client.call('plugins.list')).find((r) => r.plugin === 'health-toggle');
  const frozen = before!.pid!;
  process.kill(frozen, 'SIGSTOP');
  await waitUntil(() => procInfo(frozen)?.state === 'T', 10_000, 'the plugin to be stopped');
  const unhealthy = await events.next((e) => e.type === 'plugin.unhealthy');
  t.is(unhealthy.pid ?? null, frozen);
  t.regex(String(unhealthy['reason']), /no answer within 200 ms 2 times/);
  const from = events.events.indexOf(unhealthy);
  const exit = await events.next((e) => e.type === 'plugin.exit' && e.pid === frozen, 30_000, from);
  const running = await events.state('health-toggle', 'running', 30_000, from);
  t.not(running.pid, frozen);
  t.true(isGone(frozen), `the frozen process is gone (${exit['signal'] ?? `code ${exit['code']}`}): the stop sent it SIGCONT with SIGTERM, or SIGKILL`);
  // A SIGCONT from the operator now reaches nobody; the new process keeps running.
  try { process.kill(frozen, 'SIGCONT'); } catch { /* gone, as it should be */ }
  const after = (await client.call('plugins.list')).find((r) => r.plugin === 'health-toggle');
  t.is(after!.pid, running.pid ?? null);
  t.is(after!.state, 'running');
  t.is(after!.restarts, 1);
  await assertDaemonHealthy(t, d, { formerGroups: [frozen] });
  await assertTickerIntact(t, d, client);
});

test('a plugin that ignores SIGTERM: restart and daemon stop both end it with SIGKILL to its group after stopTimeout', async (t) => {
  const d = await startTestDaemon(t, { config: { plugins: { 'ignore-sigterm': { module: fixture('ignore-sigterm'), stopTimeout: '500ms' }, 'log-ticker': tickerEntry } } });
  const client = await d.client();
  const events = await EventRecorder.attach(client);
  const row = (await client.call('plugins.list')).find((r) => r.plugin === 'ignore-sigterm');
  const started = Date.now();
  const [restarted] = await client.call('plugins.restart', { name: 'ignore-sigterm' });
  t.is(restarted!.name, 'ignore-sigterm');
  const took = Date.now() - started;
  t.is(restarted!.state, 'running');
  t.not(restarted!.pid, row!.pid);
  const killed = await events.next((e) => e.type === 'plugin.killed');
  t.is(killed.pid, row!.pid);
  t.is((await events.next((e) => e.type === 'plugin.exit' && e.pid === row!.pid))['signal'], 'SIGKILL');
  t.true(took >= 500, `the restart waited for stopTimeout (${took} ms)`);
  await assertDaemonHealthy(t, d, { formerGroups: [row!.pid!] });
  await assertTickerIntact(t, d, client);
  // The whole daemon stops too, in about stopTimeout, leaving nothing behind.
  const stopping = Date.now();
  await d.stop();
  t.true(Date.now() - stopping < 10_000, `stopped in ${Date.now() - stopping} ms`);
  await assertAllGone(t, d.home, d.paths.pidfile);
  t.is(lockHolder(d.paths.pidfile), 0);
});

test('a plugin that forks a grandchild and exits: the grandchild goes with its group, the plugin is restarted', async (t) => {
  const d = await startTestDaemon(t, { config: { plugins: { 'fork-and-exit': { module: fixture('fork-and-exit') }, 'log-ticker': tickerEntry } } });
  const client = await d.client();
  const events = await EventRecorder.attach(client);
  const row = (await client.call('plugins.list')).find((r) => r.plugin === 'fork-and-exit');
  const { pid: grandchild } = await client.call<{ pid: number }>('fork-and-exit.grandchild');
  t.is(procInfo(grandchild)?.pgid, row!.pid ?? undefined, 'the grandchild is in the plugin\'s group');
  t.true(markedProcesses(d.home).includes(grandchild));
  const alive = (pid: number) => logHas(client, 'fork-and-exit', (l) => l.message === 'grandchild alive' && l['pid'] === pid, 50);
  // The grandchild writes into the plugin's stdout pipe, which the core reads.
  await waitUntil(() => alive(row!.pid!), 10_000, 'a line from the grandchild');
  const mark = events.mark;
  await client.call('fork-and-exit.exit');
  // The grandchild still holds the plugin's stdout: the exit must not wait for that pipe to close.
  const exit = await events.next((e) => e.type === 'plugin.exit' && e.pid === row!.pid, 30_000, mark);
  t.is(exit['code'], 3);
  const running = await events.state('fork-and-exit', 'running', 30_000, mark);
  t.not(running.pid, row!.pid);
  await waitUntil(() => isGone(grandchild), 10_000, 'the grandchild to be killed with its group');
  await waitUntil(() => logSays(client, 'fork-and-exit', `at exit, SIGKILL to what the plugin left running: ${grandchild} (node)`), 10_000, 'the kill, said in the plugin\'s log');
  await assertDaemonHealthy(t, d, { formerGroups: [row!.pid!] });
  // The same with kill -9 of the plugin: its new grandchild goes too.
  const { pid: second } = await client.call<{ pid: number }>('fork-and-exit.grandchild');
  const mark2 = events.mark;
  process.kill(running.pid!, 'SIGKILL');
  await events.state('fork-and-exit', 'running', 30_000, mark2);
  await waitUntil(() => isGone(second), 10_000, 'the second grandchild to be killed with its group');
  await assertDaemonHealthy(t, d, { formerGroups: [row!.pid!, running.pid!] });
  await assertTickerIntact(t, d, client);
});

test('a plugin over its memory limit is restarted with a plugin.memory-limit event', async (t) => {
  const d = await startTestDaemon(t, { config: { plugins: { 'hog-memory': { module: fixture('hog-memory'), memoryLimit: '200MB', stopTimeout: '2s' }, 'log-ticker': tickerEntry } } });
  const client = await d.client();
  const events = await EventRecorder.attach(client);
  const row = (await client.call('plugins.list')).find((r) => r.plugin === 'hog-memory');
  const grown = await client.call<{ rss: number }>('hog-memory.grow', { mb: 256 });
  t.true(grown.rss > 200 * 1024 * 1024, `the plugin holds ${Math.round(grown.rss / 1048576)} MiB`);
  const over = await events.next((e) => e.type === 'plugin.memory-limit');
  t.is(over.pid, row!.pid);
  t.regex(String(over['reason']), /memory [\d.]+ MiB over its limit of 190\.7 MiB/);
  const running = await events.state('hog-memory', 'running', 30_000, events.events.indexOf(over));
  t.not(running.pid, row!.pid);
  const after = (await client.call('plugins.list')).find((r) => r.plugin === 'hog-memory');
  t.is(after!.restarts, 1);
  t.true((after!.memory.rss ?? 0) < 200 * 1024 * 1024, 'the new process starts small');
  await waitUntil(() => isGone(row!.pid!), 10_000, 'the old process to be gone');
  await assertDaemonHealthy(t, d, { formerGroups: [row!.pid!] });
  await assertTickerIntact(t, d, client);
});

test('a plugin\'s memory and CPU count the processes it starts: a child over the memory limit restarts it', async (t) => {
  const d = await startTestDaemon(t, { config: { plugins: { 'hog-memory': { module: fixture('hog-memory'), memoryLimit: '200MB', stopTimeout: '2s' } } } });
  const client = await d.client();
  const events = await EventRecorder.attach(client);
  const row = async () => (await client.call('plugins.list')).find((r) => r.plugin === 'hog-memory')!;
  const first = await row();
  // CPU: an idle host, and a child keeping a core busy.
  const { pid: spinner } = await client.call<{ pid: number }>('hog-memory.spin-child');
  await waitUntil(async () => ((await row()).cpu ?? 0) > 5, 15_000, 'the busy child in the plugin\'s CPU');
  process.kill(spinner, 'SIGKILL');
  // Memory: the host stays small; a child takes 256 MiB.
  const { pid: hog } = await client.call<{ pid: number }>('hog-memory.grow-child', { mb: 256 });
  const over = await events.next((e) => e.type === 'plugin.memory-limit', 30_000);
  t.is(over.pid, first.pid);
  t.regex(String(over['reason']), /memory [\d.]+ MiB over its limit of 190\.7 MiB/);
  await events.state('hog-memory', 'running', 30_000, events.events.indexOf(over));
  t.not((await row()).pid, first.pid);
  await waitUntil(() => isGone(hog), 10_000, 'the child to go with the plugin');
  t.true(((await row()).memory.rss ?? 0) < 200 * 1024 * 1024, 'the new process starts small');
});

test('a grandchild that left the plugin\'s process group (setsid) still goes: on restart, on kill -9 of the plugin, on kill -9 of the core', async (t) => {
  const d = await startTestDaemon(t, { config: { plugins: { 'setsid-grandchild': { module: fixture('setsid-grandchild') } } } });
  const client = await d.client();
  const grandchild = async () => (await client.call<{ pid: number }>('setsid-grandchild.grandchild')).pid;
  const escaped = await grandchild();
  t.is(procInfo(escaped)?.sid, escaped, 'the grandchild leads a session of its own, outside the plugin\'s group');
  await assertGoesWithItsPlugin(t, d, 'setsid-grandchild', grandchild);
});

test('a daemon a plugin double-forked, with setsid and an empty environment, is adopted by its host, reaped there, and still goes: on restart, on kill -9 of the plugin, on kill -9 of the core', async (t) => {
  const d = await startTestDaemon(t, { config: { plugins: { 'daemonize-grandchild': { module: fixture('daemonize-grandchild') } } } });
  const client = await d.client();
  // Nothing marks these daemons as the test's: the teardown ends them by pid.
  const started: number[] = [];
  t.teardown(() => { for (const pid of started) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } });
  const daemonize = async (marker?: string) => {
    const { pid } = await client.call<{ pid: number }>('daemonize-grandchild.daemonize', marker ? { marker } : {});
    started.push(pid);
    return pid;
  };
  const escaped = await daemonize();
  const info = procInfo(escaped);
  t.is(info?.sid, escaped, 'the daemon leads a session of its own');
  t.is(info?.ppid, (await client.call('plugins.list'))[0]!.pid ?? undefined, 'its parent is the plugin host, which adopted it, not PID 1');
  t.false(markedProcesses(d.home).includes(escaped), 'its environment is empty');
  // One that ends by itself is reaped by the host: no zombie stays behind.
  process.kill(escaped, 'SIGTERM');
  await waitUntil(() => procInfo(escaped) === null, 10_000, 'the ended daemon to be reaped');
  // A stop gives it SIGTERM (it is outside the plugin's group) and waits for it to end.
  const marker = path.join(d.home, 'graceful');
  const graceful = await daemonize(marker);
  await waitUntil(() => fs.existsSync(marker) && fs.readFileSync(marker, 'utf8') === 'ready', 10_000, 'the daemon to handle SIGTERM');
  await client.call('plugins.stop', { name: 'daemonize-grandchild' });
  t.true(isGone(graceful), 'gone when the stop returns');
  t.is(fs.readFileSync(marker, 'utf8'), 'graceful', 'ended by SIGTERM, not SIGKILL');
  await waitUntil(() => logSays(client, 'daemonize-grandchild', `SIGTERM to what the plugin left running outside its process group: ${graceful} (node)`), 10_000, 'the SIGTERM, said in the plugin\'s log');
  await client.call('plugins.start', { name: 'daemonize-grandchild' });
  await assertGoesWithItsPlugin(t, d, 'daemonize-grandchild', () => daemonize());
});

/** Whether one of the last `lines` lines of `plugin`'s log (the core's, with null) matches. */
async function logHas(client: Client, plugin: string | null, match: (line: LogEntry) => boolean, lines = 200): Promise<boolean> {
  return (await client.call('logs.tail', plugin === null ? { lines } : { plugin, lines })).lines.some(match);
}

/** Whether one of the last 200 lines of `plugin`'s log contains `text`. */
function logSays(client: Client, plugin: string, text: string): Promise<boolean> {
  return logHas(client, plugin, (l) => String(l.message).includes(text));
}

type Client = Awaited<ReturnType<TestDaemon['client']>>;

/**
 * What `next()` starts in `plugin` (the only plugin of `d`) goes: with a restart, with kill -9 of
 * the plugin (reparented to the core, which kills and reaps it), with kill -9 of the core (the
 * orphaned host takes it down before it goes).
 */
async function assertGoesWithItsPlugin(t: ExecutionContext, d: TestDaemon, plugin: string, next: () => Promise<number>): Promise<void> {
  const client = await d.client();
  const events = await EventRecorder.attach(client);
  const host = async () => (await client.call('plugins.list'))[0]!.pid!;
  let pid = await next();
  await client.call('plugins.restart', { name: plugin });
  await waitUntil(() => isGone(pid), 10_000, `${pid} to go with a restart`);
  pid = await next();
  const killed = await host();
  const mark = events.mark;
  process.kill(killed, 'SIGKILL');
  await events.state(plugin, 'running', 30_000, mark);
  await waitUntil(() => procInfo(pid) === null, 10_000, `${pid} to be killed and reaped with a killed plugin`);
  await waitUntil(() => logHas(client, null, (l) => l.message === 'killed what a killed plugin host left running' && (l['processes'] as string[]).includes(`${pid} (node)`)), 10_000, 'the kill, said in the core\'s log');
  await assertDaemonHealthy(t, d, { formerGroups: [killed] });
  pid = await next();
  process.kill(d.pid, 'SIGKILL');
  await assertAllGone(t, d.home, d.paths.pidfile);
  await waitUntil(() => isGone(pid), 10_000, `${pid} to go with the orphaned host`);
}
