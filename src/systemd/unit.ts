import os from 'node:os';
import path from 'node:path';

/**
 * The systemd unit for agentd (`ctl service install`), as text. Pure: paths and numbers come in,
 * the unit comes out; writing it is the command's business.
 */
export interface UnitOptions {
  /**
   * `notify`: `ctl start --foreground` under Type=notify (the core reports READY=1 itself).
   * `forking`: the daemon mode, Type=forking with the pidfile; `ctl start` returns once ready.
   */
  mode: 'notify' | 'forking';
  /** A user unit (`systemctl --user`) rather than a system one. */
  user: boolean;
  /** Absolute paths: Node, the package's bin/run.js, the home, and the config file if any. */
  node: string;
  bin: string;
  home: string;
  config?: string | undefined;
  /** User= of a system unit: the account agentd and its plugins run as (root when absent). */
  runAs?: string | undefined;
  /** The longest `stopTimeout` of the configured plugins, in ms. */
  pluginStopTimeoutMs: number;
  /** The longest `startTimeout` of the configured plugins, in ms. */
  pluginStartTimeoutMs: number;
  /** The longest a reload may take to roll new settings through one plugin's instances, in ms (see rollTimeoutMs). */
  pluginRollTimeoutMs?: number | undefined;
  /** WatchdogSec=, in seconds; none when absent. */
  watchdogSec?: number | undefined;
  /** Written into the header comment. */
  version: string;
}

export const UNIT_NAME = 'agentd.service';

/** Where the unit goes: ~/.config/systemd/user (or $XDG_CONFIG_HOME's) for --user, else /etc/systemd/system. */
export function unitPath(user: boolean, env: NodeJS.ProcessEnv = process.env): string {
  if (!user) return path.join('/etc/systemd/system', UNIT_NAME);
  const config = env['XDG_CONFIG_HOME'] && path.isAbsolute(env['XDG_CONFIG_HOME']) ? env['XDG_CONFIG_HOME'] : path.join(env['HOME'] || os.homedir(), '.config');
  return path.join(config, 'systemd', 'user', UNIT_NAME);
}

/**
 * TimeoutStopSec=: the core stops its plugins in parallel, each within its stopTimeout (then
 * SIGKILL to its group), then closes the socket and flushes the logs. systemd must wait for all
 * of that before its own SIGKILL, so: the longest stopTimeout plus a margin, at least 30 s.
 */
export function stopTimeoutSec(pluginStopTimeoutMs: number): number {
  return Math.max(30, Math.ceil(pluginStopTimeoutMs / 1000) + 15);
}

/**
 * How long `ctl start` (the daemon mode) waits for readiness: the plugins start in parallel, so the
 * longest startTimeout plus a margin for Node and the core, never less than ctl's own 30 s.
 */
export function readyTimeoutSec(pluginStartTimeoutMs: number): number {
  return Math.max(30, Math.ceil(pluginStartTimeoutMs / 1000) + 15);
}

/**
 * How long a reload may take to roll new settings through a plugin's `instances`: each one's new
 * process started, then its old one stopped, one at a time; and if the last fails, the others
 * rolled back to their previous settings the same way. Plugins roll in parallel.
 */
export function rollTimeoutMs(instances: number, startTimeoutMs: number, stopTimeoutMs: number): number {
  return (2 * instances - 1) * (startTimeoutMs + stopTimeoutMs);
}

/**
 * TimeoutStartSec=, which systemd also applies to ExecReload=: a reload restarts a stopped plugin
 * whose settings changed (its stop, then its start) and rolls a running one through its
 * instances. Never less than systemd's own default of 90 s.
 */
export function startTimeoutSec(pluginStartTimeoutMs: number, pluginStopTimeoutMs: number, pluginRollTimeoutMs = 0): number {
  return Math.max(90, readyTimeoutSec(pluginStartTimeoutMs) + Math.ceil(pluginStopTimeoutMs / 1000), Math.ceil(pluginRollTimeoutMs / 1000) + 15);
}

