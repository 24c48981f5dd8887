import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { namedHolder } from '../../src/cli/daemon-control.js';
import { lockHolder } from '../../src/native/addon.js';
import { makeTempHome, removeTempHome } from '../helpers/home.js';

test('a lock taken before its pid is written: the holder is waited for, not taken as pid -1', async (t) => {
  const home = makeTempHome('nh');
  t.teardown(() => removeTempHome(home));
  const pidfile = path.join(home, 'agentd.pid');
  fs.writeFileSync(pidfile, '');
  // flock(1) holds the pidfile's lock as the launcher does between its flock and its write.
  const holder = spawn('flock', ['-x', pidfile, 'sleep', '60'], { stdio: 'ignore' });
  t.teardown(() => { try { process.kill(holder.pid!, 'SIGTERM'); } catch { /* gone */ } });
  while (lockHolder(pidfile) !== -1) await new Promise((r) => setTimeout(r, 5));

  let settled = false;
  const named = namedHolder(pidfile).finally(() => { settled = true; });
  await new Promise((r) => setImmediate(r));
  t.false(settled, 'not answered -1 at once');
  fs.writeFileSync(pidfile, `${holder.pid!}\n`);
  t.is(await named, holder.pid!);
});
