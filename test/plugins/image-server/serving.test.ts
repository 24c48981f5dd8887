import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import test from 'ava';
import { makeTree, SAMPLE_IMAGES } from './fixtures.js';
import { connect, parseResponse, raw, request, serve, waitFor } from './http.js';
import { startImageServer } from './start.js';

const TYPES: Array<[string, string]> = [
  ['photo.jpg', 'image/jpeg'],
  ['small.png', 'image/png'],
  ['anim.gif', 'image/gif'],
  ['pic.webp', 'image/webp'],
  ['pic.avif', 'image/avif'],
  ['logo.svg', 'image/svg+xml'],
  ['favicon.ico', 'image/vnd.microsoft.icon'],
  ['pic.bmp', 'image/bmp'],
  ['scan.tiff', 'image/tiff'],
];

test('each common image type: its Content-Type, the exact bytes, validators, nosniff', async (t) => {
  const tree = await makeTree(t);
  const s = await serve(t, { root: tree.root });
  for (const [file, type] of TYPES) {
    const r = await request(s.url, `/${file}`);
    const bytes = tree.bytes(file);
    t.is(r.status, 200, file);
    t.is(r.headers['content-type'], type, file);
    t.true(r.body.equals(bytes), file);
    t.is(r.headers['content-length'], String(bytes.length), file);
    t.regex(r.headers.etag ?? '', /^"[^"]+"$/, `${file}: a strong ETag`);
    t.is(r.headers['last-modified'], new Date(Math.floor(fs.statSync(tree.file(file)).mtimeMs / 1000) * 1000).toUTCString(), file);
    t.is(r.headers['x-content-type-options'], 'nosniff', file);
    t.is(r.headers['accept-ranges'], 'bytes', file);
    t.is(r.headers['cache-control'], 'public, max-age=3600', file);
  }
});

test('SVG is served with a restrictive Content-Security-Policy; raster images need none', async (t) => {
  const tree = await makeTree(t);
  const s = await serve(t, { root: tree.root });
  const svg = await request(s.url, '/logo.svg');
  t.regex(String(svg.headers['content-security-policy']), /default-src 'none'/);
  t.regex(String(svg.headers['content-security-policy']), /sandbox/);
  t.is((await request(s.url, '/photo.jpg')).headers['content-security-policy'], undefined);
  // Anything that is not a raster image is sandboxed too (HTML dropped into the root, say).
  t.regex(String((await request(s.url, '/big.bin')).headers['content-security-policy']), /sandbox/);
  t.is((await request(s.url, '/big.bin')).headers['content-type'], 'application/octet-stream');
});

