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

test('a file rewritten in place at the same size while it is read into memory is reported, not cached', async (t) => {
  const size = 32 * 1024 * 1024;
  const [made] = files(t, [size]);
  // Its times put in the past: the rewrite below then changes them whatever the kernel's clock tick.
  fs.utimesSync(made!.path, 1_000_000, 1_000_000);
  const a = makeFileInfo(made!.path, fs.statSync(made!.path), made!.media, '');
  const cache = new FileCache(size, size);
  const loading = cache.load(a);
  // Wait until the read has begun (the fd's offset moved past the version check), then rewrite
  // the rest of the file under it: the bytes read so far are the old version, the rest the new.
  const fd = await waitForFdOf(a.path);
  while (readOffset(fd) === 0) await new Promise(setImmediate);
  fs.writeFileSync(a.path, Buffer.alloc(size, 'b'), { flag: 'r+' });
  const loaded = await loading;
  // (A 32 MiB Buffer is not handed to t.is: its diff would be too big to print.)
  t.is(typeof loaded === 'string' ? loaded : `bytes, new ones from offset ${loaded.indexOf('b')}`, 'changed');
  t.is(cache.get(a), undefined, 'the mixed bytes were cached');
});

/** The fd this process has open on `file` (Linux /proc), polled on each turn of the event loop. */
async function waitForFdOf(file: string): Promise<string> {
  for (;;) {
    for (const fd of fs.readdirSync('/proc/self/fd')) {
      try {
        if (fs.readlinkSync(`/proc/self/fd/${fd}`) === file) return fd;
      } catch {
        // closed meanwhile (readdirSync's own fd, for one)
      }
    }
    await new Promise(setImmediate);
  }
}

/** The file offset of one of this process's fds; 0 once it is closed, too. */
function readOffset(fd: string): number {
  try {
    return Number(/^pos:\s+(\d+)/m.exec(fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}
