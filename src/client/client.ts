import net from 'node:net';
import { errors, type WireError } from '../errors/index.js';
import { homePaths, resolveHome } from '../home/paths.js';
import { LineReader } from '../rpc/framing.js';
import type { ParamsIn, ResultOf } from '../rpc/descriptor.js';
import type { CoreMethodName, CoreMethods } from '../rpc/methods/index.js';
import type { PluginMethod, PluginMethodName } from './method-names.js';
import type { AgentdEvent, LogEntry } from '../rpc/wire-types.js';
import { fromWire } from './rpc-error.js';

export interface ConnectOptions {
  /** The daemon's home; defaults to `$AGENTD_HOME`, then `~/.agentd`. */
  home?: string;
  /** The socket path, when not `<home>/agentd.sock`. */
  socket?: string;
  /** Per-call timeout in ms (default 30 s; 0 for none). */
  timeoutMs?: number;
  /**
   * Asked, each time a call has gone `afterMs` without an answer, whether the daemon is still
   * there; an error it resolves to ends that call. For callers whose calls may rightly take long
   * (a plugin restart) but that must not wait on a frozen daemon for as long.
   */
  stalled?: StallCheck;
}

export interface StallCheck {
  afterMs: number;
  check(method: string): Promise<Error | null>;
}

/** Notifications the daemon streams, by method name. */
export interface Notifications {
  event: AgentdEvent;
  log: LogEntry;
}

type Params<N extends CoreMethodName> = ParamsIn<CoreMethods[N]>;

type Pending = { resolve(v: unknown): void; reject(e: Error): void; timer: NodeJS.Timeout | undefined; stall?: NodeJS.Timeout; method: string };

/**
 * A connection to a running agentd, typed from the method descriptors: `call('daemon.status')`
 * resolves to a `DaemonStatus`, and a wrong name or params in a core namespace do not compile.
 * Plugin methods (`image-server.stats`) are called the same way and resolve to `unknown`, or to
 * `R` in `call<R>(…)`. A core method takes no `R`: its result is typed already, and
 * `call<R>('daemon.statu')` does not compile. A name known only at run time is called without
 * `R` (`call(name)` resolves to `unknown`; assert the type you expect). With several instances a plugin
 * method is served by one of them, round robin; `image-server#1.stats` addresses instance 1.
 * Errors are `AgentdError`s with the daemon's own code and message.
 */
export class AgentdClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Map<string, Set<(params: never) => void>>();
  private closedError: Error | null = null;

  /** @internal use {@link connect} */
  constructor(private readonly socket: net.Socket, private readonly timeoutMs: number, private readonly stalled?: StallCheck) {
    const reader = new LineReader(64 * 1024 * 1024, (line) => this.receive(line), () => this.fail(errors.connectionClosed('(reply over 64 MiB)')));
    socket.on('data', (chunk: Buffer) => reader.push(chunk));
    socket.on('error', (e) => this.fail(errors.connectionClosed(`(${(e as NodeJS.ErrnoException).code ?? e.message})`, { cause: e })));
    socket.on('close', () => this.fail(errors.connectionClosed('by the daemon')));
  }

  call<N extends CoreMethodName>(method: N, ...params: {} extends Params<N> ? [Params<N>?] : [Params<N>]): Promise<ResultOf<CoreMethods[N]>>;
  call<R = unknown>(method: PluginMethod, params?: Record<string, unknown>): Promise<R>;
  call<const M extends string>(method: M & PluginMethodName<M>, params?: Record<string, unknown>): Promise<unknown>;
  call(method: string, params?: unknown): Promise<unknown> {
    if (this.closedError) return Promise.reject(this.closedError);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = this.timeoutMs > 0
        ? setTimeout(() => { this.take(id); reject(errors.rpcTimeout(method, this.timeoutMs)); }, this.timeoutMs)
        : undefined;
      const pending: Pending = { resolve, reject, timer, method };
      this.pending.set(id, pending);
      this.watchStall(id, pending);
      this.socket.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, params: params ?? {} })}\n`);
    });
  }

  /** Listen to a notification stream (start it with `events.subscribe` or `logs.follow`). Returns an unsubscriber. */
  on<K extends keyof Notifications>(method: K, listener: (params: Notifications[K]) => void): () => void {
    let set = this.listeners.get(method);
    if (!set) this.listeners.set(method, (set = new Set()));
    set.add(listener as (params: never) => void);
    return () => set.delete(listener as (params: never) => void);
  }

  /** Resolves when the connection closes, for whatever reason. */
  get closed(): Promise<void> {
    return new Promise((resolve) => (this.socket.destroyed ? resolve() : this.socket.once('close', () => resolve())));
  }

  close(): void {
    this.socket.end();
    this.socket.destroy();
  }

  private watchStall(id: number, p: Pending): void {
    const stalled = this.stalled;
    if (!stalled) return;
    p.stall = setTimeout(() => {
      void stalled.check(p.method).catch((e: Error) => e).then((error) => {
        if (this.pending.get(id) !== p) return;
        if (!error) return this.watchStall(id, p);
        this.take(id);
        p.reject(error);
      });
    }, stalled.afterMs);
  }

  private receive(line: string): void {
    let msg: { id?: number | null; result?: unknown; error?: WireError; method?: string; params?: unknown };
    try { msg = JSON.parse(line); } catch { return; }
    if (msg.method !== undefined && msg.id === undefined) {
      for (const l of this.listeners.get(msg.method) ?? []) (l as (p: unknown) => void)(msg.params);
      return;
    }
    if (typeof msg.id !== 'number') {
      // An error for the connection itself (e.g. our line was too long): fail everything pending.
      if (msg.error) this.fail(fromWire(msg.error));
      return;
    }
    const p = this.take(msg.id);
    if (!p) return;
    if (msg.error) p.reject(fromWire(msg.error));
    else p.resolve(msg.result);
  }

  /** The call `id` is settled: no longer pending, its timers cleared. */
  private take(id: number): Pending | undefined {
    const p = this.pending.get(id);
    if (!p) return undefined;
    this.pending.delete(id);
    clearTimeout(p.timer);
    clearTimeout(p.stall);
    return p;
  }

  private fail(error: Error): void {
    this.closedError ??= error;
    for (const id of [...this.pending.keys()]) this.take(id)?.reject(error);
  }
}

/**
 * Connect to the daemon of a home. Rejects with `E_NOT_RUNNING` (exit code 3) when nothing
 * listens there, so scripts can tell "not running" from a failure.
 */
export function connect(options: ConnectOptions = {}): Promise<AgentdClient> {
  const home = resolveHome(options.home);
  const socketPath = options.socket ?? homePaths(home).socket;
  return new Promise((resolve, reject) => {
    const socket = net.connect(socketPath);
    socket.once('connect', () => {
      socket.removeAllListeners('error');
      resolve(new AgentdClient(socket, options.timeoutMs ?? 30_000, options.stalled));
    });
    socket.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT' || e.code === 'ECONNREFUSED') reject(errors.notRunning(home, { cause: e }));
      else reject(errors.connectFailed(socketPath, e.code ?? e.message, { cause: e }));
    });
  });
}
