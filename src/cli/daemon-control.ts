import fs from 'node:fs';
import path from 'node:path';
import { connect } from '../client/index.js';
import { formatDuration } from '../config/units.js';
import { errors } from '../errors/index.js';
import { checkHomeReadable, checkPidfile, ensureHome, homePaths } from '../home/index.js';
import { lockHolder, removeStaleFiles } from '../native/addon.js';
import { launchDaemon, runForeground } from '../native/launch.js';
import { socketListener } from '../rpc/socket-listener.js';
import type { DaemonStatus } from '../rpc/wire-types.js';
import { isLive } from '../supervisor/proc-tree.js';

export interface StartOptions {
  home: string;
  config?: string | undefined;
  watch?: boolean;
  timeoutMs?: number | undefined;
  /** With --foreground: the core ends stdout with a JSON error record if it fails. */
  json?: boolean;
}

function coreArgs(o: StartOptions): string[] {
  // The core runs from /, so a relative --config is made absolute here, where it was meant.
  return ['--home', o.home, ...(o.config ? ['--config', path.resolve(o.config)] : []), ...(o.watch ? ['--watch'] : [])];
}

/** Start the daemon through the native launcher; resolves once it reported ready. */
export async function startDaemon(o: StartOptions): Promise<{ pid: number }> {
  ensureHome(o.home);
  const paths = homePaths(o.home);
  checkPidfile(o.home, paths.pidfile);
  try {
    return await launchDaemon({ home: o.home, pidfile: paths.pidfile, args: coreArgs(o), ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}) });
  } catch (error) {
    // A core that failed cleanly removed its own files; one that crashed or was killed could not.
    // Best effort: what the user needs to read is why the start failed, not why the tidy-up did.
    try { removeStaleFiles(paths.pidfile, paths.socket); } catch { /* the start's error says more */ }
    throw error;
  }
}

/** Run the core in this terminal (systemd, containers); resolves with its exit code. */
export async function runDaemonInForeground(o: Omit<StartOptions, 'timeoutMs'>): Promise<number> {
  ensureHome(o.home);
  checkPidfile(o.home, homePaths(o.home).pidfile);
  return runForeground({ home: o.home, pidfile: homePaths(o.home).pidfile, args: [...coreArgs(o), '--foreground', ...(o.json ? ['--json'] : [])] });
}

/**
 * The core holding the home's lock, with its `daemon.status` when the socket answers as a live
 * core's does (within half of `timeoutMs`, at most 2 s); null when no core holds the lock.
 */
export async function runningCore(home: string, timeoutMs: number): Promise<{ pid: number; status: DaemonStatus | null } | null> {
  checkHomeReadable(home);
  const pid = await namedHolder(homePaths(home).pidfile);
  if (pid === 0) return null;
  try {
    const client = await connect({ home, timeoutMs: Math.max(1, Math.min(SOCKET_ANSWER_MS, timeoutMs / 2)) });
    try { return { pid, status: await client.call('daemon.status') }; } finally { client.close(); }
  } catch {
    return { pid, status: null };
  }
}

export type StopResult = { stopped: false } | { stopped: true; pid: number; forced: 'no' | 'SIGTERM' | 'SIGKILL' };

/** How long a lock holder that has not written its pid yet (a launcher between flock and the write) gets to. */
const PIDFILE_WRITE_MS = 2000;

/**
 * The pid holding the home's lock (0: none), waiting while the pidfile is still empty: a launcher
 * takes the lock, forks twice and only then writes the pid. A stop that went ahead with -1 could
 * signal nobody, and took any holder of the lock for its core, the one a concurrent `ctl restart`
 * starts included: it waited out its whole deadline and failed. -1 only for a pidfile that stays
 * unreadable.
 */
