import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { isoTime } from '../iso-time.js';
import { loadAddon } from '../native/addon.js';
import { PACKAGE_ROOT } from '../package-info.js';
import type { CoreToHost, HostToCore } from '../plugin-host/protocol.js';
import type { ExitCause, ExitInfo } from '../rpc/wire-types.js';
import { signalGroup } from './kill-group.js';
import { sweepAdopted } from './subreaper.js';

// The plugin host, bundled into one file by scripts/bundle.mjs (from src/plugin-host/main.ts).
const HOST_ENTRY = path.join(PACKAGE_ROOT, 'dist', 'bundle', 'plugin-host.mjs');

export interface HostProcessEvents {
  message: [HostToCore];
  exit: [ExitInfo];
}

/** Both ways a host's spawn fails come down to the core's limits, which only the operator can raise. */
function spawnFailed(why: string): Error {
  return new Error(`spawn of the plugin host failed (${why}): the core may be out of file descriptors or processes; see its \`ulimit -n\` and \`ulimit -u\``);
}

/**
 * One plugin host child process: its own process group (so a stop reaches its grandchildren), an
 * IPC channel, stdout/stderr and a structured-log pipe for the log files, and one end of a
 * socketpair on which the core passes it listening sockets.
 */
export class HostProcess extends EventEmitter<HostProcessEvents> {
  readonly pid: number;
  readonly stdout: Readable;
  readonly stderr: Readable;
  readonly logStream: Readable;
  /** The core's end of the fd-passing socketpair; closed when the process exits. */
  readonly fdPass: number;
  exitInfo: ExitInfo | null = null;
  /** What the plugin said it crashed of, just before exiting (uncaught exception, unhandled rejection). */
  crashReason: string | null = null;
  /** start() returned; the plugin has readiness 'manual' and has not called ctx.ready() yet. */
  awaitingReady = false;
  readonly exited: Promise<ExitInfo>;
  /** Why agentd is ending this process itself, recorded in its exit info. */
  private endCause: ExitCause | null = null;
  private readonly child: ChildProcess;

  constructor(env: NodeJS.ProcessEnv, options: { spare?: boolean; typescript?: boolean } = {}) {
    super();
    const addon = loadAddon();
    let pair: [number, number];
    try { pair = addon.socketPair(); } catch (e) { throw spawnFailed(String((e as Error).message ?? e)); }
    const [coreEnd, hostEnd] = pair;
    this.fdPass = coreEnd;
    try {
      this.child = spawn(process.execPath, [HOST_ENTRY, ...(options.spare ? ['--spare'] : []), ...(options.typescript ? ['--typescript'] : [])], {
        // detached: setsid() in the child, so it leads a process group of its own.
        detached: true,
        cwd: '/',
        env,
        stdio: ['ignore', 'pipe', 'pipe', 'ipc', 'pipe', hostEnd],
        serialization: 'json',
      });
    } finally {
      addon.closeFd(hostEnd);
    }
    if (this.child.pid === undefined) {
      addon.closeFd(coreEnd);
      // Node reports the failure (EMFILE, EAGAIN …) as an 'error' event on the next tick: unheard,
      // it would be an uncaught exception and stop the core, not only this plugin's start.
      this.child.on('error', () => {});
      throw spawnFailed('fork or pipe refused');
    }
    this.pid = this.child.pid;
    this.stdout = this.child.stdout!;
    this.stderr = this.child.stderr!;
    this.logStream = this.child.stdio[4] as Readable;
    this.child.on('message', (m: HostToCore) => {
      if (m.t === 'crashed') this.crashReason = m.reason;
      else if (m.t === 'awaiting-ready') this.awaitingReady = true;
      else if (m.t === 'ready') this.awaitingReady = false;
      this.emit('message', m);
    });
    // The exit counts once the IPC channel is drained too: a host that reports an error and exits
    // at once must not have its exit overtake its last message (which says why).
    const disconnected = new Promise<void>((resolve) => this.child.once('disconnect', () => resolve()));
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        void Promise.race([disconnected, new Promise((r) => setTimeout(r, 1000))]).then(() => {
          this.exitInfo = { code, signal, at: isoTime(), ...(this.endCause ? { cause: this.endCause } : {}) };
          try { addon.closeFd(coreEnd); } catch { /* already closed */ }
          // The host kills what it leaves when it exits; killed itself, it cannot. Then what was
          // in its group dies with the group, and the rest (setsid, double-forked) was reparented
          // to the core, the subreaper, at the host's death.
          signalGroup(this.pid, 'SIGKILL');
          sweepAdopted();
          this.emit('exit', this.exitInfo);
          resolve(this.exitInfo);
        });
      });
    });
    // A host whose IPC write fails is dying; its exit event tells the rest.
    this.child.on('error', () => {});
  }

  get alive(): boolean {
    return this.exitInfo === null;
  }

  send(message: CoreToHost): void {
    if (this.alive && this.child.connected) this.child.send(message, () => {});
  }

  /** Ask for a graceful stop: over IPC, and SIGTERM (with SIGCONT, in case it is stopped) to the group. */
  requestStop(cause?: ExitCause): void {
    this.markEnd(cause);
    this.send({ t: 'stop' });
    signalGroup(this.pid, 'SIGTERM');
    signalGroup(this.pid, 'SIGCONT');
  }

  kill(cause?: ExitCause): void {
    if (!this.alive) return;
    this.markEnd(cause);
    signalGroup(this.pid, 'SIGKILL');
  }

  private markEnd(cause: ExitCause | undefined): void {
    if (cause && this.alive) this.endCause ??= cause;
  }

  /** Wait for a message matching `pick`, the process's exit, or the deadline, whichever comes first. */
  waitFor<T>(pick: (m: HostToCore) => T | undefined, deadline: number): Promise<{ value: T } | { exit: ExitInfo } | { timeout: true }> {
    return new Promise((resolve) => {
      if (this.exitInfo) return resolve({ exit: this.exitInfo });
      const onMessage = (m: HostToCore) => {
        const value = pick(m);
        if (value !== undefined) { done(); resolve({ value }); }
      };
      const onExit = (info: ExitInfo) => { done(); resolve({ exit: info }); };
      const timer = setTimeout(() => { done(); resolve({ timeout: true }); }, Math.max(0, deadline - Date.now()));
      const done = () => {
        clearTimeout(timer);
        this.off('message', onMessage);
        this.off('exit', onExit);
      };
      this.on('message', onMessage);
      this.on('exit', onExit);
    });
  }
}
