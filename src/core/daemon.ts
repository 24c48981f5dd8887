import fs from 'node:fs';
import type { Logger } from 'winston';
import { diffPlugins, findConfigFile, loadConfig, type LoadedConfig, type RpcConfig } from '../config/index.js';
import { AgentdError, errors } from '../errors/index.js';
import { describeError } from '../errors/describe.js';
import { ensureHome, homePaths, type HomePaths } from '../home/index.js';
import { BoundedStdout, closeLogger, createCoreLogger, LogManager, tagPluginLines } from '../logging/index.js';
import { packageVersion } from '../package-info.js';
import { ControlServer, MethodRegistry, type ControlServerOptions, type DaemonStatus, type ReloadResult } from '../rpc/index.js';
import { JsonText } from '../rpc/json-text.js';
import { ownUserOnly } from '../rpc/peer-check.js';
import { killDescendants, PluginManager } from '../supervisor/index.js';
import { registerCoreMethods } from './api/index.js';
import { codeCacheState } from './entry-link.js';
import { EventBus } from './event-bus.js';

export interface DaemonOptions {
  home: string;
  configFile?: string | undefined;
  /** Restart every plugin when its files change (`ctl start --watch`). */
  watch: boolean;
  /** Running under `ctl start --foreground`: the core's and every plugin's log lines go to stdout as well. */
  foreground: boolean;
  /** Told of lifecycle steps that outsiders track (systemd, through src/core/notify.ts). */
  hooks?: DaemonHooks | undefined;
  /** Aborts the start (SIGTERM or SIGINT while starting; the reason is the signal's name). */
  stop?: AbortSignal | undefined;
}

/** Called synchronously at each step; a hook must not throw. */
export interface DaemonHooks {
  /** A reload begins (after the previous one has finished). */
  reloadStarted?(): void;
  /** That reload is over: applied (error null) or refused, the running config unchanged. */
  reloadFinished?(error: unknown): void;
  /** A stop begins. */
  stopping?(): void;
  /**
   * The start is being aborted (SIGTERM while starting); stopping the plugins may take `withinMs`.
   * `starting`: the plugins (`name#N` per instance) not yet running.
   */
  abortingStart?(withinMs: number, starting: readonly string[]): void;
}

/**
 * The core: config, logs, control socket and plugins, started in that order and stopped in the
 * reverse one. A start that fails part-way undoes what it did before the error is reported.
 */
export class Daemon {
  readonly startedAt = Date.now();
  readonly paths: HomePaths;
  readonly events = new EventBus();
  readonly registry = new MethodRegistry();
  private stopping: Promise<void> | null = null;
  private reloading: Promise<ReloadResult> | null = null;
  private timers: NodeJS.Timeout[] = [];
  private stdout: BoundedStdout | null = null;
  // memoryUsage() reads /proc: sampled once a second rather than on every status call (a hot path).
  private memory = process.memoryUsage();

  private constructor(
    readonly options: DaemonOptions,
    public loaded: LoadedConfig,
    readonly logs: LogManager,
    readonly log: Logger,
    readonly server: ControlServer,
    readonly plugins: PluginManager,
  ) {
    this.paths = homePaths(options.home);
  }

