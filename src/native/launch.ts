import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CORE_ARGS_VAR } from '../core/core-args.js';
import { AgentdError, errors, type ExitCode } from '../errors/index.js';
import { PACKAGE_ROOT } from '../package-info.js';
import { lockHolder } from './addon.js';

/**
 * The core's entry point, run by the launcher with `process.execPath`: src/core/entry.ts, which loads
 * the core bundled into one file by scripts/bundle.mjs (from src/core/main.ts) through a code cache.
 */
export const DEFAULT_ENTRY = path.join(PACKAGE_ROOT, 'dist', 'bundle', 'core-entry.cjs');
/** How long a core may take to write its READY line before it is stopped. */
export const DEFAULT_START_TIMEOUT_MS = 30_000;

export interface LaunchOptions {
  /** AGENTD_HOME of the core; also exported to it as `AGENTD_HOME`. */
  home: string;
  /** The pidfile whose flock is the single-instance lock. */
  pidfile: string;
  /** The script Node runs; {@link DEFAULT_ENTRY} by default. */
  entry?: string;
  /** Arguments after the entry, e.g. `['--home', home]`. */
  args?: string[];
  /** Node options before the entry, e.g. `['--enable-source-maps']`. */
  nodeArgs?: string[];
  /** Deadline for READY, {@link DEFAULT_START_TIMEOUT_MS} by default. */
  timeoutMs?: number;
  /** The core's environment; `process.env` by default. */
  env?: NodeJS.ProcessEnv;
}

export interface ForegroundOptions extends Omit<LaunchOptions, 'timeoutMs'> {
  /**
   * Keep the launcher as the core's parent, a tiny init that forwards signals and reaps every
   * orphan below the core. By default only when this process is PID 1 (a container's entry
   * point): Node there never reaps the orphans the kernel hands it.
   */
  init?: boolean;
}

/** The native launcher built by `npm install` from src/native/launcher.c. */
export function launcherPath(): string {
  return path.join(PACKAGE_ROOT, 'build', 'Release', 'agentd-launcher');
}

function checkedLauncher(): string {
  const exe = launcherPath();
  try {
    fs.accessSync(exe, fs.constants.X_OK);
  } catch (cause) {
    throw errors.nativeHelperMissing(exe, { cause });
  }
  return exe;
}

function launcherArgs(opts: LaunchOptions & { init?: boolean }, foreground: boolean): string[] {
  const flags = foreground ? ['--foreground', ...(opts.init ? ['--init'] : [])] : ['--timeout', String(opts.timeoutMs ?? DEFAULT_START_TIMEOUT_MS)];
  // Absolute paths: the core runs from `/`.
  return [...flags, '--pidfile', path.resolve(opts.pidfile), '--',
    process.execPath, ...(opts.nodeArgs ?? []), path.resolve(opts.entry ?? DEFAULT_ENTRY), ...(opts.args ?? [])];
}

function coreEnv(opts: ForegroundOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...(opts.env ?? process.env), AGENTD_HOME: opts.home, [CORE_ARGS_VAR]: JSON.stringify(opts.args ?? []) };
  // systemd addresses its watchdog to the process it started, `ctl`, which only waits: the core
  // is the one whose event loop the keep-alives must prove alive, so the duty passes on to it.
  if (env['WATCHDOG_PID'] === String(process.pid)) delete env['WATCHDOG_PID'];
  return env;
}

const TIMEOUT_LINE = /^ERROR agentd did not report ready within (\d+) ms and was stopped(?:: plugins still starting: (.*))?$/;

/**
 * The launcher's report (one stdout line, and its exit status) as a pid or a catalogue error.
 * Exported for tests; see the protocol at the top of launcher.c.
 */
export function interpretLauncher(stdout: string, code: number | null, signal: NodeJS.Signals | null, stderr = ''): { pid: number } | AgentdError {
  const line = stdout.split('\n').map((l) => l.trim()).filter(Boolean).pop() ?? '';
  const ready = /^READY (\d+)$/.exec(line);
  if (ready && code === 0) return { pid: Number(ready[1]) };
  const running = /^RUNNING (\d+)$/.exec(line);
  if (running) return errors.alreadyRunning(Number(running[1]) || null);
  const timeout = TIMEOUT_LINE.exec(line);
  if (timeout) {
    const starting = timeout[2]?.split(', ') ?? [];
    return errors.startTimeout(Number(timeout[1]), starting, { data: { starting } });
  }
  if (line.startsWith('ERROR ')) return startError(line.slice(6), code);
  const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
  const detail = stderr.trim().split('\n')[0];
  return errors.startFailed(`the native launcher ${how} without a report${detail ? `: ${detail}` : ''}`);
}

