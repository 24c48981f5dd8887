import { readCoreArgs } from '../core/core-args.js';
import { describeError, errors, ExitCode, isAgentdError } from '../errors/index.js';
import { homePaths } from '../home/paths.js';
import { lockHolder } from '../native/addon.js';
import { DEFAULT_STOP_MS, namedHolder, runningCore, startDaemon, stopDaemon } from './daemon-control.js';
import { flagDuration } from './flag-duration.js';
import { reportFailure } from './output.js';

/**
 * `ctl start`, `stop` and `restart`, whole: do it, print (a line, or JSON under --json), return the
 * exit code. Shared by the oclif commands and the fast path in bin/run.js that skips oclif, so
 * that the commands people time (and scripts run in loops) start in about half the time.
 */
export interface DaemonActionOptions {
  home: string;
  json: boolean;
  config?: string | undefined;
  watch?: boolean | undefined;
  /** --timeout as given; absent: start waits 30 s, a stop as long as the core says it needs. */
  timeout?: string | undefined;
}

export async function startAction(o: DaemonActionOptions): Promise<ExitCode> {
  return act(o, async (timeoutMs) => {
    const { pid } = await startDaemon({ home: o.home, config: o.config, watch: o.watch ?? false, ...(timeoutMs === null ? {} : { timeoutMs }) });
    return { data: { pid }, line: `agentd started (pid ${pid})` };
  });
}

export async function stopAction(o: DaemonActionOptions): Promise<ExitCode> {
  return act(o, async (timeoutMs) => {
    const r = await stopDaemon(o.home, timeoutMs, progress);
    const line = r.stopped ? `agentd stopped (pid ${r.pid}${r.forced !== 'no' ? `, after ${r.forced}` : ''})` : `agentd is not running (home ${o.home})`;
    return { data: r, line };
  });
}

/**
 * Restart with what the running core was started with (its config file and --watch, from
 * `daemon.status`) unless the flags say otherwise, as `systemctl restart` and `pm2 restart` do.
 * The config, and each enabled plugin's own config, are validated before the running core is
 * touched: a restart that cannot start again leaves the old core running.
 */
export async function restartAction(o: DaemonActionOptions): Promise<ExitCode> {
  return act(o, async (timeoutMs) => {
    const running = await runningCore(o.home, timeoutMs ?? DEFAULT_STOP_MS);
    // A core that does not answer yet (still loading its config) is restarted as it was started,
    // not with the home's default config.
    const started = running && !running.status ? readCoreArgs(running.pid) : null;
    // A new core would be a daemon parented to PID 1, and the service manager would see its own exit.
    if (running?.status?.foreground || started?.foreground) throw errors.restartForeground(running!.pid);
    const config = o.config ?? running?.status?.config ?? started?.config ?? undefined;
    const watch = o.watch ?? running?.status?.watch ?? started?.watch ?? false;
    if (running) {
      try {
        // Loaded here only: the config schema would otherwise be built by every `ctl status`.
        const { findConfigFile, loadConfig } = await import('../config/load.js');
        const paths = homePaths(o.home);
        const loaded = await loadConfig(findConfigFile(paths.configCandidates, config));
        // Each plugin's own config too, in throwaway hosts, as a reload checks it: a new core
        // refuses to start when one of its plugins does not load.
        const { checkPlugins } = await import('../supervisor/plugin-check.js');
        await checkPlugins(loaded.plugins.filter((p) => p.entry.enabled), { home: paths.home, cacheDir: paths.cacheDir }, loaded.file);
      } catch (cause) {
        throw errors.restartRefused(describeError(cause), running.pid, { cause, ...configExit(cause) });
      }
    }
    const stopped = await stopDaemon(o.home, timeoutMs, progress);
    let pid: number | null;
    let by = '';
    try {
      ({ pid } = await startDaemon({ home: o.home, config, watch }));
    } catch (cause) {
      // Another `ctl restart` or `start` got in between our stop and our start: a core started
      // after the old one stopped is running, which is what was asked for (two restarts at once
      // end as one, as systemd merges them), not "none runs now".
      const other = await concurrentCore(cause, homePaths(o.home).pidfile);
      if (other !== 0) {
        pid = other > 0 ? other : null;
        by = ', started by a concurrent ctl';
      } else {
        if (!stopped.stopped) throw cause;
        throw errors.restartFailed(describeError(cause), stopped.pid, { cause, ...configExit(cause) });
      }
    }
    return { data: { pid, previous: stopped.stopped ? stopped.pid : null }, line: `agentd restarted (pid ${pid ?? 'unknown'}${by})` };
  });
}

/** How long a restart whose new core was stopped while starting waits for the core of whoever stopped it. */
const CONCURRENT_START_MS = 2000;

/**
 * The core of a concurrent `ctl start` or `restart` that made ours fail to start (0 if none): it
 * took the lock first (E_ALREADY_RUNNING), or it found ours starting, not answering yet, stopped
 * it (E_STOPPED_WHILE_STARTING, or E_START_FAILED when the SIGTERM came before the core's
 * handlers) and starts its own the moment ours is gone, which our launcher waited for.
 */
async function concurrentCore(cause: unknown, pidfile: string): Promise<number> {
  if (!isAgentdError(cause)) return 0;
  if (cause.code === errors.alreadyRunning.code) return namedHolder(pidfile);
  if (cause.code !== errors.stoppedWhileStarting.code && cause.code !== errors.startFailed.code) return 0;
  const deadline = Date.now() + CONCURRENT_START_MS;
  for (;;) {
    if (lockHolder(pidfile) !== 0) return namedHolder(pidfile);
    if (Date.now() >= deadline) return 0;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A wrapped config error keeps its exit code 78: it is still the config that needs fixing. */
function configExit(cause: unknown): { exitCode?: ExitCode } {
  return isAgentdError(cause) && cause.exitCode === ExitCode.Config ? { exitCode: ExitCode.Config } : {};
}

/** A stop's escalations and long waits, on stderr so that stdout stays the result (or JSON). */
function progress(line: string): void {
  process.stderr.write(`ctl: ${line}\n`);
}

async function act(o: DaemonActionOptions, run: (timeoutMs: number | null) => Promise<{ data: unknown; line: string }>): Promise<ExitCode> {
  try {
    const timeoutMs = o.timeout === undefined ? null : flagDuration('timeout', o.timeout, '10s');
    const { data, line } = await run(timeoutMs);
    process.stdout.write(`${o.json ? JSON.stringify(data, null, 2) : line}\n`);
    return ExitCode.Ok;
  } catch (error) {
    return reportFailure(error, o.json);
  }
}
