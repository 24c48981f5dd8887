import fs from 'node:fs';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { homePaths } from '../../src/home/index.js';
import { lockHolder } from '../../src/native/addon.js';
import type { DaemonStatus } from '../../src/rpc/wire-types.js';
import { ctl } from '../helpers/cli.js';
import { endDaemon, fixture, killMarked, MARK_VAR, writeConfig } from '../helpers/daemon.js';
import { tempHome } from '../helpers/home.js';
import { waitUntil } from '../helpers/proc.js';

/**
 * A home whose own config runs no plugin (so that a restart that forgot --config shows as a core
 * without the `forever` plugin, never as the demo on :9000), and a config elsewhere that runs one.
 * Whatever ctl starts carries the test mark and is ended at teardown.
 */
function setUp(t: ExecutionContext): { home: string; config: string; run: (...args: string[]) => ReturnType<typeof ctl> } {
  const home = tempHome(t);
  writeConfig(home, { plugins: {} });
  const config = path.join(tempHome(t, 'cf'), 'my.json');
  fs.writeFileSync(config, JSON.stringify({ plugins: { forever: { module: fixture('forever') } } }));
  t.teardown(async () => { await endDaemon(home, { graceful: true }); killMarked(home); });
  return { home, config, run: (...args) => ctl([...args, '--home', home], { env: { [MARK_VAR]: home } }) };
}

async function status(run: (...args: string[]) => ReturnType<typeof ctl>): Promise<DaemonStatus> {
  const r = await run('status', '--json');
  return JSON.parse(r.stdout) as DaemonStatus;
}

test('restart keeps the running core\'s --config and --watch', async (t) => {
  const { config, run } = setUp(t);
  const started = await run('start', '--config', config, '--watch');
  t.is(started.code, 0, started.stderr);
  const before = await status(run);
  t.is(before.config, config);
  t.true(before.watch);

  const restarted = await run('restart');
  t.is(restarted.code, 0, restarted.stderr);
  const after = await status(run);
  t.not(after.pid, before.pid);
  t.is(after.config, config);
  t.true(after.watch);
  t.deepEqual(after.plugins.map((p) => p.name), ['forever']);
});

test('restart\'s own --config and --no-watch override the running core\'s', async (t) => {
  const { home, config, run } = setUp(t);
  t.is((await run('start', '--config', config, '--watch')).code, 0);
  const other = path.join(path.dirname(config), 'other.json');
  fs.writeFileSync(other, '{"plugins":{}}');
  const restarted = await run('restart', '--config', other, '--no-watch');
  t.is(restarted.code, 0, restarted.stderr);
  const after = await status(run);
  t.is(after.config, other);
  t.false(after.watch);
  t.deepEqual(after.plugins, []);
  t.is(lockHolder(homePaths(home).pidfile), after.pid);
});

/**
 * A config that holds the first core (the process titled agentd; ctl reading it is not) in its
 * load, before it listens, until SIGTERM; a core started after that loads it at once.
 */
const heldConfig = (plugin: string) => `import fs from 'node:fs';
const hold = new URL('hold', import.meta.url);
if (process.title === 'agentd' && fs.existsSync(hold)) {
  await new Promise((resolve) => {
    const alive = setInterval(() => {}, 1000); // a signal listener alone does not keep Node running
    process.once('SIGTERM', () => { clearInterval(alive); fs.rmSync(hold); resolve(undefined); });
    fs.writeFileSync(new URL('held', import.meta.url), '');
  });
}
export default { plugins: { forever: { module: ${JSON.stringify(plugin)} } } };
`;

test('restart of a core still loading its config (socket not answering yet) keeps its --config and --watch', async (t) => {
  const { run } = setUp(t);
  const dir = tempHome(t, 'cf');
  const config = path.join(dir, 'held.mjs');
  fs.writeFileSync(config, heldConfig(fixture('forever')));
  fs.writeFileSync(path.join(dir, 'hold'), '');
  const first = run('start', '--config', config, '--watch');
  await waitUntil(() => fs.existsSync(path.join(dir, 'held')), 10_000, 'the first core to be held in its config load');
  const restarted = await run('restart', '--timeout', '5s');
  t.is(restarted.code, 0, restarted.stderr);
  t.regex((await first).stderr, /stopped by SIGTERM while starting/);
  const after = await status(run);
  t.is(after.config, config, 'the config it was started with, not the home\'s');
  t.true(after.watch);
  t.deepEqual(after.plugins.map((p) => p.name), ['forever']);
});

test('restart with a broken config is refused before the running core is stopped', async (t) => {
  const { home, config, run } = setUp(t);
  t.is((await run('start', '--config', config)).code, 0);
  const before = await status(run);
  fs.writeFileSync(config, JSON.stringify({ plugins: { forever: { module: fixture('forever'), restart: 'sometimes' } } }));
  const r = await run('restart');
  t.is(r.code, 78, 'EX_CONFIG: the config is what is wrong');
  t.regex(r.stderr, /^ctl: not restarted: invalid config .*my\.json: plugins\.forever\.restart: .*; agentd \(pid \d+\) is still running its current config\n$/);
  t.is(lockHolder(homePaths(home).pidfile), before.pid, 'the old core still runs');
  t.is((await status(run)).pid, before.pid);
});

test('restart with a plugin\'s own config invalid is refused before the running core is stopped', async (t) => {
  const { home, config, run } = setUp(t);
  const write = (port: number) => fs.writeFileSync(config, JSON.stringify({ plugins: { 'config-check': { module: fixture('config-check'), config: { port } } } }));
  write(8080);
  t.is((await run('start', '--config', config)).code, 0);
  const before = await status(run);
  write(70000);
  const r = await run('restart');
  t.is(r.code, 78, 'EX_CONFIG: the config is what is wrong');
  t.regex(r.stderr, /^ctl: not restarted: invalid config .*my\.json: plugins\.config-check\.config\.port: .*65535.*; agentd \(pid \d+\) is still running its current config\n$/);
  t.is(lockHolder(homePaths(home).pidfile), before.pid, 'the old core still runs');
  t.is((await status(run)).pid, before.pid);
});

test('two restarts at once both succeed and leave exactly one new core', async (t) => {
  const { home, run } = setUp(t);
  t.is((await run('start')).code, 0);
  const before = await status(run);
  const [a, b] = await Promise.all([run('restart', '--json'), run('restart', '--json')]);
  t.is(a.code, 0, a.stderr);
  t.is(b.code, 0, b.stderr);
  const after = await status(run);
  t.not(after.pid, before.pid);
  t.is(lockHolder(homePaths(home).pidfile), after.pid);
  const reported = [a, b].map((r) => (JSON.parse(r.stdout) as { pid: number }).pid);
  // The second may also have restarted the first one's new core: then each names its own.
  t.true(reported.includes(after.pid), 'the core that runs now is one a restart reported');
  t.false(reported.includes(before.pid));
});
