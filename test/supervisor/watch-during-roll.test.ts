import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { EventRecorder } from '../helpers/events.js';
import { fixture, startTestDaemon } from '../helpers/daemon.js';
import { tempHome } from '../helpers/home.js';
import { waitUntil } from '../helpers/proc.js';

test('watch: an edit that lands while ctl plugins reload rolls two instances leaves both running the new code, restarted once', async (t) => {
  const home = tempHome(t);
  const file = path.join(home, 'echo.ts');
  const source = fs.readFileSync(fixture('http-echo'), 'utf8');
  const marker = 'config: ctx.config }';
  t.true(source.includes(marker));
  fs.writeFileSync(file, source);
  const hold = path.join(home, 'hold');
  const d = await startTestDaemon(t, { home, config: { plugins: { 'http-echo': { module: './echo.ts', instances: 2, watch: true, watchDebounce: '50ms', config: { holdWhileExists: hold } } } } });
  const client = await d.client();
  const events = await EventRecorder.attach(client, ['plugin.']);

  // The roll's first new process holds in its start while the file changes under it.
  fs.writeFileSync(hold, '');
  const reload = client.call('plugins.reload', { name: 'http-echo' });
  await waitUntil(() => fs.existsSync(`${hold}.held`), 10_000, "#0's new process to hold in its start");
  fs.writeFileSync(file, source.replace(marker, 'config: ctx.config, edition: 2 }'));
  await events.next((e) => e.type === 'plugin.changed', 10_000);
  fs.rmSync(hold);
  // The restart the edit caused did what the reload was for: the reload says so, not that it failed.
  t.deepEqual((await reload).map((r) => r.state), ['running', 'running']);

  const edition = async (i: number) => (await client.call<{ edition?: number }>(`http-echo#${i}.settings`).catch((): { edition?: number } => ({}))).edition;
  await waitUntil(async () => {
    const rows = await client.call('plugins.list');
    return rows.every((r) => r.state === 'running') && (await edition(0)) === 2 && (await edition(1)) === 2;
  }, 20_000, 'both instances running the edited code');
  t.deepEqual((await client.call('plugins.list')).map((r) => r.state), ['running', 'running']);
  t.is(events.events.filter((e) => e.type === 'plugin.changed').length, 1, 'one change seen');
  t.deepEqual(events.events.filter((e) => e.type === 'plugin.restart'), [], 'no restart by the restart policy');
  // One start for each instance's restart, and at most one more for each the roll replaced.
  t.true(events.events.filter((e) => e.type === 'plugin.state' && e.to === 'starting').length <= 4, JSON.stringify(events.events.map((e) => `${e.type}:${e.instance ?? ''}:${e.to ?? ''}`)));
});
