import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { listDirectory } from '../../../plugins/image-server/dir-index.js';
import { Jail } from '../../../plugins/image-server/resolve-path.js';

test('a directory whose parent was swapped for a symlink out of the root is not listed', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'isv-di-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const root = path.join(dir, 'root');
  fs.mkdirSync(path.join(root, 'a', 'b'), { recursive: true });
  fs.writeFileSync(path.join(root, 'a', 'b', 'inside.png'), 'in');
  fs.mkdirSync(path.join(dir, 'outside', 'b'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'outside', 'b', 'secret.txt'), 'out');
  const jail = await Jail.open(root);
  const realDir = path.join(jail.root, 'a', 'b'); // as the lookup found it
  t.deepEqual((await listDirectory(jail, realDir, '/a/b/'))?.entries.map((e) => e.name), ['inside.png']);

  // `b` itself is still a real directory: only its parent is now a symlink out of the root.
  fs.renameSync(path.join(root, 'a'), path.join(dir, 'a-moved'));
  fs.symlinkSync(path.join(dir, 'outside'), path.join(root, 'a'));
  t.is(await listDirectory(jail, realDir, '/a/b/'), null);

  fs.rmSync(path.join(root, 'a'));
  fs.symlinkSync(path.join(dir, 'outside', 'b'), path.join(root, 'a'));
  t.is(await listDirectory(jail, path.join(jail.root, 'a'), '/a/'), null, 'the directory itself swapped for a symlink');
});
