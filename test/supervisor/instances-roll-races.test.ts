import fs from 'node:fs';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import type { AgentdClient } from '../../src/client/index.js';
import { fixture, markedProcesses, startTestDaemon, writeConfig } from '../helpers/daemon.js';
import { EventRecorder } from '../helpers/events.js';
import { freePort, refused } from '../helpers/ports.js';
import { isGone, waitUntil } from '../helpers/proc.js';

type EchoSettings = { greeting: string; port?: number; holdWhileExists?: string; failIfExists?: string; failInstance?: number };
const echo = (instances: number, config: EchoSettings) => ({ plugins: { 'http-echo': { module: fixture('http-echo'), instances, config } } });

/** What each running instance says it runs: its greeting, by instance. */
async function greetings(client: AgentdClient, instances: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < instances; i++) out.push((await client.call<{ config: EchoSettings }>(`http-echo#${i}.settings`)).config.greeting);
  return out;
}

/** Every plugin process of the daemon is one that plugins.list shows (the spare host aside). */
async function onlyListed(t: ExecutionContext, client: AgentdClient, home: string, core: number): Promise<void> {
  const listed = new Set((await client.call('plugins.list')).map((r) => r.pid));
  const spares = markedProcesses(home).filter((pid) => pid !== core && !listed.has(pid));
  // A spare host has loaded no plugin: it answers no method, and there is at most one.
  t.true(spares.length <= 1, `unlisted plugin processes: ${spares.join(', ')}`);
}

test('a config change while an instance is still starting replaces that instance once it is up: it runs the new settings, not the old ones it started with', async (t) => {
  const d = await startTestDaemon(t, { config: echo(2, { greeting: 'old' }) });
  const hold = path.join(d.home, 'hold');
  writeConfig(d.home, echo(2, { greeting: 'old', holdWhileExists: hold }));
  const client = await d.client();
  await client.call('daemon.reload');
  const events = await EventRecorder.attach(client, ['plugin.']);
  fs.writeFileSync(hold, '');
  const rows = await client.call('plugins.list');
  // #1 crashes, and its restart (old settings) holds in start.
  process.kill(rows[1]!.pid!, 'SIGKILL');
  await events.next((e) => e.type === 'plugin.state' && e.instance === 1 && e.to === 'starting', 10_000);

  writeConfig(d.home, echo(2, { greeting: 'new' }));
  const reload = client.call('daemon.reload');
  reload.catch(() => {});
  // Once #0's old process is gone, the roll has moved on to #1, which is still in its start.
  await events.next((e) => e.type === 'plugin.exit' && e.instance === 0 && e.pid === rows[0]!.pid, 10_000);
  t.is((await client.call('plugins.list'))[1]!.state, 'starting');
  fs.rmSync(hold);
  t.deepEqual((await reload).changed, ['http-echo']);

  const after = await client.call('plugins.list');
  t.deepEqual(after.map((r) => r.state), ['running', 'running']);
  t.deepEqual(await greetings(client, 2), ['new', 'new']);
  await onlyListed(t, client, d.home, d.pid);
});

