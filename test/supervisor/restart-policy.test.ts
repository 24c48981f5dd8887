import http from 'node:http';
import test from 'ava';
import { EventRecorder } from '../helpers/events.js';
import { fixture, startTestDaemon, writeConfig } from '../helpers/daemon.js';
import { isGone, waitUntil } from '../helpers/proc.js';
import { renderPlugins } from '../../src/cli/render/plugins.js';

function get(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve(body.trim()));
    }).on('error', reject);
  });
}

test('kill -9 of a plugin: restarted at once with a new pid, and serving again on the same port', async (t) => {
  const d = await startTestDaemon(t, { config: { plugins: { 'http-echo': { module: fixture('http-echo'), backoff: { resetAfter: '200ms' } } } } });
  const client = await d.client();
  const events = await EventRecorder.attach(client);
  const { port } = await client.call<{ port: number }>('http-echo.address');
  // Past resetAfter, the run counts as stable.
  await waitUntil(async () => ((await client.call('plugins.list'))[0]!.uptime ?? 0) >= 0.25, 10_000, 'a stable run');
  const [before] = await client.call('plugins.list');
  t.is(await get(port), String(before!.pid));
  const mark = events.mark;
  process.kill(before!.pid!, 'SIGKILL');
  const restart = await events.next((e) => e.type === 'plugin.restart' && e.plugin === 'http-echo', 30_000, mark);
  t.is(restart['delay'], 0, 'a crash after a stable run restarts at once');
  const running = await events.state('http-echo', 'running', 30_000, mark);
  t.not(running.pid, before!.pid);
  t.is(await get(port), String(running.pid));
  const [after] = await client.call('plugins.list');
  t.is(after!.restarts, 1);
  t.deepEqual({ code: after!.lastExit?.code, signal: after!.lastExit?.signal }, { code: null, signal: 'SIGKILL' });
});

test('a crash loop ends in failed, with a clear reason, while a healthy plugin keeps its pid', async (t) => {
  const d = await startTestDaemon(t, {
    config: {
      plugins: {
        forever: { module: fixture('forever') },
        'exit-after-100ms': {
          module: fixture('exit-after-100ms'),
          backoff: { initial: '20ms', factor: 2, jitter: 0, resetAfter: '10s' },
          crashLoop: { restarts: 3, window: '60s' },
        },
      },
    },
  });
  const client = await d.client();
  const events = await EventRecorder.attach(client);
  const foreverPid = (await client.call('plugins.list')).find((p) => p.name === 'forever')!.pid;
  await events.reached(client, 'exit-after-100ms', 'failed');
  // The first crashes may come before the subscription: check each restart seen against its attempt.
  const restarts = events.events.filter((e) => e.type === 'plugin.restart' && e.plugin === 'exit-after-100ms');
  for (const r of restarts) t.is(r['delay'], 20 * 2 ** ((r['attempt'] as number) - 1), 'backoff grows by its factor');
  t.is(restarts.at(-1)?.['attempt'], 3);
  const rows = await client.call('plugins.list');
  const looping = rows.find((p) => p.name === 'exit-after-100ms')!;
  t.is(looping.state, 'failed');
  t.regex(looping.error ?? '', /crash loop: 3 restarts within 60 s, given up .*ctl plugins restart exit-after-100ms/);
  const forever = rows.find((p) => p.name === 'forever')!;
  t.is(forever.state, 'running');
  t.is(forever.pid, foreverPid);
  // `plugins restart` clears the failed state and tries again.
  const mark = events.mark;
  await client.call('plugins.restart', { name: 'exit-after-100ms' });
  await events.state('exit-after-100ms', 'running', 30_000, mark);
});

test('backoff starts over after a stable run', async (t) => {
  const d = await startTestDaemon(t, {
    config: {
      plugins: {
        'exit-after-100ms': {
          module: fixture('exit-after-100ms'),
          config: { delayMs: 400 },
          backoff: { initial: '50ms', jitter: 0, resetAfter: '200ms' },
          crashLoop: { restarts: 100, window: '60s' },
        },
      },
    },
  });
  const events = await EventRecorder.attach(await d.client());
  for (let i = 0; i < 3; i++) await events.next((e) => e.type === 'plugin.restart' && e['attempt'] === 0 && events.events.filter((x) => x.type === 'plugin.restart').length > i, 30_000);
  const delays = events.events.filter((e) => e.type === 'plugin.restart').slice(0, 3).map((e) => e['delay']);
  t.deepEqual(delays, [0, 0, 0], 'every crash after a stable run restarts at once');
});

