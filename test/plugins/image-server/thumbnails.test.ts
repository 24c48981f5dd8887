import fs from 'node:fs';
import http from 'node:http';
import test from 'ava';
import sharp from 'sharp';
import { makeTree } from './fixtures.js';
import { request, serve, statsOf, waitFor } from './http.js';

/** Width and height from a PNG's IHDR, read straight from the bytes. */
function pngSize(png: Buffer): { width: number; height: number } {
  if (!png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) throw new Error('not a PNG');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

test('a thumbnail has the requested size and format (read back from its bytes)', async (t) => {
  const tree = await makeTree(t); // photo.jpg is 800×600
  const s = await serve(t, { root: tree.root });

  const webp = await request(s.url, '/photo.jpg?w=200&h=200&fit=cover&format=webp');
  t.is(webp.status, 200);
  t.is(webp.headers['content-type'], 'image/webp');
  t.is(webp.body.toString('latin1', 0, 4), 'RIFF');
  t.is(webp.body.toString('latin1', 8, 12), 'WEBP');
  t.like(await sharp(webp.body).metadata(), { format: 'webp', width: 200, height: 200 });
  t.is(webp.headers['content-length'], String(webp.body.length));
  t.is(webp.headers['x-content-type-options'], 'nosniff');

  const png = await request(s.url, '/photo.jpg?w=120&format=png');
  t.is(png.headers['content-type'], 'image/png');
  t.deepEqual(pngSize(png.body), { width: 120, height: 90 }, 'aspect ratio kept with one side given');

  const avif = await request(s.url, '/photo.jpg?w=100&h=100&fit=contain&format=avif');
  t.is(avif.headers['content-type'], 'image/avif');
  t.is(avif.body.toString('latin1', 4, 12), 'ftypavif');
  t.like(await sharp(avif.body).metadata(), { width: 100, height: 100 });

  const jpeg = await request(s.url, '/photo.jpg?h=50&q=60'); // no format: the source's
  t.is(jpeg.headers['content-type'], 'image/jpeg');
  t.deepEqual([...jpeg.body.subarray(0, 3)], [0xff, 0xd8, 0xff]);
  t.like(await sharp(jpeg.body).metadata(), { format: 'jpeg', width: 67, height: 50 });

  const inside = await request(s.url, '/photo.jpg?w=300&h=300&fit=inside&format=png');
  t.deepEqual(pngSize(inside.body), { width: 300, height: 225 });

  const big = await request(s.url, '/small.png?w=1000'); // never enlarged
  t.deepEqual(pngSize(big.body), { width: 64, height: 48 });

  t.is((await statsOf(s)).thumbnails, 6);
});

test('a thumbnail is made once, then served from the disk cache with validators, 304 and Range', async (t) => {
  const tree = await makeTree(t);
  const s = await serve(t, { root: tree.root });
  const url = '/photo.jpg?w=160&format=webp';
  const [a, b, c] = await Promise.all([request(s.url, url), request(s.url, url), request(s.url, url)]);
  t.is((await statsOf(s)).thumbnails, 1, 'identical concurrent requests share one job');
  t.true(a!.body.equals(b!.body) && a!.body.equals(c!.body));
  // The same thumbnail, parameters in another order.
  const again = await request(s.url, '/photo.jpg?format=webp&w=160&cachebuster=1');
  t.true(again.body.equals(a!.body));
  t.is((await statsOf(s)).thumbnails, 1);
  t.is((await request(s.url, url, { headers: { 'if-none-match': String(a!.headers.etag) } })).status, 304);
  const part = await request(s.url, url, { headers: { range: 'bytes=0-11' } });
  t.is(part.status, 206);
  t.true(part.body.equals(a!.body.subarray(0, 12)));
});

test('a changed source gets a new thumbnail', async (t) => {
  const tree = await makeTree(t);
  const s = await serve(t, { root: tree.root, cache: { statTtl: 100 } });
  const first = await request(s.url, '/small.png?w=32&format=png');
  t.deepEqual(pngSize(first.body), { width: 32, height: 24 });
  fs.writeFileSync(tree.file('small.png.tmp'), await sharp(tree.bytes('photo.jpg')).resize(40, 40).png().toBuffer());
  fs.renameSync(tree.file('small.png.tmp'), tree.file('small.png'));
  const second = await waitFor(async () => {
    const r = await request(s.url, '/small.png?w=32&format=png');
    return pngSize(r.body).height === 32 && r;
  }, 'the new thumbnail');
  t.not(second.headers.etag, first.headers.etag);
});

test('bad thumbnail requests: 400 for parameters, 415 for SVG, 422 for a broken image', async (t) => {
  const tree = await makeTree(t);
  const s = await serve(t, { root: tree.root, thumbnails: { maxWidth: 1000, maxHeight: 1000 } });
  for (const q of ['w=0', 'w=abc', 'w=1001', 'h=-5', 'w=1.5', 'fit=squash', 'format=bmp', 'format=svg', 'q=0', 'q=101', 'w=1&w=2']) {
    const r = await request(s.url, `/photo.jpg?${q}`);
    t.is(r.status, 400, q);
    t.regex(r.body.toString(), /^400 Bad Request: /, q);
  }
  t.is((await request(s.url, '/logo.svg?w=10')).status, 415);
  t.is((await request(s.url, '/pic.bmp?w=10')).status, 415);
  t.is((await request(s.url, '/bad.jpg?w=10')).status, 422);
  t.is((await request(s.url, '/nope.jpg?w=10')).status, 404);
  t.is((await request(s.url, '/photo.jpg?w=10')).status, 200, 'still serving');
});

test('input pixel limit: a source with too many pixels is refused with 422', async (t) => {
  const tree = await makeTree(t);
  const s = await serve(t, { root: tree.root, thumbnails: { maxInputPixels: 100_000 } });
  t.is((await request(s.url, '/photo.jpg?w=10')).status, 422); // 480 000 pixels
  t.is((await request(s.url, '/small.png?w=10')).status, 200);
});

test('thumbnails off: the query is ignored and the original served', async (t) => {
  const tree = await makeTree(t);
  const s = await serve(t, { root: tree.root, thumbnails: { enabled: false } });
  const r = await request(s.url, '/photo.jpg?w=10&format=webp');
  t.is(r.headers['content-type'], 'image/jpeg');
  t.true(r.body.equals(tree.bytes('photo.jpg')));
});

test('a burst of thumbnails does not starve plain file serving', async (t) => {
  const tree = await makeTree(t); // huge.jpg: 3000×2000 of noise, slow to decode
  const s = await serve(t, { root: tree.root, thumbnails: { concurrency: 1, maxQueue: 100 } });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 20 });
  t.teardown(() => agent.destroy());
  let thumbsDone = 0;
  const burst = Array.from({ length: 12 }, (_, i) => request(s.url, `/huge.jpg?w=${100 + i}&format=webp`, { agent }).then((r) => {
    thumbsDone++;
    return r;
  }));
  await waitFor(async () => (await statsOf(s)).inFlight >= 12, 'the burst to arrive');
  for (let i = 0; i < 10; i++) {
    const r = await request(s.url, i % 2 === 0 ? '/photo.jpg' : '/big.bin');
    t.is(r.status, 200);
  }
  t.true(thumbsDone < 12, `plain files came back while thumbnails were still queued (${thumbsDone}/12 done)`);
  const replies = await Promise.all(burst);
  t.true(replies.every((r) => r.status === 200));
});

