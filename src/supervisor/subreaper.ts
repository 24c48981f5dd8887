import { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { loadAddon } from '../native/addon.js';
import { descendantsOf, hasExited, isLive, readProcFile, statFields, taskChildren } from './proc-tree.js';

/**
 * This process as a child subreaper (PR_SET_CHILD_SUBREAPER): a descendant whose parent dies is
 * reparented here instead of to PID 1. A daemon that a plugin double-forked, with setsid() and an
 * empty environment, therefore stays in reach: no process group, session or environment variable
 * can take it out of the tree. Each plugin host is one (it keeps what its plugin orphaned, and
 * kills it all when it exits); so is the core (it gets what a killed host leaves behind).
 *
 * An adopted child must be reaped here (libuv waits only for the children it spawned) but a
 * spawned one must not be (libuv would never report its exit), so every spawn through
 * child_process is recorded.
 */

/** What to do with an adopted child: `keep` it (it is the plugin's), or `kill` it (its host is gone). */
export type AdoptedPolicy = 'keep' | 'kill';

const spawned = new Set<number>();
let policy: AdoptedPolicy | null = null;

/**
 * Become a subreaper and start handling adopted children by `adopted`. Call once, before anything
 * is spawned. False when the kernel refused, or lists no children in /proc (a kernel built without
 * CONFIG_PROC_CHILDREN: adopted processes could be neither found nor reaped), and then orphans go
 * to PID 1 as before.
 */
export function becomeSubreaper(adopted: AdoptedPolicy): boolean {
  if (policy !== null) throw new Error('becomeSubreaper: called twice');
  try {
    fs.accessSync(`/proc/${process.pid}/task/${process.pid}/children`, fs.constants.R_OK);
    loadAddon().becomeSubreaper();
  } catch {
    return false;
  }
  policy = adopted;
  recordSpawns();
  // A SIGCHLD stands for any number of exits, and also comes after a parent's exit handed us its
  // children: each one is a cue to look at all of them.
  process.on('SIGCHLD', sweepAdopted);
  return true;
}

// Every spawn, exec and fork of child_process goes through this method (not in Node's types).
type Spawner = { spawn(this: ChildProcess, options: unknown): unknown };

function recordSpawns(): void {
  const proto = ChildProcess.prototype as unknown as Spawner;
  const original = proto.spawn;
  proto.spawn = function spawn(this: ChildProcess, options: unknown) {
    const result = original.call(this, options);
    const pid = this.pid;
    if (pid !== undefined) {
      spawned.add(pid);
      this.once('exit', () => spawned.delete(pid));
    }
    return result;
  };
}

/**
 * Hears of the processes a `kill` sweep signalled (the core logs them), once each, with the
 * plugin whose host left them when known (several, comma-separated, when hosts died together).
 */
export function onAdoptedKilled(listener: (processes: ProcessName[], plugin: string | null) => void): void {
  killedListener = listener;
}

let killedListener: ((processes: ProcessName[], plugin: string | null) => void) | null = null;

/**
 * Name the plugin a spawned host runs. An orphan's parent is gone by the time it is adopted, so
 * the only clue to whose it was is which host died just before.
 */
export function nameHost(pid: number, plugin: string): void {
  if (policy === 'kill') hostOwners.set(pid, plugin);
}

const hostOwners = new Map<number, string>();
/** Plugins whose host died lately, with when that was seen. */
const lateOwners = new Map<string, number>();
// Long enough for an orphan's own children, adopted only once it dies, to be found.
const OWNER_MEMORY_MS = 2000;

/** Every sweep looks, so that the hosts that die are dropped from the map whether or not they left anything. */
function ownersOfOrphans(now: number): string | null {
  for (const [pid, plugin] of hostOwners) {
    if (isLive(pid)) continue;
    hostOwners.delete(pid);
    lateOwners.set(plugin, now);
  }
  for (const [plugin, seen] of lateOwners) if (now - seen > OWNER_MEMORY_MS) lateOwners.delete(plugin);
  return lateOwners.size > 0 ? [...lateOwners.keys()].join(', ') : null;
}

/**
 * Adopted children already sent SIGKILL and not reaped yet. A SIGKILLed process is not a zombie
 * at once, and every SIGCHLD meanwhile (each of its siblings' deaths) is one more sweep: without
 * this, each would signal and log it again.
 */
const killedLive = new Set<number>();

/**
 * With the `kill` policy, SIGKILL the live adopted children; reap the adopted ones that have
 * exited. Returns how many were signalled.
 *
 * Only the main thread's children are looked at: the kernel hands an orphan to a subreaper's
 * first thread, and a child forked by a worker thread is listed under that thread, where its own
 * waiter is. A zombie is reaped only once it has been one for {@link REAP_GRACE_MS}: a native
 * module that forks (node-pty, say) reaps its child itself, at once, and must not lose its status.
 */
export function sweepAdopted(): number {
  if (policy === null) return 0;
  const signalled: ProcessName[] = [];
  const now = Date.now();
  const zombies = new Map<number, number>();
  // Before the children are read: a host seen dead here had its orphans handed over already.
  const owners = ownersOfOrphans(now);
  const children = taskChildren(process.pid, process.pid);
  for (const pid of killedLive) if (!children.includes(pid)) killedLive.delete(pid);
  for (const pid of children) {
    if (spawned.has(pid)) continue;
    if (isZombie(pid)) {
      const since = exitedSince.get(pid) ?? now;
      if (now - since < REAP_GRACE_MS) zombies.set(pid, since);
      else try { loadAddon().reapChild(pid); killedLive.delete(pid); } catch { /* not ours after all */ }
    } else if (policy === 'kill' && !killedLive.has(pid)) {
      const name = nameOf(pid);
      try { process.kill(pid, 'SIGKILL'); signalled.push(name); killedLive.add(pid); } catch { /* gone */ }
    }
  }
  exitedSince = zombies;
  if (zombies.size > 0 && !graceTimer) {
    graceTimer = setTimeout(() => { graceTimer = null; sweepAdopted(); }, REAP_GRACE_MS).unref();
  }
  if (signalled.length > 0) killedListener?.(signalled, owners);
  return signalled.length;
}

const REAP_GRACE_MS = 250;
/** Adopted zombies not reaped yet, with when they were first seen. */
let exitedSince = new Map<number, number>();
let graceTimer: NodeJS.Timeout | null = null;

/** A process as logs name it: `1234 (sleep)`. */
export type ProcessName = string;

/**
 * SIGKILL every live descendant of this process, adopted or spawned, deepest reach included. A
 * few passes, for what forked meanwhile; what still slips through is reparented to the next
 * subreaper up (the core), which kills it. Synchronous, so it can run in an exit handler.
 * Returns the processes signalled.
 */
export function killDescendants(): ProcessName[] {
  const signalled = new Map<number, ProcessName>();
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    let fresh = 0;
    for (const pid of descendantsOf(process.pid)) {
      if (signalled.has(pid) || isZombie(pid)) continue;
      const name = nameOf(pid);
      try { process.kill(pid, 'SIGKILL'); } catch { continue; }
      signalled.set(pid, name);
      fresh++;
    }
    if (fresh === 0) break;
  }
  return [...signalled.values()];
}

