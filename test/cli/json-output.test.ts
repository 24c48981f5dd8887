import test, { type ExecutionContext } from 'ava';
import { ctl, ctlRunning, type CliResult } from '../helpers/cli.js';
import { fixture, startTestDaemon, writeConfig } from '../helpers/daemon.js';
import { tempHome } from '../helpers/home.js';
import { waitUntil } from '../helpers/proc.js';

// What a script may rely on under --json (README, "Commands"): on success stdout is exactly one JSON
// document (a streaming command: one JSON object per line); on failure stdout is one line, a JSON
// error object with the code, the message and the exit code the process ends with, and stderr the
// same message as the one line people read. Every command, the same way.

interface JsonError { error: { code: string; message: string; exitCode: number; data: Record<string, unknown> } }

function assertJsonFailure(t: ExecutionContext, r: CliResult, code: string, exitCode: number, what: string): void {
  t.is(r.code, exitCode, `${what}: ${r.stdout}${r.stderr}`);
  t.regex(r.stdout, /^[^\n]+\n$/, `${what}: one line on stdout`);
  const body = JSON.parse(r.stdout) as JsonError;
  t.is(body.error.code, code, what);
  t.is(body.error.exitCode, exitCode, what);
  t.is(typeof body.error.data, 'object', what);
  t.is(r.stderr, `ctl: ${body.error.message}\n`, what);
}

function assertJsonSuccess(t: ExecutionContext, r: CliResult, exitCode: number, what: string): unknown {
  t.is(r.code, exitCode, `${what}: ${r.stderr}`);
  t.is(r.stderr, '', what);
  return JSON.parse(r.stdout);
}

// [args, error code, exit code]: no daemon is needed to get these.
const OFFLINE_FAILURES: Array<[string[], string, number]> = [
  [['plugins'], 'E_NOT_RUNNING', 3],
  [['plugins', 'list'], 'E_NOT_RUNNING', 3],
  [['plugins', 'start', 'forever'], 'E_NOT_RUNNING', 3],
  [['plugins', 'scale', 'forever', '2'], 'E_NOT_RUNNING', 3],
  [['reload'], 'E_NOT_RUNNING', 3],
  [['logrotate'], 'E_NOT_RUNNING', 3],
  [['logs', '-f'], 'E_NOT_RUNNING', 3],
  [['rpc', 'daemon.status'], 'E_NOT_RUNNING', 3],
  [['rpc'], 'E_USAGE', 2],
  [['rpc', 'daemon.status', '{bad'], 'E_USAGE', 2],
  [['rpc', 'a', 'b', 'c'], 'E_USAGE', 2],
  [['rpc', '--schema', 'no.such'], 'E_RPC_METHOD_NOT_FOUND', 2],
  [['logs', '-n', 'abc'], 'E_USAGE', 2],
  [['plugins', 'scale', 'forever', '0'], 'E_USAGE', 2],
  [['plugins', 'start'], 'E_USAGE', 2],
  [['stop', '--timeout', 'soon'], 'E_USAGE', 2],
  [['nosuch'], 'E_USAGE', 2],
  [['plugins', 'new', 'Bad'], 'E_PLUGIN_NAME_INVALID', 1],
];

for (const [args, code, exitCode] of OFFLINE_FAILURES) {
  test(`ctl ${args.join(' ')} --json with no daemon: a JSON ${code} on stdout, exit ${exitCode}`, async (t) => {
    const home = tempHome(t);
    assertJsonFailure(t, await ctl([...args, '--json', '--home', home]), code, exitCode, args.join(' '));
  });
}

test('ctl status and stop --json with no daemon: one JSON document each, exits 3 and 0', async (t) => {
  const home = tempHome(t);
  t.deepEqual(assertJsonSuccess(t, await ctl(['status', '--json', '--home', home]), 3, 'status'), { running: false, home });
  t.deepEqual(assertJsonSuccess(t, await ctl(['stop', '--json', '--home', home]), 0, 'stop'), { stopped: false });
});

test('ctl start --json with an invalid config: a JSON E_CONFIG_INVALID, exit 78', async (t) => {
  const home = tempHome(t);
  writeConfig(home, { plugins: { forever: { module: fixture('forever'), restart: 'bogus' } } });
  assertJsonFailure(t, await ctl(['start', '--json', '--home', home]), 'E_CONFIG_INVALID', 78, 'start');
});

