import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { EventRecorder } from '../helpers/events.js';
import { fixture, startTestDaemon } from '../helpers/daemon.js';
import { makeTempHome } from '../helpers/home.js';
import { waitUntil } from '../helpers/proc.js';

test('watch: an edit restarts the plugin with a new pid; a syntax error backs off with the error shown', async (t) => {
  const home = makeTempHome();
  const dir = path.join(home, 'plugin');
  fs.mkdirSync(dir);
  const source = fs.readFileSync(fixture('forever'), 'utf8');
  const file = path.join(dir, 'index.ts');
  fs.writeFileSync(file, source);
  const d = await startTestDaemon(t, { home, config: { plugins: { forever: { module: './plugin', watch: true, watchDebounce: '50ms', backoff: { initial: '100ms', jitter: 0 } } } } });
  t.teardown(() => fs.rmSync(home, { recursive: true, force: true }));
  const client = await d.client();
  const events = await EventRecorder.attach(client);
  const [before] = await client.call('plugins.list');

  let mark = events.mark;
  fs.writeFileSync(file, source.replace("tag: 'forever'", "tag: 'edited'"));
  const running = await events.state('forever', 'running', 30_000, mark);
  t.not(running.pid, before!.pid);
  t.is((await client.call<{ tag: string }>('forever.ping')).tag, 'edited');

  mark = events.mark;
  fs.writeFileSync(file, `${source}\nexport const broken = ;\n`);
  const backoff = await events.state('forever', 'backoff', 30_000, mark);
  t.truthy(backoff);
  const [row] = await client.call('plugins.list');
  t.is(row!.state, 'backoff');
  t.regex(row!.error ?? '', /cannot load module/);
  t.truthy(row!.nextStartAt);

  mark = events.mark;
  fs.writeFileSync(file, source);
  await events.state('forever', 'running', 30_000, mark);
  const restarts = events.events.filter((e) => e.type === 'plugin.restart').length;
  t.true(restarts <= 5, `no restart storm (${restarts} restarts)`);
});

test('watch: a plugin kept in the home itself is not restarted by what the daemon writes there (its log, rotations), only by edits', async (t) => {
  const home = makeTempHome();
  const file = path.join(home, 'log-ticker.ts');
  fs.copyFileSync(fixture('log-ticker'), file);
  const d = await startTestDaemon(t, { home, config: { plugins: { 'log-ticker': { module: './log-ticker.ts', watch: true, watchDebounce: '50ms', config: { intervalMs: 20, perTick: 1 } } } } });
  t.teardown(() => fs.rmSync(home, { recursive: true, force: true }));
  const client = await d.client();
  const events = await EventRecorder.attach(client);
  const [before] = await client.call('plugins.list');

  // A second of the plugin's log lines, and a rotation of every log file, all under the watched directory.
  await client.call('logs.rotate');
  await waitUntil(async () => (await client.call<{ written: number }>('log-ticker.count')).written >= 50, 30_000, '50 lines written');
  await client.call('logs.rotate');
  t.deepEqual(events.events.filter((e) => e.type === 'plugin.changed'), [], 'no change seen in what the daemon wrote');
  t.is((await client.call('plugins.list'))[0]!.pid, before!.pid, 'the same process all along');

  const mark = events.mark;
  fs.appendFileSync(file, '// an edit\n');
  const running = await events.state('log-ticker', 'running', 30_000, mark);
  t.not(running.pid, before!.pid, 'an edit still restarts it');
});
