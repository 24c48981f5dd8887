import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import test from 'ava';
import winston from 'winston';
import { BusyPoll, runnableTasks } from '../../src/rpc/busy-poll.js';
import { ControlServer, daemonStatus, MethodRegistry } from '../../src/rpc/index.js';
import { EventRecorder } from '../helpers/events.js';
import { startTestDaemon } from '../helpers/daemon.js';
import { makeTempHome, removeTempHome } from '../helpers/home.js';

const polling = () => process.getActiveResourcesInfo().includes('Immediate');

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

test.serial('a client is in a conversation when it asks again within twice the window of its last reply', async (t) => {
  const poll = new BusyPoll(500);
  const a = {};
  const b = {};
  t.false(poll.arrived(a), 'a first request is not part of a conversation');
  poll.replied(a, false);
  t.true(poll.arrived(a), 'asked again at once');
  t.false(poll.arrived(b), 'each client is judged by its own replies');
  await until(() => !polling());

  const short = new BusyPoll(5);
  short.replied(a, false);
  const repliedAt = performance.now();
  await until(() => performance.now() - repliedAt > 10);
  t.false(short.arrived(a), 'a client that thinks between calls does not make the core poll');

  const off = new BusyPoll(0);
  off.replied(a, true);
  t.false(off.arrived(a), 'a window of 0 turns it off');
  t.false(polling());
});

test.serial('after a reply in a conversation the event loop keeps turning for the window, then sleeps again', async (t) => {
  const poll = new BusyPoll(30);
  const client = {};
  poll.replied(client, false);
  t.false(polling(), 'a reply outside a conversation does not poll');
  const start = performance.now();
  poll.replied(client, true);
  t.true(polling());
  // Timers run while it polls: the loop is turning, not stuck in a busy loop of its own.
  let ticks = 0;
  await until(() => { ticks++; return !polling(); });
  t.true(performance.now() - start >= 30, 'polled for the whole window');
  t.true(ticks > 1);
});

test.serial('a notification from a client gets no reply, so it neither polls nor makes the request after it conversational', async (t) => {
  const dir = makeTempHome();
  t.teardown(() => removeTempHome(dir));
  let handled = 0;
  let onHandled = () => {};
  const registry = new MethodRegistry();
  registry.register(daemonStatus, () => { handled++; onHandled(); return { pid: process.pid } as never; });
  // A window far longer than the steps below take: timing plays no part in what is seen.
  const server = new ControlServer({
    socketPath: path.join(dir, 's.sock'), registry, log: winston.createLogger({ silent: true }),
    limits: { maxLineBytes: 1 << 20, maxBufferedBytes: 1 << 20, maxBufferedTotal: 1 << 24, idleTimeoutMs: 60_000, maxConnections: 10, busyPollMs: 2000 },
  });
  await server.listen();
  t.teardown(() => server.close());
  const s = net.connect(path.join(dir, 's.sock'));
  t.teardown(() => s.destroy());
  await new Promise((resolve) => s.once('connect', resolve));

  s.write('{"jsonrpc":"2.0","method":"daemon.status"}\n');
  await new Promise<void>((resolve) => { onHandled = resolve; });
  // The dispatcher's promise settles in the microtasks after the handler; an Immediate comes after them.
  await new Promise((resolve) => setImmediate(resolve));
  t.is(handled, 1);
  t.false(polling(), 'a notification made the core poll');
  s.write('{"jsonrpc":"2.0","id":1,"method":"daemon.status"}\n');
  await new Promise((resolve) => s.once('data', resolve));
  t.false(polling(), 'a first request after a notification was taken for a call in a loop');
});

test.serial('polling stops while more tasks want to run than there are CPUs, and a client calling in a loop is then answered sleeping', async (t) => {
  // One busy process per CPU, and this one: polling would take a CPU from one of them.
  const hogs = Array.from({ length: os.availableParallelism() }, () => spawn(process.execPath, ['-e', 'for (;;);'], { stdio: 'ignore' }));
  t.teardown(() => { for (const h of hogs) h.kill('SIGKILL'); });
  await until(() => (runnableTasks() ?? 0) > os.availableParallelism());
  const poll = new BusyPoll(1);
  const client = {};
  let armed = true;
  const end = Date.now() + 5000;
  // A client answered again and again, each time within the window, until a reply no longer polls.
  while (armed && Date.now() < end) {
    poll.replied(client, true);
    armed = polling();
    await new Promise((resolve) => setImmediate(resolve));
  }
  t.false(armed, 'replies to a client calling in a loop still poll on a contended machine');
  t.true(poll.held);
});

test('a client calling in a loop is answered throughout, others are served meanwhile, and the core goes back to sleep', async (t) => {
  // The longest window there is, so that the core polls nearly all the time the loop runs.
  const d = await startTestDaemon(t, { config: { plugins: {}, rpc: { busyPoll: '1ms' } } });
  const looping = await d.client();
  const watcher = await d.client();
  const other = await d.client();
  const recorder = await EventRecorder.attach(watcher, ['logs.rotated']);
  let calls = 0;
  const loop = (async () => {
    for (let i = 0; i < 3000; i++) {
      const status = await looping.call('daemon.status');
      if (status.pid === d.pid) calls++;
    }
  })();
  await other.call('logs.rotate');
  await recorder.next((e) => e.type === 'logs.rotated');
  await loop;
  t.is(calls, 3000);
  // Idle again, the core sleeps in epoll ('S'): the polling ended with the conversation.
  await until(() => fs.readFileSync(`/proc/${d.pid}/stat`, 'utf8').split(') ')[1]!.startsWith('S'));
  t.pass();
});