  static async start(options: DaemonOptions): Promise<Daemon> {
    const stop = options.stop;
    // Which plugins held the start up, once it is aborted: what an operator needs to look at.
    let starting: string[] = [];
    const checkStop = () => { if (stop?.aborted) throw errors.stoppedWhileStarting(String(stop.reason), starting, { data: { starting } }); };
    checkStop();
    const paths = homePaths(options.home);
    ensureHome(paths.home);
    const loaded = await loadConfig(findConfigFile(paths.configCandidates, options.configFile));
    checkStop();
    const logs = new LogManager({ log: paths.log, logsDir: paths.logsDir }, loaded.config.logs);
    const stdout = options.foreground ? new BoundedStdout(process.stdout) : null;
    const log = createCoreLogger(logs.core, { level: loaded.config.logs.level, stdout });
    if (stdout) mirrorToStdout(logs, stdout, log);
    const cleanup: Array<() => Promise<void> | void> = [async () => { await closeLogger(log); await logs.close(); await stdout?.flush(STDOUT_FLUSH_MS); }];
    try {
      const registry = new MethodRegistry();
      const server = new ControlServer({
        socketPath: paths.socket,
        registry,
        log: log.child({ component: 'rpc' }),
        limits: rpcLimits(loaded.config.rpc),
        authorize: ownUserOnly(log.child({ component: 'rpc' })),
      });
      const events = new EventBus();
      const plugins = new PluginManager({
        home: paths.home,
        cacheDir: paths.cacheDir,
        logs,
        log: log.child({ component: 'supervisor' }),
        events,
        registry,
        watchAll: options.watch,
      });
      const daemon = new Daemon(options, loaded, logs, log, server, plugins);
      Object.assign(daemon, { registry, events, stdout });
      forwardLogEvents(logs, events, log);
      registerCoreMethods(daemon);
      await server.listen();
      cleanup.unshift(() => server.close());
      log.info('agentd starting', { pid: process.pid, version: packageVersion(), home: paths.home, config: loaded.file ?? '(built-in default)', codeCache: codeCacheState() });
      cleanup.unshift(() => plugins.stopAll());
      checkStop();
      // Stopping the plugins makes the ones still starting fail, and with them startAll.
      const abortPlugins = () => {
        const rows = plugins.list().filter((r) => r.state !== 'running');
        starting = rows.map((r) => r.name);
        log.info('agentd stopping while starting', { reason: String(stop?.reason), waitingFor: rows.map((r) => `${r.name} (${r.state})`) });
        options.hooks?.abortingStart?.(daemon.stopWithin(), starting);
        void plugins.stopAll();
      };
      stop?.addEventListener('abort', abortPlugins, { once: true });
      try {
        await plugins.startAll(loaded.plugins, loaded.file);
      } catch (error) {
        checkStop();
        throw error;
      } finally {
        stop?.removeEventListener('abort', abortPlugins);
      }
      checkStop();
      daemon.startTimers();
      log.info('agentd ready', { pid: process.pid, plugins: loaded.plugins.length });
      return daemon;
    } catch (error) {
      if (stop?.aborted) log.info('start aborted', { reason: String(stop.reason) });
      else log.error('start failed', { error: describeError(error) });
      for (const step of cleanup) await step();
      throw error;
    }
  }

  /**
   * `daemon.status`, serialized: each plugin row's text is reused while the row is unchanged (see
   * RowJson), and the rest, small, is serialized afresh.
   */
  statusText(): JsonText<DaemonStatus> {
    const head = JSON.stringify(this.statusHead());
    return new JsonText(`${head.slice(0, -1)},"plugins":${this.plugins.listText().text},"logs":${JSON.stringify(this.logStatus())}}`);
  }

  private statusHead(): Omit<DaemonStatus, 'plugins' | 'logs'> {
    const mem = this.memory;
    return {
      pid: process.pid,
      version: packageVersion(),
      uptime: round((Date.now() - this.startedAt) / 1000),
      home: this.paths.home,
      socket: this.paths.socket,
      config: this.loaded.file,
      watch: this.options.watch,
      foreground: this.options.foreground,
      memory: { rss: mem.rss, heapUsed: mem.heapUsed },
      rpc: { connections: this.server.connectionCount, buffered: this.server.bufferedBytes },
    };
  }

  private logStatus(): DaemonStatus['logs'] {
    return { level: this.loaded.config.logs.level, problems: this.logs.status().files.filter((f) => f.failing || f.dropped > 0) };
  }

