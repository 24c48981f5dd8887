import { errors, isAgentdError, type WireError } from '../errors/index.js';
import { describeError } from '../errors/describe.js';
import { createPluginLogger } from '../logging/plugin-logger.js';
import type { Plugin, StopFunction } from '../plugin-api/types.js';
import { createContext, type ContextState } from './context.js';
import { IpcChannel } from './ipc.js';
import { homePaths } from '../home/paths.js';
import { atPlugin, crashSummary, failureLines } from './failure-lines.js';
import { explainPluginExits, hostExit } from './plugin-exit.js';
import { methodErrorToWire } from './method-error.js';
import { loadPlugin, releaseTypeScriptService, warmUp, type LoadedBy } from './load-plugin.js';
import { resolvePluginConfig } from './plugin-config.js';
import { HOST_FDS, type CoreToHost, type FailurePhase } from './protocol.js';
import { loadAddon } from '../native/addon.js';
import { becomeSubreaper, killDescendants, terminateDescendants } from '../supervisor/subreaper.js';

/**
 * A plugin host: one child process of the core running one plugin instance. It may start as an
 * idle spare and be told later which plugin to run. It exits by itself when the core goes away.
 */
type Loaded = { plugin: Plugin; by: LoadedBy; name: string; instance: number; config: Record<string, unknown>; home: string; cacheDir: string; logLevel: string | undefined };

let loaded: Loaded | null = null;
let context: ContextState | null = null;
let stopFn: StopFunction | void = undefined;
let phase: FailurePhase | 'running' | 'idle' = 'idle';
let stopping: Promise<void> | null = null;
// Known from the load message on, before `loaded` is: a failure in the config phase names it too.
let pluginName = 'plugin';

// Whatever the plugin started, and whatever those orphaned (adopted here, being a subreaper), ends
// with this process: the core kills the group after any exit, but only we can see the rest.
// Said on stderr, which lands in the plugin's log: a plugin that leaves processes behind is a bug
// its author wants to hear of (stderr is a pipe, written synchronously, so also at exit).
becomeSubreaper('keep');
explainPluginExits();
process.on('exit', () => {
  const killed = killDescendants();
  if (killed.length > 0) process.stderr.write(`at exit, SIGKILL to what the plugin left running: ${killed.join(', ')}\n`);
});

const ipc = new IpcChannel((m) => void handle(m));

async function handle(m: CoreToHost): Promise<void> {
  switch (m.t) {
    case 'load': return load(m);
    case 'start': return start();
    case 'stop': return void stop(0);
    case 'call': return call(m.id, m.method, m.params);
    case 'health': return health(m.id);
    default: return;
  }
}

async function load(m: Extract<CoreToHost, { t: 'load' }>): Promise<void> {
  phase = 'load';
  pluginName = m.plugin;
  process.title = `agentd: ${m.plugin}`;
  Object.assign(process.env, m.env);
  // Before the plugin's code runs, so that every file it (and any child) creates gets it.
  if (m.umask !== undefined) process.umask(Number.parseInt(m.umask, 8));
  try { process.chdir(m.baseDir); } catch { /* stays at / */ }
  try {
    const { plugin, by, files } = await loadPlugin(m.plugin, m.module, m.baseDir, homePaths(m.home).compiledDir, { watch: m.watch === true });
    releaseTypeScriptService();
    phase = 'config';
    const config = await resolvePluginConfig(plugin, m.plugin, m.config);
    loaded = { plugin, by, name: m.plugin, instance: m.instance, config, home: m.home, cacheDir: m.cacheDir, logLevel: m.logLevel };
    ipc.send({ t: 'loaded', name: plugin.name, health: false, ...(m.watch === true ? { files } : {}) });
  } catch (e) {
    fail(e);
  }
}

async function start(): Promise<void> {
  if (!loaded) return;
  phase = 'start';
  const { plugin, name, instance } = loaded;
  const log = createPluginLogger(HOST_FDS.log, { plugin: name, pid: process.pid, instance }, loaded.logLevel ? { level: loaded.logLevel } : {});
  // Said in the plugin's own log, where its author looks: why this host carries the TypeScript loader.
  if (loaded.by.loader === 'tsx') log.info(`loaded through tsx: ${loaded.by.reason}`);
  context = createContext({ ...loaded, log, ipc });
  try {
    stopFn = await plugin.start(context.ctx);
    if (plugin.readiness === 'manual') {
      ipc.send({ t: 'awaiting-ready' });
      await context.manualReady;
    }
    if (stopping) return;
    phase = 'running';
    context.sealed = true;
    ipc.send({ t: 'ready', health: context.health !== null });
  } catch (e) {
    fail(e);
  }
}

/**
 * Graceful stop: abort the signal, run the plugin's stop function, then SIGTERM what the plugin
 * left running outside its process group (the group has SIGTERM already) and wait for all of it to
 * end, as a unit's stop under systemd does; the core's stopTimeout bounds the whole, then SIGKILL.
 * Exit. Idempotent. When the core is gone (`orphaned`), nobody else will clean up the group, so the
 * exit takes the group with it at once.
 */
