import test from 'ava';
import { EventRecorder } from '../helpers/events.js';
import { fixture, startTestDaemon } from '../helpers/daemon.js';
import { waitUntil } from '../helpers/proc.js';

test('ctx.log lines land in the plugin log with their levels; a stop aborts ctx.signal before the stop function runs', async (t) => {
  const d = await startTestDaemon(t, { config: { plugins: { 'abort-then-stop': { module: fixture('abort-then-stop') } } } });
  const client = await d.client();
  const events = await EventRecorder.attach(client);
  const mark = events.mark;
  await client.call('plugins.stop', { name: 'abort-then-stop' });
  await events.state('abort-then-stop', 'stopped', 15_000, mark);
  const entries = async () => (await client.call('logs.tail', { plugin: 'abort-then-stop', lines: 100 })).lines.filter((e) => e.stream === 'log');
  await waitUntil(async () => (await entries()).length >= 5, 10_000, 'the stop function\'s line logged');
  t.deepEqual((await entries()).map((e) => [e.level, e.message]), [
    // debug is below the default level, info
    ['info', 'info line'],
    ['warn', 'warn line'],
    ['error', 'error line'],
    ['info', 'signal aborted'],
    ['info', 'stop function: signal.aborted=true'],
  ]);
  t.is((await entries())[1]!['detail'], 1, 'metadata is kept');
});

test('a plugin\'s logLevel "debug" lets ctx.log.debug through to its log', async (t) => {
  const d = await startTestDaemon(t, { config: { plugins: { 'abort-then-stop': { module: fixture('abort-then-stop'), logLevel: 'debug' } } } });
  const client = await d.client();
  const levels = async () => (await client.call('logs.tail', { plugin: 'abort-then-stop', lines: 100 })).lines.filter((e) => e.stream === 'log').map((e) => e.level);
  await waitUntil(async () => (await levels()).length >= 4, 10_000, 'the start\'s four lines logged');
  t.deepEqual(await levels(), ['debug', 'info', 'warn', 'error']);
});
