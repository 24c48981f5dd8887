import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { EventRecorder } from '../helpers/events.js';
import { fixture, startTestDaemon } from '../helpers/daemon.js';
import { makeTempHome, tempHome } from '../helpers/home.js';
import { waitUntil } from '../helpers/proc.js';

test('watch: an edit restarts the plugin with a new pid; a syntax error backs off, with the error shown, until the edit that fixes it', async (t) => {
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
  await events.state('forever', 'backoff', 30_000, mark);
  const [row] = await client.call('plugins.list');
  t.is(row!.state, 'backoff');
  t.regex(row!.error ?? '', /cannot load module: .*index\.ts:\d+:\d+: .*; waiting for a change to its files, or `ctl plugins restart forever`$/);
  t.is(row!.nextStartAt, null);
  // No retry of the same broken files: one attempt, one stack in the log.
  const { lines } = await client.call('logs.tail', { plugin: 'forever', lines: 200 });
  t.is(lines.filter((l) => /^load failed: /.test(l.message ?? '')).length, 1);

  mark = events.mark;
  fs.writeFileSync(file, source);
  await events.state('forever', 'running', 30_000, mark);
  t.deepEqual(events.events.filter((e) => e.type === 'plugin.restart'), [], 'no restart but the ones the edits asked for');
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

test('watch: a plugin beside the config that writes a file there, a touched config and a new unrelated file do not restart it; an edit of the plugin does', async (t) => {
  const home = tempHome(t);
  const file = path.join(home, 'ticker.ts');
  fs.copyFileSync(fixture('write-state'), file);
  const d = await startTestDaemon(t, { home, config: { plugins: { 'write-state': { module: './ticker.ts', watch: true, watchDebounce: '50ms' } } } });
  const client = await d.client();
  const events = await EventRecorder.attach(client);
  const [before] = await client.call('plugins.list');

  // Dozens of writes of state.json, then what a user does beside it.
  await waitUntil(async () => (await client.call<{ writes: number }>('write-state.count')).writes >= 30, 30_000, '30 writes of state.json');
  const config = path.join(home, 'agentd.config.json');
  const now = new Date();
  fs.utimesSync(config, now, now);
  fs.writeFileSync(path.join(home, 'notes.txt'), 'unrelated\n');
  const { pid, writes } = await client.call<{ pid: number; writes: number }>('write-state.count');
  t.true(pid === before!.pid, 'the same process all along');

  // The edit is seen after everything above, so a change seen in any of that would show first.
  const mark = events.mark;
  fs.appendFileSync(file, '// an edit\n');
  const running = await events.state('write-state', 'running', 30_000, mark);
  t.not(running.pid, before!.pid, 'an edit restarts it');
  const changed = events.events.filter((e) => e.type === 'plugin.changed');
  t.deepEqual(changed.map((e) => e['files']), [['ticker.ts']], `only the edit was a change (the plugin had written state.json ${writes} times)`);
  t.is((await client.call('plugins.list'))[0]!.restarts, 0);
});

test('watch: an edit of a local file the plugin imports restarts it with the new code', async (t) => {
  const home = tempHome(t);
  const dir = path.join(home, 'plugin');
  fs.mkdirSync(dir);
  const source = fs.readFileSync(fixture('forever'), 'utf8').replace("import { definePlugin } from 'agentd';", "import { definePlugin } from 'agentd';\nimport { tag } from './lib/tag.ts';").replace("tag: 'forever'", 'tag');
  fs.writeFileSync(path.join(dir, 'index.ts'), source);
  fs.mkdirSync(path.join(dir, 'lib'));
  const helper = path.join(dir, 'lib', 'tag.ts');
  fs.writeFileSync(helper, "export const tag: string = 'first';\n");
  const d = await startTestDaemon(t, { home, config: { plugins: { forever: { module: './plugin', watch: true, watchDebounce: '50ms' } } } });
  const client = await d.client();
  const events = await EventRecorder.attach(client);
  const [before] = await client.call('plugins.list');
  t.is((await client.call<{ tag: string }>('forever.ping')).tag, 'first');

  const mark = events.mark;
  fs.writeFileSync(helper, "export const tag: string = 'second';\n");
  const running = await events.state('forever', 'running', 30_000, mark);
  t.not(running.pid, before!.pid);
  t.is((await client.call<{ tag: string }>('forever.ping')).tag, 'second');
});

test('watch: an edit that makes the config invalid for the plugin waits, naming the field, until the config is fixed, without a restart loop', async (t) => {
  const home = makeTempHome();
  const file = path.join(home, 'forever.ts');
  const source = fs.readFileSync(fixture('forever'), 'utf8');
  fs.writeFileSync(file, source);
  const config = { plugins: { forever: { module: './forever.ts', watch: true, watchDebounce: '50ms', backoff: { initial: '100ms', jitter: 0 }, config: { tag: 'mine' } } } };
  const d = await startTestDaemon(t, { home, config });
  t.teardown(() => fs.rmSync(home, { recursive: true, force: true }));
  const client = await d.client();
  const events = await EventRecorder.attach(client);

  let mark = events.mark;
  fs.writeFileSync(file, source.replaceAll('tag', 'label'));
  await events.state('forever', 'backoff', 30_000, mark);
  const [row] = await client.call('plugins.list');
  t.is(row!.error, 'invalid config: plugins.forever.config.tag: unknown field; waiting for a change to its files or its config (`ctl reload`), or `ctl plugins restart forever`');
  t.is(row!.nextStartAt, null);

  mark = events.mark;
  fs.writeFileSync(path.join(home, 'agentd.config.json'), JSON.stringify({ plugins: { forever: { ...config.plugins.forever, config: { label: 'mine' } } } }));
  await client.call('daemon.reload');
  await events.state('forever', 'running', 30_000, mark);
  t.is((await client.call<{ label: string }>('forever.ping')).label, 'mine');
  t.deepEqual(events.events.filter((e) => e.type === 'plugin.restart'), [], 'no restart but the ones the edits asked for');
});
