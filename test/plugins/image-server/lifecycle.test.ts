import http from 'node:http';
import type net from 'node:net';
import test from 'ava';
import { makeTree, MiB, sparseFile } from './fixtures.js';
import { connect, parseResponse, raw, request, serve, statsOf, waitFor } from './http.js';

/** Collects what a raw socket receives, and whether the server closed it. */
function record(socket: net.Socket): { data: () => Buffer; closed: () => boolean } {
  const chunks: Buffer[] = [];
  let closed = false;
  socket.on('data', (c: Buffer) => chunks.push(c));
  socket.on('close', () => { closed = true; });
  socket.on('error', () => {});
  return { data: () => Buffer.concat(chunks), closed: () => closed };
}

test('graceful stop lets an in-flight download finish', async (t) => {
  const tree = await makeTree(t);
  const size = 64 * MiB;
  sparseFile(tree.file('film.bin'), size);
  const s = await serve(t, { root: tree.root, limits: { drainTimeout: 60_000 } });
  const socket = await connect(s.url);
  t.teardown(() => socket.destroy());
  let received = 0;
  let headerEnd = -1;
  const head: Buffer[] = [];
  socket.on('data', (c: Buffer) => {
    if (headerEnd === -1) {
      head.push(c);
      const all = Buffer.concat(head);
      headerEnd = all.indexOf('\r\n\r\n');
      if (headerEnd !== -1) received = all.length - headerEnd - 4;
    } else {
      received += c.length;
    }
    socket.pause();
  });
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  socket.write('GET /film.bin HTTP/1.1\r\nHost: x\r\n\r\n');
  await waitFor(() => headerEnd !== -1, 'the response to start');

  let stopped = false;
  const stopping = s.stop().then(() => { stopped = true; });
  // Stopping has begun, and the download is still not done: read it all now.
  t.false(stopped);
  socket.on('data', () => socket.resume());
  socket.resume();
  await closed;
  t.is(received, size, 'every byte arrived');
  await stopping;
  t.true(stopped);
});

test('stop never cuts a request being sent: it is answered, with Connection: close', async (t) => {
  const tree = await makeTree(t);
  const s = await serve(t, { root: tree.root, limits: { drainTimeout: 60_000, headersTimeout: 60_000, requestTimeout: 60_000 } });
  // `idle`: kept alive after one response. `sending`: the same, then half of its next request.
  const idle = await connect(s.url);
  const sending = await connect(s.url);
  t.teardown(() => { idle.destroy(); sending.destroy(); });
  const idleRec = record(idle);
  const rec = record(sending);
  const png = tree.bytes('small.png').length;
  for (const socket of [idle, sending]) socket.write('GET /small.png HTTP/1.1\r\nHost: x\r\n\r\n');
  await waitFor(() => [idleRec, rec].every((r) => parseResponse(r.data()).body.length === png), 'the first responses');
  const first = rec.data().length;
  sending.write('GET /photo.jpg HTTP/1.1\r\nHost: x\r\n');

  const stopping = s.stop();
  // The idle connection is closed once stopping has begun and its grace is over...
  await waitFor(() => idleRec.closed(), 'the idle connection to be closed');
  // ...but not the one with a request on the wire, which now finishes it.
  t.false(rec.closed());
  sending.write('\r\n');
  await waitFor(() => rec.closed(), 'the server to close the connection after answering');
  const second = parseResponse(rec.data().subarray(first));
  t.is(second.status, 200);
  t.regex(second.head, /\r\nConnection: close\r\n/i);
  t.true(second.body.equals(tree.bytes('photo.jpg')));
  await stopping;
});

test('stop closes idle keep-alive connections and resolves', async (t) => {
  const tree = await makeTree(t);
  const s = await serve(t, { root: tree.root });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  t.teardown(() => agent.destroy());
  await Promise.all([request(s.url, '/small.png', { agent }), request(s.url, '/photo.jpg', { agent })]);
  const sockets = Object.values(agent.freeSockets).flat();
  t.true(sockets.length > 0, 'idle kept-alive sockets in the agent');
  await s.stop();
  await waitFor(() => sockets.every((so) => so?.destroyed === true), 'the idle sockets to be closed');
  t.pass();
});

test('stop is bounded: a client that never reads is cut at drainTimeout', async (t) => {
  const tree = await makeTree(t);
  sparseFile(tree.file('film.bin'), 256 * MiB);
  const s = await serve(t, { root: tree.root, limits: { drainTimeout: 300 } });
  const socket = await connect(s.url);
  t.teardown(() => socket.destroy());
  const rec = record(socket);
  socket.on('data', () => socket.pause());
  socket.write('GET /film.bin HTTP/1.1\r\nHost: x\r\n\r\n');
  await waitFor(() => rec.data().length > 0, 'the response to start');
  await s.stop(); // returns although the download cannot finish
  socket.resume();
  socket.on('data', () => socket.resume());
  await waitFor(() => rec.closed(), 'the connection to be cut');
  t.true(rec.data().length < 256 * MiB);
});

test('access log: one line per request with method, path, status, bytes, ms and remote', async (t) => {
  const tree = await makeTree(t);
  const s = await serve(t, { root: tree.root, accessLog: true });
  await request(s.url, '/small.png');
  await request(s.url, '/nope.png?x=1');
  await request(s.url, '/small.png', { method: 'POST' });
  await raw(s.url, 'BROKEN\r\n\r\n');
  const access = () => s.logLines().map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l['component'] === 'access');
  const lines = await waitFor(() => access().length >= 4 && access(), 'four access lines');
  t.is(lines.length, 4);
  t.like(lines[3], { method: '-', path: '-', status: 400, remote: '127.0.0.1' }, 'parser-level refusals are logged too');
  t.like(lines[0], { level: 'info', method: 'GET', path: '/small.png', status: 200, bytes: tree.bytes('small.png').length, remote: '127.0.0.1' });
  t.like(lines[1], { method: 'GET', path: '/nope.png?x=1', status: 404 });
  t.like(lines[2], { method: 'POST', path: '/small.png', status: 405 });
  for (const l of lines) t.is(typeof l['ms'], 'number');
  t.regex(String(lines[0]!['message']), /^GET \/small\.png 200 \d+B [\d.]+ms$/);
});

test('access log off (the default): no access lines, and stats still count', async (t) => {
  const tree = await makeTree(t);
  const s = await serve(t, { root: tree.root });
  await request(s.url, '/small.png');
  await waitFor(async () => (await statsOf(s)).requests === 1, 'the request to be counted');
  t.false(s.logLines().some((l) => (JSON.parse(l) as Record<string, unknown>)['component'] === 'access'));
});

test('stats count requests in flight', async (t) => {
  const tree = await makeTree(t);
  sparseFile(tree.file('film.bin'), 256 * MiB);
  const s = await serve(t, { root: tree.root });
  const socket = await connect(s.url);
  t.teardown(() => socket.destroy());
  socket.on('data', () => socket.pause());
  socket.write('GET /film.bin HTTP/1.1\r\nHost: x\r\n\r\n');
  await waitFor(async () => (await statsOf(s)).inFlight === 1, 'one request in flight');
  socket.destroy();
  await waitFor(async () => (await statsOf(s)).inFlight === 0, 'none in flight');
  t.pass();
});
