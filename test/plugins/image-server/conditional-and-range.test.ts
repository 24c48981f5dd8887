import test from 'ava';
import { makeTree } from './fixtures.js';
import { parseResponse, raw, request, serve } from './http.js';

// Each test runs twice: small files come from memory, big ones are streamed from disk.
const MODES = [
  { name: 'from memory', config: {} },
  { name: 'streamed', config: { cache: { maxFileBytes: 0 } } },
];

for (const mode of MODES) {
  test(`If-None-Match and If-Modified-Since give 304 with validators and no body (${mode.name})`, async (t) => {
    const tree = await makeTree(t);
    const s = await serve(t, { root: tree.root, ...mode.config });
    const first = await request(s.url, '/photo.jpg');
    const etag = String(first.headers.etag);
    const lastModified = String(first.headers['last-modified']);

    for (const inm of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      const r = await request(s.url, '/photo.jpg', { headers: { 'if-none-match': inm } });
      t.is(r.status, 304, inm);
      t.is(r.body.length, 0);
      t.is(r.headers.etag, etag);
      t.is(r.headers['cache-control'], 'public, max-age=3600');
    }
    t.is((await request(s.url, '/photo.jpg', { headers: { 'if-none-match': '"other"' } })).status, 200);

    t.is((await request(s.url, '/photo.jpg', { headers: { 'if-modified-since': lastModified } })).status, 304);
    // A date in the future is ignored (as Apache and nginx do), else it would 304 until then.
    t.is((await request(s.url, '/photo.jpg', { headers: { 'if-modified-since': new Date(Date.now() + 3_600_000).toUTCString() } })).status, 200);
    t.is((await request(s.url, '/photo.jpg', { headers: { 'if-modified-since': new Date(Date.parse(lastModified) - 1000).toUTCString() } })).status, 200);
    t.is((await request(s.url, '/photo.jpg', { headers: { 'if-modified-since': 'not a date' } })).status, 200);
    // Only an HTTP-date counts (RFC 9110 §13.1.3), in any of its three forms; `2099` is no date.
    t.is((await request(s.url, '/photo.jpg', { headers: { 'if-modified-since': '2099' } })).status, 200);
    const [, wkday, dd, mon, yyyy, hms] = /^(\w{3}), (\d\d) (\w{3}) (\d{4}) ([\d:]{8}) GMT$/.exec(lastModified) ?? [];
    const asctime = `${wkday} ${mon} ${dd!.replace(/^0/, ' ')} ${hms} ${yyyy}`;
    t.is((await request(s.url, '/photo.jpg', { headers: { 'if-modified-since': asctime } })).status, 304, asctime);
    // If-None-Match wins over If-Modified-Since (RFC 9110 §13.2.2).
    t.is((await request(s.url, '/photo.jpg', { headers: { 'if-none-match': '"other"', 'if-modified-since': lastModified } })).status, 200);

    const head = parseResponse(await raw(s.url, `HEAD /photo.jpg HTTP/1.1\r\nHost: x\r\nIf-None-Match: ${etag}\r\nConnection: close\r\n\r\n`));
    t.is(head.status, 304);
  });

  test(`If-Match and If-Unmodified-Since give 412 when they fail (${mode.name})`, async (t) => {
    const tree = await makeTree(t);
    const s = await serve(t, { root: tree.root, ...mode.config });
    const first = await request(s.url, '/photo.jpg');
    const etag = String(first.headers.etag);
    t.is((await request(s.url, '/photo.jpg', { headers: { 'if-match': '"other"' } })).status, 412);
    t.is((await request(s.url, '/photo.jpg', { headers: { 'if-match': `W/${etag}` } })).status, 412, 'If-Match compares strongly');
    t.is((await request(s.url, '/photo.jpg', { headers: { 'if-match': etag } })).status, 200);
    t.is((await request(s.url, '/photo.jpg', { headers: { 'if-unmodified-since': new Date(0).toUTCString() } })).status, 412);
    t.is((await request(s.url, '/photo.jpg', { headers: { 'if-unmodified-since': String(first.headers['last-modified']) } })).status, 200);
  });

  test(`a single Range gives 206 with the exact slice; unsatisfiable gives 416 (${mode.name})`, async (t) => {
    const tree = await makeTree(t);
    const s = await serve(t, { root: tree.root, ...mode.config });
    const bytes = tree.bytes('big.bin');
    const size = bytes.length;
    const cases: Array<[string, number, number]> = [
      ['bytes=0-99', 0, 99],
      ['bytes=100-', 100, size - 1],
      ['bytes=-500', size - 500, size - 1],
      ['bytes=1000-99999999', 1000, size - 1],
      ['bytes=0-0', 0, 0],
      [`bytes=${size - 1}-`, size - 1, size - 1],
      ['bytes=-99999999', 0, size - 1],
      ['BYTES=5-9', 5, 9],
    ];
    for (const [range, start, end] of cases) {
      const r = await request(s.url, '/big.bin', { headers: { range } });
      t.is(r.status, 206, range);
      t.is(r.headers['content-range'], `bytes ${start}-${end}/${size}`, range);
      t.is(r.headers['content-length'], String(end - start + 1), range);
      t.true(r.body.equals(bytes.subarray(start, end + 1)), range);
    }
    for (const range of [`bytes=${size}-`, `bytes=${size + 10}-${size + 20}`, 'bytes=-0']) {
      const r = await request(s.url, '/big.bin', { headers: { range } });
      t.is(r.status, 416, range);
      t.is(r.headers['content-range'], `bytes */${size}`, range);
    }
    t.is((await request(s.url, '/empty.jpg', { headers: { range: 'bytes=0-' } })).status, 416, 'nothing in an empty file is satisfiable');
    // Ignored, whole file with 200: several ranges, other units, bad syntax.
    for (const range of ['bytes=0-1,5-6', 'items=0-5', 'bytes=5-1', 'bytes=abc', 'bytes=-', `bytes=${'9'.repeat(20)}-`]) {
      const r = await request(s.url, '/big.bin', { headers: { range } });
      t.is(r.status, 200, range);
      t.is(r.body.length, size, range);
    }
  });

  test(`If-Range: honoured for the current ETag or date, else the whole file (${mode.name})`, async (t) => {
    const tree = await makeTree(t);
    const s = await serve(t, { root: tree.root, ...mode.config });
    const first = await request(s.url, '/big.bin');
    const etag = String(first.headers.etag);
    t.is((await request(s.url, '/big.bin', { headers: { range: 'bytes=0-9', 'if-range': etag } })).status, 206);
    t.is((await request(s.url, '/big.bin', { headers: { range: 'bytes=0-9', 'if-range': String(first.headers['last-modified']) } })).status, 206);
    const stale = await request(s.url, '/big.bin', { headers: { range: 'bytes=0-9', 'if-range': '"stale"' } });
    t.is(stale.status, 200);
    t.true(stale.body.equals(first.body));
  });
}

test('HEAD with a Range: 206 headers, no body', async (t) => {
  const tree = await makeTree(t);
  const s = await serve(t, { root: tree.root });
  const r = parseResponse(await raw(s.url, 'HEAD /big.bin HTTP/1.1\r\nHost: x\r\nRange: bytes=10-19\r\nConnection: close\r\n\r\n'));
  t.is(r.status, 206);
  t.true(r.head.includes('Content-Length: 10'));
  t.true(r.head.includes(`Content-Range: bytes 10-19/${1024 * 1024}`));
  t.is(r.body.length, 0);
});