function stop(code: number, orphaned = false): Promise<void> {
  stopping ??= (async () => {
    // A stop before ready is a start timeout (or a stop asked meanwhile): the author's clue to
    // where start() hangs, in the log beside what ctx.signal's listeners say.
    if (phase !== 'running' && phase !== 'idle') process.stderr.write(`stopped in the ${phase} phase, before the plugin was ready${context ? '; ctx.signal aborted' : ''}\n`);
    context?.abort.abort();
    try {
      if (typeof stopFn === 'function') await stopFn();
    } catch (e) {
      process.stderr.write(`${failureLines('stop', e).join('\n')}\n`);
      code = 1;
    }
    if (orphaned) killOwnGroup();
    else await terminateDescendants((names) => process.stderr.write(`stop: SIGTERM to what the plugin left running outside its process group: ${names.join(', ')}\n`));
    ipc.send({ t: 'stopped' });
    await flushStdio(STOP_FLUSH_MS);
    hostExit(code);
  })();
  return stopping;
}

// The core's stopTimeout (SIGKILL) bounds a stop in any case; this only keeps a stuck pipe from
// holding the exit forever when the core has gone.
const STOP_FLUSH_MS = 30_000;

/**
 * Wait until everything the plugin wrote to stdout and stderr has left this process. Writes to
 * the pipes are asynchronous here, so a plugin that wrote a burst just before stopping still has
 * it in memory; process.exit() would throw it away (the log would lose its last lines).
 */
function flushStdio(timeoutMs: number): Promise<void> {
  const drained = (s: NodeJS.WriteStream) => new Promise<void>((resolve) => {
    if (s.destroyed || !s.writable) return resolve();
    s.write('', () => resolve());
  });
  return Promise.race([
    Promise.all([drained(process.stdout), drained(process.stderr)]).then(() => {}),
    new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref()),
  ]);
}

async function call(id: number, method: string, params: unknown): Promise<void> {
  const exposed = context?.methods.get(method);
  const full = `${loaded?.name}.${method}`;
  if (!exposed) return ipc.send({ t: 'error', id, error: errors.methodNotFound(full).toWire() });
  try {
    const problem = exposed.check?.(params ?? {});
    if (problem) return ipc.send({ t: 'error', id, error: errors.invalidParams(full, problem).toWire() });
    const result = await exposed.handler(params ?? {});
    ipc.send({ t: 'result', id, result: result === undefined ? null : result });
  } catch (e) {
    // A typed error is the plugin's answer; anything else is a bug whose line its author needs,
    // and the caller only gets the message.
    if (!isAgentdError(e)) for (const line of failureLines(full, e)) context?.ctx.log.error(line);
    ipc.send({ t: 'error', id, error: methodErrorToWire(full, e) });
  }
}

async function health(id: number): Promise<void> {
  try {
    const result = await context?.health?.();
    const ok = result === undefined || result === true;
    ipc.send({ t: 'health-result', id, ok, ...(typeof result === 'string' ? { reason: result } : {}) });
  } catch (e) {
    ipc.send({ t: 'health-result', id, ok: false, reason: describeError(e) });
  }
}

function fail(e: unknown): void {
  const failedPhase = phase === 'running' || phase === 'idle' ? 'start' : phase;
  const name = pluginName;
  // The stack first: once the core hears of the failure it kills this process group.
  process.stderr.write(`${failureLines(failedPhase, e).join('\n')}\n`);
  ipc.send({ t: 'failed', phase: failedPhase, error: toWire(e, (msg) => errors.pluginStartFailed(name, `${failedPhase === 'config' ? 'checking its config: ' : ''}${msg}${atPlugin(e)}`).toWire()) });
  // Let the IPC message and what the plugin printed go out before exiting.
  void flushStdio(2000).then(() => hostExit(1));
}

function toWire(e: unknown, wrap: (message: string) => WireError): WireError {
  return isAgentdError(e) ? e.toWire() : wrap(describeError(e));
}

process.on('SIGTERM', () => void stop(0));
const ORPHAN_GRACE_MS = 2000;
// The core is gone (killed): stop gracefully for a moment, then take the whole group down.
process.on('disconnect', () => {
  setTimeout(killOwnGroup, ORPHAN_GRACE_MS).unref();
  void stop(1, true);
});
// The same without JavaScript, for a plugin stuck in a synchronous loop that never hears the
// disconnect: it would otherwise spin on forever, reparented to init.
loadAddon().watchParent(process.ppid, ORPHAN_GRACE_MS + 2000);

function killOwnGroup(): void {
  killDescendants();
  try { process.kill(-process.pid, 'SIGKILL'); } catch { hostExit(1); }
}
process.on('uncaughtException', (e) => crash('uncaught exception', e));
process.on('unhandledRejection', (e) => crash('unhandled rejection', e));

/**
 * A plugin crashed: report it, keep what it printed, and exit 1 for the restart policy. The core
 * hears why, so that `ctl status` says it instead of only an exit code.
 */
function crash(what: string, e: unknown): void {
  if (phase !== 'running') return fail(e);
  process.stderr.write(`${what}: ${e instanceof Error && e.stack ? e.stack : describeError(e)}\n`);
  ipc.send({ t: 'crashed', reason: crashSummary(what, e) });
  void flushStdio(2000).then(() => hostExit(1));
}

// A spare prepares what every plugin needs before it is asked to run one.
if (process.argv.includes('--spare')) await warmUp({ typescript: process.argv.includes('--typescript') }).catch((e: unknown) => process.stderr.write(`warm-up failed: ${describeError(e)}\n`));
ipc.send({ t: 'idle' });
