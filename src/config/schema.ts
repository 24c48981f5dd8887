import * as v from 'valibot';
import { durationForms, formatBytes, formatDuration, parseDuration, parseSize } from './units.js';

/**
 * The config schema: the one table of every setting, its default and a sentence on what it does.
 * The JSON Schema for editors (`schema/agentd.config.schema.json`) and the README's settings table
 * are generated from it, so this file is the documentation.
 */

/**
 * A duration or a size, as a number (ms, bytes) or a string with a unit. `min` refuses values
 * that would make the setting useless (a 0-byte line limit, a 0 ms idle timeout); the JSON
 * Schema carries it for numbers (metadata), strings are checked here only.
 */
const unitValue = (kind: 'duration' | 'size', doc: string, min: number, max = Infinity) => v.pipe(
  v.union([v.pipe(v.number(), v.minValue(0)), v.string()], kind === 'duration'
    ? `must be a duration: ${durationForms(max)}`
    : 'must be a size such as "10MB" or a number of bytes'),
  v.description(doc),
  v.metadata(max === Infinity ? { minimum: min } : { minimum: min, maximum: max }),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    const value = kind === 'duration' ? parseDuration(dataset.value) : parseSize(dataset.value);
    if (value === null) {
      const got = JSON.stringify(dataset.value);
      addIssue({ message: kind === 'duration'
        ? (/^\s*\d+(?:\.\d+)?\s*$/.test(String(dataset.value)) ? `${got} has no unit; give ${durationForms(max)}` : `must be a duration: ${durationForms(max)} (got ${got})`)
        : `must be a size such as "10MB" or "512KiB" (got ${got})` });
      return NEVER;
    }
    if (value < min) {
      addIssue({ message: `must be at least ${kind === 'duration' ? formatDuration(min) : formatBytes(min)} (got ${JSON.stringify(dataset.value)})` });
      return NEVER;
    }
    if (value > max) {
      addIssue({ message: `must be at most ${kind === 'duration' ? formatDuration(max) : formatBytes(max)} (got ${JSON.stringify(dataset.value)})` });
      return NEVER;
    }
    return value;
  }),
);

const duration = (fallback: string, doc: string, min = 0, max = Infinity) => v.optional(unitValue('duration', doc, min, max), fallback);
const size = (doc: string, min = 0) => unitValue('size', doc, min);

const int = (min: number, max: number) => v.pipe(v.number(), v.integer(), v.minValue(min), v.maxValue(max));

const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;

export const PLUGIN_NAME = /^[a-z][a-z0-9-]{0,62}$/;
export const RESERVED_NAMESPACES = ['daemon', 'logs', 'plugins', 'events', 'rpc'] as const;
/** Plugin names that are taken: the core's RPC namespaces, and `agentd`, the core's own log source. */
export const RESERVED_PLUGIN_NAMES: readonly string[] = [...RESERVED_NAMESPACES, 'agentd'];

export const LogsSchema = v.strictObject({
  maxSize: v.optional(v.nullable(size('Rotate a log file once it reaches this size (at least 4 KiB); null rotates only on `ctl logrotate`.', 4096)), '10MB'),
  keep: v.optional(v.pipe(int(0, 1000), v.description('Rotated files kept per log (x.log.1 … x.log.N); older ones are deleted.')), 5),
  compress: v.optional(v.pipe(v.boolean(), v.description('Gzip rotated files (x.log.1.gz).')), false),
  level: v.optional(v.pipe(v.picklist(LOG_LEVELS), v.description('Lowest level the core writes to agentd.log.')), 'info'),
});

export const RpcSchema = v.strictObject({
  maxLineBytes: v.optional(size('Longest control-socket message accepted (at least 4 KiB); a longer line gets an error and its connection is closed.', 4096), '1MiB'),
  maxConnections: v.optional(v.pipe(int(1, 100_000), v.description('Control-socket connections served at once; more are refused.')), 4096),
  idleTimeout: duration('10m', 'Close a control-socket connection with no request and no subscription after this long (at least 1s).', 1000),
  maxBufferedBytes: v.optional(size('Replies and notifications buffered for a client that does not read (at least 64 KiB); past this its stream notifications are dropped (and counted) and requests wait.', 65536), '8MiB'),
  maxBufferedTotal: v.optional(size('Replies and notifications buffered for all slow clients together (at least 64 KiB); past this, every client that is behind has its stream notifications dropped (and counted) and its requests wait.', 65536), '32MiB'),
  busyPoll: duration('50us', 'After answering a client that calls in a loop (its request came within twice this of the reply to its previous one), keep polling the socket this long instead of sleeping, so its next request is read without a wake-up: round trips about twice as fast on virtual machines, at about the same CPU per call; held off while other processes want the CPU; 0 turns it off (at most 1ms).', 0, 1),
});

