import test from 'ava';
import { homePaths } from '../../src/home/index.js';
import { lockHolder } from '../../src/native/addon.js';
import { ctl } from '../helpers/cli.js';
import { writeConfig } from '../helpers/daemon.js';
import { makeTempHome, removeTempHome } from '../helpers/home.js';

test('ctl logs reads the log files of a daemon that is no longer running', async (t) => {
  const h = makeTempHome();
  writeConfig(h, { plugins: {} });
  t.teardown(() => {
    const pid = lockHolder(homePaths(h).pidfile);
    if (pid > 0) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
    removeTempHome(h);
  });
  const started = await ctl(['start', '--home', h]);
  t.is(started.code, 0, started.stderr);
  t.is((await ctl(['stop', '--home', h])).code, 0);

  const tail = await ctl(['logs', '--home', h, '-n', '1', '--json']);
  t.is(tail.code, 0, tail.stderr);
  t.like(JSON.parse(tail.stdout), { source: 'agentd', message: 'agentd stopped' });
  t.regex(tail.stderr, /agentd is not running .*last lines of its log files/);

  // A log that is not there is still "not running", with what to do.
  const missing = await ctl(['logs', 'nope', '--home', h]);
  t.is(missing.code, 3);
  t.regex(missing.stderr, /start it with `ctl start`/);
  // Following needs the daemon.
  t.is((await ctl(['logs', '-f', '--home', h])).code, 3);
});
