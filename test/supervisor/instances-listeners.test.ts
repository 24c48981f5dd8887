import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import test from 'ava';
import { fixture, startTestDaemon, writeConfig } from '../helpers/daemon.js';
import { tempHome } from '../helpers/home.js';
import { EventRecorder } from '../helpers/events.js';
import { httpLoad, untilServed } from '../helpers/http-load.js';
import { freePort, refused } from '../helpers/ports.js';
import { waitUntil } from '../helpers/proc.js';

/** A loopback TCP server on a free port, closed when the test ends. */
async function holdPort(t: { teardown(fn: () => void): void }): Promise<{ port: number; close(): Promise<void> }> {
  const server = net.createServer((s) => s.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const close = () => new Promise<void>((resolve) => { if (server.listening) server.close(() => resolve()); else resolve(); });
  t.teardown(close);
  return { port: (server.address() as net.AddressInfo).port, close };
}

test('a reload to a port that cannot be bound keeps the old settings serving and says so; once free, the next reload moves the plugin and closes the old port', async (t) => {
  const oldPort = await freePort();
  const entry = (port: number) => ({ module: fixture('http-echo'), instances: 2, config: { port } });
  const d = await startTestDaemon(t, { config: { plugins: { 'http-echo': entry(oldPort) } } });
  const client = await d.client();
  const before = (await client.call('plugins.list')).map((r) => r.pid);
  const load = httpLoad(oldPort, 4, 20_000);
  await untilServed(load, 20);
  const events = await EventRecorder.attach(client, ['daemon.reload']);
  const blocker = await holdPort(t);
  writeConfig(d.home, { plugins: { 'http-echo': entry(blocker.port) } });
  const error = await t.throwsAsync(client.call('daemon.reload'));
  t.is((error as { code?: string }).code, 'E_PLUGIN_SETTINGS_KEPT');
  t.regex(error!.message, new RegExp(`^http-echo keeps its previous settings, which still serve: the new ones did not start \\(.*cannot listen on 127\\.0\\.0\\.1:${blocker.port}: .*EADDRINUSE.*\\); fix plugins\\.http-echo in the config and run \`ctl reload\` again`));
  t.like(events.events[0], { type: 'daemon.reload', changed: [], kept: ['http-echo'] });
  t.deepEqual((await client.call('plugins.list')).map((r) => [r.state, r.pid]), before.map((pid) => ['running', pid]), 'the old processes still run');
  const served = load.peek().ok;
  await untilServed(load, served + 20);
  const result = await load.stop();
  t.is(result.failed, 0, result.errors.slice(0, 5).join(', '));

  await blocker.close();
  t.deepEqual((await client.call('daemon.reload')).changed, ['http-echo'], 'the same file is tried again: the kept settings are what runs');
  const moved = httpLoad(blocker.port, 2, 10_000);
  await untilServed(moved, 5);
  await moved.stop();
  // Held by the core with nobody to accept, a client would hang in the backlog instead of being refused.
  t.true(await refused(oldPort), 'the port the config moved away from is closed');
});

test('a plugin whose instances all gave up closes its port: clients are refused, not left hanging', async (t) => {
  const home = tempHome(t);
  // Serves, then crashes once ready while the marker exists: with a crash loop of one restart,
  // every instance ends failed.
  const marker = path.join(home, 'crash');
  fs.writeFileSync(marker, '');
  fs.writeFileSync(path.join(home, 'crasher.ts'), [
    "import fs from 'node:fs';",
    "import http from 'node:http';",
    "import { definePlugin } from 'agentd';",
    "export default definePlugin({ name: 'crasher', defaults: { port: 0, marker: '' }, async start(ctx) {",
    "  await ctx.listen(http.createServer((_q, r) => r.end('ok')), { host: '127.0.0.1', port: ctx.config.port });",
    "  if (fs.existsSync(ctx.config.marker)) setTimeout(() => process.exit(3), 100);",
    "} });",
  ].join('\n'));
  const port = await freePort();
  const entry = { module: './crasher.ts', instances: 2, config: { port, marker }, backoff: { initial: '50ms', max: '50ms' }, crashLoop: { restarts: 1, window: '60s' } };
  const d = await startTestDaemon(t, { home, config: { plugins: { crasher: entry } } });
  const client = await d.client();
  await waitUntil(async () => (await client.call('plugins.list')).every((r) => r.state === 'failed'), 10_000, 'both instances to give up');
  t.true(await refused(port));
  // A start binds it again.
  fs.rmSync(marker);
  const rows = await client.call('plugins.restart', { name: 'crasher' });
  t.deepEqual(rows.map((r) => r.state), ['running', 'running']);
  t.false(await refused(port));
});

test('a plugin configured on a port another plugin listens on is told which one', async (t) => {
  const home = tempHome(t);
  fs.writeFileSync(path.join(home, 'other.ts'), [
    "import http from 'node:http';",
    "import { definePlugin } from 'agentd';",
    "export default definePlugin({ name: 'other', defaults: { port: 0 }, async start(ctx) {",
    "  await ctx.listen(http.createServer((_q, r) => r.end('other')), { host: '127.0.0.1', port: ctx.config.port });",
    "} });",
  ].join('\n'));
  const port = await freePort();
  const echo = { module: fixture('http-echo'), instances: 2, config: { port } };
  const d = await startTestDaemon(t, { home, config: { plugins: { 'http-echo': echo } } });
  const client = await d.client();
  writeConfig(home, { plugins: { 'http-echo': echo, other: { module: './other.ts', config: { port }, crashLoop: { restarts: 1 } } } });
  await client.call('daemon.reload');
  await waitUntil(async () => (await client.call('plugins.list')).some((r) => r.name === 'other' && r.state === 'failed'), 10_000, 'other to give up');
  const other = (await client.call('plugins.list')).find((r) => r.name === 'other')!;
  t.regex(other.error!, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: EADDRINUSE: plugin http-echo already listens on port ${port}; give one of them another port`));
  const load = httpLoad(port, 2, 10_000);
  await untilServed(load, 5);
  const result = await load.stop();
  t.deepEqual([result.failed, [...result.byPid.keys()].includes('other')], [0, false], 'http-echo still serves its port alone');
});
