import path from 'node:path';
import { execFile } from 'node:child_process';
import test from 'ava';
import { renderPlugins } from '../../src/cli/render/plugins.js';
import type { PluginRow } from '../../src/rpc/wire-types.js';
import { ctl } from '../helpers/cli.js';
import { fixture, ROOT, startTestDaemon } from '../helpers/daemon.js';
import { waitUntil } from '../helpers/proc.js';

const row = (name: string, over: Partial<PluginRow> = {}): PluginRow => ({
  name, plugin: name, instance: 0, state: 'running', pid: 4242, uptime: 3600, restarts: 12,
  lastExit: { code: null, signal: 'SIGKILL', at: new Date(Date.now() - 90_000).toISOString(), cause: 'memory-limit' },
  memory: { rss: 123_456_789 }, cpu: 12.5, error: null, nextStartAt: null, ...over,
});

test('a plugin table wider than the terminal has its last exit column cut with an ellipsis first, then the widest; names last', (t) => {
  const rows = [row('image-server'), row('web', { lastExit: null })];
  const full = renderPlugins(rows);
  t.regex(full, /memory limit, 1m30s ago/);
  const widest = Math.max(...full.split('\n').map((l) => l.length));

  const cut = renderPlugins(rows, widest - 8).split('\n');
  t.true(cut.every((l) => l.length <= widest - 8), cut.join('\n'));
  t.regex(cut[1]!, /^image-server .* memory limit, …$/);

  const narrow = renderPlugins(rows, 64).split('\n');
  t.true(narrow.every((l) => l.length <= 64), narrow.join('\n'));
  t.true(narrow[1]!.startsWith('image-server'), 'the name is kept whole while other columns can give');
  t.true(narrow[1]!.includes('…'));

  // As wide as the table, or wider: nothing is cut.
  t.is(renderPlugins(rows, widest), full);
});

test('ctl plugins fits the table to a narrow terminal, and never cuts it when piped', async (t) => {
  const d = await startTestDaemon(t, { config: { plugins: { 'exit-after-100ms': { module: fixture('exit-after-100ms'), restart: 'never' } } } });
  const client = await d.client();
  await waitUntil(async () => (await client.call('plugins.list'))[0]?.lastExit !== null, 10_000, 'the plugin to exit');

  const piped = await ctl(['plugins', '--home', d.home]);
  t.regex(piped.stdout, /code 1, \S+ ago/);
  // The table, without the notes under it (prose, which wraps as prose does).
  const tableLines = (out: string) => out.replace(/\r/g, '').split('\n\n')[0]!.split('\n');
  const pipedWidth = Math.max(...tableLines(piped.stdout).map((l) => l.length));

  // A real terminal (a pty from script(1)), narrower than the table.
  const cols = pipedWidth - 6;
  const command = `stty cols ${cols}; exec ${process.execPath} ${path.join(ROOT, 'bin', 'run.js')} plugins --home ${d.home}`;
  const tty = await new Promise<string>((resolve, reject) => {
    execFile('script', ['-qec', command, '/dev/null'], { env: { ...process.env, DEBUG: '' }, timeout: 30_000 }, (e, out) => (e ? reject(e) : resolve(out)));
  });
  const lines = tableLines(tty);
  t.true(lines.every((l) => l.length <= cols), tty);
  t.regex(lines[1]!, /^exit-after-100ms .*code 1, .*…$/);
});
