import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import type { AgentdClient } from '../../src/client/index.js';
import { fixture, markedProcesses, startTestDaemon, writeConfig } from '../helpers/daemon.js';
import { EventRecorder } from '../helpers/events.js';

type EchoSettings = { greeting: string; holdWhileExists?: string; failIfExists?: string; failInstance?: number };
const echo = (instances: number, config: EchoSettings) => ({ plugins: { 'http-echo': { module: fixture('http-echo'), instances, config } } });

/** What each running instance says it runs: its greeting, by instance. */
async function greetings(client: AgentdClient, instances: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < instances; i++) out.push((await client.call<{ config: EchoSettings }>(`http-echo#${i}.settings`)).config.greeting);
  return out;
}

/** Every plugin process of the daemon is one that plugins.list shows (the spare host aside). */
async function onlyListed(t: import('ava').ExecutionContext, client: AgentdClient, home: string, core: number): Promise<void> {
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