const catalogue = new Map<string, { rpcCode: number; exitCode: ExitCode }>(Object.values(errors).map((e) => [e.code, e]));

/**
 * The core's `ERROR [E_CODE] text` as the error it was in the core (its code and exit code: a bad
 * config is E_CONFIG_INVALID, as on reload), or E_START_FAILED for a text with no known code.
 */
function startError(rest: string, launcherExit: number | null): AgentdError {
  const m = /^(E_[A-Z0-9_]+) (.*)$/.exec(rest);
  const known = m ? catalogue.get(m[1]!) : undefined;
  if (!m || !known) return errors.startFailed(rest, { data: { launcherExit } });
  return new AgentdError(m[1]!, known.rpcCode, known.exitCode, m[2]!, { data: { launcherExit } });
}

/**
 * Start the core as a daemon through the native launcher and resolve once it has written
 * `READY <pid>`. Rejects with `E_ALREADY_RUNNING`, `E_START_FAILED` (the core's own one-line text),
 * `E_START_TIMEOUT` (the core was stopped) or `E_NATIVE_MISSING`. On any rejection no core is left
 * holding the lock, so a retry can start at once.
 */
export async function launchDaemon(opts: LaunchOptions): Promise<{ pid: number }> {
  const exe = checkedLauncher();
  const child = spawn(exe, launcherArgs(opts, false), { stdio: ['ignore', 'pipe', 'pipe'], env: coreEnv(opts) });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => { stdout += s; });
  child.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.once('error', (cause) => reject(errors.nativeHelperMissing(exe, { cause })));
    child.once('close', (c, s) => resolve([c, s]));
  });
  const result = interpretLauncher(stdout, code, signal, stderr);
  if (result instanceof Error) throw result;
  return result;
}

/**
 * Signals `ctl start --foreground` passes on to the core: stop, stop, reload, reopen logs, and
 * SIGABRT, systemd's watchdog signal, so that the core (the process that hung) is the one to dump.
 */
const FORWARDED = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGUSR2', 'SIGABRT'] as const;

/**
 * Run the core in the foreground (same pid as the launcher, stdio inherited; with `init`, a child
 * of the launcher) and resolve with its exit code, or 128 + the signal number when a signal
 * killed it. The core gets its own session,
 * so a terminal's Ctrl-C reaches it exactly once: through us, not also from the terminal.
 * Throws `E_ALREADY_RUNNING` when another core holds the lock.
 */
export async function runForeground(opts: ForegroundOptions): Promise<number> {
  const exe = checkedLauncher();
  // Checked here too so that the launcher's RUNNING line does not land on the user's terminal.
  const holder = lockHolder(opts.pidfile);
  if (holder !== 0) throw errors.alreadyRunning(holder > 0 ? holder : null);

  const init = opts.init ?? process.pid === 1;
  const child = spawn(exe, launcherArgs({ ...opts, init }, true), { stdio: 'inherit', env: coreEnv(opts), detached: true });
  const forward = (sig: NodeJS.Signals): void => { child.kill(sig); };
  for (const sig of FORWARDED) process.on(sig, forward);
  try {
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
      child.once('error', (cause) => reject(errors.nativeHelperMissing(exe, { cause })));
      child.once('exit', (c, s) => resolve([c, s]));
    });
    if (code === 3) {
      // 3 is the launcher's RUNNING, unless the core itself exited 3; only the first leaves the lock
      // held by someone other than the process that just exited.
      const now = lockHolder(opts.pidfile);
      if (now !== 0 && now !== child.pid) throw errors.alreadyRunning(now > 0 ? now : null);
    }
    if (code !== null) return code;
    return 128 + (signal ? os.constants.signals[signal] : 0);
  } finally {
    for (const sig of FORWARDED) process.off(sig, forward);
  }
}
