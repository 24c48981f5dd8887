import test from 'ava';
import { EventRecorder } from '../helpers/events.js';
import { fixture, startTestDaemon } from '../helpers/daemon.js';
import { isGone } from '../helpers/proc.js';

test('plugins.stop during a rolling reload stops every instance and the reload says it was stopped', async (t) => {
  const d = await startTestDaemon(t, { config: { plugins: { 'slow-stop': { module: fixture('slow-stop'), instances: 2, config: { stopMs: 800 } } } } });
  const client = await d.client();
  const events = await EventRecorder.attach(client);
  const reload = client.call('plugins.reload', { name: 'slow-stop' });
  reload.catch(() => {});
  // #0's new process serves and its old one is in its 800 ms graceful stop: the reload has #1 to go.
  await events.next((e) => e.type === 'plugin.replaced' && e.instance === 0, 10_000);
  const stopped = await client.call('plugins.stop', { name: 'slow-stop' });
  t.deepEqual(stopped.map((r) => [r.name, r.state, r.pid]), [['slow-stop#0', 'stopped', null], ['slow-stop#1', 'stopped', null]]);
  const err = await t.throwsAsync(reload);
  t.regex(err!.message, /^plugin slow-stop#\d was stopped before it became ready$/);
  const after = await client.call('plugins.list');
  t.deepEqual(after.map((r) => [r.name, r.state, r.pid]), [['slow-stop#0', 'stopped', null], ['slow-stop#1', 'stopped', null]], 'the reload started nothing again');
  t.true(events.events.filter((e) => e.type === 'plugin.state' && e.to === 'running').every((e) => e.pid === null || isGone(e.pid as number)));
});