test('HEAD: the GET headers and not one byte of body', async (t) => {
  const tree = await makeTree(t);
  const s = await serve(t, { root: tree.root, cache: { maxFileBytes: 1024 } });
  for (const file of ['small.png', 'big.bin', 'logo.svg']) {
    const get = await request(s.url, `/${file}`);
    const res = parseResponse(await raw(s.url, `HEAD /${file} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`));
    t.is(res.status, 200, file);
    t.is(res.body.length, 0, `${file}: no body`);
    t.true(res.head.includes(`Content-Length: ${get.body.length}`), file);
    t.true(res.head.includes(`ETag: ${get.headers.etag}`), file);
  }
  const missing = parseResponse(await raw(s.url, 'HEAD /nope.png HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
  t.is(missing.status, 404);
  t.is(missing.body.length, 0);
});

test('any other method: 405 with Allow: GET, HEAD, whether or not the file exists', async (t) => {
  const tree = await makeTree(t);
  const s = await serve(t, { root: tree.root });
  for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
    for (const p of ['/small.png', '/nope.png']) {
      const r = await request(s.url, p, { method });
      t.is(r.status, 405, `${method} ${p}`);
      t.is(r.headers.allow, 'GET, HEAD');
    }
  }
  t.true(fs.existsSync(tree.file('small.png')), 'nothing was deleted');
  // CONNECT never reaches Node's request handler; it is answered all the same.
  const connect = parseResponse(await raw(s.url, 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n'));
  t.is(connect.status, 405);
  t.regex(connect.head, /\r\nAllow: GET, HEAD\r\n/);
});

test('answers written on the bare socket (CONNECT, parser refusals) carry a Date, as RFC 9110 §6.6.1 requires', async (t) => {
  const tree = await makeTree(t);
  const s = await serve(t, { root: tree.root });
  const connect = parseResponse(await raw(s.url, 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n'));
  t.is(connect.status, 405);
  t.regex(connect.head, /\r\nDate: \w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT\r\n/);
  const malformed = parseResponse(await raw(s.url, 'GET /small.png HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n'));
  t.is(malformed.status, 400);
  t.regex(malformed.head, /\r\nDate: \w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT\r\n/);
});

test('an absolute-form request target is served like its path', async (t) => {
  const tree = await makeTree(t);
  const s = await serve(t, { root: tree.root });
  const r = parseResponse(await raw(s.url, 'GET http://elsewhere.example/small.png HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
  t.is(r.status, 200);
  t.true(r.body.equals(tree.bytes('small.png')));
});

test('404 for a missing file, a file with a trailing slash, a directory (index off) and a FIFO', async (t) => {
  const tree = await makeTree(t);
  const s = await serve(t, { root: tree.root });
  for (const p of ['/nope.png', '/small.png/', '/sub/', '/sub', '/', '/fifo', '/sub/nope/deeper.png']) {
    const r = await request(s.url, p);
    t.is(r.status, 404, p);
    t.is(r.headers['x-content-type-options'], 'nosniff', p);
  }
});

test('Cache-Control is configurable, and an empty value sends none', async (t) => {
  const tree = await makeTree(t);
  const custom = await serve(t, { root: tree.root, cacheControl: 'no-cache' });
  t.is((await request(custom.url, '/small.png')).headers['cache-control'], 'no-cache');
  const none = await serve(t, { root: tree.root, cacheControl: '' });
  t.is((await request(none.url, '/small.png')).headers['cache-control'], undefined);
});

test('keep-alive: one connection serves request after request', async (t) => {
  const tree = await makeTree(t);
  const s = await serve(t, { root: tree.root });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  t.teardown(() => agent.destroy());
  const replies = [];
  for (let i = 0; i < 5; i++) replies.push(await request(s.url, i % 2 === 0 ? '/small.png' : '/nope.png', { agent }));
  t.deepEqual(replies.map((r) => r.status), [200, 404, 200, 404, 200]);
  t.deepEqual(replies.map((r) => r.reused), [false, true, true, true, true]);
  t.is(replies[0]!.headers.connection, 'keep-alive');
});

test('directory index (index: true): JSON of what would be served, and /dir redirects to /dir/', async (t) => {
  const tree = await makeTree(t);
  const s = await serve(t, { root: tree.root, index: true });
  const r = await request(s.url, '/');
  t.is(r.status, 200);
  t.is(r.headers['content-type'], 'application/json; charset=utf-8');
  const index = JSON.parse(r.body.toString()) as { path: string; entries: Array<{ name: string; type: string; size?: number }> };
  t.is(index.path, '/');
  const names = index.entries.map((e) => e.name);
  t.true(names.includes('photo.jpg'));
  t.true(names.includes('link-in.png'), 'a symlink inside the root is listed');
  t.deepEqual(index.entries.find((e) => e.name === 'sub'), { name: 'sub', type: 'directory' });
  t.is(index.entries.find((e) => e.name === 'big.bin')?.size, 1024 * 1024);
  for (const hidden of ['.secret', '.git', 'link-out.txt', 'dir-out', 'hidden-link.png', 'fifo']) t.false(names.includes(hidden), hidden);

  const sub = await request(s.url, '/sub');
  t.is(sub.status, 301);
  t.is(sub.headers.location, '/sub/');
  t.deepEqual(JSON.parse((await request(s.url, '/sub/')).body.toString()).entries.map((e: { name: string }) => e.name), ['nested.png']);
  // The Location is built from the decoded path: `//sub` must not become protocol-relative `//sub/`.
  t.is((await request(s.url, '//sub')).headers.location, '/sub/');
  t.is((await request(s.url, '/dir-out/')).status, 404, 'a directory symlink out of the root is not listed');
});

test('a listed directory that is removed is then 404, not 500, even while its lookup is still trusted', async (t) => {
  const tree = await makeTree(t);
  const s = await serve(t, { root: tree.root, index: true, cache: { statTtl: 60_000 } });
  fs.mkdirSync(tree.file('album'));
  t.is((await request(s.url, '/album/')).status, 200);
  fs.rmdirSync(tree.file('album'));
  t.is((await request(s.url, '/album/')).status, 404);
  t.is((await request(s.url, '/album/', { method: 'HEAD' })).status, 404);
});

test('the default config serves the bundled sample images', async (t) => {
  const s = await serve(t);
  const samples = fs.readdirSync(SAMPLE_IMAGES).filter((f) => !f.startsWith('.') && f !== 'README.md');
  t.true(samples.length >= 6);
  for (const file of samples) {
    const r = await request(s.url, `/${file}`);
    t.is(r.status, 200, file);
    t.true(r.body.equals(fs.readFileSync(path.join(SAMPLE_IMAGES, file))), file);
    t.regex(r.headers['content-type'] ?? '', /^image\//, file);
  }
});

test('a bad config is refused, naming the field', async (t) => {
  await t.throwsAsync(startImageServer({ port: 70_000 }), { message: /plugins\.image-server\.config\.port/ });
  await t.throwsAsync(startImageServer({ root: '/no/such/dir' }), { message: /plugins\.image-server\.config\.root: must be an existing directory/ });
  await t.throwsAsync(startImageServer({ colour: 'blue' }), { message: /plugins\.image-server\.config\.colour/ });
  await t.throwsAsync(startImageServer({ limits: { maxUrlBytes: 99_999, maxHeaderBytes: 8192 } }), { message: /plugins\.image-server\.config\.limits\.maxUrlBytes/ });
  await t.throwsAsync(startImageServer({ thumbnails: { formats: ['bmp'] } }), { message: /plugins\.image-server\.config\.thumbnails\.formats/ });
});

test('Expect: 100-continue invites the body only for GET and HEAD; another method gets its 405 at once', async (t) => {
  const tree = await makeTree(t);
  const s = await serve(t, { root: tree.root });
  // A 100 MB upload announced: refused before a byte of it is sent, and the connection closed.
  const socket = await connect(s.url);
  t.teardown(() => socket.destroy());
  const chunks: Buffer[] = [];
  let closed = false;
  socket.on('data', (c: Buffer) => chunks.push(c));
  socket.on('close', () => (closed = true));
  socket.write('PUT /small.png HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 100000000\r\n\r\n');
  await waitFor(() => closed, 'the 405 and the close', 5000);
  const refused = parseResponse(Buffer.concat(chunks));
  t.is(refused.status, 405);
  t.regex(refused.head, /\r\nAllow: GET, HEAD\r\n/);
  t.regex(refused.head, /\r\nConnection: close(\r\n|$)/);

  // A GET is invited, then served once its (pointless) body has arrived.
  const served = (await raw(s.url, 'GET /small.png HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc')).toString('latin1');
  t.regex(served, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK\r\n/);
});
