import { fromWire } from '../client/rpc-error.js';
import { errors, type AgentdError } from '../errors/index.js';
import { describeError } from '../errors/describe.js';
import type { HostToCore } from '../plugin-host/protocol.js';
import type { ExitCause, ExitInfo } from '../rpc/wire-types.js';
import type { HostProcess } from './host-process.js';

export interface Booted {
  host: HostProcess;
  /** The plugin registered a health check. */
  health: boolean;
}

export interface BootOptions {
  label: string;
  startTimeout: number;
  /** After a start timeout, the time the plugin gets to unwind (ctx.signal aborted) before SIGKILL. */
  stopTimeout: number;
  /** A host process, already told which plugin to load. */
  acquire: () => HostProcess;
  /** Called as soon as the host exists, so that a stop can reach it while it boots. */
  onHost: (host: HostProcess) => void;
  /** The plugin loaded; awaited before it is told to start (a watcher set up on its files). */
  onLoaded?: (loaded: Extract<HostToCore, { t: 'loaded' }>) => Promise<void>;
}

/**
 * Boot one plugin process: get a host, wait for it to load the plugin, tell it to start, wait for
 * ready — all within startTimeout. On any failure the host is killed (with its group) and the
 * error thrown: the plugin's own (bad config, a throw from start), a timeout, or an early exit.
 */
export async function bootHost(o: BootOptions): Promise<Booted> {
  const deadline = Date.now() + o.startTimeout;
  let host: HostProcess;
  try {
    host = o.acquire();
  } catch (e) {
    throw errors.pluginStartFailed(o.label, describeError(e));
  }
  o.onHost(host);
  const loaded = await host.waitFor((m) => (m.t === 'loaded' || m.t === 'failed' ? m : undefined), deadline);
  let failure = failureOf(o, host, loaded);
  let timedOut = 'timeout' in loaded;
  if (!failure && 'value' in loaded && loaded.value.t === 'loaded') {
    await o.onLoaded?.(loaded.value);
    host.send({ t: 'start' });
    const ready = await host.waitFor((m) => (m.t === 'ready' || m.t === 'failed' ? m : undefined), deadline);
    failure = failureOf(o, host, ready);
    timedOut = 'timeout' in ready;
    if (!failure && 'value' in ready && ready.value.t === 'ready') return { host, health: ready.value.health };
  }
  // A start still pending is stopped as a running plugin is, so that ctx.signal tells it and its
  // log says so; one that failed has exited or is exiting. The kill is agentd's cleanup, not what
  // went wrong: the exit info says so.
  if (timedOut) await stopHostGracefully(host, o.stopTimeout, () => {}, 'start-failed');
  else host.kill('start-failed');
  await host.exited;
  throw failure ?? errors.pluginStartFailed(o.label, 'unknown');
}

/**
 * Graceful stop of one host: the stop request and SIGTERM, then SIGKILL to its group at the
 * deadline. `cause` says why agentd ends it, when not for a stop that was asked for.
 */
export async function stopHostGracefully(host: HostProcess, stopTimeout: number, onKill: () => void, cause?: ExitCause): Promise<void> {
  host.requestStop(cause);
  const killTimer = setTimeout(() => {
    onKill();
    // A stop that was asked for ends well unless this kill was needed: then the exit says so.
    host.kill(cause ?? 'stop-timeout');
  }, stopTimeout);
  await host.exited;
  clearTimeout(killTimer);
}

// A timeout is not always start() hanging: with manual readiness, start() may have returned and
// the plugin forgot ctx.ready(), which its author should be told, not sent looking at start().
const NEVER_CALLED_READY = "start() returned, but the plugin never called ctx.ready() (it declares readiness: 'manual'); call it once the plugin is ready, or raise startTimeout";
const START_HANGS = 'raise startTimeout or fix its start()';

export function describeExit(info: ExitInfo): string {
  return info.signal ? `on signal ${info.signal}` : `with code ${info.code}`;
}

function failureOf(o: BootOptions, host: HostProcess, answer: Awaited<ReturnType<HostProcess['waitFor']>>): AgentdError | null {
  if ('timeout' in answer) return errors.pluginStartTimeout(o.label, o.startTimeout, host.awaitingReady ? NEVER_CALLED_READY : START_HANGS);
  if ('exit' in answer) return errors.pluginExited(o.label, `during start-up (${describeExit(answer.exit)})`);
  const m = answer.value as { t: string; error?: Parameters<typeof fromWire>[0] };
  return m.t === 'failed' && m.error ? fromWire(m.error) : null;
}
