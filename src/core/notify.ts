import { describeError } from '../errors/describe.js';
import { sdNotify } from '../native/addon.js';
import type { PluginRow } from '../rpc/wire-types.js';

/** The most STATUS= lines sent per second; plugin state changes in between are folded into the next. */
const STATUS_INTERVAL_MS = 1000;

export interface NotifierOptions {
  /**
   * The pid to announce as MAINPID with READY=1, or null to leave systemd's main pid alone. The
   * daemon (Type=forking) announces itself: systemd adopted it when the launcher exited, so it is
   * systemd's child. In the foreground the main pid stays `ctl`, which mirrors the core's exit
   * code: a core announced as MAINPID there would not be systemd's child, and systemd would never
   * learn its exit status (so Restart=on-failure could not work).
   */
  mainPid: number | null;
  env?: NodeJS.ProcessEnv;
}

/**
 * Tells systemd how the core is doing (sd_notify(3)): READY=1, RELOADING=1 … READY=1, STOPPING=1,
 * a STATUS= line, and WATCHDOG=1 keep-alives. Without $NOTIFY_SOCKET every call does nothing. A
 * failed send is reported once and never stops the daemon: losing systemd's ear is not a crash.
 */
export class SystemdNotifier {
  readonly enabled: boolean;
  /** Keep-alive period in ms (half of WATCHDOG_USEC), or null when no watchdog is armed for us. */
  readonly watchdogMs: number | null;
  private readonly mainPid: number | null;
  private watchdog: NodeJS.Timeout | null = null;
  private statusTimer: NodeJS.Timeout | null = null;
  private lastStatusAt = 0;
  private lastStatus = '';
  private pendingStatus: string | null = null;
  private reportError: ((error: unknown) => void) | null = null;
  private failed = false;
  private closed = false;

  constructor(options: NotifierOptions) {
    const env = options.env ?? process.env;
    this.enabled = Boolean(env['NOTIFY_SOCKET']);
    this.mainPid = options.mainPid;
    this.watchdogMs = this.enabled ? watchdogPeriod(env['WATCHDOG_USEC'], env['WATCHDOG_PID']) : null;
    // These address the core alone; NOTIFY_SOCKET stays (the addon reads it on each send) and the
    // supervisor strips it from plugin environments.
    delete env['WATCHDOG_USEC'];
    delete env['WATCHDOG_PID'];
  }

  /** Where send failures go once a logger exists (the first failure only). */
  onError(report: (error: unknown) => void): void {
    this.reportError = report;
  }

  /**
   * Start the keep-alives, from the event loop: a wedged loop stops them, and systemd then
   * restarts the service (WatchdogSec=). Started before the core's start-up, which may be long.
   */
  startWatchdog(): void {
    if (this.watchdogMs === null || this.watchdog) return;
    this.send('WATCHDOG=1');
    this.watchdog = setInterval(() => this.send('WATCHDOG=1'), this.watchdogMs);
    this.watchdog.unref();
  }

  ready(status: string): void {
    this.lastStatus = status;
    this.lastStatusAt = Date.now();
    this.send(['READY=1', ...(this.mainPid ? [`MAINPID=${this.mainPid}`] : []), `STATUS=${status}`].join('\n'));
  }

  /** systemd ≥ 253 wants the CLOCK_MONOTONIC time with RELOADING=1 (Type=notify-reload). */
  reloading(): void {
    this.send(`RELOADING=1\nMONOTONIC_USEC=${process.hrtime.bigint() / 1000n}\nSTATUS=reloading the config`);
  }

  /** After RELOADING=1 systemd waits for READY=1, whether the reload was applied or refused. */
  reloaded(status: string): void {
    this.ready(status);
  }

  /** The start failed; the exit that follows tells systemd the rest. */
  startFailed(message: string): void {
    this.send(`STATUS=start failed: ${message.replace(/\s*\n\s*/g, ' ').slice(0, 300)}`);
  }

  stopping(): void {
    this.clearStatusTimer();
    this.send('STOPPING=1\nSTATUS=stopping');
    this.closed = true;
  }

  /** A new STATUS= line, throttled to one a second (the latest wins); unchanged text is not resent. */
  status(text: string): void {
    if (!this.enabled || this.closed) return;
    this.pendingStatus = text;
    if (this.statusTimer) return;
    const wait = this.lastStatusAt + STATUS_INTERVAL_MS - Date.now();
    if (wait <= 0) { this.flushStatus(); return; }
    this.statusTimer = setTimeout(() => { this.statusTimer = null; this.flushStatus(); }, wait);
    this.statusTimer.unref();
  }

  /** Stop the keep-alives and any pending status (the process is about to exit). */
  close(): void {
    this.closed = true;
    this.clearStatusTimer();
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = null;
  }

  private flushStatus(): void {
    const text = this.pendingStatus;
    this.pendingStatus = null;
    if (text === null || text === this.lastStatus || this.closed) return;
    this.lastStatus = text;
    this.lastStatusAt = Date.now();
    this.send(`STATUS=${text}`);
  }

  private clearStatusTimer(): void {
    if (this.statusTimer) clearTimeout(this.statusTimer);
    this.statusTimer = null;
    this.pendingStatus = null;
  }

  private send(state: string): void {
    if (!this.enabled) return;
    try {
      sdNotify(state);
    } catch (error) {
      if (this.failed) return;
      this.failed = true;
      if (this.reportError) this.reportError(error);
      else process.stderr.write(`agentd: sd_notify failed: ${describeError(error)}\n`);
    }
  }
}

/**
 * Half of WATCHDOG_USEC, as sd_watchdog_enabled(3) advises, when the watchdog is ours: WATCHDOG_PID
 * unset or our pid. (`ctl` passes on a WATCHDOG_PID addressed to itself by removing it.)
 */
function watchdogPeriod(usecText: string | undefined, pidText: string | undefined): number | null {
  const usec = Number(usecText);
  if (!usecText || !Number.isSafeInteger(usec) || usec <= 0) return null;
  if (pidText && Number(pidText) !== process.pid) return null;
  return Math.max(1, Math.floor(usec / 2000));
}

/** The STATUS= line for a plugin table: "running 3 plugins", or "3 plugins: 2 running, 1 backoff". */
export function statusLine(rows: readonly PluginRow[]): string {
  const plugins = new Set(rows.map((r) => r.plugin)).size;
  const noun = plugins === 1 ? 'plugin' : 'plugins';
  if (rows.every((r) => r.state === 'running')) return plugins === 0 ? 'running, no plugins' : `running ${plugins} ${noun}`;
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(r.state, (counts.get(r.state) ?? 0) + 1);
  const order = ['running', 'starting', 'backoff', 'stopping', 'stopped', 'failed'];
  const parts = [...counts].sort((a, b) => order.indexOf(a[0]) - order.indexOf(b[0])).map(([state, n]) => `${n} ${state}`);
  return `${plugins} ${noun}: ${parts.join(', ')}`;
}
