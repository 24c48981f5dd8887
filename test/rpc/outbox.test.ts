import net from 'node:net';
import test from 'ava';
import { fixture, startTestDaemon } from '../helpers/daemon.js';
import { rssOf, waitUntil } from '../helpers/proc.js';
import { RawSession } from '../helpers/raw-socket.js';

const MiB = 1024 * 1024;
const mb = (n: number) => (n / MiB).toFixed(1);

/** A raw `logs.follow` of log-burst, resolved once the core has answered it (following from then on). */
function follow(socketPath: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(socketPath, () => s.write('{"jsonrpc":"2.0","id":1,"method":"logs.follow","params":{"plugin":"log-burst"}}\n'));
    s.once('error', reject);
    s.once('data', (chunk: Buffer) => {
      // The reply is the first line: no line is logged before it is sent.
      if (!chunk.toString('utf8').startsWith('{"jsonrpc":"2.0","id":1,"result"')) reject(new Error(`unexpected reply ${chunk.toString('utf8')}`));
      resolve(s);
    });
  });
}

/** Counts the `burst RUN n` lines a follower receives, and whether they came in order. */
function reader(s: net.Socket, run: number): { count: number; inOrder: boolean; dropped: boolean } {
  const seen = { count: 0, inOrder: true, dropped: false };
  let partial = '';
  const pattern = new RegExp(`"message":"burst ${run} (\\d+)"`);
  s.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString('utf8')).split('\n');
    partial = lines.pop()!;
    for (const line of lines) {
      if (line.includes('"dropped"')) seen.dropped = true;
      const m = pattern.exec(line);
      if (!m) continue;
      if (Number(m[1]) !== seen.count) seen.inOrder = false;
      seen.count++;
    }
  });
  return seen;
}

test('followers that stop reading under a log flood hold no more of the core\'s memory than rpc.maxBufferedTotal counts; one that reads gets every line in order', async (t) => {
  t.timeout(90_000);
  const budget = 32 * MiB;
  const d = await startTestDaemon(t, {
    config: { rpc: { maxBufferedTotal: budget, maxBufferedBytes: budget }, plugins: { 'log-burst': { module: fixture('log-burst') } } },
    // A small young generation: the flood's short-lived garbage stays small, so RSS shows what is held.
    env: { NODE_OPTIONS: '--max-semi-space-size=1' },
  });
  const client = await d.client();
  // A flood that fits the budget, to a follower that reads: every line, in order, none dropped;
  // and what following a flood costs anyway is not counted below.
  const reading = await follow(d.paths.socket);
  t.teardown(() => reading.destroy());
  const seen = reader(reading, 1);
  await client.call('log-burst.burst', { count: 100_000, stream: 'stdout', chunk: 5000 });
  await waitUntil(() => seen.count === 100_000 || seen.dropped || !seen.inOrder, 30_000, 'the reading follower to get every line');
  t.deepEqual(seen, { count: 100_000, inOrder: true, dropped: false });
  const rssBefore = rssOf(d.pid)!;

  const stalled = await Promise.all([follow(d.paths.socket), follow(d.paths.socket)]);
  t.teardown(() => { for (const s of stalled) s.destroy(); });
  for (const s of stalled) s.pause();
  await client.call('log-burst.burst', { count: 300_000, stream: 'stdout', chunk: 5000 });
  await waitUntil(async () => (await client.call('daemon.status')).rpc.buffered >= budget, 30_000, 'the stalled followers to fill the budget');
  const rssDuring = rssOf(d.pid)!;
  const { rpc } = await client.call('daemon.status');
  t.log(`${mb(rpc.buffered)} MB counted for 2 stalled followers (budget ${mb(budget)} MB); core RSS ${mb(rssBefore)} -> ${mb(rssDuring)} MB`);
  t.true(rssDuring - rssBefore < budget + 16 * MiB, `core RSS grew by ${mb(rssDuring - rssBefore)} MB for ${mb(rpc.buffered)} MB counted`);
});

test('a subscriber gets the notifications of a stop before the core closes its connection', async (t) => {
  const d = await startTestDaemon(t, { config: { plugins: {} } });
  const s = await RawSession.open(d.paths.socket);
  t.teardown(() => s.close());
  s.send('{"jsonrpc":"2.0","id":1,"method":"events.subscribe"}\n');
  t.like(await s.next(), { id: 1, result: { subscribed: 'all' } });
  await d.stop();
  const types: string[] = [];
  for (;;) {
    const line = await s.next().catch(() => null);
    if (line === null) break;
    if (line.method === 'event') types.push(line.params.type);
  }
  t.true(s.closed);
  t.true(types.includes('daemon.stopping'), `events before the close: ${types.join(', ') || 'none'}`);
});