export const PluginEntrySchema = v.strictObject({
  module: v.pipe(v.string(), v.minLength(1), v.description('Path of the plugin module (relative to the config file) or a package name.')),
  config: v.optional(v.pipe(v.record(v.string(), v.unknown()), v.description('The plugin\'s own settings, merged over its defaults and checked by its schema.')), {}),
  enabled: v.optional(v.pipe(v.boolean(), v.description('Start this plugin with the daemon; false keeps it configured but stopped.')), true),
  restart: v.optional(v.pipe(v.picklist(['always', 'on-failure', 'never']), v.description('Restart after any exit, only after a failure (non-zero exit, signal, failed start, memory limit, health check), or never.')), 'on-failure'),
  instances: v.optional(v.pipe(int(1, 64), v.description('Processes of this plugin; network plugins share their listening sockets.')), 1),
  logLevel: v.optional(v.pipe(v.picklist(LOG_LEVELS), v.description('Lowest level of the plugin\'s `ctx.log` lines written to its log; "debug" shows `ctx.log.debug`.')), 'info'),
  watch: v.optional(v.pipe(v.boolean(), v.description('Restart the plugin when one of its files changes: its module and the local files it imports.')), false),
  watchDebounce: duration('200ms', 'Wait this long after the last file change before a watch restart.'),
  backoff: v.optional(v.strictObject({
    initial: duration('250ms', 'Delay before the first restart after a crash that follows a short run.'),
    factor: v.optional(v.pipe(v.number(), v.minValue(1), v.maxValue(10), v.description('Each further quick crash multiplies the delay by this.')), 2),
    max: duration('30s', 'Longest delay between restarts.'),
    jitter: v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(1), v.description('Random spread of each delay, as a fraction of it, so that plugins do not restart in step.')), 0.2),
    resetAfter: duration('10s', 'A run at least this long counts as stable: the next crash restarts at once and the delay starts over.'),
  }), {}),
  crashLoop: v.optional(v.strictObject({
    restarts: v.optional(v.pipe(int(1, 1000), v.description('This many restarts within `window` puts the plugin in state failed until `ctl plugins restart`.')), 5),
    window: duration('60s', 'The sliding window the crash-loop count is taken over.'),
  }), {}),
  startTimeout: duration('10s', 'Time from spawn to ready; past it the start fails with E_PLUGIN_START_TIMEOUT.'),
  stopTimeout: duration('5s', 'Time a stopping plugin gets after SIGTERM before SIGKILL goes to its whole process group.'),
  memoryLimit: v.optional(v.nullable(size('End the plugin when the RSS of its process and every process it started, summed, is above this (at least 1 MiB) in two samples a second apart, a failure that restart, backoff and crashLoop handle as a crash; null for no limit.', 1048576)), null),
  healthCheck: v.optional(v.strictObject({
    interval: duration('10s', 'How often the plugin\'s health() is called, when it has one (at least 100ms).', 100),
    timeout: duration('2s', 'A health() answer later than this counts as a failure.'),
    failures: v.optional(v.pipe(int(1, 100), v.description('Consecutive failures that end the plugin, a failure that restart, backoff and crashLoop handle as a crash.')), 3),
  }), {}),
  // Node's spawn throws on a NUL in a name or value, only once the plugin starts: refuse it here.
  umask: v.optional(v.pipe(v.string(), v.regex(/^0?[0-7]{3}$/, 'must be an octal mask such as "022"'), v.description('File mode creation mask of the plugin\'s processes, in octal: "077" (the core\'s own) keeps what they create private to the user, "022" lets others read it.')), '077'),
  env: v.optional(v.pipe(v.record(
    v.pipe(v.string(), v.regex(/^[^=\0]+$/, 'a variable name is not empty and has no "=" or NUL')),
    v.pipe(v.string(), v.regex(/^[^\0]*$/, 'must not contain a NUL character')),
  ), v.description('Extra environment variables for the plugin\'s processes.')), {}),
});

export const ConfigSchema = v.strictObject({
  $schema: v.optional(v.string()),
  logs: v.optional(LogsSchema, {}),
  rpc: v.optional(RpcSchema, {}),
  plugins: v.optional(v.pipe(v.record(v.string(), PluginEntrySchema), v.description('The plugins to run, by name.')), {}),
});

export type ConfigInput = v.InferInput<typeof ConfigSchema>;
export type Config = v.InferOutput<typeof ConfigSchema>;
export type PluginEntry = v.InferOutput<typeof PluginEntrySchema>;
export type LogsConfig = v.InferOutput<typeof LogsSchema>;
export type RpcConfig = v.InferOutput<typeof RpcSchema>;
