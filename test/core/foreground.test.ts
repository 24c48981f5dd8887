import test, { type ExecutionContext } from 'ava';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { connect } from '../../src/client/index.js';
import { homePaths } from '../../src/home/index.js';
import { lockHolder } from '../../src/native/addon.js';
import { ctl } from '../helpers/cli.js';
import { endDaemon, fixture, ROOT, writeConfig } from '../helpers/daemon.js';
import { makeTempHome, removeTempHome } from '../helpers/home.js';
import { isGone, waitUntil } from '../helpers/proc.js';

/** `ctl start --foreground` as systemd or a container runs it: stdout and stderr collected. */
function runForegroundCtl(t: ExecutionContext, config: unknown) {
  const home = makeTempHome();
  const { log } = homePaths(home);
  writeConfig(home, config);
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'run.js'), 'start', '--foreground', '--home', home], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => { stdout += s; });
  child.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
  const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
  t.teardown(async () => {
    await endDaemon(home);
    if (!isGone(child.pid!)) child.kill('SIGKILL');
    await exited;
    removeTempHome(home);
  });
  const logged = (message: string) => waitUntil(() => stdout.split('\n').some((l) => l.includes(`"message":"${message}"`)), 30_000, `"${message}" on stdout; stderr: ${stderr}`);
  return { home, log, child, exited, logged, out: () => ({ stdout, stderr }) };
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`${signal} to ctl stops the core gracefully and ctl exits 0; stdout carries agentd.log's lines`, async (t) => {
    const run = runForegroundCtl(t, { plugins: { 'slow-stop': { module: fixture('slow-stop') } } });
    await run.logged('agentd ready');
    run.child.kill(signal);
    t.is(await run.exited, 0, run.out().stderr);
    const { stdout } = run.out();
    t.true(stdout.includes(`"message":"agentd stopping","reason":"${signal}"`));
    t.true(fs.readFileSync(path.join(run.home, 'logs', 'slow-stop.log'), 'utf8').includes('slow-stop finished stopping'), 'the plugin stopped gracefully');
    // The core's lines are agentd.log's, in the same order: journald and `docker logs` see the log.
    const lines = stdout.split('\n').filter(Boolean);
    const parsed = lines.map((l) => JSON.parse(l) as { time?: unknown; plugin?: unknown });
    t.true(parsed.every((l) => typeof l.time === 'string'));
    t.is(lines.filter((_, i) => parsed[i]!.plugin === undefined).map((l) => `${l}\n`).join(''), fs.readFileSync(run.log, 'utf8'));
  });
}

test('ctl killed with SIGKILL (a supervisor giving up, the OOM killer): the core stops gracefully instead of running on unsupervised', async (t) => {
  const run = runForegroundCtl(t, { plugins: { 'slow-stop': { module: fixture('slow-stop') } } });
  await run.logged('agentd ready');
  const { pidfile } = homePaths(run.home);
  const core = lockHolder(pidfile);
  run.child.kill('SIGKILL');
  await waitUntil(() => lockHolder(pidfile) === 0, 15_000, `core ${core} to stop and free the lock`);
  const log = fs.readFileSync(run.log, 'utf8');
  t.true(log.includes('"message":"agentd stopping","reason":"SIGTERM"'), log);
  t.true(log.includes('"message":"agentd stopped"'));
  t.true(fs.readFileSync(path.join(run.home, 'logs', 'slow-stop.log'), 'utf8').includes('slow-stop finished stopping'), 'its plugin stopped gracefully');
});

