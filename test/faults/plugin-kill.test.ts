import http from 'node:http';
import test from 'ava';
import { EventRecorder } from '../helpers/events.js';
import { fixture, pluginGroups, startTestDaemon } from '../helpers/daemon.js';
import { assertDaemonHealthy, assertTickerIntact, tickerEntry } from '../helpers/faults.js';
import { isGone, waitUntil } from '../helpers/proc.js';

/** GET / from http-echo: the pid of the process that answered. */
function servedBy(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => (res.statusCode === 200 ? resolve(Number(body.trim())) : reject(new Error(`status ${res.statusCode}`))));
    }).on('error', reject);
  });
}

const KILLS = Number(process.env['KILLS'] ?? 50);

test(`kill -9 of a plugin ${KILLS} times: restarted at once and serving each time; the next kill is the configured give-up`, async (t) => {
  t.timeout(5 * 60_000);
  // A run of 250 ms counts as stable, so each kill restarts at once (delay 0); the crash-loop
  // limit is exactly KILLS restarts within 10 minutes, so kill KILLS + 1 is the one given up on.
  const d = await startTestDaemon(t, {
    config: {
      plugins: {
        'http-echo': {
          module: fixture('http-echo'),
          backoff: { resetAfter: '250ms' },
          crashLoop: { restarts: KILLS, window: '10m' },
        },
        'log-ticker': tickerEntry,
      },
    },
  });
  const client = await d.client();
  const events = await EventRecorder.attach(client, ['plugin.']);
  const { port } = await client.call<{ port: number }>('http-echo.address');
  const formerGroups: number[] = [];
  const echo = async () => (await client.call('plugins.list')).find((r) => r.plugin === 'http-echo')!;
  let pid = (await echo()).pid!;
  const delays: unknown[] = [];
  for (let kill = 1; kill <= KILLS + 1; kill++) {
    await waitUntil(async () => ((await echo()).uptime ?? 0) >= 0.3, 30_000, 'a stable run');
    t.is(await servedBy(port), pid, `before kill ${kill}: the running process serves`);
    const mark = events.mark;
    process.kill(pid, 'SIGKILL');
    formerGroups.push(pid);
    if (kill > KILLS) break;
    const restart = await events.next((e) => e.type === 'plugin.restart', 30_000, mark);
    delays.push(restart['delay']);
    const running = await events.state('http-echo', 'running', 30_000, mark);
    t.not(running.pid, pid);
    t.true(isGone(pid), `kill ${kill}: the killed process is gone`);
    pid = running.pid!;
    t.is(await servedBy(port), pid, `after kill ${kill}: the new process serves on the same port`);
    const row = (await client.call('plugins.list')).find((r) => r.plugin === 'http-echo');
    t.is(row!.restarts, kill, `restarts counts kill ${kill}`);
    if (kill % 10 === 0) await assertDaemonHealthy(t, d, { formerGroups });
  }
  t.deepEqual(delays, Array.from({ length: KILLS }, () => 0), 'every restart after a stable run is immediate');
  // Kill KILLS + 1 exceeds crashLoop.restarts within the window: given up, exactly as configured.
  const failed = await events.next((e) => e.type === 'plugin.failed', 30_000);
  t.is(failed['restarts'], KILLS);
  const row = await echo();
  t.is(row.state, 'failed');
  t.is(row.restarts, KILLS);
  t.regex(row.error ?? '', new RegExp(`crash loop: ${KILLS} restarts within 600 s, given up`));
  t.deepEqual(pluginGroups(d.pid).filter((g) => formerGroups.includes(g)), []);
  await assertDaemonHealthy(t, d, { formerGroups });
  // And `plugins restart` brings it back, serving on the same port.
  const [back] = await client.call('plugins.restart', { name: 'http-echo' });
  t.is(back!.state, 'running');
  t.is(await servedBy(port), back!.pid!);
  // A plugin beside it logged throughout: every line it wrote is in its log, once.
  await assertTickerIntact(t, d, client);
  t.log(`${KILLS} kills, ${KILLS} restarts (all immediate), kill ${KILLS + 1} given up as configured`);
});
