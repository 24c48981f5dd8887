import http from 'node:http';
import test from 'ava';
import { fixture, startTestDaemon, writeConfig } from '../helpers/daemon.js';
import { httpLoad, untilServed } from '../helpers/http-load.js';
import { EventRecorder } from '../helpers/events.js';
import { isGone } from '../helpers/proc.js';

test('a reload that changes only instances scales: the instances that stay keep their processes', async (t) => {
  const config = (instances: number) => ({ plugins: { 'http-echo': { module: fixture('http-echo'), instances } } });
  const d = await startTestDaemon(t, { config: config(2) });
  const client = await d.client();
  const before = (await client.call('plugins.list')).map((r) => r.pid!);
  const { port } = await client.call<{ port: number }>('http-echo.address');
  const load = httpLoad(port, 4, 20_000);
  await untilServed(load, 20);

  writeConfig(d.home, config(3));
  await client.call('daemon.reload');
  const up = await client.call('plugins.list');
  t.deepEqual(up.map((r) => [r.name, r.state]), [['http-echo#0', 'running'], ['http-echo#1', 'running'], ['http-echo#2', 'running']]);
  t.deepEqual(up.slice(0, 2).map((r) => r.pid), before, '#0 and #1 were not restarted');

  writeConfig(d.home, config(1));
  await client.call('daemon.reload');
  const down = await client.call('plugins.list');
  t.deepEqual(down.map((r) => [r.name, r.state, r.pid]), [['http-echo', 'running', before[0]]]);
  t.true([before[1]!, up[2]!.pid!].every(isGone), 'the surplus processes stopped');

  const served = load.peek().ok;
  await untilServed(load, served + 20);
  const result = await load.stop();
  t.is(result.failed, 0, result.errors.slice(0, 5).join(', '));
});

/** The x-greeting header of `n` requests in a row (each on a fresh connection). */
async function greetings(port: number, n: number): Promise<string[]> {
  const one = () => new Promise<string>((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(String(res.headers['x-greeting'])));
    }).on('error', reject);
  });
  const seen: string[] = [];
  for (let i = 0; i < n; i++) seen.push(await one());
  return seen;
}

const rollsConfig = test.macro(async (t, from: number, to: number) => {
  const config = (greeting: string, instances: number) => ({ plugins: { 'http-echo': { module: fixture('http-echo'), instances, config: { greeting } } } });
  const d = await startTestDaemon(t, { config: config('old', from) });
  const client = await d.client();
  const before = (await client.call('plugins.list')).map((r) => r.pid!);
  const { port } = await client.call<{ port: number }>('http-echo.address');
  const load = httpLoad(port, 4, 20_000);
  await untilServed(load, 20);

  const events = await EventRecorder.attach(client, ['plugin.']);
  writeConfig(d.home, config('new', to));
  t.deepEqual((await client.call('daemon.reload')).changed, ['http-echo']);
  // The listening socket's backlog would hide a gap from the load: the events show there was none.
  const replaced = events.events.filter((e) => e.type === 'plugin.replaced');
  t.deepEqual(replaced.map((e) => [e.instance, e['oldPid']]), before.slice(0, to).map((pid, i) => [i, pid]), 'each staying instance was replaced, new process first');
  const left = events.events.filter((e) => e.type === 'plugin.state' && e.from === 'running' && (e.instance ?? 0) < to);
  t.deepEqual(left, [], 'no staying instance left running');
  const after = await client.call('plugins.list');
  t.deepEqual(after.map((r) => r.state), Array<string>(to).fill('running'));
  t.false(after.some((r) => before.includes(r.pid!)), 'every instance runs a new process');
  t.true(before.every(isGone), 'the old processes stopped');

  const served = load.peek().ok;
  await untilServed(load, served + 20);
  const result = await load.stop();
  t.is(result.failed, 0, result.errors.slice(0, 5).join(', '));
  t.deepEqual([...new Set(await greetings(port, 10))], ['new']);
});

test('a reload that changes the config of a plugin with 2 instances rolls it: zero failed requests, new pids, the new config served', rollsConfig, 2, 2);
test('a reload that changes the config of a single-instance plugin starts the new process before the old one stops: zero failed requests', rollsConfig, 1, 1);
test('a reload that changes both the config and instances rolls the ones that stay, then scales', rollsConfig, 3, 2);

test('a reload whose new config fails on the second instance puts the first back on the old config: all or nothing, serving throughout', async (t) => {
  const config = (greeting: string, failInstance = -1) => ({ plugins: { 'http-echo': { module: fixture('http-echo'), instances: 2, config: { greeting, failInstance } } } });
  const d = await startTestDaemon(t, { config: config('old') });
  const client = await d.client();
  const before = (await client.call('plugins.list')).map((r) => r.pid!);
  const { port } = await client.call<{ port: number }>('http-echo.address');
  const load = httpLoad(port, 4, 20_000);
  await untilServed(load, 20);

  writeConfig(d.home, config('new', 1));
  const error = await t.throwsAsync(client.call('daemon.reload'));
  t.is((error as { code?: string }).code, 'E_PLUGIN_SETTINGS_KEPT');
  t.regex(error!.message, /^http-echo keeps its previous settings, which still serve: the new ones did not start \(.*instance 1 refuses to start.*\)/);
  // A script learns from the error what the reload did, and which plugin kept its settings.
  t.like((error as { data?: { reload?: unknown } }).data?.reload, { changed: [], kept: ['http-echo'] });
  const after = await client.call('plugins.list');
  t.deepEqual(after.map((r) => r.state), ['running', 'running']);
  t.not(after[0]!.pid, before[0]!, '#0 was replaced, then put back');
  t.is(after[1]!.pid, before[1]!, '#1 kept its process');

  const served = load.peek().ok;
  await untilServed(load, served + 20);
  const result = await load.stop();
  t.is(result.failed, 0, result.errors.slice(0, 5).join(', '));
  t.deepEqual([...new Set(await greetings(port, 10))], ['old']);
});