const MAX_PASSES = 5;

/**
 * SIGTERM (with SIGCONT, in case one is stopped) to every live descendant outside this process's
 * group, once each: the group has it from the stop request already, and to some programs a second
 * SIGTERM means "hurry". Then resolves once no live descendant is left; those that appear meanwhile
 * get SIGTERM as well, and `onSignal` hears of each. What a stop does for all of a plugin's
 * processes, as systemd does for a unit's. Unbounded: the caller's deadline (the core's
 * stopTimeout, then SIGKILL) bounds it.
 */
export async function terminateDescendants(onSignal: (processes: ProcessName[]) => void): Promise<void> {
  const signalled = new Set<number>();
  for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
    // One read of each /proc/PID/stat a round: state and process group.
    const live = descendantsOf(process.pid).flatMap((pid) => {
      const f = statFields(pid);
      return f && !hasExited(f[0]) ? [{ pid, group: Number(f[2]) }] : [];
    });
    if (live.length === 0) return;
    const now: ProcessName[] = [];
    for (const { pid, group } of live) {
      if (signalled.has(pid) || group === process.pid) continue;
      signalled.add(pid);
      const name = nameOf(pid);
      try { process.kill(pid, 'SIGTERM'); process.kill(pid, 'SIGCONT'); now.push(name); } catch { /* gone */ }
    }
    if (now.length > 0) onSignal(now);
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

function isZombie(pid: number): boolean {
  return hasExited(statFields(pid)?.[0]);
}


function nameOf(pid: number): ProcessName {
  return `${pid} (${readProcFile(`/proc/${pid}/comm`)?.trim() ?? '?'})`;
}

