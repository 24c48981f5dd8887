import test, { type ExecutionContext } from 'ava';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { connect } from '../../src/client/index.js';
import { statusLine } from '../../src/core/notify.js';
import { homePaths } from '../../src/home/index.js';
import { launchDaemon } from '../../src/native/index.js';
import type { PluginRow } from '../../src/rpc/wire-types.js';
import { ctl } from '../helpers/cli.js';
import { endDaemon, fixture, ROOT, writeConfig } from '../helpers/daemon.js';
import { makeTempHome, removeTempHome } from '../helpers/home.js';
import { isGone, waitUntil } from '../helpers/proc.js';

/** A python3 AF_UNIX SOCK_DGRAM socket (Node has none) printing each datagram as a JSON line. */
const DGRAM_LISTENER = `import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print(json.dumps('LISTENING'), flush=True)
while True:
    print(json.dumps(s.recv(65536).decode()), flush=True)`;

async function notifySocket(t: ExecutionContext, home: string) {
  const socketPath = path.join(home, 'notify.sock');
  const child = spawn('python3', ['-c', DGRAM_LISTENER, socketPath], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => { if (child.pid && !isGone(child.pid)) child.kill('SIGKILL'); });
  const all: string[] = [];
  let failed: Error | undefined;
  child.once('error', (e) => { failed = e; });
  createInterface({ input: child.stdout }).on('line', (l) => all.push(JSON.parse(l) as string));
  const messages = () => all.slice(1);
  /** The datagrams other than keep-alives, in order. */
  const states = () => messages().filter((m) => m !== 'WATCHDOG=1');
  const until = async (what: string, check: () => boolean) => {
    await waitUntil(() => { if (failed) throw new Error(`python3: ${failed.message}`); return check(); }, 30_000, `${what}; got ${JSON.stringify(messages())}`);
  };
  await until('the listener', () => all[0] === 'LISTENING');
  return { socketPath, messages, states, until };
}

test('daemon mode: READY=1 with MAINPID, watchdog keep-alives, STATUS on plugin changes, RELOADING=1 then READY=1, STOPPING=1', async (t) => {
  const home = makeTempHome();
  const { pidfile } = homePaths(home);
  const notify = await notifySocket(t, home);
  writeConfig(home, { plugins: { forever: { module: fixture('forever') } } });
  t.teardown(async () => {
    await endDaemon(home, { graceful: true });
    removeTempHome(home);
  });
  const env = { ...process.env, NOTIFY_SOCKET: notify.socketPath, WATCHDOG_USEC: '300000' };
  const { pid } = await launchDaemon({ home, pidfile, args: ['--home', home], env, timeoutMs: 60_000 });

  await notify.until('READY=1', () => notify.states().length >= 1);
  t.is(notify.states()[0], `READY=1\nMAINPID=${pid}\nSTATUS=running 1 plugin`);
  const afterReady = () => notify.messages().slice(notify.messages().indexOf(notify.states()[0]!) + 1);
  await notify.until('three keep-alives after READY', () => afterReady().filter((m) => m === 'WATCHDOG=1').length >= 3);

  const client = await connect({ home });
  t.teardown(() => client.close());
  const { pid: pluginPid } = await client.call<{ pid: number }>('forever.ping');
  const pluginEnv = fs.readFileSync(`/proc/${pluginPid}/environ`, 'utf8').split('\0').map((e) => e.slice(0, e.indexOf('=')));
  t.false(pluginEnv.includes('NOTIFY_SOCKET'), 'plugins never talk to systemd');
  t.false(pluginEnv.some((k) => k.startsWith('WATCHDOG_')));

  await client.call('plugins.stop', { name: 'forever' });
  await notify.until('a STATUS line for the stopped plugin', () => notify.states().includes('STATUS=1 plugin: 1 stopped'));

  const before = process.hrtime.bigint() / 1000n;
  const reload = await ctl(['reload', '--home', home]);
  const after = process.hrtime.bigint() / 1000n;
  t.is(reload.code, 0, reload.stderr);
  await notify.until('READY=1 after the reload', () => notify.states().filter((m) => m.startsWith('READY=1')).length === 2);
  const reloading = notify.states().find((m) => m.startsWith('RELOADING=1'))!;
  const usec = BigInt(/^RELOADING=1\nMONOTONIC_USEC=(\d+)\nSTATUS=reloading the config$/.exec(reloading)![1]!);
  t.true(usec >= before && usec <= after, 'MONOTONIC_USEC is CLOCK_MONOTONIC at the reload');

  const stop = await ctl(['stop', '--home', home]);
  t.is(stop.code, 0, stop.stderr);
  await notify.until('STOPPING=1', () => notify.states().includes('STOPPING=1\nSTATUS=stopping'));
  const states = notify.states();
  t.deepEqual(states.filter((m) => !m.startsWith('STATUS=')), [
    `READY=1\nMAINPID=${pid}\nSTATUS=running 1 plugin`,
    reloading,
    `READY=1\nMAINPID=${pid}\nSTATUS=1 plugin: 1 stopped`,
    'STOPPING=1\nSTATUS=stopping',
  ]);
  t.true(states.indexOf('STATUS=1 plugin: 1 stopped') < states.indexOf(reloading));
});

test('foreground: READY=1 leaves MAINPID to ctl, and a watchdog addressed to ctl is fed by the core', async (t) => {
  const home = makeTempHome();
  const notify = await notifySocket(t, home);
  writeConfig(home, { plugins: { forever: { module: fixture('forever') } } });
  // As systemd does: WATCHDOG_PID is the pid of the process it started, here `ctl` (exec keeps it).
  const ctlProcess = spawn('/bin/sh', ['-c', 'WATCHDOG_PID=$$ exec "$0" "$@"', process.execPath, path.join(ROOT, 'bin', 'run.js'), 'start', '--foreground', '--home', home],
    { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, NOTIFY_SOCKET: notify.socketPath, WATCHDOG_USEC: '300000' } });
  const exited = new Promise<number | null>((resolve) => ctlProcess.once('exit', resolve));
  t.teardown(async () => {
    await endDaemon(home);
    if (!isGone(ctlProcess.pid!)) ctlProcess.kill('SIGKILL');
    await exited;
    removeTempHome(home);
  });

  await notify.until('READY=1', () => notify.states().length >= 1);
  t.is(notify.states()[0], 'READY=1\nSTATUS=running 1 plugin', 'no MAINPID: systemd keeps ctl, its child, as the main process');
  await notify.until('keep-alives from the core', () => notify.messages().filter((m) => m === 'WATCHDOG=1').length >= 3);
  ctlProcess.kill('SIGTERM');
  t.is(await exited, 0);
  t.deepEqual(notify.states(), ['READY=1\nSTATUS=running 1 plugin', 'STOPPING=1\nSTATUS=stopping']);
});

test('statusLine: one line for systemctl status', (t) => {
  const row = (plugin: string, state: PluginRow['state']) => ({ plugin, state }) as PluginRow;
  t.is(statusLine([]), 'running, no plugins');
  t.is(statusLine([row('a', 'running')]), 'running 1 plugin');
  t.is(statusLine([row('a', 'running'), row('a', 'running'), row('b', 'running')]), 'running 2 plugins');
  t.is(statusLine([row('a', 'failed'), row('b', 'running'), row('c', 'backoff')]), '3 plugins: 1 running, 1 backoff, 1 failed');
});