export async function namedHolder(pidfile: string): Promise<number> {
  const deadline = Date.now() + PIDFILE_WRITE_MS;
  for (;;) {
    const pid = lockHolder(pidfile);
    if (pid !== -1 || Date.now() >= deadline) return pid;
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** How long a core that is alive gets to answer on its socket; the rest of --timeout is for stopping. */
const SOCKET_ANSWER_MS = 2000;
/** A stop's bound without --timeout, when the core does not answer to say how long it needs. */
export const DEFAULT_STOP_MS = 10_000;

/**
 * Stop gracefully over the socket; if the socket does not answer, SIGTERM (with SIGCONT), and at
 * `timeoutMs` from the start, socket wait included, SIGKILL — only ever to the pid that holds
 * the lock, so a stale pidfile never gets a signal sent to a stranger. Resolves once the lock is
 * free, i.e. the core is gone. `progress` hears each escalation and a long wait, as one line.
 */
export async function stopDaemon(home: string, timeoutMs: number | null, progress: (line: string) => void = () => {}): Promise<StopResult> {
  checkHomeReadable(home);
  const { pidfile, socket } = homePaths(home);
  const held = await namedHolder(pidfile);
  // A core whose pidfile was deleted under it holds the lock on the unlinked file: free as far as
  // the path tells, yet it runs and answers on the socket, and `ctl stop` is how it is stopped.
  const pid = held !== 0 ? held : fs.existsSync(socket) ? (await socketListener(socket)) ?? 0 : 0;
  if (pid === 0) return { stopped: false };
  // Whether the core we stop is still there: it holds the lock, or (pidfile gone) it still runs.
  const alive = held !== 0 ? () => { const h = lockHolder(pidfile); return pid > 0 ? h === pid : h !== 0; } : () => isLive(pid);
  const began = Date.now();
  let deadline = began + (timeoutMs ?? DEFAULT_STOP_MS);
  let forced: 'no' | 'SIGTERM' | 'SIGKILL' = 'no';
  const stopped = (): StopResult => {
    // A core that was killed left its socket and pidfile; one that stopped removed them itself.
    removeStaleFiles(pidfile, socket);
    return { stopped: true, pid, forced };
  };
  try {
    const client = await connect({ home, timeoutMs: Math.max(1, Math.min(SOCKET_ANSWER_MS, (timeoutMs ?? DEFAULT_STOP_MS) / 2)) });
    try {
      const { within } = await client.call('daemon.stop');
      // Without --timeout, the core says how long its plugins may take: a plugin with a long
      // stopTimeout is not SIGKILLed mid-stop by a shorter default here.
      if (timeoutMs === null) deadline = began + Math.max(DEFAULT_STOP_MS, within);
    } finally { client.close(); }
  } catch {
    if (signalIfAlive(alive, pid, 'SIGTERM')) {
      forced = 'SIGTERM';
      progress(`agentd (pid ${pid}) did not answer on its socket; sent SIGTERM, SIGKILL in ${formatDuration(Math.max(0, deadline - Date.now()))}`);
    }
  }
  const slow = () => progress(`waiting for agentd (pid ${pid}) to stop; SIGKILL in ${formatDuration(Math.max(0, deadline - Date.now()))}`);
  if (await gone(alive, deadline, forced === 'no' ? slow : undefined)) return stopped();
  if (signalIfAlive(alive, pid, 'SIGKILL')) {
    forced = 'SIGKILL';
    progress(`agentd (pid ${pid}) did not stop within ${formatDuration(deadline - began)}; sent SIGKILL`);
  }
  if (await gone(alive, Date.now() + 5000)) return stopped();
  throw errors.stopTimeout(pid, deadline - began);
}

function signalIfAlive(alive: () => boolean, pid: number, signal: NodeJS.Signals): boolean {
  if (pid <= 0 || !alive()) return false;
  try {
    process.kill(pid, signal);
    // A stopped core (SIGSTOP, ^Z) would never run its SIGTERM handler; systemd sends SIGCONT too.
    if (signal === 'SIGTERM') process.kill(pid, 'SIGCONT');
    return true;
  } catch {
    return false;
  }
}

/**
 * Poll until the core is gone (for one that holds the lock: the kernel drops it when the core's
 * last fd closes) or `deadline`; `slow` once after 1 s. A lock held by another pid counts as gone:
 * a concurrent `ctl start` or `restart` may take it the moment our core lets go, and waiting for
 * it to be free would wait out the whole deadline and then report a core long gone as unkillable.
 */
async function gone(alive: () => boolean, deadline: number, slow?: () => void): Promise<boolean> {
  const slowAt = Date.now() + 1000;
  for (let delay = 2; ; delay = Math.min(delay * 2, 50)) {
    if (!alive()) return true;
    const now = Date.now();
    if (now >= deadline) return false;
    if (slow && now >= slowAt) { slow(); slow = undefined; }
    await new Promise((r) => setTimeout(r, Math.min(delay, deadline - now)));
  }
}
