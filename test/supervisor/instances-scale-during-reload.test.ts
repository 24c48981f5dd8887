import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { EventRecorder } from '../helpers/events.js';
import { startTestDaemon } from '../helpers/daemon.js';
import { tempHome } from '../helpers/home.js';
import { isGone } from '../helpers/proc.js';

/** A plugin whose start takes 600 ms, so that a rolling reload is still on its way when a scale comes. */
function slowStarter(t: { teardown(fn: () => void): void }): string {
  const home = tempHome(t);
  fs.writeFileSync(path.join(home, 'slow-start.ts'), [
    "import { definePlugin } from 'agentd';",
    "export default definePlugin({ name: 'slow-start', defaults: {}, async start(ctx) {",
    "  await new Promise((r) => setTimeout(r, 600));",
    "  ctx.rpc('ping', () => process.pid);",
    "} });",
  ].join('\n'));
  return home;
}

test('a scale down during a rolling reload: the reload ends well and does not count the removed instance as failed', async (t) => {
  const home = slowStarter(t);
  const d = await startTestDaemon(t, { home, config: { plugins: { 'slow-start': { module: './slow-start.ts', instances: 2 } } } });
  const client = await d.client();
  const events = await EventRecorder.attach(client);
  const before = (await client.call('plugins.list')).map((r) => r.pid!);
  const reload = client.call('plugins.reload', { name: 'slow-start' });
  reload.catch(() => {});
  const replaced = await events.next((e) => e.type === 'plugin.replaced' && e.instance === 0, 10_000);
  // #0's old process is gone: #1's replacement now boots for 600 ms.
  await events.next((e) => e.type === 'plugin.exit' && e.pid === replaced.oldPid, 10_000);
  await client.call('plugins.scale', { name: 'slow-start', instances: 1 });
  await t.notThrowsAsync(reload);
  const rows = await client.call('plugins.list');
  t.deepEqual(rows.map((r) => [r.name, r.state, r.pid]), [['slow-start', 'running', replaced.pid]]);
  t.true(before.every(isGone), 'both old processes stopped');
});

test('a scale up during a rolling reload: the added instance, already new, is not replaced again', async (t) => {
  const home = slowStarter(t);
  const d = await startTestDaemon(t, { home, config: { plugins: { 'slow-start': { module: './slow-start.ts', instances: 2 } } } });
  const client = await d.client();
  const events = await EventRecorder.attach(client);
  const reload = client.call('plugins.reload', { name: 'slow-start' });
  reload.catch(() => {});
  await events.next((e) => e.type === 'plugin.replaced' && e.instance === 0, 10_000);
  const up = await client.call('plugins.scale', { name: 'slow-start', instances: 3 });
  await reload;
  const rows = await client.call('plugins.list');
  t.deepEqual(rows.map((r) => r.state), ['running', 'running', 'running']);
  t.is(rows[2]!.pid, up[2]!.pid, 'the added instance kept its process');
  t.deepEqual(events.events.filter((e) => e.type === 'plugin.replaced').map((e) => e.instance), [0, 1]);
});
