import { formatBytes } from '../config/units.js';
import type { AgentdError } from '../errors/index.js';
import { errors } from '../errors/index.js';
import { isoTime } from '../iso-time.js';
import type { ExitCause, ExitInfo, PluginRow, PluginState } from '../rpc/wire-types.js';
import { CrashWindow } from './crash-window.js';
import { HealthCheck } from './health-check.js';
import { decideRestart } from './restart-policy.js';
import type { HostProcess } from './host-process.js';
import { bootHost, describeExit, stopHostGracefully, type Booted } from './host-lifecycle.js';
import { ProcessMeter } from './process-meter.js';
import { RowJson } from './row-json.js';
import type { InstanceHost } from './instance-host.js';

/**
 * Failures a retry cannot cure: of the plugin's code itself (syntax, missing import, not a
 * plugin), or of its config against the plugin's schema (an edit of the schema under watch).
 */
const UNFIT_CODE = new Set(['E_PLUGIN_LOAD', 'E_PLUGIN_MODULE_NOT_FOUND', 'E_PLUGIN_SHAPE', 'E_PLUGIN_NAME_MISMATCH', 'E_PLUGIN_CONFIG_INVALID']);

/**
 * One supervised plugin process and its state machine:
 *
 *   stopped ──start──▶ starting ──ready──▶ running ──exit──▶ (restart policy)
 *      ▲                  │ fail                │                ├─▶ backoff ──delay──▶ starting
 *      │                  │                     │ memory limit,  ├─▶ failed  (crash loop, or never)
 *      │                  │                     ▼ health check   └─▶ stopped (clean exit, on-failure)
 *      │                  │                  stopping ──exit──▶ (restart policy, as a crash)
 *      └──── stopping ◀───┴── stop (from any state; wins over any restart in flight)
 */
export class Instance {
  state: PluginState = 'stopped';
  host: HostProcess | null = null;
  restarts = 0;
  lastExit: ExitInfo | null = null;
  error: string | null = null;
  private readyAt: number | null = null;
  private nextStartAt: number | null = null;
  private attempt = 0;
  private readonly crashes: CrashWindow;
  private backoffTimer: NodeJS.Timeout | undefined;
  private health: HealthCheck | undefined;
  private starting: Promise<void> | null = null;
  private stopping: Promise<void> | null = null;
  private replacing: Promise<void> | null = null;
  /** A host booting to replace the running one (rolling reload). */
  private booting: HostProcess | null = null;
  private wantStopped = false;
  /** Why agentd is ending the running process (memory limit, health check), until it exits. */
  private ending: string | null = null;
  private readonly meter = new ProcessMeter();
  private readonly rowJson = new RowJson();

  constructor(readonly index: number, private readonly ctx: InstanceHost) {
    const { crashLoop } = ctx.entry();
    this.crashes = new CrashWindow(crashLoop.restarts, crashLoop.window);
  }

  get label(): string {
    return this.ctx.instanceCount() > 1 ? `${this.ctx.plugin}#${this.index}` : this.ctx.plugin;
  }

  /** Start now (clearing a failed state or a pending backoff); resolves once running. */
  start(): Promise<void> {
    if (this.state === 'running') return Promise.resolve();
    if (this.starting) return this.starting;
    if (this.stopping) return this.stopping.then(() => this.start());
    clearTimeout(this.backoffTimer);
    this.wantStopped = false;
    this.takeCrashLoopSettings();
    if (this.state === 'failed' || this.state === 'stopped') {
      this.crashes.reset();
      this.attempt = 0;
    }
    return this.launch();
  }

