import type { WireError } from '../errors/index.js';

/**
 * The IPC protocol between the core and a plugin host process. One host runs one plugin instance.
 * A host may be spawned idle (a spare, ready ahead of need) and told what to run later.
 *
 * core → host: load (import, merge and validate config), start, stop, call, health, and the
 * answers to the host's listen requests (the fd itself travels on a separate socketpair).
 * host → core: idle, loaded | failed, expose (one per ctx.rpc), ready, listen, results, stopped.
 */
export type CoreToHost =
  | { t: 'load'; plugin: string; instance: number; module: string; baseDir: string; config: Record<string, unknown>; home: string; cacheDir: string; env: Record<string, string>; umask?: string; watch?: boolean; logLevel?: string }
  | { t: 'start' }
  | { t: 'stop' }
  | { t: 'call'; id: number; method: string; params: unknown }
  | { t: 'health'; id: number }
  | { t: 'listen-ok'; id: number }
  | { t: 'listen-error'; id: number; error: WireError };

export type FailurePhase = 'load' | 'config' | 'start';

export type HostToCore =
  | { t: 'idle' }
  /** `files`, when the load asked for `watch`: the plugin's own source files (null: unknown). */
  | { t: 'loaded'; name: string; health: boolean; files?: string[] | null }
  | { t: 'failed'; phase: FailurePhase; error: WireError }
  | { t: 'expose'; method: string; summary: string; params: Record<string, unknown>; result: Record<string, unknown> }
  | { t: 'ready'; health: boolean }
  /** start() returned, and with readiness 'manual' the plugin has yet to call ctx.ready(). */
  | { t: 'awaiting-ready' }
  | { t: 'listen'; id: number; host: string; port: number; backlog: number }
  | { t: 'result'; id: number; result: unknown }
  | { t: 'error'; id: number; error: WireError }
  | { t: 'health-result'; id: number; ok: boolean; reason?: string }
  /** The running plugin is about to exit of an uncaught exception or unhandled rejection: why, in one line. */
  | { t: 'crashed'; reason: string }
  | { t: 'stopped' };

/** The fds a host inherits beside stdin/stdout/stderr: fd 3 is Node's IPC channel. */
export const HOST_FDS = {
  /** ctx.log lines, JSON, one per line. */
  log: 4,
  /** A socketpair end on which the core passes listening sockets (SCM_RIGHTS). */
  fdPass: 5,
} as const;