test('past the queue limit, thumbnail requests get 503 with Retry-After', async (t) => {
  const tree = await makeTree(t);
  const s = await serve(t, { root: tree.root, thumbnails: { concurrency: 1, maxQueue: 1 } });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  t.teardown(() => agent.destroy());
  const replies = await Promise.all(Array.from({ length: 8 }, (_, i) => request(s.url, `/huge.jpg?w=${200 + i}`, { agent })));
  const statuses = replies.map((r) => r.status);
  t.true(statuses.every((st) => st === 200 || st === 503), statuses.join());
  t.true(statuses.filter((st) => st === 200).length >= 2, statuses.join());
  const busy = replies.filter((r) => r.status === 503);
  t.true(busy.length >= 1, statuses.join());
  t.is(busy[0]?.headers['retry-after'], '1');
});

test('the disk cache is bounded: past cacheMaxBytes the least recently used thumbnail is deleted', async (t) => {
  const tree = await makeTree(t);
  // A budget smaller than one thumbnail: only the newest is kept.
  const s = await serve(t, { root: tree.root, thumbnails: { cacheMaxBytes: 1 } });
  const made = async () => (await statsOf(s)).thumbnails;
  await request(s.url, '/photo.jpg?w=50');
  await request(s.url, '/photo.jpg?w=50');
  t.is(await made(), 1, 'kept while it is the newest');
  await request(s.url, '/photo.jpg?w=60');
  t.is(await made(), 2);
  const again = await request(s.url, '/photo.jpg?w=50');
  t.is(again.status, 200);
  t.is(await made(), 3, 'the first one was deleted, so it was made again');
});

/** An uncompressed TIFF of one colour: every colour at one size gives the same number of bytes. */
function flatTiff(width: number, height: number, colour: string): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: colour } }).tiff({ compression: 'none' }).toBuffer();
}

/** The colours of a thumbnail's first and last pixels, as `#rrggbb`. */
async function cornerColours(image: Buffer): Promise<string[]> {
  const { data, info } = await sharp(image).raw().toBuffer({ resolveWithObject: true });
  const at = (i: number) => `#${data.subarray(i, i + 3).toString('hex')}`;
  return [at(0), at(data.length - info.channels)];
}

/** Rewrite `file` in place (same inode, same size), then put its mtime back: only ctime tells. */
function rewriteInPlace(file: string, bytes: Buffer): void {
  fs.writeFileSync(file, bytes, { flag: 'r+' });
  fs.utimesSync(file, 1_000_000, 1_000_000);
}

test('a source rewritten in place with its mtime put back never gets its old thumbnail', async (t) => {
  const tree = await makeTree(t);
  const file = tree.file('swap.tiff');
  const [red, blue] = await Promise.all([flatTiff(64, 64, '#ff0000'), flatTiff(64, 64, '#0000ff')]);
  t.is(red.length, blue.length);
  fs.writeFileSync(file, red);
  fs.utimesSync(file, 1_000_000, 1_000_000);
  const s = await serve(t, { root: tree.root, cache: { statTtl: 0 } });
  const first = await request(s.url, '/swap.tiff?w=16&format=png');
  t.deepEqual(await cornerColours(first.body), ['#ff0000', '#ff0000']);
  rewriteInPlace(file, blue);
  const second = await request(s.url, '/swap.tiff?w=16&format=png');
  t.is(second.status, 200);
  t.deepEqual(await cornerColours(second.body), ['#0000ff', '#0000ff'], 'the old version\'s thumbnail was served');
  t.not(second.headers.etag, first.headers.etag);
  t.is((await statsOf(s)).thumbnails, 2);
});
