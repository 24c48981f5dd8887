import net from 'node:net';
import test from 'ava';
import { fixture, startTestDaemon, writeConfig } from '../helpers/daemon.js';
import { httpLoad, untilServed } from '../helpers/http-load.js';
import { waitUntil } from '../helpers/proc.js';

/** A loopback TCP server on a free port, closed when the test ends. */
async function holdPort(t: { teardown(fn: () => void): void }): Promise<{ port: number; close(): Promise<void> }> {
  const server = net.createServer((s) => s.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const close = () => new Promise<void>((resolve) => { if (server.listening) server.close(() => resolve()); else resolve(); });
  t.teardown(close);
  return { port: (server.address() as net.AddressInfo).port, close };
}

async function freePort(t: { teardown(fn: () => void): void }): Promise<number> {
  const held = await holdPort(t);
  await held.close();
  return held.port;
}

/** Whether a TCP connect to the port is refused (nothing listens) rather than accepted or queued. */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => { socket.destroy(); resolve(false); });
    socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED'));
  });
}

test('a port the config moved away from is closed even when the new port cannot be bound yet, and the new one serves once free', async (t) => {
  const oldPort = await freePort(t);
  const entry = (port: number) => ({ module: fixture('http-echo'), instances: 2, config: { port }, backoff: { initial: '50ms', max: '200ms' }, crashLoop: { restarts: 1000 } });
  const d = await startTestDaemon(t, { config: { plugins: { 'http-echo': entry(oldPort) } } });
  const client = await d.client();
  t.false(await refused(oldPort));
  const blocker = await holdPort(t);
  writeConfig(d.home, { plugins: { 'http-echo': entry(blocker.port) } });
  await client.call('daemon.reload');
  // Held by the core with nobody to accept, a client would hang in the backlog instead of being refused.
  await waitUntil(() => refused(oldPort), 5000, 'the old port to be closed');
  await blocker.close();
  const load = httpLoad(blocker.port, 2, 10_000);
  await untilServed(load, 5);
  await load.stop();
  t.true(await refused(oldPort), 'and it stays closed once the plugin serves on the new port');
});
