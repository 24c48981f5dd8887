import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { BUNDLED_IMAGE_SERVER } from '../../../src/package-info.js';
import { ctl } from '../../helpers/cli.js';
import { endDaemon, killMarked, MARK_VAR, writeConfig } from '../../helpers/daemon.js';
import { tempHome } from '../../helpers/home.js';
import { freePort } from '../../helpers/ports.js';

test('a file the server may not read is 403 at once, as nginx answers it, not 503 "being changed" after retries', async (t) => {
  const home = tempHome(t);
  const root = tempHome(t, 'ir');
  fs.writeFileSync(path.join(root, 'open.jpg'), 'open');
  fs.writeFileSync(path.join(root, 'closed.jpg'), 'closed');
  fs.chmodSync(path.join(root, 'closed.jpg'), 0);
  const port = await freePort();
  writeConfig(home, { plugins: { 'image-server': { module: BUNDLED_IMAGE_SERVER, config: { root, port } } } });
  t.teardown(async () => { await endDaemon(home, { graceful: true }); killMarked(home); });
  // Run as root, the tests' daemon would read any file: start it without the capabilities that
  // let root past file modes, as a service user would run it.
  const started = await ctl(['start', '--home', home], { obeyModes: true, env: { [MARK_VAR]: home } });
  t.is(started.code, 0, started.stderr);
  const base = `http://127.0.0.1:${port}`;
  const open = await fetch(`${base}/open.jpg`);
  t.is(open.status, 200);
  t.is(await open.text(), 'open');
  for (const method of ['GET', 'HEAD']) {
    const closed = await fetch(`${base}/closed.jpg`, { method });
    t.is(closed.status, 403, method);
    t.is(closed.headers.get('retry-after'), null);
    await closed.arrayBuffer();
  }
});
