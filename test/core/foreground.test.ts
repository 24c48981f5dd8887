import test, { type ExecutionContext } from 'ava';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { homePaths } from '../../src/home/index.js';
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
    // The same JSON lines, in the same order, as agentd.log: journald and `docker logs` see the log.
    t.is(stdout, fs.readFileSync(run.log, 'utf8'));
    t.true(stdout.split('\n').filter(Boolean).every((l) => typeof (JSON.parse(l) as { time?: unknown }).time === 'string'));
  });
}

test('a core that cannot start: ctl --foreground exits 1 with its one-line error on stderr', async (t) => {
  const run = runForegroundCtl(t, { plugins: { x: { module: fixture('forever'), restart: 'sometimes' } } });
  t.is(await run.exited, 1);
  t.regex(run.out().stderr, /^agentd: invalid config .*plugins\.x\.restart/m);
});
