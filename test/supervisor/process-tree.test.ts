import test from 'ava';
import { fixture, startTestDaemon } from '../helpers/daemon.js';
import { isGone, procInfo, waitUntil } from '../helpers/proc.js';
import { lockHolder } from '../../src/native/addon.js';

const config = { plugins: { 'spawn-grandchild': { module: fixture('spawn-grandchild') } } };

test('a plugin runs in its own process group, and its grandchild goes with it on stop', async (t) => {
  const d = await startTestDaemon(t, { config });
  const client = await d.client();
  const [row] = await client.call('plugins.list');
  const { pid: grandchild } = await client.call<{ pid: number }>('spawn-grandchild.grandchild');
  t.teardown(() => { try { process.kill(grandchild, 'SIGKILL'); } catch { /* gone */ } });
  t.is(procInfo(row!.pid!)?.pgid, row!.pid!, 'the host leads its own group');
  t.is(procInfo(grandchild)?.pgid, row!.pid!, 'the grandchild is in that group');
  await client.call('plugins.stop', { name: 'spawn-grandchild' });
  await waitUntil(() => isGone(grandchild) && isGone(row!.pid!), 10_000, 'host and grandchild to be gone');
  t.pass();
});

test('kill -9 of the core leaves no plugin and no grandchild running', async (t) => {
  const d = await startTestDaemon(t, { config });
  const client = await d.client();
  const [row] = await client.call('plugins.list');
  const { pid: grandchild } = await client.call<{ pid: number }>('spawn-grandchild.grandchild');
  t.teardown(() => { for (const p of [grandchild, row!.pid!]) { try { process.kill(p, 'SIGKILL'); } catch { /* gone */ } } });
  process.kill(d.pid, 'SIGKILL');
  await waitUntil(() => isGone(grandchild) && isGone(row!.pid!), 15_000, 'the plugin and its grandchild to exit after the core died');
  await waitUntil(() => lockHolder(d.paths.pidfile) === 0, 10_000, 'the lock to be free');
  t.pass();
});

test('a plugin that forks a grandchild and exits leaves no orphan behind', async (t) => {
  const d = await startTestDaemon(t, { config: { plugins: { 'spawn-grandchild': { module: fixture('spawn-grandchild'), restart: 'never' } } } });
  const client = await d.client();
  const [row] = await client.call('plugins.list');
  const { pid: grandchild } = await client.call<{ pid: number }>('spawn-grandchild.grandchild');
  t.teardown(() => { try { process.kill(grandchild, 'SIGKILL'); } catch { /* gone */ } });
  process.kill(row!.pid!, 'SIGKILL');
  await waitUntil(() => isGone(grandchild), 10_000, 'the orphaned grandchild to be killed with its group');
  t.pass();
});
