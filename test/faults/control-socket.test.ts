import fs from 'node:fs';
import test from 'ava';
import { ctl } from '../helpers/cli.js';
import { fixture, startTestDaemon } from '../helpers/daemon.js';
import { assertDaemonHealthy } from '../helpers/faults.js';
import { waitUntil } from '../helpers/proc.js';

function isSocket(file: string): boolean {
  try { return fs.lstatSync(file).isSocket(); } catch { return false; }
}

function logHas(file: string, text: string): boolean {
  return fs.readFileSync(file, 'utf8').includes(text);
}

test('the control socket deleted or replaced by a file under the running core: status says which and what to do, the core makes it again, its clients stay served', async (t) => {
  const d = await startTestDaemon(t, { config: { plugins: { forever: { module: fixture('forever') } } } });
  const client = await d.client();
  const { socket, log } = d.paths;

  // Replaced by a file: not the core's to remove, so it says so, and ctl says what to do.
  fs.unlinkSync(socket);
  fs.writeFileSync(socket, 'not a socket\n');
  await waitUntil(() => logHas(log, 'control socket replaced'), 10_000, 'the core to notice the file in its place');
  const replaced = await ctl(['status', '--home', d.home]);
  t.is(replaced.code, 1);
  t.regex(replaced.stderr, new RegExp(`control socket ${socket} was replaced by a file that is not a socket; move that file away`));
  t.is((await client.call('daemon.status')).pid, d.pid, 'a client connected before still gets answers');

  // Moved away: the socket is back, for ctl and everyone.
  fs.unlinkSync(socket);
  await waitUntil(() => isSocket(socket), 10_000, 'the socket to be made again');
  t.is((await ctl(['status', '--home', d.home])).code, 0);

  // Deleted outright (a tmp cleaner): the same.
  fs.unlinkSync(socket);
  await waitUntil(() => isSocket(socket), 10_000, 'the socket to be made again after rm');
  t.is(fs.lstatSync(socket).mode & 0o777, 0o600);
  t.true(logHas(log, 'control socket was deleted; made it again'));
  t.is((await client.call('plugins.list'))[0]!.state, 'running');
  await assertDaemonHealthy(t, d);
  await d.stop();
  t.false(fs.existsSync(socket), 'a graceful stop removes the socket it made again');
});