test('when the previous settings cannot come back on an instance already rolled, it is restarted on them, not left on the new ones, and the error says it is down', async (t) => {
  const d = await startTestDaemon(t, { config: { plugins: { 'http-echo': { ...echo(2, { greeting: 'old' }).plugins['http-echo'], backoff: { initial: '50ms', max: '100ms' } } } } });
  const gone = path.join(d.home, 'gone');
  const withBackoff = (config: EchoSettings) => ({ plugins: { 'http-echo': { ...echo(2, config).plugins['http-echo'], backoff: { initial: '50ms', max: '100ms' } } } });
  writeConfig(d.home, withBackoff({ greeting: 'old', failIfExists: gone }));
  const client = await d.client();
  await client.call('daemon.reload');
  const events = await EventRecorder.attach(client, ['plugin.']);
  // The old settings now fail anywhere they start again, and the new ones fail on #1.
  fs.writeFileSync(gone, '');
  writeConfig(d.home, withBackoff({ greeting: 'new', failInstance: 1 }));
  const error = await t.throwsAsync(client.call('daemon.reload'));
  t.is((error as { code?: string }).code, 'E_PLUGIN_SETTINGS_KEPT');
  t.regex(error!.message, /^http-echo keeps its previous settings, but http-echo#0 is not running: the new ones did not start \(.*instance 1 refuses to start.*\)/);
  t.is((await client.call('plugins.list'))[1]!.state, 'running');
  t.deepEqual((await client.call<{ config: EchoSettings }>('http-echo#1.settings')).config.greeting, 'old');
  const r0 = (await client.call('plugins.list'))[0]!;
  t.not(r0.state, 'running', `#0 does not serve the new settings: ${JSON.stringify(r0)}`);

  // Its restart policy brings it back, on the settings the daemon claims, once they can start.
  const mark = events.mark;
  fs.rmSync(gone);
  await events.next((e) => e.type === 'plugin.state' && e.instance === 0 && e.to === 'running', 10_000, mark);
  t.deepEqual(await greetings(client, 2), ['old', 'old']);
  await onlyListed(t, client, d.home, d.pid);
});

test('an old process that dies while a config change rolls: the error does not claim that the previous settings still serve', async (t) => {
  const slowBackoff = (config: EchoSettings) => ({ plugins: { 'http-echo': { ...echo(2, config).plugins['http-echo'], backoff: { initial: '20s', max: '30s' } } } });
  const d = await startTestDaemon(t, { config: slowBackoff({ greeting: 'old' }) });
  const client = await d.client();
  const rows = await client.call('plugins.list');
  const events = await EventRecorder.attach(client, ['plugin.']);
  writeConfig(d.home, slowBackoff({ greeting: 'new', failInstance: 1 }));
  const reload = client.call('daemon.reload');
  reload.catch(() => {});
  await events.next((e) => e.type === 'plugin.replaced' && e.instance === 0, 10_000);
  process.kill(rows[1]!.pid!, 'SIGKILL');
  const error = await t.throwsAsync(reload);
  t.is((error as { code?: string }).code, 'E_PLUGIN_SETTINGS_KEPT');
  t.regex(error!.message, /^http-echo keeps its previous settings, but http-echo#1 is not running: /);
  t.is((await client.call('plugins.list'))[1]!.state, 'backoff');

  // Started again, it runs the settings the daemon kept.
  await client.call('plugins.start', { name: 'http-echo' });
  t.deepEqual(await greetings(client, 2), ['old', 'old']);
  await onlyListed(t, client, d.home, d.pid);
});

/**
 * Two instances on greeting old, and a reload to greeting new in flight: #0's new process holds in
 * its start (pid `booting`) until `hold` is removed; `more` is added to the new settings.
 */
async function rollingHeld(t: ExecutionContext, more: Partial<EchoSettings> = {}) {
  const d = await startTestDaemon(t, { config: echo(2, { greeting: 'old' }) });
  const hold = path.join(d.home, 'hold');
  const client = await d.client();
  const before = (await client.call('plugins.list')).map((r) => r.pid!);
  fs.writeFileSync(hold, '');
  writeConfig(d.home, echo(2, { greeting: 'new', holdWhileExists: hold, ...more }));
  const reload = client.call('daemon.reload');
  reload.catch(() => {});
  await waitUntil(() => fs.existsSync(`${hold}.held`), 10_000, "#0's new process to hold in its start");
  return { d, client, hold, reload, before, booting: Number(fs.readFileSync(`${hold}.held`, 'utf8')) };
}

test('plugins.stop while a config change rolls: the reload stands, the stopped plugin takes the new settings, and nothing it booted is left', async (t) => {
  const { d, client, hold, reload, booting } = await rollingHeld(t);
  const stopped = await client.call('plugins.stop', { name: 'http-echo' });
  t.deepEqual(stopped.map((r) => [r.state, r.pid]), [['stopped', null], ['stopped', null]]);
  t.deepEqual((await reload).changed, ['http-echo']);
  t.true(isGone(booting), 'the process booting the new settings was stopped');

  fs.rmSync(hold);
  await client.call('plugins.start', { name: 'http-echo' });
  t.deepEqual(await greetings(client, 2), ['new', 'new']);
  await onlyListed(t, client, d.home, d.pid);
});

test('plugins.restart while a config change rolls: the reload stands and every instance restarts on the new settings', async (t) => {
  const { d, client, hold, reload, booting, before } = await rollingHeld(t);
  const restart = client.call('plugins.restart', { name: 'http-echo' });
  restart.catch(() => {});
  await waitUntil(() => [booting, ...before].every(isGone), 10_000, 'the restart to stop every process');
  fs.rmSync(hold);
  t.deepEqual((await restart).map((r) => r.state), ['running', 'running']);
  t.deepEqual((await reload).changed, ['http-echo']);
  t.deepEqual((await client.call('plugins.list')).map((r) => r.state), ['running', 'running']);
  t.deepEqual(await greetings(client, 2), ['new', 'new']);
  await onlyListed(t, client, d.home, d.pid);
});

test('an instance a scale adds while a config change rolls goes back to the previous settings with the rest when the change fails', async (t) => {
  const { d, client, hold, reload } = await rollingHeld(t, { failInstance: 1 });
  // #2 starts on the new settings, and holds too, until the hold goes.
  const scale = client.call('plugins.scale', { name: 'http-echo', instances: 3 });
  scale.catch(() => {});
  await waitUntil(async () => (await client.call('plugins.list')).length === 3, 10_000, 'the scale to add #2');
  fs.rmSync(hold);
  await scale;
  const error = await t.throwsAsync(reload);
  t.is((error as { code?: string }).code, 'E_PLUGIN_SETTINGS_KEPT');
  t.deepEqual((await client.call('plugins.list')).map((r) => r.state), ['running', 'running', 'running']);
  t.deepEqual(await greetings(client, 3), ['old', 'old', 'old']);
  await onlyListed(t, client, d.home, d.pid);
});

test('a port change that fails on a later instance and is rolled back leaves the new port closed and the old one serving', async (t) => {
  const [oldPort, newPort] = [await freePort(), await freePort()];
  const d = await startTestDaemon(t, { config: echo(2, { greeting: 'old', port: oldPort }) });
  const client = await d.client();
  writeConfig(d.home, echo(2, { greeting: 'new', port: newPort, failInstance: 1 }));
  const error = await t.throwsAsync(client.call('daemon.reload'));
  t.is((error as { code?: string }).code, 'E_PLUGIN_SETTINGS_KEPT');
  t.deepEqual(await greetings(client, 2), ['old', 'old']);
  t.true(await refused(newPort), 'nothing is left listening on the port of the settings rolled back');
  t.false(await refused(oldPort));
  await onlyListed(t, client, d.home, d.pid);
});
