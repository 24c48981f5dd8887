import test from 'ava';
import type { AgentdClient } from '../../src/client/index.js';
import { fixture, startTestDaemon, writeConfig } from '../helpers/daemon.js';

type EchoSettings = { greeting: string };
const echo = (instances: number, config: EchoSettings) => ({ plugins: { 'http-echo': { module: fixture('http-echo'), instances, config } } });

async function greetings(client: AgentdClient, instances: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < instances; i++) out.push((await client.call<{ config: EchoSettings }>(`http-echo#${i}.settings`)).config.greeting);
  return out;
}

for (const first of ['scale', 'reload'] as const) {
  test(`a ${first} started first, the other at once: a reload that leaves instances alone keeps the scale, on the new settings`, async (t) => {
    const d = await startTestDaemon(t, { config: echo(1, { greeting: 'old' }) });
    const client = await d.client();
    writeConfig(d.home, echo(1, { greeting: 'new' }));
    const scale = () => client.call('plugins.scale', { name: 'http-echo', instances: 3 });
    const reload = () => client.call('daemon.reload');
    const [a, b] = first === 'scale' ? [scale(), reload()] : [reload(), scale()];
    await Promise.all([a, b]);
    t.deepEqual((await client.call('plugins.list')).map((r) => r.state), ['running', 'running', 'running']);
    t.deepEqual(await greetings(client, 3), ['new', 'new', 'new']);
  });
}

test('a reload that changes the file\'s instances at the same time as a scale ends on one of the two counts, every instance running', async (t) => {
  const d = await startTestDaemon(t, { config: echo(1, { greeting: 'old' }) });
  const client = await d.client();
  writeConfig(d.home, echo(2, { greeting: 'new' }));
  const scale = client.call('plugins.scale', { name: 'http-echo', instances: 4 });
  const reload = client.call('daemon.reload');
  await Promise.all([scale, reload]);
  const rows = await client.call('plugins.list');
  t.true([2, 4].includes(rows.length), `instances: ${rows.length}`);
  t.true(rows.every((r) => r.state === 'running'), JSON.stringify(rows.map((r) => r.state)));
  t.true((await greetings(client, rows.length)).every((g) => g === 'new'));
});

test('a later reload that changes another setting keeps an earlier scale', async (t) => {
  const d = await startTestDaemon(t, { config: echo(1, { greeting: 'old' }) });
  const client = await d.client();
  await client.call('plugins.scale', { name: 'http-echo', instances: 2 });
  writeConfig(d.home, echo(1, { greeting: 'new' }));
  await client.call('daemon.reload');
  t.deepEqual((await client.call('plugins.list')).map((r) => r.state), ['running', 'running']);
  t.deepEqual(await greetings(client, 2), ['new', 'new']);
});
