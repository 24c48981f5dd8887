import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { startDaemon } from '../../src/cli/daemon-control.js';
import { homePaths } from '../../src/home/index.js';
import { fixture, writeConfig } from '../helpers/daemon.js';
import { tempHome } from '../helpers/home.js';

test('a start that never settles: the timeout aborts ctx.signal, and the plugin log says where it was', async (t) => {
  const home = tempHome(t);
  // Room for the load (a compile) on a busy machine: the timeout must fall in start(), where it hangs.
  writeConfig(home, { plugins: { 'hang-in-start': { module: fixture('hang-in-start'), startTimeout: '3s', stopTimeout: '2s' } } });
  const err = await t.throwsAsync(startDaemon({ home, timeoutMs: 60_000 }));
  t.is(err!.message, 'plugin hang-in-start: not ready within its start timeout of 3000 ms; raise startTimeout or fix its start()');
  const entries = fs.readFileSync(path.join(homePaths(home).logsDir, 'hang-in-start.log'), 'utf8')
    .split('\n').filter(Boolean).map((l) => JSON.parse(l) as { level?: string; message: string });
  // Two pipes (stderr, ctx.log): their lines' order in the file is not the order they were written in.
  t.deepEqual(entries.map((e) => `${e.level ?? 'stderr'}: ${e.message}`).sort(), [
    'stderr: stopped in the start phase, before the plugin was ready; ctx.signal aborted',
    'warn: start gave up: signal aborted',
  ]);
});

test('a plugin with manual readiness that never calls ctx.ready() is told so, not sent looking for a hang in start()', async (t) => {
  const home = tempHome(t);
  writeConfig(home, { plugins: { 'never-ready': { module: fixture('never-ready'), startTimeout: '3s', stopTimeout: '2s' } } });
  const err = await t.throwsAsync(startDaemon({ home, timeoutMs: 60_000 }));
  t.is(err!.message, "plugin never-ready: not ready within its start timeout of 3000 ms; start() returned, but the plugin never called ctx.ready() (it declares readiness: 'manual'); call it once the plugin is ready, or raise startTimeout");
});