  /** Stop and stay stopped: SIGTERM and the stop request, then SIGKILL to the group after stopTimeout. */
  stop(): Promise<void> {
    this.wantStopped = true;
    // Stopped because asked: a past failure's error (a crash-loop give-up too) no longer says why.
    this.error = null;
    clearTimeout(this.backoffTimer);
    this.nextStartAt = null;
    this.booting?.kill();
    if (this.stopping) return this.stopping;
    const host = this.host;
    if (!host) {
      if (this.state === 'backoff' || this.state === 'failed') this.setState('stopped');
      return this.replacing ? this.replacing.catch(() => {}) : Promise.resolve();
    }
    this.stopping = (async () => {
      this.health?.stop();
      this.setState('stopping');
      await this.stopHost(host);
      // Wait for a start attempt or a replacement in flight to see the exit and unwind.
      await this.starting?.catch(() => {});
      await this.replacing?.catch(() => {});
    })().finally(() => {
      this.stopping = null;
      if (this.host === host) this.host = null;
      this.readyAt = null;
      this.setState('stopped');
    });
    return this.stopping;
  }

  /**
   * Rolling replacement: boot a new process for this slot while the old one keeps serving, and
   * stop the old one gracefully only once the new one is ready. A new process that fails to start
   * is killed and the old one stays.
   */
  async replace(): Promise<void> {
    // A start or a replacement in flight loaded the settings (and code) of before this call: joining
    // it would leave the old ones running under a status that claims the new ones. Let it finish,
    // then replace what it brought up.
    for (let inFlight = this.starting ?? this.replacing; inFlight; inFlight = this.starting ?? this.replacing) await inFlight.catch(() => {});
    if (this.state !== 'running' || !this.host) {
      // Stopped while a rolling reload was on its way to it: the reload must not start it again.
      if (this.wantStopped) throw errors.pluginStopped(this.label);
      return this.start();
    }
    const old = this.host;
    const run = (async () => {
      let booted: Booted;
      try {
        booted = await this.boot((h) => { this.booting = h; });
      } catch (e) {
        // Killed by a stop: saying it exited on SIGKILL would send the user to its logs for nothing.
        if (this.wantStopped) throw errors.pluginStopped(this.label);
        // The old process died while the new one was booting: the slot is down now.
        if (this.host === null) return this.down(e as AgentdError, null);
        throw e;
      } finally {
        this.booting = null;
      }
      if (this.wantStopped) {
        booted.host.kill();
        throw errors.pluginStopped(this.label);
      }
      this.health?.stop();
      this.ctx.events.emit({ type: 'plugin.replaced', plugin: this.ctx.plugin, instance: this.index, from: this.state, to: 'running', pid: booted.host.pid, oldPid: old.pid });
      this.becomeRunning(booted);
      // New settings may bring a new crash-loop limit, as a start takes it.
      this.takeCrashLoopSettings();
      if (old.alive) await this.stopHost(old);
    })();
    const tracked = run.finally(() => { if (this.replacing === tracked) this.replacing = null; });
    tracked.catch(() => {});
    this.replacing = tracked;
    return tracked;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  row(): PluginRow {
    const running = this.state === 'running' || this.state === 'stopping';
    return {
      name: this.label,
      plugin: this.ctx.plugin,
      instance: this.index,
      state: this.state,
      pid: this.host?.alive ? this.host.pid : null,
      uptime: this.readyAt !== null && running ? Math.round((Date.now() - this.readyAt) / 10) / 100 : null,
      restarts: this.restarts,
      lastExit: this.lastExit,
      memory: { rss: this.host?.alive ? this.meter.rss : null },
      cpu: this.host?.alive ? this.meter.cpu : null,
      error: this.error,
      nextStartAt: this.state === 'backoff' && this.nextStartAt !== null ? isoTime(this.nextStartAt) : null,
    };
  }

  /** The row as JSON, the same text as JSON.stringify(row()). */
  rowText(): string {
    return this.rowJson.of(this.row());
  }

  /** Called by the group's sampler: CPU and RSS, and the memory limit. */
  sampleStats(): void {
    const pid = this.host?.alive ? this.host.pid : null;
    const limit = this.state === 'running' ? this.ctx.entry().memoryLimit : null;
    if (this.meter.sample(pid, limit) && limit !== null) {
      this.end(`memory ${formatBytes(this.meter.rss ?? 0)} over its limit of ${formatBytes(limit)}`, 'memory-limit', 'plugin.memory-limit');
    }
  }

  private launch(): Promise<void> {
    const attempt: Promise<void> = this.runAttempt().finally(() => {
      if (this.starting === attempt) this.starting = null;
    });
    // Restarts nobody awaits must not become unhandled rejections; callers still see the error.
    attempt.catch(() => {});
    this.starting = attempt;
    return attempt;
  }

  private async runAttempt(): Promise<void> {
    this.setState('starting');
    this.error = null;
    let booted: Booted;
    try {
      booted = await this.boot((h) => { this.host = h; });
    } catch (e) {
      this.host = null;
      if (this.wantStopped) throw errors.pluginStopped(this.label);
      return this.down(e as AgentdError, null);
    }
    this.becomeRunning(booted);
  }

  private boot(onHost: (host: HostProcess) => void): Promise<Booted> {
    return bootHost({
      label: this.label,
      startTimeout: this.ctx.entry().startTimeout,
      stopTimeout: this.ctx.entry().stopTimeout,
      acquire: () => this.ctx.acquireHost(this),
      onHost: (host) => {
        onHost(host);
        host.once('exit', (info) => this.onExit(host, info));
      },
      onLoaded: (m) => this.ctx.onLoaded(this, m.files),
    });
  }

  private stopHost(host: HostProcess, cause?: ExitCause): Promise<void> {
    const { stopTimeout } = this.ctx.entry();
    return stopHostGracefully(host, stopTimeout, () => {
      this.ctx.log.warn('stop timeout; SIGKILL to the process group', { plugin: this.label, pid: host.pid, stopTimeout });
      this.ctx.events.emit({ type: 'plugin.killed', plugin: this.ctx.plugin, instance: this.index, pid: host.pid, reason: `no exit within stopTimeout ${stopTimeout} ms` });
    }, cause);
  }

  /** The crash-loop limit of the settings now in force (a start's, or a replacement's). */
  private takeCrashLoopSettings(): void {
    const { restarts, window } = this.ctx.entry().crashLoop;
    this.crashes.configure(restarts, window);
  }

  private becomeRunning({ host, health }: Booted): void {
    this.host = host;
    this.readyAt = Date.now();
    this.meter.reset();
    this.sampleStats();
    this.setState('running');
    this.ctx.onReady(this);
    this.health = health ? new HealthCheck(host, this.ctx.entry().healthCheck, (reason) => this.end(reason, 'health-check', 'plugin.unhealthy')) : undefined;
  }

  private onExit(host: HostProcess, info: ExitInfo): void {
    // Every process's exit is an event, the one a rolling reload replaced too; only the slot's
    // current process says how the slot last ended.
    this.ctx.events.emit({ type: 'plugin.exit', plugin: this.ctx.plugin, instance: this.index, pid: host.pid, code: info.code, signal: info.signal, cause: info.cause });
    if (host !== this.host) return;
    this.lastExit = info;
    const ended = this.ending;
    this.ending = null;
    // A start attempt and a stop in progress see the exit themselves; an end by agentd is a crash.
    if (this.state !== 'running' && ended === null) return;
    this.health?.stop();
    this.host = null;
    // A replacement is already booting: it takes over this slot (or reports the slot down).
    if (this.replacing) {
      this.readyAt = null;
      this.setState('starting');
      return;
    }
    this.ctx.onDown(this);
    const runMs = this.readyAt === null ? null : Date.now() - this.readyAt;
    this.readyAt = null;
    const how = host.crashReason ? `${describeExit(info)} after an ${host.crashReason}` : describeExit(info);
    const reason = ended === null ? errors.pluginExited(this.label, how) : errors.pluginEnded(this.label, ended);
    this.down(reason, runMs, info, ended !== null).catch(() => {});
  }

  /** The plugin is down unasked (crash, failed start, clean exit, ended by agentd): apply the restart policy. */
  private down(reason: AgentdError, runMs: number | null, exit?: ExitInfo, ended = false): Promise<void> {
    const entry = this.ctx.entry();
    this.host = null;
    if (this.wantStopped) { this.setState('stopped'); return Promise.reject(reason); }
    this.ctx.log.warn('plugin down', { plugin: this.label, reason: reason.message });
    if (UNFIT_CODE.has(reason.code) && this.ctx.watchesFiles()) {
      // As nodemon does: the same files would fail the same way, so no timer: it backs off until
      // an edit (the watcher restarts it) or `ctl plugins restart`.
      const cure = reason.code === 'E_PLUGIN_CONFIG_INVALID' ? 'a change to its files or its config (`ctl reload`)' : 'a change to its files';
      this.error = `${reason.message}; waiting for ${cure}, or \`ctl plugins restart ${this.ctx.plugin}\``;
      this.nextStartAt = null;
      this.setState('backoff');
      return Promise.reject(reason);
    }
    const decision = decideRestart(entry, this.crashes, { exit, ended, runMs, attempt: this.attempt, now: Date.now() });
    if (decision.action === 'stay-down') {
      this.error = decision.state === 'failed' ? reason.message : null;
      this.setState(decision.state);
      this.ctx.onGaveUp(this);
      return Promise.reject(reason);
    }
    if (decision.action === 'give-up') {
      const { restarts, window } = entry.crashLoop;
      this.error = `crash loop: ${restarts} restarts within ${window / 1000} s, given up (last: ${reason.message}); \`ctl plugins restart ${this.ctx.plugin}\` tries again`;
      this.ctx.log.error('plugin given up', { plugin: this.label, restarts, window });
      this.ctx.events.emit({ type: 'plugin.failed', plugin: this.ctx.plugin, instance: this.index, reason: reason.message, restarts, window });
      this.setState('failed');
      this.ctx.onGaveUp(this);
      return Promise.reject(reason);
    }
    const { attempt, delay } = decision;
    this.attempt = attempt;
    this.restarts++;
    this.error = reason.message;
    this.ctx.events.emit({ type: 'plugin.restart', plugin: this.ctx.plugin, instance: this.index, attempt, delay, reason: reason.message });
    if (delay === 0) return this.launch();
    this.nextStartAt = Date.now() + delay;
    this.setState('backoff');
    this.backoffTimer = setTimeout(() => {
      this.nextStartAt = null;
      void this.launch().catch(() => {});
    }, delay);
    return Promise.reject(reason);
  }

  /**
   * End a running plugin that is unhealthy or over its memory limit. Its exit is then a failure
   * of the run, as systemd counts a MemoryMax kill or a watchdog timeout: the restart policy,
   * the crash-loop window and the backoff apply as after a crash. A user's stop meanwhile joins
   * this one and wins, since the exit then finds `wantStopped`.
   */
  private end(reason: string, cause: ExitCause, type: string): void {
    const host = this.host;
    if (this.state !== 'running' || !host) return;
    this.ctx.log.warn('ending plugin', { plugin: this.label, reason });
    this.ctx.events.emit({ type, plugin: this.ctx.plugin, instance: this.index, pid: host.pid, reason });
    this.health?.stop();
    this.ending = reason;
    this.setState('stopping');
    const stopping: Promise<void> = this.stopHost(host, cause).finally(() => { if (this.stopping === stopping) this.stopping = null; });
    this.stopping = stopping;
  }

  private setState(to: PluginState): void {
    const from = this.state;
    if (from === to) return;
    this.state = to;
    this.ctx.events.emit({ type: 'plugin.state', plugin: this.ctx.plugin, instance: this.index, from, to, pid: this.host?.pid ?? null });
  }
}
