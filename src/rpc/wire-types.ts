/**
 * The shapes that cross the control socket. Scripts rely on them (see the README's "RPC protocol"),
 * so fields are added, never renamed or removed.
 */

export type PluginState = 'stopped' | 'starting' | 'running' | 'backoff' | 'stopping' | 'failed';

export interface ExitInfo {
  code: number | null;
  signal: string | null;
  /** ISO 8601 time of the exit. */
  at: string;
}

/** One plugin instance, as `plugins.list` and `daemon.status` report it (`name#N` for instance N > 0 of several). */
export interface PluginRow {
  name: string;
  plugin: string;
  instance: number;
  state: PluginState;
  pid: number | null;
  /** Seconds since this process became ready, or null when not running. */
  uptime: number | null;
  /** Restarts since the plugin was started by hand or by the daemon. */
  restarts: number;
  lastExit: ExitInfo | null;
  memory: { rss: number | null };
  /** CPU use over the last sampling interval, in percent of one core. */
  cpu: number | null;
  /** Why the plugin is failed, backing off or stopped by an error; null otherwise. */
  error: string | null;
  /** When state is backoff: the ISO time of the next start. */
  nextStartAt: string | null;
}

export interface LogFileStatus {
  path: string;
  bytes: number;
  dropped: number;
  lastError: { code: string; message: string; at: string } | null;
}

export interface DaemonStatus {
  pid: number;
  version: string;
  /** Seconds since the core started. */
  uptime: number;
  home: string;
  socket: string;
  config: string | null;
  memory: { rss: number; heapUsed: number };
  /** Control-socket clients connected now (this one included). */
  rpc: { connections: number };
  plugins: PluginRow[];
  logs: { level: string; problems: LogFileStatus[] };
}

/** An `event` notification's params. */
export interface AgentdEvent {
  type: string;
  at: string;
  plugin?: string;
  instance?: number;
  from?: PluginState;
  to?: PluginState;
  pid?: number | null;
  [key: string]: unknown;
}

/** A log line as a parsed object, with `source`: `agentd` or the plugin's name. */
export interface LogEntry {
  source: string;
  time?: string;
  level?: string;
  stream?: string;
  message?: string;
  [key: string]: unknown;
}

/** One method, as `rpc.methods` lists it. */
export interface MethodInfo {
  name: string;
  summary: string;
  /** JSON Schema of the named params. */
  params: Record<string, unknown>;
  /** Notification method this call starts streaming, if any. */
  streams?: string;
  /** The plugin that provides the method; absent for core methods. */
  plugin?: string;
}

export interface ReloadResult {
  config: string | null;
  added: string[];
  removed: string[];
  changed: string[];
  unchanged: string[];
}
