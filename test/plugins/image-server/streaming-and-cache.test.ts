import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import test, { type ExecutionContext } from 'ava';
import { makeTree, MiB, sparseFile } from './fixtures.js';
import { connect, request, serve, statsOf, waitFor } from './http.js';

for (const mode of [{ name: 'from memory', maxFileBytes: MiB }, { name: 'streamed', maxFileBytes: 64 * 1024 }]) {
  test(`50 parallel downloads of a 1 MiB file are all identical to it (${mode.name})`, async (t) => {
    const tree = await makeTree(t);
    const s = await serve(t, { root: tree.root, cache: { maxFileBytes: mode.maxFileBytes } });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 50 });
    t.teardown(() => agent.destroy());
    const expected = tree.bytes('big.bin');
    const replies = await Promise.all(Array.from({ length: 50 }, () => request(s.url, '/big.bin', { agent })));
    for (const r of replies) {
      t.is(r.status, 200);
      t.true(r.body.equals(expected));
    }
    const stats = await statsOf(s);
    t.is(stats.bytes, 50 * MiB);
    t.is(stats.inFlight, 0);
  });
}

test('a client that does not read does not make the server read the whole file (back-pressure)', async (t) => {
  const tree = await makeTree(t);
  const size = 512 * MiB;
  sparseFile(tree.file('huge.bin'), size);
  const s = await serve(t, { root: tree.root });
  const socket = await connect(s.url);
  t.teardown(() => socket.destroy());
  let received = 0;
  socket.on('data', (c: Buffer) => {
    received += c.length;
    socket.pause(); // read one chunk, then stop reading: the kernel buffers fill up
  });
  socket.write('GET /huge.bin HTTP/1.1\r\nHost: x\r\n\r\n');
  await waitFor(() => received > 0, 'the first bytes');
  // Wait until the server stops sending (its count holds still), or has clearly not stopped.
  let last = -1;
  let still = 0;
  const sent = await waitFor(async () => {
    const { bytes } = await statsOf(s);
    still = bytes === last ? still + 1 : 0;
    last = bytes;
    return (still >= 5 || bytes > 128 * MiB) && bytes;
  }, 'the server to stall');
  t.log(`server sent ${sent} bytes`);
  t.true(sent < 128 * MiB, `the server read ${sent} bytes of ${size} for a client that read ${received}`);
  t.is((await statsOf(s)).inFlight, 1);
  // Other clients are served meanwhile.
  t.is((await request(s.url, '/small.png')).status, 200);
  socket.destroy();
  await waitFor(async () => (await statsOf(s)).inFlight === 0, 'the abandoned response to close');
});

test('a slow reader still gets every byte of a big streamed file', async (t) => {
  const tree = await makeTree(t);
  const data = Buffer.alloc(8 * MiB);
  for (let i = 0; i < data.length; i += 4096) data.writeUInt32BE(i, i);
  fs.writeFileSync(tree.file('eight.bin'), data);
  const s = await serve(t, { root: tree.root });
  const hash = await new Promise<string>((resolve, reject) => {
    http.get(`${s.url}/eight.bin`, { agent: false }, (res) => {
      const h = createHash('sha256');
      let n = 0;
      res.on('data', (c: Buffer) => {
        h.update(c);
        // Pause now and then, as a slow client would.
        if (++n % 8 === 0) {
          res.pause();
          setImmediate(() => res.resume());
        }
      });
      res.on('end', () => resolve(h.digest('hex')));
      res.on('error', reject);
    }).on('error', reject);
  });
  t.is(hash, createHash('sha256').update(data).digest('hex'));
});

for (const mode of [{ name: 'from memory', maxFileBytes: MiB }, { name: 'streamed', maxFileBytes: 0 }]) {
  test(`a changed file is seen: new bytes, new ETag (${mode.name})`, async (t) => {
    const tree = await makeTree(t);
    const s = await serve(t, { root: tree.root, cache: { maxFileBytes: mode.maxFileBytes, statTtl: 200 } });
    const file = tree.file('note.jpg');
    fs.writeFileSync(file, 'version one');
    const first = await request(s.url, '/note.jpg');
    t.is(first.body.toString(), 'version one');
    t.is((await request(s.url, '/note.jpg')).body.toString(), 'version one');

    // Same size, new content: the ETag must still change (mtime), and the memory copy must go.
    fs.writeFileSync(`${file}.tmp`, 'version two');
    fs.renameSync(`${file}.tmp`, file);
    const second = await waitFor(async () => {
      const r = await request(s.url, '/note.jpg');
      return r.body.toString() === 'version two' && r;
    }, 'the new content');
    t.not(second.headers.etag, first.headers.etag);
    t.is((await request(s.url, '/note.jpg', { headers: { 'if-none-match': String(first.headers.etag) } })).status, 200);

    fs.writeFileSync(file, 'version three, longer');
    await waitFor(async () => (await request(s.url, '/note.jpg')).body.toString() === 'version three, longer', 'the rewritten content');
    fs.rmSync(file);
    await waitFor(async () => (await request(s.url, '/note.jpg')).status === 404, 'the deletion');
  });
}

