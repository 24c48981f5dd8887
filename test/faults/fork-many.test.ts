import test from 'ava';
import { EventRecorder } from '../helpers/events.js';
import { fixture, startTestDaemon, waitGone } from '../helpers/daemon.js';
import { assertDaemonHealthy } from '../helpers/faults.js';

test('a plugin that starts 200 processes (half of them setsid) and exits, or is stopped: none of them survives', async (t) => {
  const d = await startTestDaemon(t, { config: { plugins: { 'fork-many': { module: fixture('fork-many'), restart: 'always' } } } });
  const client = await d.client();
  const events = await EventRecorder.attach(client);
  const first = await client.call<{ pids: number[] }>('fork-many.fork', { count: 200 });
  t.is(first.pids.length, 200);
  const mark = events.mark;
  await client.call('fork-many.exit');
  await events.next((e) => e.type === 'plugin.exit', 10_000, mark);
  await waitGone(first.pids, 15_000);
  await events.state('fork-many', 'running', 15_000, mark);

  const second = await client.call<{ pids: number[] }>('fork-many.fork', { count: 200 });
  await client.call('plugins.stop', { name: 'fork-many' });
  await waitGone(second.pids, 15_000);
  await assertDaemonHealthy(t, d);
  t.pass();
});
