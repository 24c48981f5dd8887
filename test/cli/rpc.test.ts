import test from 'ava';
import { ctl, ctlRunning } from '../helpers/cli.js';
import { fixture, startTestDaemon } from '../helpers/daemon.js';
import { waitUntil } from '../helpers/proc.js';

test('ctl rpc of a streaming method prints its result, then each notification as a JSON line, until Ctrl-C', async (t) => {
  const d = await startTestDaemon(t, { config: { plugins: { forever: { module: fixture('forever') } } } });
  const cli = ctlRunning(t, ['rpc', 'events.subscribe', '{"types":["plugin.state"]}', '--home', d.home]);
  // The result is printed once the subscription exists: the restart below cannot come before it.
  await waitUntil(() => cli.stdout.endsWith('}\n'), 20_000, 'the subscription result');
  t.deepEqual(JSON.parse(cli.stdout), { subscribed: ['plugin.state'] });
  const printed = cli.stdout.length;
  await (await d.client()).call('plugins.restart', { name: 'forever' });
  await waitUntil(() => cli.stdout.includes('"to":"running"'), 20_000, 'the notifications of the restart');
  cli.child.kill('SIGINT');
  t.is(await cli.exited, 0);
  t.is(cli.stderr, '');
  const events = cli.stdout.slice(printed).trim().split('\n').map((l) => JSON.parse(l) as { type: string; plugin: string; to: string });
  t.deepEqual(events.map((e) => `${e.type} ${e.plugin} ${e.to}`), ['stopping', 'stopped', 'starting', 'running'].map((s) => `plugin.state forever ${s}`));
});

test('ctl rpc takes --json, as every command that prints data does: the same JSON result', async (t) => {
  const d = await startTestDaemon(t, { config: { plugins: {} } });
  const r = await ctl(['rpc', 'daemon.status', '--json', '--home', d.home]);
  t.is(r.code, 0, r.stderr);
  t.like(JSON.parse(r.stdout), { pid: d.pid, plugins: [] });
  const unknown = await ctl(['rpc', 'nosuch.method', '--json', '--home', d.home]);
  t.is(unknown.code, 2);
  t.is(unknown.stderr, 'ctl: method not found: nosuch.method; `ctl rpc rpc.methods` lists the methods\n');
  // Its failure under --json is a JSON error on stdout, as every command's is.
  t.like(JSON.parse(unknown.stdout), { error: { code: 'E_RPC_METHOD_NOT_FOUND', exitCode: 2 } });
});
