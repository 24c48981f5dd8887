import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
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
  // A socket that accepts and never answers in the core's place (a deleted one the core makes again).
  fs.unlinkSync(homePaths(home).socket);
  const silent = net.createServer(() => {});
  t.teardown(() => { silent.close(); });
  await new Promise<void>((resolve) => silent.listen(homePaths(home).socket, resolve));

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

test('status, stop and plugins refuse a home that is a file, in one line with what to do, exit 1', async (t) => {
  const file = path.join(tempHome(t), 'file');
  fs.writeFileSync(file, '');
  for (const home of [file, path.join(file, 'sub')]) {
    for (const args of [['status'], ['stop'], ['plugins']]) {
      const r = await ctl([...args, '--home', home]);
      t.is(r.code, 1, `${args.join(' ')} ${home}`);
      t.regex(r.stderr, new RegExp(`^ctl: home ${home} is unsafe: (it|a component of its path) is not a directory; choose another --home\\n$`));
    }
  }
  const json = await ctl(['stop', '--json', '--home', file]);
  t.is(json.code, 1);
  t.is((JSON.parse(json.stdout) as { error: { code: string } }).error.code, 'E_HOME_UNSAFE');
});

test('status and stop refuse a home this user cannot enter, naming its owner, not a bare EACCES', async (t) => {
  const home = tempHome(t);
  fs.chmodSync(home, 0);
  t.teardown(() => fs.chmodSync(home, 0o700));
  for (const command of ['status', 'stop']) {
    const r = await ctl([command, '--home', home], { obeyModes: true });
    t.is(r.code, 1, r.stdout);
    t.is(r.stderr, `ctl: home ${home} is unsafe: it cannot be looked into (EACCES); run ctl as the user who owns it (uid ${fs.statSync(home).uid}), or choose another --home\n`);
  }
});