test('ctl start --foreground --json: a failure of the core ends stdout with its JSON error record, after the log records, which have a time', async (t) => {
  const home = tempHome(t);
  writeConfig(home, { plugins: { forever: { module: fixture('forever'), restart: 'bogus' } } });
  const bad = await ctl(['start', '--foreground', '--json', '--home', home]);
  t.is(bad.code, 78, bad.stderr);
  const body = JSON.parse(bad.stdout) as JsonError;
  t.is(bad.stdout, `${JSON.stringify(body)}\n`, 'one line');
  t.is(body.error.code, 'E_CONFIG_INVALID');
  t.is(body.error.exitCode, 78);
  // The core's own line on stderr, as without --json (journald shows it under the core's name).
  t.is(bad.stderr, `agentd: ${body.error.message}\n`);

  // Failing after it logged (a plugin whose module declares another name): the log records, then the failure record.
  writeConfig(home, { plugins: { other: { module: fixture('forever') } } });
  const r = await ctl(['start', '--foreground', '--json', '--home', home]);
  t.is(r.code, 1, r.stderr);
  const records = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  t.true(records.length > 1, r.stdout);
  t.true(records.slice(0, -1).every((rec) => typeof rec['time'] === 'string' && !('error' in rec && typeof rec['error'] === 'object')), r.stdout);
  const last = records.at(-1) as unknown as JsonError;
  t.deepEqual(Object.keys(last), ['error']);
  t.is(last.error.code, 'E_PLUGIN_NAME_MISMATCH');
  t.is(last.error.exitCode, 1);
  t.deepEqual(last.error.data, { plugin: 'other', module: fixture('forever') });
});

test('every command --json against a running daemon: one JSON document on success, a JSON error with its exit code on failure', async (t) => {
  const echo = (config: Record<string, unknown>) => ({ plugins: { 'http-echo': { module: fixture('http-echo'), config } } });
  const d = await startTestDaemon(t, { config: echo({ greeting: 'old' }) });
  const h = ['--json', '--home', d.home];

  for (const args of [['status'], ['plugins'], ['plugins', 'list'], ['plugins', 'restart', 'http-echo'], ['logrotate'], ['logs', '-n', '1'], ['rpc', 'daemon.status'], ['rpc', 'http-echo.address']]) {
    const r = await ctl([...args, ...h]);
    assertJsonSuccess(t, r, 0, args.join(' '));
    t.notRegex(r.stdout, /^ctl:|agentd (started|stopped|reloaded)/m, `${args.join(' ')}: no progress or summary lines on stdout`);
  }

  const failures: Array<[string[], string, number]> = [
    [['plugins', 'start', 'nosuch'], 'E_PLUGIN_NOT_FOUND', 1],
    [['plugins', 'scale', 'nosuch', '2'], 'E_PLUGIN_NOT_FOUND', 1],
    [['logs', 'nosuch'], 'E_PLUGIN_NOT_FOUND', 1],
    [['logs', 'nosuch', '-f'], 'E_PLUGIN_NOT_FOUND', 1],
    [['rpc', 'no.such'], 'E_RPC_METHOD_NOT_FOUND', 2],
    [['rpc', 'plugins.start', '{"nme":1}'], 'E_RPC_INVALID_PARAMS', 2],
    [['start'], 'E_ALREADY_RUNNING', 1],
  ];
  for (const [args, code, exitCode] of failures) assertJsonFailure(t, await ctl([...args, ...h]), code, exitCode, args.join(' '));

  writeConfig(d.home, echo({ greeting: 'new', failInstance: 0 }));
  const kept = await ctl(['reload', ...h]);
  assertJsonFailure(t, kept, 'E_PLUGIN_SETTINGS_KEPT', 1, 'reload, new settings that fail');
  t.like((JSON.parse(kept.stdout) as JsonError).error.data, { plugin: 'http-echo' });

  writeConfig(d.home, { plugins: { 'http-echo': { module: fixture('http-echo'), restart: 'bogus' } } });
  assertJsonFailure(t, await ctl(['reload', ...h]), 'E_CONFIG_INVALID', 78, 'reload, invalid config');
});

test('ctl logs -f --json: JSON lines, and when the daemon stops, a JSON error as the last line (exit 1)', async (t) => {
  const d = await startTestDaemon(t, { config: { plugins: {} } });
  const follower = ctlRunning(t, ['logs', '-f', '-n', '1', '--json', '--home', d.home]);
  await waitUntil(() => follower.stdout.endsWith('\n'), 20_000, 'the first log line');
  await d.stop();
  t.is(await follower.exited, 1);
  const lines = follower.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Partial<JsonError>);
  t.true(lines.slice(0, -1).every((l) => l.error === undefined && typeof (l as { message?: unknown }).message === 'string'));
  t.like(lines.at(-1), { error: { code: 'E_CONNECTION_CLOSED', exitCode: 1 } });
  t.is(follower.stderr, `ctl: ${lines.at(-1)!.error!.message}\n`);
});

test('ctl rpc of a streaming method --json: the result and each notification, one JSON line each', async (t) => {
  const d = await startTestDaemon(t, { config: { plugins: { forever: { module: fixture('forever') } } } });
  const cli = ctlRunning(t, ['rpc', 'events.subscribe', '{"types":["plugin.state"]}', '--json', '--home', d.home]);
  await waitUntil(() => cli.stdout.endsWith('\n'), 20_000, 'the subscription result');
  await (await d.client()).call('plugins.restart', { name: 'forever' });
  await waitUntil(() => cli.stdout.includes('"to":"running"'), 20_000, 'the notifications of the restart');
  cli.child.kill('SIGINT');
  t.is(await cli.exited, 0);
  const lines = cli.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as unknown);
  t.deepEqual(lines[0], { subscribed: ['plugin.state'] });
  t.true(lines.length >= 5);
});
