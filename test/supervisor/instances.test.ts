import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { EventRecorder } from '../helpers/events.js';
import { fixture, startTestDaemon } from '../helpers/daemon.js';
import { httpLoad, untilServed } from '../helpers/http-load.js';
import { ctl } from '../helpers/cli.js';
import { tempHome } from '../helpers/home.js';
import { isGone, waitUntil } from '../helpers/proc.js';

test('instances share one port, listed as name#N', async (t) => {
  const d = await startTestDaemon(t, { config: { plugins: { 'http-echo': { module: fixture('http-echo'), instances: 2 } } } });
  const client = await d.client();
  const rows = await client.call('plugins.list');
  t.deepEqual(rows.map((r) => [r.name, r.state]), [['http-echo#0', 'running'], ['http-echo#1', 'running']]);
  t.not(rows[0]!.pid, rows[1]!.pid);
  const { port } = await client.call<{ port: number }>('http-echo.address');
  const load = httpLoad(port, 8);
  // Both processes accept on the shared socket: wait until each has answered.
  await waitUntil(() => rows.every((r) => (load.peek().byPid.get(String(r.pid)) ?? 0) > 0), 30_000, 'both instances to answer');
  const result = await load.stop();
  t.is(result.failed, 0, result.errors.slice(0, 5).join(', '));
});

test('plugins.reload replaces every instance one by one with zero failed requests under load', async (t) => {
  const d = await startTestDaemon(t, { config: { plugins: { 'http-echo': { module: fixture('http-echo'), instances: 2 } } } });
  const client = await d.client();
  const events = await EventRecorder.attach(client);
  const before = (await client.call('plugins.list')).map((r) => r.pid!);
  const { port } = await client.call<{ port: number }>('http-echo.address');
  const load = httpLoad(port, 8);
  await untilServed(load, 50);
  const rows = await client.call('plugins.reload', { name: 'http-echo' });
  const servedDuring = load.peek().ok;
  await untilServed(load, servedDuring + 50);
  const result = await load.stop();
  t.is(result.failed, 0, result.errors.slice(0, 5).join(', '));
  t.deepEqual(rows.map((r) => r.state), ['running', 'running']);
  for (const pid of rows.map((r) => r.pid)) t.false(before.includes(pid!), 'every instance has a new process');
  t.true(before.every(isGone), 'the old processes stopped');
  const replaced = events.events.filter((e) => e.type === 'plugin.replaced');
  t.deepEqual(replaced.map((e) => e.instance), [0, 1], 'one at a time, in order');
  // The replaced processes' exits are events too.
  for (const pid of before) await t.notThrowsAsync(events.next((e) => e.type === 'plugin.exit' && e.pid === pid, 10_000), `plugin.exit of ${pid}`);
  t.true(rows.every((r) => result.byPid.has(String(r.pid))), 'the new processes served');
});

test('plugins.reload keeps the old process when the new one fails to start', async (t) => {
  const home = tempHome(t);
  const file = path.join(home, 'http-echo.ts');
  const source = fs.readFileSync(fixture('http-echo'), 'utf8');
  fs.writeFileSync(file, source);
  const d = await startTestDaemon(t, { home, config: { plugins: { 'http-echo': { module: './http-echo.ts' } } } });
  const client = await d.client();
  const [before] = await client.call('plugins.list');
  const { port } = await client.call<{ port: number }>('http-echo.address');
  fs.writeFileSync(file, `${source}\nexport const broken = ;\n`);
  const err = await t.throwsAsync(client.call('plugins.reload', { name: 'http-echo' }));
  t.regex(err!.message, /cannot load module/);
  const [after] = await client.call('plugins.list');
  t.deepEqual([after!.pid, after!.state], [before!.pid, 'running'], 'the old process still runs');
  const load = httpLoad(port, 2);
  await untilServed(load, 5);
  t.is((await load.stop()).failed, 0, 'and still serves');
});

test('plugins.reload of a stopped plugin is refused and leaves it stopped, as systemctl reload of an inactive unit', async (t) => {
  const d = await startTestDaemon(t, { config: { plugins: { forever: { module: fixture('forever') } } } });
  const client = await d.client();
  await client.call('plugins.stop', { name: 'forever' });
  const err = await t.throwsAsync(client.call('plugins.reload', { name: 'forever' }));
  t.is(err!.message, 'plugin forever is stopped, not running; `ctl plugins start forever` starts it');
  t.deepEqual((await client.call('plugins.list')).map((r) => [r.name, r.state, r.pid]), [['forever', 'stopped', null]]);
});

