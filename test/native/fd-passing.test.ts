import test from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { createInterface } from 'node:readline';
import { closeFd, listenTcp, sendFd, socketAddress, socketPair } from '../../src/native/index.js';
import { fakeCore, isGone, waitFor } from '../fixtures/fake-core/harness.js';

type Teardown = { teardown(fn: () => void): void };

/** A "plugin host" that gets the listening socket over a fresh socketpair, as the core hands it on. */
async function startServer(t: Teardown, listenFd: number): Promise<ChildProcess> {
  const [ours, theirs] = socketPair();
  const child = spawn(process.execPath, [fakeCore('http-child.js')], { stdio: ['ignore', 'pipe', 'inherit', theirs] });
  t.teardown(() => { if (!isGone(child.pid!)) child.kill('SIGKILL'); });
  closeFd(theirs);
  sendFd(ours, listenFd);
  closeFd(ours); // the message stays readable after we close our end
  const lines: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (l) => lines.push(l));
  await waitFor('the child to listen', () => lines.includes(`LISTENING ${child.pid}`));
  return child;
}

function get(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (s: string) => { body += s; }).on('end', () => resolve(body));
    }).on('error', reject);
  });
}

test('the listening socket stays in the parent: a client arriving while no child exists queues, and the next child answers it', async (t) => {
  // Core side: listen, never poll (Node never sees this fd), so nothing here accepts.
  const listenFd = listenTcp('127.0.0.1', 0, 64);
  t.teardown(() => closeFd(listenFd));
  const { port } = socketAddress(listenFd);

  const first = await startServer(t, listenFd);
  t.is(await get(port), `served by ${first.pid}\n`);

  const died = new Promise((resolve) => first.once('exit', resolve));
  first.kill('SIGKILL');
  await died;

  // No child now. The connection is still accepted by the kernel (queued on our listening socket),
  // where a socket opened by the child alone would have been refused.
  const client = net.connect({ host: '127.0.0.1', port });
  t.teardown(() => client.destroy());
  let response = '';
  client.setEncoding('utf8').on('data', (s: string) => { response += s; });
  const closed = new Promise((resolve) => client.once('close', resolve));
  await new Promise<void>((resolve, reject) => client.once('connect', resolve).once('error', reject));
  client.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');

  const second = await startServer(t, listenFd);
  await closed;
  t.regex(response, /^HTTP\/1\.1 200 OK\r\n/);
  t.true(response.endsWith(`served by ${second.pid}\n`));
  t.is(await get(port), `served by ${second.pid}\n`);
});
