import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { DiskCache } from '../../../plugins/image-server/disk-cache.js';
import { waitFor } from './http.js';

test('adopts what an earlier run left (oldest first), drops stale .tmp files, keeps to the budget', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'isv-dc-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const now = Date.now() / 1000;
  for (const [name, age] of [['old.webp', 300], ['mid.webp', 200], ['new.webp', 100]] as const) {
    fs.writeFileSync(path.join(dir, name), Buffer.alloc(100));
    fs.utimesSync(path.join(dir, name), now - age, now - age);
  }
  fs.writeFileSync(path.join(dir, 'x.webp.123-1.tmp'), 'left by a crash');
  fs.utimesSync(path.join(dir, 'x.webp.123-1.tmp'), now - 120, now - 120);
  fs.writeFileSync(path.join(dir, 'y.webp.456-1.tmp'), 'another instance at work');
  const evicted: string[] = [];
  const cache = new DiskCache(dir, 250, (name) => evicted.push(name));
  await cache.init();
  t.deepEqual(evicted, ['old.webp'], 'over budget at once: the oldest goes');
  t.false(fs.existsSync(path.join(dir, 'x.webp.123-1.tmp')));
  t.true(fs.existsSync(path.join(dir, 'y.webp.456-1.tmp')));
  fs.rmSync(path.join(dir, 'y.webp.456-1.tmp'));
  t.true(cache.touch('mid.webp')); // now the most recently used
  fs.writeFileSync(path.join(dir, 'fresh.webp'), Buffer.alloc(100));
  cache.add('fresh.webp', 100);
  t.deepEqual(evicted, ['old.webp', 'new.webp']);
  t.true(cache.touch('mid.webp'));
  t.false(cache.touch('new.webp'));
  // Deletion is asynchronous: wait for the files to go.
  await waitFor(() => !fs.existsSync(path.join(dir, 'old.webp')) && !fs.existsSync(path.join(dir, 'new.webp')), 'the evicted files to be deleted');
  t.deepEqual(fs.readdirSync(dir).sort(), ['fresh.webp', 'mid.webp']);
});