test('stats grow: requests, bytes, status counts, cache hits and misses, in flight back to 0', async (t) => {
  const tree = await makeTree(t);
  const s = await serve(t, { root: tree.root });
  const before = await statsOf(s);
  t.deepEqual(before, { requests: 0, bytes: 0, status: {}, cache: { hits: 0, misses: 0 }, thumbnails: 0, inFlight: 0 });
  const png = tree.bytes('small.png').length;
  for (let i = 0; i < 3; i++) await request(s.url, '/small.png');
  await request(s.url, '/nope.png');
  await request(s.url, '/small.png', { method: 'DELETE' });
  const after = await waitFor(async () => {
    const st = await statsOf(s);
    return st.requests === 5 && st.inFlight === 0 && st;
  }, 'five finished requests');
  t.is(after.status['200'], 3);
  t.is(after.status['404'], 1);
  t.is(after.status['405'], 1);
  t.true(after.bytes >= 3 * png);
  t.is(after.cache.misses, 1);
  t.is(after.cache.hits, 2);
});

/**
 * Send `requests` on one raw connection, run `change` once the first response bytes arrive (the
 * server is then streaming, and soon blocked on the paused client), and collect everything until
 * the server closes the connection.
 */
async function whileStreaming(t: ExecutionContext, url: string, requests: string, change: () => void): Promise<{ head: string; body: Buffer }> {
  const socket = await connect(url);
  t.teardown(() => socket.destroy());
  const chunks: Buffer[] = [];
  let closed = false;
  socket.once('data', () => {
    socket.pause();
    change();
    socket.resume();
  });
  socket.on('data', (c: Buffer) => chunks.push(c));
  socket.on('close', () => (closed = true));
  socket.write(requests);
  await waitFor(() => closed, 'the server to close the connection');
  const all = Buffer.concat(chunks);
  const headEnd = all.indexOf('\r\n\r\n');
  return { head: all.subarray(0, headEnd).toString('latin1'), body: all.subarray(headEnd + 4) };
}

test('a file truncated while it streams closes the connection: no short body, no next response spliced into it', async (t) => {
  const tree = await makeTree(t);
  const file = tree.file('shrinks.bin');
  sparseFile(file, 16 * MiB); // zeros: a response head inside the body cannot be there by chance
  const s = await serve(t, { root: tree.root, limits: { keepAliveTimeout: 1000 } });
  // Pipelined: the second response must never be taken for the rest of the first one's body.
  const { head, body } = await whileStreaming(t, s.url, 'GET /shrinks.bin HTTP/1.1\r\nHost: x\r\n\r\nGET /small.png HTTP/1.1\r\nHost: x\r\n\r\n', () => fs.truncateSync(file, MiB));
  t.regex(head, /^HTTP\/1\.1 200 .*\r\nContent-Length: 16777216\r\n/s);
  t.true(body.length < 16 * MiB);
  t.is(body.indexOf('HTTP/1.1'), -1, 'the next response was written into the short body');
});

test('a file rewritten in place while it streams closes the connection short: never a mix of old and new bytes', async (t) => {
  const tree = await makeTree(t);
  const file = tree.file('rewritten.bin');
  const size = 32 * MiB;
  sparseFile(file, size); // zeros, written well before the rewrite: its mtime and ctime then differ
  const s = await serve(t, { root: tree.root });
  // Same size, other bytes.
  const { head, body } = await whileStreaming(t, s.url, 'GET /rewritten.bin HTTP/1.1\r\nHost: x\r\n\r\n', () => fs.writeFileSync(file, Buffer.alloc(size, 'b'), { flag: 'r+' }));
  t.regex(head, /^HTTP\/1\.1 200 .*\r\nContent-Length: 33554432\r\n/s);
  t.true(body.length < size, 'the body was completed');
  t.is(body.indexOf('b'), -1, 'bytes of the new version were sent under the old one\'s headers');
  await waitFor(() => s.logLines().filter((l) => l.includes('rewritten.bin changed while it was sent')).length === 1, 'one warning');
});

test('a file rewritten in place with its mtime put back gets a new ETag, and its old bytes leave the memory cache', async (t) => {
  const tree = await makeTree(t);
  const file = tree.file('note.jpg');
  fs.writeFileSync(file, 'version one');
  fs.utimesSync(file, 1_000_000, 1_000_000);
  const s = await serve(t, { root: tree.root, cache: { statTtl: 0 } });
  const first = await request(s.url, '/note.jpg');
  t.is(first.body.toString(), 'version one');
  fs.writeFileSync(file, 'version two', { flag: 'r+' });
  fs.utimesSync(file, 1_000_000, 1_000_000); // only ctime tells now
  const second = await request(s.url, '/note.jpg');
  t.is(second.body.toString(), 'version two');
  t.not(second.headers.etag, first.headers.etag);
  t.is((await request(s.url, '/note.jpg', { headers: { 'if-none-match': String(first.headers.etag) } })).status, 200);
});