  /**
   * Re-read the config and apply only the difference. Validation (ours and each changed plugin's
   * own schema) happens before anything is touched: a bad config changes nothing.
   */
  reload(): Promise<ReloadResult> {
    if (this.stopping) return Promise.reject(errors.pluginBusy('agentd', 'stopping'));
    // Reloads are serialized: a second one waits for the first, then reads the config afresh.
    const run = async (): Promise<ReloadResult> => {
      // Discovery runs again even though the file in use is known: a second agentd.config.* put
      // beside it since the start is refused here as it would be at the next start.
      const discovered = this.options.configFile ? null : findConfigFile(this.paths.configCandidates);
      const file = this.loaded.file ?? discovered;
      const next = await loadConfig(file);
      const diff = diffPlugins(this.loaded.plugins, next.plugins);
      await this.plugins.validate([...diff.added, ...diff.changed], next.file);
      this.logs.reconfigure(next.config.logs);
      this.server.reconfigure(rpcLimits(next.config.rpc));
      this.log.level = next.config.logs.level;
      const before = this.loaded.plugins;
      this.loaded = next;
      const notApplied = await this.plugins.apply(diff, before);
      const kept = new Map(notApplied.map((n) => [n.running.name, n.running]));
      // What runs, so that the next reload tries again the changes that did not apply.
      if (kept.size > 0) this.loaded = { ...next, plugins: next.plugins.map((p) => kept.get(p.name) ?? p) };
      const result: ReloadResult = {
        config: next.file,
        added: diff.added.map((p) => p.name),
        removed: diff.removed,
        changed: diff.changed.map((p) => p.name).filter((name) => !kept.has(name)),
        unchanged: diff.unchanged,
      };
      this.log.info('config reloaded', { ...result, kept: [...kept.keys()] });
      this.events.emit({ type: 'daemon.reload', ...result, kept: [...kept.keys()] });
      const [first, ...more] = notApplied.map((n) => n.error);
      if (first) throw notAppliedError(first, more, { ...result, kept: [...kept.keys()] });
      return result;
    };
    const previous = this.reloading ?? Promise.resolve();
    const current = previous.catch(() => undefined).then(() => this.withReloadHooks(run));
    const tracked = current.finally(() => { if (this.reloading === tracked) this.reloading = null; });
    // The caller gets the error through `current`; this copy only orders the next reload.
    tracked.catch(() => {});
    this.reloading = tracked;
    return current;
  }

  private async withReloadHooks<T>(run: () => Promise<T>): Promise<T> {
    const hooks = this.options.hooks;
    hooks?.reloadStarted?.();
    try {
      const result = await run();
      hooks?.reloadFinished?.(null);
      return result;
    } catch (error) {
      hooks?.reloadFinished?.(error);
      throw error;
    }
  }

  /**
   * Stop and exit, as SIGTERM does, saying why. Until the signal handlers take over (start-up) it
   * is SIGTERM itself, which the start-up handlers turn into an aborted start.
   */
  requestStop: (reason: string) => void = () => { process.kill(process.pid, 'SIGTERM'); };

  /**
   * Reopen every log file (after an external logrotate moved them), however asked: SIGUSR2 and
   * `logs.reopen` both log it and emit `logs.reopened`, so a subscriber sees every reopen.
   */
  reopenLogs(how: string): { files: string[] } {
    this.logs.reopenAll();
    const files = this.logs.status().files.map((f) => f.path);
    this.log.info(`log files reopened on ${how}`, { files: files.length });
    this.events.emit({ type: 'logs.reopened', files });
    return { files };
  }

  /**
   * The longest a stop may take: plugins stop in parallel, each within its stopTimeout, then
   * SIGKILL and its wait; a margin covers that and the core's own cleanup. `ctl stop` waits this
   * long before it SIGKILLs a core that answered.
   */
  stopWithin(): number {
    return Math.max(0, ...this.loaded.plugins.map((p) => p.entry.stopTimeout)) + STOP_MARGIN_MS;
  }

  /** Stop plugins, close the socket, remove it and the pidfile, flush the log. Idempotent. */
  stop(reason: string): Promise<void> {
    this.stopping ??= (async () => {
      this.options.hooks?.stopping?.();
      this.log.info('agentd stopping', { reason });
      this.events.emit({ type: 'daemon.stopping', reason });
      for (const t of this.timers) clearInterval(t);
      try { await this.plugins.stopAll(); } catch (e) { this.log.error('stopping plugins failed', { error: describeError(e) }); }
      // Each host takes its own tree with it; this is for whatever a failure on that path left.
      const left = killDescendants();
      if (left.length > 0) this.log.warn('killed processes left behind by plugins', { processes: left });
      await this.server.close();
      this.log.info('agentd stopped', { pid: process.pid });
      await closeLogger(this.log);
      await this.logs.close();
      await this.stdout?.flush(STDOUT_FLUSH_MS);
    })();
    return this.stopping;
  }

  /**
   * The last step before exit: remove the pidfile. Done last because the lock on it is how
   * `ctl stop` and the launcher tell that the core is gone, and a removed file reads as free.
   */
  removePidfile(): void {
    removePidfile(this.paths);
  }

  get isStopping(): boolean {
    return this.stopping !== null;
  }

