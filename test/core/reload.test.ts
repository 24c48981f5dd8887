import test from 'ava';
import { EventRecorder } from '../helpers/events.js';
import { fixture, startTestDaemon, writeConfig } from '../helpers/daemon.js';
import { isGone, waitUntil } from '../helpers/proc.js';

function configOf(entries: Record<string, { module: string; config?: { tag: string } }>) {
  // Three copies of the forever fixture, told apart by config key: the module checks its name.
  return { plugins: entries };
}

test('reload applies exactly the difference: added start, removed stop, changed restart, unchanged keep their pid', async (t) => {
  const d = await startTestDaemon(t, {
    config: configOf({
      forever: { module: fixture('forever') },
      'http-echo': { module: fixture('http-echo') },
      'slow-stop': { module: fixture('slow-stop') },
    }),
  });
  const client = await d.client();
  const events = await EventRecorder.attach(client);
  const before = Object.fromEntries((await client.call('plugins.list')).map((p) => [p.name, p.pid]));
  writeConfig(d.home, configOf({
    forever: { module: fixture('forever'), config: { tag: 'changed' } },
    'http-echo': { module: fixture('http-echo') },
    'log-burst': { module: fixture('log-burst') },
  }));
  const result = await client.call('daemon.reload');
  t.deepEqual({ added: result.added, removed: result.removed, changed: result.changed, unchanged: result.unchanged },
    { added: ['log-burst'], removed: ['slow-stop'], changed: ['forever'], unchanged: ['http-echo'] });
  const after = Object.fromEntries((await client.call('plugins.list')).map((p) => [p.name, p]));
  t.deepEqual(Object.keys(after).sort(), ['forever', 'http-echo', 'log-burst']);
  t.is(after['http-echo']!.pid, before['http-echo'] ?? null, 'unchanged keeps its pid');
  t.not(after['forever']!.pid, before['forever'], 'changed restarts');
  t.is((await client.call<{ tag: string }>('forever.ping')).tag, 'changed');
  t.is(after['log-burst']!.state, 'running');
  await waitUntil(() => isGone(before['slow-stop'] as number), 10_000, 'the removed plugin to exit');
  t.truthy(events.events.find((e) => e.type === 'daemon.reload'));
});

test('a bad config is refused by reload and the running one stays', async (t) => {
  const d = await startTestDaemon(t, { config: configOf({ forever: { module: fixture('forever') } }) });
  const client = await d.client();
  const [before] = await client.call('plugins.list');

  writeConfig(d.home, '{"plugins": {"forever": {"module": 5}}}');
  const typeErr = await t.throwsAsync(client.call('daemon.reload'));
  t.regex(typeErr!.message, /plugins\.forever\.module: must be a string/);

  // One prefix, naming the file, whether the core's check or the plugin's own refuses it.
  const file = d.paths.configCandidates[0]!;
  writeConfig(d.home, configOf({ 'config-check': { module: fixture('config-check'), config: { port: 70000 } } as never }));
  const pluginErr = await t.throwsAsync(client.call('daemon.reload'));
  t.is(pluginErr!.message, `invalid config ${file}: plugins.config-check.config.port: must be <= 65535`);
  writeConfig(d.home, configOf({ forever: { module: fixture('forever'), config: { nope: 1 } } as never }));
  const unknownErr = await t.throwsAsync(client.call('daemon.reload'));
  t.is(unknownErr!.message, `invalid config ${file}: plugins.forever.config.nope: unknown field`);

  writeConfig(d.home, '{"plugins": {"forever": {}}}');
  const missingErr = await t.throwsAsync(client.call('daemon.reload'));
  t.is(missingErr!.message, `invalid config ${file}: plugins.forever.module: is required`);

  writeConfig(d.home, '{ not json');
  const parseErr = await t.throwsAsync(client.call('daemon.reload'));
  t.regex(parseErr!.message, /not valid JSON/);

  const rows = await client.call('plugins.list');
  t.deepEqual(rows.map((r) => [r.name, r.pid, r.state]), [['forever', before!.pid, 'running']]);
});

test('SIGHUP reloads the config', async (t) => {
  const d = await startTestDaemon(t, { config: configOf({ forever: { module: fixture('forever') } }) });
  const client = await d.client();
  const events = await EventRecorder.attach(client);
  writeConfig(d.home, configOf({ forever: { module: fixture('forever') }, 'http-echo': { module: fixture('http-echo') } }));
  process.kill(d.pid, 'SIGHUP');
  const reload = await events.next((e) => e.type === 'daemon.reload');
  t.deepEqual(reload['added'], ['http-echo']);
});