test('plugins.scale adds and removes instances', async (t) => {
  const d = await startTestDaemon(t, { config: { plugins: { 'http-echo': { module: fixture('http-echo') } } } });
  const client = await d.client();
  const up = await client.call('plugins.scale', { name: 'http-echo', instances: 3 });
  t.deepEqual(up.map((r) => [r.name, r.state]), [['http-echo#0', 'running'], ['http-echo#1', 'running'], ['http-echo#2', 'running']]);
  const removed = [up[1]!.pid!, up[2]!.pid!];
  const down = await client.call('plugins.scale', { name: 'http-echo', instances: 1 });
  t.deepEqual(down.map((r) => [r.name, r.state, r.pid]), [['http-echo', 'running', up[0]!.pid]]);
  t.true(removed.every(isGone));
  const bad = await t.throwsAsync(client.call('plugins.scale', { name: 'http-echo', instances: 0 }));
  t.regex(bad!.message, /params\.instances: must be >= 1/);
});

test('plugins.scale up to processes that cannot start is undone: the running instance stays, no slot is left crash-looping', async (t) => {
  const home = tempHome(t);
  fs.writeFileSync(path.join(home, 'single.ts'), [
    "import { definePlugin } from 'agentd';",
    "export default definePlugin({ name: 'single', defaults: {}, start(ctx) {",
    "  if (ctx.instance > 0) throw new Error('only one instance can hold the lock file');",
    "  ctx.rpc('ping', () => 'pong');",
    "} });",
  ].join('\n'));
  const d = await startTestDaemon(t, { home, config: { plugins: { single: { module: './single.ts' } } } });
  const client = await d.client();
  const events = await EventRecorder.attach(client);
  const [before] = await client.call('plugins.list');
  const err = await t.throwsAsync(client.call('plugins.scale', { name: 'single', instances: 3 }));
  t.regex(err!.message, /^single not scaled to 3: .*only one instance can hold the lock file \(at .*single\.ts:3:\d+\); it runs 1 as before/);
  t.like(err, { code: 'E_PLUGIN_SCALE_FAILED' });
  const after = await client.call('plugins.list');
  t.deepEqual(after.map((r) => [r.name, r.state, r.pid]), [['single', 'running', before!.pid]]);
  t.deepEqual(events.events.filter((e) => e.type === 'plugin.scaled').map((e) => [e.from, e.to]), [[1, 3], [3, 1]]);
  t.is(await client.call('single.ping'), 'pong');
});

test('<plugin>#<n>.<method> calls instance n; <plugin>.<method> goes round robin', async (t) => {
  const d = await startTestDaemon(t, { config: { plugins: { forever: { module: fixture('forever'), instances: 2 } } } });
  const client = await d.client();
  const rows = await client.call('plugins.list');
  for (const n of [1, 0, 1, 1]) {
    t.deepEqual(await client.call(`forever#${n}.ping`), { pid: rows[n]!.pid, tag: 'forever', instance: n });
  }
  const served = [await client.call<{ instance: number }>('forever.ping'), await client.call<{ instance: number }>('forever.ping')];
  t.deepEqual(served.map((r) => r.instance).sort(), [0, 1], 'two calls, one per instance');
  const cli = await ctl(['rpc', 'forever#1.ping', '--home', d.home]);
  t.is((JSON.parse(cli.stdout) as { instance: number }).instance, 1);
  const none = await ctl(['rpc', 'forever#2.ping', '--home', d.home]);
  t.is(none.code, 2);
  t.is(none.stderr.trim(), 'ctl: plugin forever has no instance #2; it runs 2: forever#0, forever#1');
  t.regex((await t.throwsAsync(client.call('forever#1.nope')))!.message, /method not found: forever#1\.nope/);
  t.regex((await t.throwsAsync(client.call('daemon#0.status')))!.message, /method not found: daemon#0\.status/, 'core methods have no instances');
  await client.call('plugins.stop', { name: 'forever' });
  t.regex((await t.throwsAsync(client.call('forever#1.ping')))!.message, /^plugin forever is stopped, not running; `ctl plugins start forever` starts it$/);
});