  /**
   * memoryUsage() opens /proc/self/stat: out of file descriptors (EMFILE) it throws, and a throw
   * from a timer would stop the core. The last sample stands until descriptors free up.
   */
  private sampleMemory(): void {
    try { this.memory = process.memoryUsage(); } catch { /* EMFILE: keep the last sample */ }
  }

  private startTimers(): void {
    // A log file deleted or moved under us is reopened within a few seconds.
    const check = setInterval(() => this.logs.checkPaths(), 5000);
    // One wake-up a second: the memory sample, and a deleted control socket made again.
    const second = setInterval(() => {
      this.sampleMemory();
      void this.server.checkPath();
    }, 1000);
    for (const t of [check, second]) t.unref();
    this.timers.push(check, second);
  }
}

/** What a stop takes beyond the longest plugin stopTimeout: the SIGKILL after it, descendants, the socket, the logs. */
const STOP_MARGIN_MS = 5000;

/** How long an exiting core waits for a slow stdout to take the last lines. */
const STDOUT_FLUSH_MS = 2000;

/**
 * A reload whose other changes stand but some plugin's did not apply: its caller (`ctl reload`,
 * systemd's ExecReload) fails, with each such plugin's error and the reload's result in `data`,
 * `kept` naming the plugins that keep their previous settings (they are not in `changed`).
 */
function notAppliedError(first: AgentdError, more: AgentdError[], result: ReloadResult & { kept: string[] }): AgentdError {
  const message = [first, ...more].map((e) => e.message).join('; also ');
  return new AgentdError(first.code, first.rpcCode, first.exitCode, message, { data: { ...first.data, reload: result }, cause: first });
}

/**
 * Foreground: each plugin's log lines go to stdout too, tagged with the plugin's name, so that
 * `docker logs` and journald see the plugins and not only the core. Lines stdout could not take
 * are counted and said in the core's log; the files have them all.
 */
function mirrorToStdout(logs: LogManager, stdout: BoundedStdout, log: Logger): void {
  logs.mirror((plugin, text) => stdout.write(tagPluginLines(text, plugin)));
  stdout.on('dropped', (lines: number) => log.warn('stdout could not keep up: lines dropped from stdout (the log files have every one)', { dropped: lines }));
}

/** Only while this process holds the lock on it (see Daemon.removePidfile). */
export function removePidfile(paths: Pick<HomePaths, 'pidfile'>): void {
  try { fs.unlinkSync(paths.pidfile); } catch { /* already gone */ }
}

/** Rotations (by command or by size), write and gzip failures of any log file become events; failures are logged. */
function forwardLogEvents(logs: LogManager, events: EventBus, log: Logger): void {
  logs.on('rotated', (e: { source: string; path: string; to: string }) => events.emit({ type: 'logs.rotated', source: e.source, path: e.path, to: e.to }));
  logs.on('error-state', (e: { source: string; path: string; error: { code: string; message: string } }) => {
    events.emit({ type: 'logs.error', source: e.source, path: e.path, during: 'write', code: e.error.code, message: e.error.message });
    // The failing file may be this very log; winston still tries, and the line is counted as dropped.
    log.error('log file write failed', { path: e.path, code: e.error.code });
  });
  // A gzip that fails (disk full, say) leaves that generation plain: nothing is lost, but the
  // space it was meant to free is not, and whoever watches the disk must hear why.
  logs.on('compress-error', (e: { source: string; path: string; error: { code: string; message: string } }) => {
    events.emit({ type: 'logs.error', source: e.source, path: e.path, during: 'compress', code: e.error.code, message: e.error.message });
    log.warn('rotated log file not compressed; it stays plain', { path: e.path, code: e.error.code, error: e.error.message });
  });
  logs.on('recovered', (e: { source: string; path: string; dropped: number }) => {
    events.emit({ type: 'logs.recovered', source: e.source, path: e.path, dropped: e.dropped });
    log.warn('log file writable again', { path: e.path, dropped: e.dropped });
  });
}

function rpcLimits(rpc: RpcConfig): ControlServerOptions['limits'] {
  return { maxLineBytes: rpc.maxLineBytes, maxBufferedBytes: rpc.maxBufferedBytes, maxBufferedTotal: rpc.maxBufferedTotal, idleTimeoutMs: rpc.idleTimeout, maxConnections: rpc.maxConnections, busyPollMs: rpc.busyPoll };
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
