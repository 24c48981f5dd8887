import test from 'ava';
import { EventRecorder } from '../helpers/events.js';
import { fixture, startTestDaemon } from '../helpers/daemon.js';
import { isGone, waitUntil } from '../helpers/proc.js';

// A restart agentd forces (memory limit, health check) is a failure of the run, as systemd counts
// a MemoryMax kill or a watchdog timeout: backoff, crash loop and restart policy apply to it.
const fast = { backoff: { initial: '20ms', factor: 2, jitter: 0, resetAfter: '60s' }, stopTimeout: '2s' };

test('memory-limit restarts back off, count in the crash loop, and end in failed, saying why', async (t) => {
  const d = await startTestDaemon(t, {
    config: { plugins: { 'hog-memory': { module: fixture('hog-memory'), config: { startMb: 100 }, memoryLimit: '80MB', crashLoop: { restarts: 1, window: '60s' }, ...fast } } },
  });
  const client = await d.client();
  const events = await EventRecorder.attach(client);
  await events.reached(client, 'hog-memory', 'failed', 60_000);
  const restarts = events.events.filter((e) => e.type === 'plugin.restart' && e.plugin === 'hog-memory');
  t.is(restarts.length, 1);
  t.is(restarts[0]!['delay'], 20, 'the backoff path, as after a crash');
  t.regex(String(restarts[0]!['reason']), /memory [\d.]+ MiB over its limit of 76\.3 MiB/);
  const [row] = await client.call('plugins.list');
  t.is(row!.restarts, 1);
  t.regex(row!.error ?? '', /crash loop: 1 restarts within 60 s, given up \(last: .*memory [\d.]+ MiB over its limit/);
  t.is(row!.lastExit?.cause, 'memory-limit');
  const exits = events.events.filter((e) => e.type === 'plugin.exit');
  t.true(exits.length >= 1 && exits.every((e) => e['cause'] === 'memory-limit'));
});

test('a failing health check with restart: never ends in failed, with the reason, and no restart', async (t) => {
  const d = await startTestDaemon(t, {
    config: { plugins: { 'health-toggle': { module: fixture('health-toggle'), config: { sick: true }, restart: 'never', healthCheck: { interval: '100ms', timeout: '500ms', failures: 2 }, ...fast } } },
  });
  const client = await d.client();
  const events = await EventRecorder.attach(client);
  await events.reached(client, 'health-toggle', 'failed', 30_000);
  t.false(events.events.some((e) => e.type === 'plugin.restart'));
  const [row] = await client.call('plugins.list');
  t.regex(row!.error ?? '', /health check failed 2 times: told to be sick/);
  t.is(row!.lastExit?.cause, 'health-check');
  t.is(row!.restarts, 0);
});

test('health-check restarts count in the crash loop', async (t) => {
  const d = await startTestDaemon(t, {
    config: { plugins: { 'health-toggle': { module: fixture('health-toggle'), config: { sick: true }, crashLoop: { restarts: 2, window: '60s' }, healthCheck: { interval: '100ms', timeout: '500ms', failures: 2 }, ...fast } } },
  });
  const client = await d.client();
  const events = await EventRecorder.attach(client);
  await events.reached(client, 'health-toggle', 'failed', 30_000);
  const [row] = await client.call('plugins.list');
  t.is(row!.restarts, 2);
  t.regex(row!.error ?? '', /crash loop: 2 restarts within 60 s, given up \(last: .*health check failed 2 times/);
});

test('a plugins.stop during a health-check restart wins: nothing starts after it', async (t) => {
  const d = await startTestDaemon(t, {
    config: { plugins: { 'health-toggle': { module: fixture('health-toggle'), config: { stopMs: 1500 }, healthCheck: { interval: '100ms', timeout: '500ms', failures: 1 }, ...fast, stopTimeout: '5s' } } },
  });
  const client = await d.client();
  const events = await EventRecorder.attach(client);
  const [before] = await client.call('plugins.list');
  await client.call('health-toggle.sick');
  await events.state('health-toggle', 'stopping');
  const mark = events.mark;
  const [stopped] = await client.call('plugins.stop', { name: 'health-toggle' });
  t.is(stopped!.state, 'stopped');
  await waitUntil(() => isGone(before!.pid!), 10_000, 'the old process to be gone');
  // A state change after the stop would come before this answer: the core handles calls in order.
  const [row] = await client.call('plugins.list');
  t.is(row!.state, 'stopped');
  t.is(row!.pid, null);
  t.false(events.events.slice(mark).some((e) => e.type === 'plugin.state' && e.to === 'starting'));
});

test('RESTARTS counts the restarts after a failure, one per plugin.restart event, not the ones asked for', async (t) => {
  const d = await startTestDaemon(t, {
    config: { plugins: { 'health-toggle': { module: fixture('health-toggle'), healthCheck: { interval: '100ms', timeout: '500ms', failures: 1 }, ...fast } } },
  });
  const client = await d.client();
  const events = await EventRecorder.attach(client);
  const [asked] = await client.call('plugins.restart', { name: 'health-toggle' });
  t.is(asked!.restarts, 0, 'a restart asked for (ctl plugins restart, a watch, a reload) is not counted');
  const mark = events.mark;
  await client.call('health-toggle.sick');
  await events.state('health-toggle', 'running', 30_000, mark);
  const [row] = await client.call('plugins.list');
  t.is(row!.restarts, 1);
  t.is(events.events.filter((e) => e.type === 'plugin.restart').length, row!.restarts);
});
