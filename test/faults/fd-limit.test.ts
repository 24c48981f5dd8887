import { execFileSync } from 'node:child_process';
import net from 'node:net';
import test from 'ava';
import { fixture, startTestDaemon } from '../helpers/daemon.js';
import { assertDaemonHealthy, assertTickerIntact, tickerEntry } from '../helpers/faults.js';
import { fdsOf, waitUntil } from '../helpers/proc.js';

/** Set the soft RLIMIT_NOFILE of a running process (prlimit(1), util-linux). */
function setFdLimit(pid: number, soft: number | 'hard'): void {
  const hard = execFileSync('prlimit', ['--pid', String(pid), '--nofile', '--raw', '--noheadings', '--output', 'HARD'], { encoding: 'utf8' }).trim();
  execFileSync('prlimit', ['--pid', String(pid), `--nofile=${soft === 'hard' ? hard : soft}:${hard}`]);
}

/** Connect, send a status request, and resolve whether it was answered (true) or closed unanswered (false). */
function probe(socketPath: string, held: net.Socket[]): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(socketPath, () => s.write('{"jsonrpc":"2.0","id":1,"method":"daemon.status"}\n'));
    held.push(s);
    s.on('error', () => resolve(false));
    s.on('close', () => resolve(false));
    s.once('data', () => resolve(true));
  });
}

test('the core out of file descriptors: it keeps running and serving its clients, a plugin start fails with a line naming the limit, and all works again once descriptors free up', async (t) => {
  // NODE_OPTIONS keeps the start off the spare host (already running, it needs no descriptor): it spawns.
  const d = await startTestDaemon(t, { config: { plugins: { forever: { module: fixture('forever'), env: { NODE_OPTIONS: '' } }, 'log-ticker': tickerEntry } } });
  const client = await d.client();
  await client.call('plugins.stop', { name: 'forever' });
  const held: net.Socket[] = [];
  t.teardown(() => { for (const s of held) s.destroy(); });
  const limit = fdsOf(d.pid).size + 4;
  setFdLimit(d.pid, limit);
  const failure = { message: /start failed: spawn of the plugin host failed \(.*\): the core may be out of file descriptors .*ulimit -n/ };
  try {
    // Connect until the core has no descriptor left to accept with: libuv then closes the newcomer.
    const answered: net.Socket[] = [];
    let refused = false;
    for (let i = 0; i < 50 && !refused; i++) {
      refused = !(await probe(d.paths.socket, held));
      if (!refused) answered.push(held.at(-1)!);
    }
    t.true(refused, 'a connection was refused for want of descriptors');
    const since = (await client.call('daemon.status')).uptime;
    // The core samples its memory each second, which opens /proc/self/stat: it has to live through that.
    await waitUntil(async () => (await client.call('daemon.status')).uptime > since + 2.5, 15_000, 'the core to run on for 2.5 s out of descriptors');
    // No descriptor at all: the host's socketpair fails.
    await t.throwsAsync(client.call('plugins.start', { name: 'forever' }), failure);
    // Two free: the socketpair is made, the spawn's pipes are not.
    const full = fdsOf(d.pid).size;
    for (const s of answered.slice(0, 2)) s.destroy();
    await waitUntil(() => fdsOf(d.pid).size <= full - 2, 10_000, 'the core to close two connections');
    await t.throwsAsync(client.call('plugins.start', { name: 'forever' }), { message: /\(fork or pipe refused\)/ });
  } finally {
    for (const s of held) s.destroy();
    setFdLimit(d.pid, 'hard');
  }
  const [row] = await client.call('plugins.start', { name: 'forever' });
  t.is(row!.state, 'running');
  await assertDaemonHealthy(t, d);
  await assertTickerIntact(t, d, client);
});
