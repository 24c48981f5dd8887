import test from 'ava';
import { EventRecorder } from '../helpers/events.js';
import { fixture, startTestDaemon } from '../helpers/daemon.js';

test('a failing health check restarts the plugin', async (t) => {
  const d = await startTestDaemon(t, {
    config: { plugins: { 'health-toggle': { module: fixture('health-toggle'), healthCheck: { interval: '100ms', timeout: '500ms', failures: 2 } } } },
  });
  const client = await d.client();
  const events = await EventRecorder.attach(client);
  const [before] = await client.call('plugins.list');
  await client.call('health-toggle.sick');
  const unhealthy = await events.next((e) => e.type === 'plugin.unhealthy');
  t.regex(String(unhealthy['reason']), /health check failed 2 times: told to be sick/);
  const running = await events.state('health-toggle', 'running', 30_000, events.events.indexOf(unhealthy));
  t.not(running.pid, before!.pid);
});

// SIGSTOP (a frozen plugin fails its checks and is replaced): test/faults/plugin-faults.test.ts.
