import * as v from 'valibot';

/**
 * The shapes that cross the control socket. Scripts rely on them (see the README's "RPC protocol"),
 * so fields are added, never renamed or removed. Each is a schema (for `rpc.methods` and the
 * OpenRPC document) with its TypeScript type inferred from it: one declaration for both.
 */

const isoTime = v.pipe(v.string(), v.description('ISO 8601 time'));

export const PluginStateSchema = v.picklist(['stopped', 'starting', 'running', 'backoff', 'stopping', 'failed']);
export type PluginState = v.InferOutput<typeof PluginStateSchema>;

/** Why agentd itself ended a plugin's process; absent when the process ended by itself or was stopped. */
export const ExitCauseSchema = v.picklist(['start-failed', 'memory-limit', 'health-check', 'stop-timeout']);
export type ExitCause = v.InferOutput<typeof ExitCauseSchema>;

export const ExitInfoSchema = v.object({
  code: v.nullable(v.number()),
  signal: v.nullable(v.string()),
  /** ISO 8601 time of the exit. */
  at: isoTime,
  cause: v.optional(v.pipe(ExitCauseSchema, v.description('Set when agentd ended the process itself: after a failed start (a throw from start, a load error, the start timeout), over its memory limit, failing its health check, or with SIGKILL when it did not stop within stopTimeout. code and signal are then how it ended under that.'))),
});
export type ExitInfo = v.InferOutput<typeof ExitInfoSchema>;

/** One plugin instance, as `plugins.list` and `daemon.status` report it (`name#N` for instance N of several). */
export const PluginRowSchema = v.object({
  name: v.pipe(v.string(), v.description('The plugin\'s name, or name#N for instance N when it runs several.')),
  plugin: v.string(),
  instance: v.number(),
  state: PluginStateSchema,
  pid: v.nullable(v.number()),
  uptime: v.pipe(v.nullable(v.number()), v.description('Seconds since this process became ready; null when not running.')),
  restarts: v.pipe(v.number(), v.description('Restarts after a failure (crash, failed start, memory limit, failed health check) since the daemon started: one per plugin.restart event. Restarts asked for (plugins.restart, watch, reload) are not counted.')),
  lastExit: v.nullable(ExitInfoSchema),
  memory: v.object({ rss: v.nullable(v.number()) }),
  cpu: v.pipe(v.nullable(v.number()), v.description('CPU use over the last second, in percent of one core.')),
  error: v.pipe(v.nullable(v.string()), v.description('Why the plugin is failed, backing off or stopped by an error.')),
  nextStartAt: v.pipe(v.nullable(isoTime), v.description('When state is backoff: the time of the next start.')),
});
export type PluginRow = v.InferOutput<typeof PluginRowSchema>;

export const LogFileStatusSchema = v.object({
  path: v.string(),
  bytes: v.number(),
  dropped: v.pipe(v.number(), v.description('Lines that could not be written (disk full, permissions) since the core started.')),
  failing: v.pipe(v.boolean(), v.description('Writes fail now; false once a write succeeded again.')),
  lastError: v.nullable(v.object({ code: v.string(), message: v.string(), at: isoTime })),
});
export type LogFileStatus = v.InferOutput<typeof LogFileStatusSchema>;

export const DaemonStatusSchema = v.object({
  pid: v.number(),
  version: v.string(),
  uptime: v.pipe(v.number(), v.description('Seconds since the core started.')),
  home: v.string(),
  socket: v.string(),
  config: v.pipe(v.nullable(v.string()), v.description('The config file, or null for the built-in default.')),
  watch: v.pipe(v.boolean(), v.description('Started with --watch: every plugin restarts when its files change.')),
  foreground: v.pipe(v.boolean(), v.description('Started with --foreground: a service manager (systemd, a container) runs it.')),
  memory: v.object({ rss: v.number(), heapUsed: v.number() }),
  rpc: v.object({
    connections: v.pipe(v.number(), v.description('Control-socket clients connected now.')),
    buffered: v.pipe(v.number(), v.description('Bytes queued for clients that read too slowly, all together (bounded by rpc.maxBufferedTotal).')),
  }),
  plugins: v.array(PluginRowSchema),
  logs: v.object({ level: v.string(), problems: v.array(LogFileStatusSchema) }),
});
export type DaemonStatus = v.InferOutput<typeof DaemonStatusSchema>;

/** An `event` notification's params: `type` and `at`, and fields by type. */
export const AgentdEventSchema = v.looseObject({
  type: v.string(),
  at: isoTime,
  plugin: v.optional(v.string()),
  instance: v.optional(v.number()),
  from: v.optional(PluginStateSchema),
  to: v.optional(PluginStateSchema),
  pid: v.optional(v.nullable(v.number())),
});
export type AgentdEvent = v.InferOutput<typeof AgentdEventSchema>;

/** A log line as a parsed object, with `source`: `agentd` or the plugin's name. */
export const LogEntrySchema = v.looseObject({
  source: v.string(),
  time: v.optional(isoTime),
  level: v.optional(v.string()),
  stream: v.optional(v.string()),
  message: v.optional(v.string()),
});
export type LogEntry = v.InferOutput<typeof LogEntrySchema>;

/** One method, as `rpc.methods` lists it. */
export const MethodInfoSchema = v.object({
  name: v.string(),
  summary: v.string(),
  params: v.pipe(v.record(v.string(), v.unknown()), v.description('JSON Schema of the named params.')),
  result: v.optional(v.pipe(v.record(v.string(), v.unknown()), v.description('JSON Schema of the result.'))),
  streams: v.optional(v.pipe(v.string(), v.description('The notification method this call starts streaming.'))),
  plugin: v.optional(v.pipe(v.string(), v.description('The plugin that provides the method; absent for core methods.'))),
});
export type MethodInfo = v.InferOutput<typeof MethodInfoSchema>;

export const ReloadResultSchema = v.object({
  config: v.nullable(v.string()),
  added: v.array(v.string()),
  removed: v.array(v.string()),
  changed: v.array(v.string()),
  unchanged: v.array(v.string()),
});
export type ReloadResult = v.InferOutput<typeof ReloadResultSchema>;
