import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import test from 'ava';
import * as v from 'valibot';
import { coreMethods, daemonStatus, eventsSubscribe, logsFollow, logsReopen, logsRotate, logsTail, pluginsList, pluginsRestart, rpcMethods } from '../../src/rpc/index.js';
import { ctl } from '../helpers/cli.js';
import { fixture, ROOT, startTestDaemon } from '../helpers/daemon.js';

test('every core method answers what its declaration says', async (t) => {
  const d = await startTestDaemon(t, { config: { plugins: { forever: { module: fixture('forever') } } } });
  const client = await d.client();
  const calls: Array<[typeof coreMethods[number], unknown]> = [
    [daemonStatus, await client.call('daemon.status')],
    [pluginsList, await client.call('plugins.list')],
    [pluginsRestart, await client.call('plugins.restart', { name: 'forever' })],
    [logsTail, await client.call('logs.tail', { lines: 5 })],
    [logsRotate, await client.call('logs.rotate')],
    [logsReopen, await client.call('logs.reopen')],
    [logsFollow, await (await d.client()).call('logs.follow', { plugin: 'forever', lines: 3 })],
    [eventsSubscribe, await (await d.client()).call('events.subscribe', { types: ['plugin.'] })],
    [rpcMethods, await client.call('rpc.methods')],
  ];
  for (const [method, result] of calls) {
    const parsed = v.safeParse(method.result, result);
    t.true(parsed.success, `${method.name}: ${JSON.stringify(parsed.issues?.map((i) => [i.path?.map((p) => p.key).join('.'), i.message]))}`);
  }
  const methods = calls.at(-1)![1] as Array<{ name: string; result?: unknown; params: unknown; plugin?: string }>;
  for (const m of coreMethods) t.truthy(methods.find((x) => x.name === m.name)?.result, `${m.name} lists a result schema`);
  t.truthy(methods.find((x) => x.name === 'forever.ping' && x.plugin === 'forever'));
});

test('ctl rpc --schema prints an OpenRPC document, with plugin methods when the daemon runs', async (t) => {
  const d = await startTestDaemon(t, { config: { plugins: { forever: { module: fixture('forever') } } } });
  const live = JSON.parse((await ctl(['rpc', '--schema', '--home', d.home])).stdout) as { openrpc: string; methods: Array<{ name: string; params: Array<{ name: string; required: boolean }>; result: { schema: Record<string, unknown> } }> };
  t.is(live.openrpc, '1.3.2');
  t.truthy(live.methods.find((m) => m.name === 'forever.ping'));
  const start = live.methods.find((m) => m.name === 'plugins.start')!;
  t.deepEqual(start.params.map((p) => [p.name, p.required]), [['name', true]]);
  t.is(live.methods.find((m) => m.name === 'daemon.status')!.result.schema['type'], 'object');
  // With METHOD: that method's OpenRPC method object alone.
  const one = await ctl(['rpc', '--schema', 'plugins.start', '--home', d.home]);
  t.is(one.code, 0, one.stderr);
  t.deepEqual(JSON.parse(one.stdout), start);
  t.is((JSON.parse((await ctl(['rpc', '--schema', 'forever.ping', '--home', d.home])).stdout) as { name: string }).name, 'forever.ping');
  const unknown = await ctl(['rpc', '--schema', 'daemon.statu', '--home', d.home]);
  t.is(unknown.code, 2);
  t.is(unknown.stderr, 'ctl: method not found: daemon.statu; `ctl rpc rpc.methods` lists the methods\n');
  const withParams = await ctl(['rpc', '--schema', 'plugins.start', '{}', '--home', d.home]);
  t.is(withParams.code, 2);
  t.is(withParams.stderr, 'ctl: --schema describes a method and takes no PARAMS_JSON; call it without --schema\n');
  await d.stop();
  const offline = JSON.parse((await ctl(['rpc', '--schema', '--home', d.home])).stdout) as { methods: Array<{ name: string }> };
  t.deepEqual(offline.methods.map((m) => m.name), coreMethods.map((m) => m.name));
  t.is((JSON.parse((await ctl(['rpc', '--schema', 'daemon.status', '--home', d.home])).stdout) as { name: string }).name, 'daemon.status');
});

test('the standard-library Python client in examples/ talks to the daemon', async (t) => {
  const d = await startTestDaemon(t, { config: { plugins: { forever: { module: fixture('forever') } } } });
  const py = (args: string[]) => new Promise<{ code: number; out: string; err: string }>((resolve) => {
    execFile('python3', [path.join(ROOT, 'examples', 'agentd_client.py'), '--home', d.home, ...args], (e, out, err) => resolve({ code: e ? Number(e.code ?? 1) : 0, out, err }));
  });
  const status = await py(['daemon.status']);
  t.is(status.code, 0, status.err);
  t.is((JSON.parse(status.out) as { pid: number }).pid, d.pid);
  const ping = await py(['forever.ping']);
  t.is((JSON.parse(ping.out) as { tag: string }).tag, 'forever');
  const bad = await py(['plugins.start', '{"name":"nope"}']);
  t.is(bad.code, 1);
  t.regex(bad.err, /no plugin named "nope".*E_PLUGIN_NOT_FOUND/);
  // The exit codes of ctl rpc: an unknown method and invalid params are usage errors.
  const unknown = await py(['daemon.statu']);
  t.is(unknown.code, 2, unknown.err);
  t.regex(unknown.err, /method not found: daemon\.statu/);
  const invalid = await py(['plugins.scale', '{"name":"forever","instances":"two"}']);
  t.is(invalid.code, 2, invalid.err);
  t.regex(invalid.err, /invalid params for plugins\.scale/);
  await d.stop();
  t.is((await py(['daemon.status'])).code, 3);
});

test('the Python client: malformed PARAMS_JSON is a one-line usage error, and a reader that goes away is no failure', async (t) => {
  const client = path.join(ROOT, 'examples', 'agentd_client.py');
  const bad = await new Promise<{ code: number; err: string }>((resolve) => {
    execFile('python3', [client, '--home', '/nonexistent', 'plugins.list', '{bad'], (e, _out, err) => resolve({ code: e ? Number(e.code ?? 1) : 0, err }));
  });
  t.is(bad.code, 2, bad.err);
  t.regex(bad.err, /^error: PARAMS_JSON is not valid JSON: .+; give one object, e\.g\. '\{"name":"x"\}'\n$/);

  const d = await startTestDaemon(t, { config: { plugins: {} } });
  // `python3 examples/agentd_client.py rpc.methods | head -1`: the pipe is closed before it prints.
  const py = spawn('python3', [client, '--home', d.home, 'rpc.methods'], { stdio: ['ignore', 'pipe', 'pipe'] });
  py.stdout.destroy();
  let err = '';
  py.stderr.on('data', (chunk: Buffer) => { err += chunk.toString(); });
  const [code] = await once(py, 'close') as [number];
  t.is(code, 0, err);
  t.is(err, '');
  await d.stop();
});