test("plugins' stdout, stderr and ctx.log lines reach stdout as JSON with the plugin's name; the plugin's log file keeps them too", async (t) => {
  const run = runForegroundCtl(t, { plugins: { 'log-on-start': { module: fixture('log-on-start') } } });
  const lines = () => run.out().stdout.split('\n').filter((l) => l.includes('"plugin":"log-on-start"')).map((l) => JSON.parse(l) as Record<string, unknown>);
  await waitUntil(() => lines().length >= 3, 30_000, `three plugin lines on stdout; stdout: ${run.out().stdout}`);
  const byStream = new Map(lines().map((l) => [l['stream'], l]));
  t.like(byStream.get('stdout'), { plugin: 'log-on-start', message: 'hello on stdout' });
  t.like(byStream.get('stderr'), { plugin: 'log-on-start', message: 'hello on stderr' });
  t.like(byStream.get('log'), { plugin: 'log-on-start', level: 'info', message: 'hello from ctx.log', answer: 42 });
  const pid = byStream.get('stdout')?.['pid'];
  t.is(typeof pid, 'number');
  t.is(typeof byStream.get('stdout')?.['time'], 'string');
  // The same lines as in the file, each with the name added and nothing else changed.
  const file = fs.readFileSync(path.join(run.home, 'logs', 'log-on-start.log'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  t.deepEqual(lines().map(({ plugin: _p, ...rest }) => rest), file);
  run.child.kill('SIGTERM');
  t.is(await run.exited, 0);
});

test('a stdout nobody reads does not stall the core: lines past the bound are dropped from stdout only, and the drop is logged', async (t) => {
  const run = runForegroundCtl(t, { plugins: { 'log-burst': { module: fixture('log-burst') } } });
  await run.logged('agentd ready');
  run.child.stdout.pause();
  const client = await connect({ home: run.home, timeoutMs: 30_000 });
  t.teardown(() => client.close());
  // About 5 MB of JSON lines: far more than the pipe and the core's stdout queue hold.
  await client.call('log-burst.burst', { count: 50_000 });
  t.truthy(await client.call('daemon.status'), 'the core answers while stdout is stalled');
  const file = path.join(run.home, 'logs', 'log-burst.log');
  await waitUntil(() => fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).length >= 50_000, 30_000, 'every line in the file');
  run.child.stdout.resume();
  await waitUntil(() => fs.readFileSync(run.log, 'utf8').includes('stdout could not keep up'), 30_000, 'the drop logged once stdout drains');
  const reports = fs.readFileSync(run.log, 'utf8').split('\n').filter((l) => l.includes('stdout could not keep up'));
  const dropped = reports.reduce((sum, l) => sum + (JSON.parse(l) as { dropped: number }).dropped, 0);
  const shown = run.out().stdout.split('\n').filter((l) => l.includes('"plugin":"log-burst"') && l.includes('burst 1 ')).length;
  t.is(shown + dropped, 50_000, 'every line either on stdout or counted as dropped');
  run.child.kill('SIGTERM');
  t.is(await run.exited, 0);
});

test('a core whose config cannot load: ctl --foreground exits 78 (EX_CONFIG) with its one-line error on stderr', async (t) => {
  const run = runForegroundCtl(t, { plugins: { x: { module: fixture('forever'), restart: 'sometimes' } } });
  t.is(await run.exited, 78);
  t.regex(run.out().stderr, /^agentd: invalid config .*plugins\.x\.restart/m);
});

test('ctl restart of a foreground core is refused: it would leave its service manager', async (t) => {
  const run = runForegroundCtl(t, { plugins: {} });
  await run.logged('agentd ready');
  const pid = lockHolder(homePaths(run.home).pidfile);
  const r = await ctl(['restart', '--home', run.home]);
  t.is(r.code, 1, r.stdout);
  t.regex(r.stderr, new RegExp(`^ctl: agentd \\(pid ${pid}\\) runs in the foreground under a service manager; restart it there, e\\.g\\. \`systemctl restart agentd\``));
  t.is(lockHolder(homePaths(run.home).pidfile), pid, 'the same core still runs');
  t.false(isGone(run.child.pid!), 'and so does the ctl that its service manager watches');
  t.true((JSON.parse((await ctl(['status', '--json', '--home', run.home])).stdout) as { foreground: boolean }).foreground);
});
