import test from 'ava';
import { ctl } from '../helpers/cli.js';
import { startTestDaemon } from '../helpers/daemon.js';
import { procInfo, waitUntil } from '../helpers/proc.js';

test('a frozen core (SIGSTOP): status, plugins and rpc fail within a few seconds, naming its pid and how to resume or stop it', async (t) => {
  const daemon = await startTestDaemon(t, { config: { plugins: {} } });
  const { pid, home, paths } = daemon;
  // Registered after the daemon's own teardown, so it runs first (ava runs teardowns last in, first out).
  t.teardown(() => { try { process.kill(pid, 'SIGCONT'); } catch { /* already gone */ } });
  process.kill(pid, 'SIGSTOP');
  await waitUntil(() => procInfo(pid)?.state === 'T', 5000, 'the core to be stopped');

  const expected = `ctl: agentd is running (pid ${pid}) but its control socket ${paths.socket} does not answer; the process is stopped (SIGSTOP): resume it with \`kill -CONT ${pid}\`, or stop it with \`ctl stop\`\n`;
  await Promise.all([['status'], ['plugins'], ['rpc', 'daemon.status'], ['status', '--json']].map(async (args) => {
    const began = Date.now();
    const r = await ctl([...args, '--home', home]);
    const took = Date.now() - began;
    t.is(r.code, 1, `${args.join(' ')}: ${r.stdout}`);
    if (args[1] === '--json') t.is((JSON.parse(r.stdout) as { error: { data: { pid: number } } }).error.data.pid, pid);
    else t.is(r.stderr, expected, args.join(' '));
    // The message proves the new path (plugins and rpc used to wait forever, status 10 s and without
    // the SIGSTOP hint); the bound, with room for four ctl start-ups on a loaded machine, only
    // guards against waiting out the old 10 s.
    t.true(took < 9000, `${args.join(' ')} took ${took} ms`);
  }));


  // Resumed, it answers again: the check ends only calls the core cannot answer.
  process.kill(pid, 'SIGCONT');
  const after = await ctl(['status', '--home', home]);
  t.is(after.code, 0, after.stderr);
});
