import test from 'ava';
import { lockHolder } from '../../src/native/addon.js';
import { fixture, launchMarked, startTestDaemon } from '../helpers/daemon.js';
import { assertAllGone } from '../helpers/faults.js';
import { procInfo, waitUntil } from '../helpers/proc.js';

test('kill -9 of the core while a plugin is stuck in a synchronous loop: the stuck host goes too, and the next start works', async (t) => {
  const d = await startTestDaemon(t, { config: { plugins: { 'busy-loop': { module: fixture('busy-loop') } } } });
  const { pid: stuck } = await (await d.client()).call<{ pid: number }>('busy-loop.spin');
  // Spinning: a quarter second of CPU, which an idle host never burns.
  const from = procInfo(stuck)!.cpuTicks;
  await waitUntil(() => (procInfo(stuck)?.cpuTicks ?? 0) - from >= 25, 10_000, 'the plugin to spin');
  process.kill(d.pid, 'SIGKILL');
  await assertAllGone(t, d.home, d.paths.pidfile, 10_000);
  const { pid } = await launchMarked(d.home);
  t.is(lockHolder(d.paths.pidfile), pid);
});
