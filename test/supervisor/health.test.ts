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

test('a plugin stopped with SIGSTOP fails its health checks and is replaced', async (t) => {
  const d = await startTestDaemon(t, {
    config: { plugins: { 'health-toggle': { module: fixture('health-toggle'), stopTimeout: '300ms', healthCheck: { interval: '100ms', timeout: '200ms', failures: 2 } } } },
  });
  const client = await d.client();
  const events = await EventRecorder.attach(client);
  const [before] = await client.call('plugins.list');
  process.kill(before!.pid!, 'SIGSTOP');
  const unhealthy = await events.next((e) => e.type === 'plugin.unhealthy');
  t.regex(String(unhealthy['reason']), /no answer within 200 ms/);
  const running = await events.state('health-toggle', 'running', 30_000, events.events.indexOf(unhealthy));
  t.not(running.pid, before!.pid);
});
