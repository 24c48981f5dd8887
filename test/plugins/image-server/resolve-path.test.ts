import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { Jail, parseUrlPath } from '../../../plugins/image-server/resolve-path.js';

test('parseUrlPath: segments decoded once; traversal 403, dotfiles 404, bad escapes 400', (t) => {
  t.deepEqual(parseUrlPath('/a/b.jpg'), { segments: ['a', 'b.jpg'], slash: false });
  t.deepEqual(parseUrlPath('//a///b/'), { segments: ['a', 'b'], slash: true });
  t.deepEqual(parseUrlPath('/caf%C3%A9%20au%20lait.png'), { segments: ['café au lait.png'], slash: false });
  t.deepEqual(parseUrlPath('/%252e%252e'), { segments: ['%2e%2e'], slash: false });
  for (const p of ['/..', '/a/../b', '/.', '/%2e%2e', '/%2E.', '/a%2fb', '/a%2Fb', '/a%5cb', '/a\\b', '/a%00', '/..%2f']) t.deepEqual(parseUrlPath(p), { status: 403 }, p);
  for (const p of ['/.env', '/a/.git/config', '/%2egit']) t.deepEqual(parseUrlPath(p), { status: 404 }, p);
  for (const p of ['/%', '/%zz', '/%c0%ae', '/%ff', 'http://x/a', '*', '']) t.deepEqual(parseUrlPath(p), { status: 400 }, p);
});

test('Jail: realpath must stay under the real root, with no hidden segment', async (t) => {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'isv-jail-')));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.mkdirSync(path.join(dir, 'root/sub'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'root-evil'));
  fs.writeFileSync(path.join(dir, 'root/sub/a.png'), 'a');
  fs.writeFileSync(path.join(dir, 'root-evil/x.png'), 'x');
  fs.symlinkSync(path.join(dir, 'root-evil'), path.join(dir, 'root/evil'));
  fs.symlinkSync(path.join(dir, 'root'), path.join(dir, 'via-link'));
  const jail = await Jail.open(path.join(dir, 'via-link')); // the root itself reached through a symlink
  t.is(jail.root, path.join(dir, 'root'));
  t.is((await jail.resolve(['sub', 'a.png']))?.realPath, path.join(dir, 'root/sub/a.png'));
  t.is(await jail.resolve(['evil', 'x.png']), null, 'a sibling sharing the root as prefix is outside');
  t.is(await jail.resolve(['nope']), null);
  t.true(jail.contains(path.join(dir, 'root')));
  t.false(jail.contains(path.join(dir, 'root-evil/x.png')));
  t.false(jail.contains(path.join(dir, 'root/.git/x')));
});