export function renderUnit(o: UnitOptions): string {
  const mode = o.mode === 'notify' ? ['--foreground'] : ['--timeout', `${readyTimeoutSec(o.pluginStartTimeoutMs)}s`];
  const start = [o.node, o.bin, 'start', ...mode, '--home', o.home, ...(o.config ? ['--config', o.config] : [])];
  const reload = [o.node, o.bin, 'reload', '--home', o.home];
  const notify = o.mode === 'notify';
  const lines = [
    `# Written by \`ctl service install\` (agentd ${o.version}); run it again to update this file.`,
    '[Unit]',
    `Description=agentd daemon (home ${specifierSafe(o.home)})`,
    // A user manager has no network.target to order after.
    ...(o.user ? [] : ['After=network.target']),
    '',
    '[Service]',
    ...(notify ? [
      'Type=notify',
      '# The core reports READY=1, RELOADING=1, STOPPING=1, STATUS= and WATCHDOG=1. It is a child of',
      '# `ctl`, which stays the main process (systemd gets the core\'s exit code from it), hence "all".',
      'NotifyAccess=all',
    ] : [
      'Type=forking',
      '# `ctl start` returns once the core is ready; the core then belongs to systemd.',
      `PIDFile=${escapeValue(path.join(o.home, 'agentd.pid'))}`,
      '# For STATUS= (and the watchdog) from the core.',
      'NotifyAccess=all',
    ]),
    ...(o.runAs ? [`User=${escapeValue(o.runAs)}`] : []),
    ...stateDirectory(o),
    `ExecStart=${start.map(quoteArg).join(' ')}`,
    '# `ctl reload` returns once the config is applied and exits 78 when it is refused: `systemctl',
    '# reload` waits for the reload and reports a bad config, which `kill -HUP` could do neither of.',
    `ExecReload=${reload.map(quoteArg).join(' ')}`,
    '# SIGTERM to the main process only: the core stops its plugins itself, in order, each within its',
    '# stopTimeout. Plugins run in their own process groups but in this cgroup; control-group would',
    '# signal them all at once, behind the core\'s back. Whatever is left at the end gets SIGKILL.',
    'KillMode=mixed',
    '# Longer than agentd\'s own deadlines, so that a slow plugin fails with agentd\'s error, not systemd\'s.',
    `TimeoutStartSec=${startTimeoutSec(o.pluginStartTimeoutMs, o.pluginStopTimeoutMs, o.pluginRollTimeoutMs)}`,
    `TimeoutStopSec=${stopTimeoutSec(o.pluginStopTimeoutMs)}`,
    'Restart=on-failure',
    '# 78 (EX_CONFIG) is a config that cannot load: restarting cannot fix it, editing the file can.',
    'RestartPreventExitStatus=78',
    'RestartSec=1',
    ...(o.watchdogSec ? [`WatchdogSec=${o.watchdogSec}`] : []),
    '',
    '[Install]',
    `WantedBy=${o.user ? 'default.target' : 'multi-user.target'}`,
    '',
  ];
  return lines.join('\n');
}

/**
 * A system unit's home under /var/lib is its StateDirectory=: systemd creates it 0700 and owned by
 * User= before every start (and chowns it when User= changes), where the core, not being root,
 * could neither create it nor use one root made. Names with spaces cannot be listed there.
 */
function stateDirectory(o: Pick<UnitOptions, 'user' | 'home'>): string[] {
  const relative = path.relative(STATE_ROOT, o.home);
  if (o.user || !relative || relative.startsWith('..') || path.isAbsolute(relative) || /[\s"'\\]/.test(relative)) return [];
  return [`StateDirectory=${escapeValue(relative)}`, 'StateDirectoryMode=0700'];
}

/** True when the unit's StateDirectory= takes care of the home's existence, owner and mode. */
export function homeManagedBySystemd(o: Pick<UnitOptions, 'user' | 'home'>): boolean {
  return stateDirectory(o).length > 0;
}

const STATE_ROOT = '/var/lib';

/** The commands that make systemd use the unit; `ctl service install` prints them, never runs them. */
export function enableCommands(user: boolean, replaced = false): string[] {
  const sc = user ? 'systemctl --user' : 'systemctl';
  // `enable --now` leaves a running service on the unit it was started with.
  if (replaced) return [`${sc} daemon-reload && ${sc} enable agentd && ${sc} restart agentd`];
  return [`${sc} daemon-reload && ${sc} enable --now agentd`];
}

/**
 * One ExecStart= argument: `%` and `$` escaped (systemd would expand them), and double quotes
 * around anything with spaces, quotes or backslashes.
 */
export function quoteArg(arg: string): string {
  if (/[\n\r]/.test(arg)) throw new Error(`a newline cannot appear in a unit's command line: ${JSON.stringify(arg)}`);
  const s = escapeValue(arg).replace(/\$/g, '$$$$');
  return s === '' || /[\s"'\\;]/.test(s) ? `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"` : s;
}

/** A plain setting's value: only `%` specifiers need escaping. */
function escapeValue(value: string): string {
  return value.replace(/%/g, '%%');
}

function specifierSafe(text: string): string {
  return escapeValue(text).replace(/[\n\r]/g, ' ');
}
