import test from 'ava';
import { fixture, startTestDaemon } from '../helpers/daemon.js';
import { isGone, procInfo, waitUntil } from '../helpers/proc.js';

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

// kill -9 of the core, and a plugin that forks a grandchild and exits (or is killed):
// test/faults/core-kill.test.ts and test/faults/plugin-faults.test.ts.
