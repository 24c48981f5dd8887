import fs from 'node:fs';
import path from 'node:path';
import { BENCH_DIR, ROOT } from './context.js';
import { descendants, isGone, kill, waitGone } from './proc.js';

/** `ctl`, as the README runs it from a checkout. */
export const CTL = path.join(ROOT, 'bin', 'run.js');

let built = null;
/** The built code the benches drive (dist/, from `npm run build`). */
export async function agentd() {
  built ??= Promise.all([
    import(path.join(ROOT, 'dist', 'src', 'cli', 'daemon-control.js')),
    import(path.join(ROOT, 'dist', 'src', 'client', 'index.js')),
    import(path.join(ROOT, 'dist', 'src', 'native', 'addon.js')),
  ]).then(([control, client, addon]) => ({ ...control, ...client, lockHolder: addon.lockHolder }));
  return built;
}

/**
 * Copy a bench fixture plugin into `dir` under the name `name` (its declared name is replaced:
 * it must equal the config key). Outside this package, `import 'agentd'` resolves to the build.
 */
export function fixturePlugin(dir, fixture, name) {
  const src = fs.readFileSync(path.join(BENCH_DIR, 'fixtures', `${fixture}.ts`), 'utf8');
  const file = path.join(dir, `${name}.ts`);
  fs.writeFileSync(file, src.replace(`name: '${fixture}'`, `name: '${name}'`));
  return file;
}

/** `n` idle plugins idle-0 … idle-(n-1), as a `plugins` config object. */
export function idlePlugins(dir, n, extra = {}) {
  const plugins = {};
  for (let i = 0; i < n; i++) plugins[`idle-${i}`] = { module: fixturePlugin(dir, 'idle', `idle-${i}`), ...extra };
  return plugins;
}

export function writeConfig(home, config) {
  fs.writeFileSync(path.join(home, 'agentd.config.json'), JSON.stringify(config, null, 2));
}

/**
 * A daemon in a fresh home of the run, started through the native launcher (as `ctl start` does)
 * and stopped at cleanup, with every process it ran, by pid.
 */
export async function startAgentd(ctx, config = { plugins: {} }) {
  const { startDaemon, connect } = await agentd();
  const home = ctx.dir('h');
  writeConfig(home, config);
  const { pid } = await startDaemon({ home, timeoutMs: 60_000 });
  const d = {
    home,
    pid,
    /** Every process of this daemon: the core and its descendants (plugin hosts, spares, esbuild). */
    pids: () => [pid, ...descendants(pid)],
    client: (opts = {}) => connect({ home, ...opts }),
    stop: null,
  };
  d.stop = ctx.defer(() => stopAgentd(d));
  return d;
}

/** Graceful stop (as `ctl stop`), then SIGKILL by pid to whatever of it is left. */
export async function stopAgentd(d, timeoutMs = 15_000) {
  const { stopDaemon } = await agentd();
  const pids = d.pids();
  if (!isGone(d.pid)) await stopDaemon(d.home, timeoutMs).catch(() => kill(d.pid));
  await waitGone(pids, 5000, 5);
  for (const p of pids) if (!isGone(p)) kill(p);
}