test('never-ready fails its start with E_PLUGIN_START_TIMEOUT and leaves no process', async (t) => {
  const d = await startTestDaemon(t, {
    config: { plugins: { 'never-ready': { module: fixture('never-ready'), enabled: false, startTimeout: '500ms', restart: 'never' } } },
  });
  const client = await d.client();
  const events = await EventRecorder.attach(client);
  const err = await t.throwsAsync(client.call('plugins.start', { name: 'never-ready' }));
  t.is((err as { code?: string }).code, 'E_PLUGIN_START_TIMEOUT');
  t.regex(err!.message, /not ready within its start timeout of 500 ms/);
  const starting = events.events.find((e) => e.type === 'plugin.state' && e.to === 'starting');
  await waitUntil(() => isGone(starting!.pid as number), 10_000, 'the never-ready host to be gone');
  const [row] = await client.call('plugins.list');
  t.is(row!.state, 'failed');
});

test('ignore-sigterm is killed with its whole group after the stop timeout', async (t) => {
  const d = await startTestDaemon(t, { config: { plugins: { 'ignore-sigterm': { module: fixture('ignore-sigterm'), stopTimeout: '500ms' } } } });
  const client = await d.client();
  const events = await EventRecorder.attach(client);
  const [row] = await client.call('plugins.list');
  const [stopped] = await client.call('plugins.stop', { name: 'ignore-sigterm' });
  t.is(stopped!.state, 'stopped');
  const killed = await events.next((e) => e.type === 'plugin.killed');
  t.is(killed.pid, row!.pid);
  t.true(isGone(row!.pid!));
  const exit = await events.next((e) => e.type === 'plugin.exit');
  t.is(exit['signal'], 'SIGKILL');
});

test('slow-stop gets to finish within its stop timeout', async (t) => {
  const d = await startTestDaemon(t, { config: { plugins: { 'slow-stop': { module: fixture('slow-stop'), stopTimeout: '5s' } } } });
  const client = await d.client();
  const events = await EventRecorder.attach(client);
  await client.call('plugins.stop', { name: 'slow-stop' });
  const exit = await events.next((e) => e.type === 'plugin.exit');
  t.is(exit['code'], 0);
  t.falsy(events.events.find((e) => e.type === 'plugin.killed'));
  const { lines } = await client.call('logs.tail', { plugin: 'slow-stop', lines: 10 });
  t.true(lines.some((l) => l.message === 'slow-stop finished stopping'));
});

test('restart: never leaves a crashed plugin failed, without restarting it', async (t) => {
  const d = await startTestDaemon(t, {
    config: {
      plugins: {
        'exit-after-100ms': { module: fixture('exit-after-100ms'), restart: 'never' },
      },
    },
  });
  const client = await d.client();
  const events = await EventRecorder.attach(client);
  await events.reached(client, 'exit-after-100ms', 'failed');
  const [row] = await client.call('plugins.list');
  t.is(row!.restarts, 0);
  t.regex(row!.error ?? '', /exited with code 1/);
});

test('a failed start shows as such in LAST EXIT and plugin.exit, not as the SIGKILL agentd sends after it', async (t) => {
  // A plugin that fails its first start fails the daemon's start: this one starts on request.
  const d = await startTestDaemon(t, { config: { plugins: { 'crash-on-start': { module: fixture('crash-on-start'), restart: 'never', enabled: false } } } });
  const client = await d.client();
  const events = await EventRecorder.attach(client);
  await t.throwsAsync(client.call('plugins.start', { name: 'crash-on-start' }), { message: /deliberate failure/ });
  await events.state('crash-on-start', 'failed');
  const exit = await events.next((e) => e.type === 'plugin.exit');
  t.is(exit['cause'], 'start-failed');
  const [row] = await client.call('plugins.list');
  t.is(row!.lastExit?.cause, 'start-failed');
  t.regex(row!.error ?? '', /deliberate failure/);
  t.regex(renderPlugins([row!]), /crash-on-start +failed .* start failed, /);
});

test('a failed plugin that is then stopped (plugins.stop, or enabled: false on reload) drops its error', async (t) => {
  const entry = { module: fixture('crash-on-start'), restart: 'never', enabled: false };
  const d = await startTestDaemon(t, { config: { plugins: { 'crash-on-start': entry } } });
  const client = await d.client();
  const failOnce = async () => {
    await t.throwsAsync(client.call('plugins.start', { name: 'crash-on-start' }));
    const [row] = await client.call('plugins.list');
    t.is(row!.state, 'failed');
    t.regex(row!.error ?? '', /deliberate failure/);
  };
  await failOnce();
  const [stopped] = await client.call('plugins.stop', { name: 'crash-on-start' });
  t.like(stopped, { state: 'stopped', error: null });
  await failOnce();
  writeConfig(d.home, { plugins: { 'crash-on-start': { ...entry, startTimeout: '9s' } } });
  t.deepEqual((await client.call('daemon.reload')).changed, ['crash-on-start']);
  const [row] = await client.call('plugins.list');
  t.like(row, { state: 'stopped', error: null });
});
