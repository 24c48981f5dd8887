import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { FileCache } from '../../../plugins/image-server/file-cache.js';
import { makeFileInfo, type FileInfo } from '../../../plugins/image-server/file-info.js';
import { mediaTypeOf } from '../../../plugins/image-server/mime.js';

function files(t: { teardown(fn: () => void): void }, sizes: number[]): FileInfo[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'isv-fc-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return sizes.map((size, i) => {
    const file = path.join(dir, `${i}.png`);
    fs.writeFileSync(file, Buffer.alloc(size, i));
    return makeFileInfo(file, fs.statSync(file), mediaTypeOf(file), '');
  });
}

test('hits only for the same version; loads share one read; bytes stay under the budget', async (t) => {
  const [a, b, c] = files(t, [400, 400, 400]);
  const cache = new FileCache(1000, 500);
  t.is(cache.get(a!), undefined);
  const [x, y] = await Promise.all([cache.load(a!), cache.load(a!)]);
  t.is(x, y, 'one read for concurrent loads');
  t.deepEqual(cache.get(a!), Buffer.alloc(400, 0));
  t.is(cache.get({ ...a!, etag: '"other"' }), undefined, 'another version misses');
  await cache.load(b!);
  cache.get(a!); // a is used: it gets a second chance over b
  await cache.load(c!);
  t.truthy(cache.get(a!));
  t.is(cache.get(b!), undefined, 'the unused one went');
  t.truthy(cache.get(c!));
  t.false(cache.accepts(501));
  t.deepEqual({ hits: cache.hits, misses: cache.misses }, { hits: 4, misses: 3 });
});

test('a file changed behind the lookup is reported, not cached', async (t) => {
  const [a] = files(t, [10]);
  fs.writeFileSync(a!.path, 'different length');
  const cache = new FileCache(1000, 500);
  t.is(await cache.load(a!), 'changed');
  fs.rmSync(a!.path);
  t.is(await cache.load(a!), 'gone');
});
