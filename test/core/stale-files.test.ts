import fs from 'node:fs';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { startDaemon } from '../../src/cli/daemon-control.js';
import { homePaths } from '../../src/home/index.js';
import { lockHolder } from '../../src/native/addon.js';
import { ctl } from '../helpers/cli.js';
import { endDaemon, fixture, killMarked, MARK_VAR, writeConfig } from '../helpers/daemon.js';
import { tempHome } from '../helpers/home.js';
import { isGone, waitUntil } from '../helpers/proc.js';

/** What a failed start or a forced stop must not leave: a held lock, a socket, a pidfile. */
function assertNothingLeft(t: ExecutionContext, home: string): void {
  const paths = homePaths(home);
  t.is(lockHolder(paths.pidfile), 0);
  t.false(fs.existsSync(paths.pidfile), 'no pidfile left');
  t.false(fs.existsSync(paths.socket), 'no socket left');
}

function guarded(t: ExecutionContext, home: string): string {
  t.teardown(async () => { await endDaemon(home); killMarked(home); });
  return home;
}

const failedStarts: Array<[string, (home: string) => void, RegExp]> = [
  ['a bad config', (home) => writeConfig(home, { logs: { keep: -1 }, plugins: {} }), /logs\.keep: must be >= 0/],
  ['a plugin that fails its start', (home) => writeConfig(home, { plugins: { c: { module: fixture('crash-on-start'), restart: 'never' } } }), /plugin c/],
];

for (const [what, prepare, message] of failedStarts) {
  test(`a start refused for ${what} leaves no pidfile or socket`, async (t) => {
    const home = guarded(t, tempHome(t));
    prepare(home);
    const err = await t.throwsAsync(startDaemon({ home }));
    t.regex(err!.message, message);
    assertNothingLeft(t, home);
  });
}

test('a start refused for a socket path over the limit leaves no pidfile', async (t) => {
  const home = guarded(t, path.join(tempHome(t), 'h'.repeat(100)));
  fs.mkdirSync(home, { mode: 0o700 });
  writeConfig(home, { plugins: {} });
  const err = await t.throwsAsync(startDaemon({ home }));
  t.is((err as { code?: string }).code, 'E_SOCKET_PATH_TOO_LONG');
  t.regex(err!.message, /over the OS limit/);
  assertNothingLeft(t, home);
});

test('a start past the launcher\'s timeout leaves no pidfile or socket', async (t) => {
  const home = guarded(t, tempHome(t));
  writeConfig(home, { plugins: { 'never-ready': { module: fixture('never-ready'), startTimeout: '20s' } } });
  const err = await t.throwsAsync(startDaemon({ home, timeoutMs: 1500 }));
  t.is((err as { code?: string }).code, 'E_START_TIMEOUT');
  assertNothingLeft(t, home);
});

test('a start past its --timeout lets the plugins stop gracefully, each within its stopTimeout, before any SIGKILL', async (t) => {
  const home = guarded(t, tempHome(t));
  // slow-stop needs 2.5 s to stop: more than the 2 s the launcher used to give a core after SIGTERM.
  writeConfig(home, { plugins: {
    'slow-stop': { module: fixture('slow-stop'), stopTimeout: '10s', config: { stopMs: 2500 } },
    'hang-in-start': { module: fixture('hang-in-start'), startTimeout: '30s', stopTimeout: '500ms' },
  } });
  const r = await ctl(['start', '--home', home, '--timeout', '4s'], { env: { [MARK_VAR]: home } });
  t.is(r.code, 1);
  t.regex(r.stderr, /did not report ready within 4000 ms and was stopped/);
  t.regex(fs.readFileSync(path.join(home, 'logs', 'slow-stop.log'), 'utf8'), /slow-stop finished stopping/, 'its graceful stop ran to the end');
  t.regex(fs.readFileSync(homePaths(home).log, 'utf8'), /start aborted/, 'the core finished its own abort');
  assertNothingLeft(t, home);
});

test('ctl stop that had to SIGKILL the core removes its socket and pidfile', async (t) => {
  const home = guarded(t, tempHome(t));
  // Its plugin ignores SIGTERM for 30 s, so the core cannot stop within --timeout: only SIGKILL ends it.
  writeConfig(home, { plugins: { 'ignore-sigterm': { module: fixture('ignore-sigterm'), stopTimeout: '30s' } } });
  const started = await ctl(['start', '--home', home], { env: { [MARK_VAR]: home } });
  t.is(started.code, 0, started.stderr);
  const pid = Number(/pid (\d+)/.exec(started.stdout)?.[1]);
  t.teardown(() => { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } });
  const r = await ctl(['stop', '--home', home, '--timeout', '1s']);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /after SIGKILL/);
  await waitUntil(() => lockHolder(homePaths(home).pidfile) === 0, 10_000, 'the lock to be free');
  assertNothingLeft(t, home);
});

const foreignPidfiles: Array<[string, (pidfile: string, elsewhere: string) => void]> = [
  ['a directory', (pidfile) => fs.mkdirSync(pidfile)],
  ['a symlink', (pidfile, elsewhere) => fs.symlinkSync(elsewhere, pidfile)],
];

for (const [what, plant] of foreignPidfiles) {
  test(`ctl start with ${what} at the pidfile path says which path to move, and touches nothing`, async (t) => {
    const home = guarded(t, tempHome(t));
    writeConfig(home, { plugins: {} });
    const { pidfile } = homePaths(home);
    const elsewhere = path.join(tempHome(t, 'x'), 'precious');
    fs.writeFileSync(elsewhere, 'keep me\n');
    plant(pidfile, elsewhere);
    const r = await ctl(['start', '--home', home], { env: { [MARK_VAR]: home } });
    t.is(r.code, 1);
    t.is(r.stderr, `ctl: home ${home} is unsafe: its pidfile ${pidfile} is ${what}; move ${pidfile} out of the way, then start again\n`);
    t.is(fs.readFileSync(elsewhere, 'utf8'), 'keep me\n', 'what a symlink points at is not truncated');
    t.false(fs.existsSync(homePaths(home).socket), 'no core started');
  });
}

test('a start beside a core whose pidfile was deleted is refused, naming that core, and ctl stop stops it: never two cores', async (t) => {
  const home = guarded(t, tempHome(t));
  writeConfig(home, { plugins: {} });
  const paths = homePaths(home);
  const run = (...args: string[]) => ctl([...args, '--home', home], { env: { [MARK_VAR]: home } });
  t.is((await run('start')).code, 0);
  const first = lockHolder(paths.pidfile);
  t.teardown(() => { try { process.kill(first, 'SIGKILL'); } catch { /* gone */ } });
  fs.unlinkSync(paths.pidfile);

  const r = await run('start');
  t.is(r.code, 1);
  t.is(r.stderr, `ctl: cannot listen on ${paths.socket}: another agentd (pid ${first}) still answers on it although its pidfile is gone; stop it (\`kill ${first}\`), then start again\n`);
  t.is(JSON.parse((await run('status', '--json')).stdout).pid, first, 'the first core still answers on the socket');

  const stopped = await run('stop');
  t.is(stopped.stdout, `agentd stopped (pid ${first})\n`, 'ctl stop finds it by its socket');
  t.true(isGone(first));
  t.is((await run('start')).code, 0, 'then a start works');
});
