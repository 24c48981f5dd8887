import fs from 'node:fs';
import test from 'ava';
import { homePaths } from '../../src/home/index.js';
import { ctl } from '../helpers/cli.js';
import { endDaemon, killMarked, MARK_VAR, writeConfig } from '../helpers/daemon.js';
import { tempHome } from '../helpers/home.js';

test('status of a core that holds the lock but whose socket does not answer: running, not answering, exit 1', async (t) => {
  const home = tempHome(t);
  writeConfig(home, { plugins: {} });
  t.teardown(async () => { await endDaemon(home); killMarked(home); });
  const started = await ctl(['start', '--home', home], { env: { [MARK_VAR]: home } });
  t.is(started.code, 0, started.stderr);
  const pid = Number(/pid (\d+)/.exec(started.stdout)?.[1]);
  fs.unlinkSync(homePaths(home).socket);

  const r = await ctl(['status', '--home', home]);
  t.is(r.code, 1, r.stdout);
  t.is(r.stdout, '');
  t.is(r.stderr, `ctl: agentd is running (pid ${pid}) but its control socket ${homePaths(home).socket} does not answer; wait if it is starting, or stop it with \`ctl stop\`\n`);

  const json = await ctl(['status', '--home', home, '--json']);
  t.is(json.code, 1);
  const body = JSON.parse(json.stdout) as { error: { code: string; data: { pid: number; running: boolean; socket: string } } };
  t.is(body.error.code, 'E_NOT_RESPONDING');
  t.deepEqual(body.error.data, { running: true, pid, home, socket: homePaths(home).socket });

  // And stop agrees that it runs.
  const stopped = await ctl(['stop', '--home', home]);
  t.is(stopped.code, 0, stopped.stderr);
  t.regex(stopped.stdout, new RegExp(`agentd stopped \\(pid ${pid}, after SIGTERM\\)`));
});
